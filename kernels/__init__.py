"""The workloads: plain Python recipes that also run alone
(``python -m kernels.threads.lock_counter``).

Nothing here imports the engine (``workbench``) or Qt: a recipe is a short program a workshop
attendee reads top to bottom. ``kernels.recipe`` holds the few helpers every recipe shares.
"""
