"""A script that fails: the user must see where."""


def load(config):
    return config["missing"]  # KeyError here


load({})
