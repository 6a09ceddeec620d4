"""Two forked children take their own copies of two threading locks, in opposite orders:
a copy made by fork is not the parent's lock, so this is no lock-order inversion."""

import multiprocessing as mp
import threading

a, b = threading.Lock(), threading.Lock()


def take(first, second):
    with first, second:
        pass


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    for pair in ((a, b), (b, a)):
        p = ctx.Process(target=take, args=pair)
        p.start()
        p.join()
        assert p.exitcode == 0
