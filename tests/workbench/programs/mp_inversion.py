"""Two processes take two multiprocessing locks in opposite orders, one after the other."""

import multiprocessing as mp


def take(first, second):
    with first, second:
        pass


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    a, b = ctx.Lock(), ctx.Lock()
    for pair in ((a, b), (b, a)):
        p = ctx.Process(target=take, args=pair)
        p.start()
        p.join()
        assert p.exitcode == 0
