"""A child puts an object that takes a while to pickle: the queue's feeder thread pickles it
while the parent waits in get() and the child waits for the feeder at exit."""

import multiprocessing as mp
import time


class Slow:
    def __reduce__(self):
        end = time.perf_counter() + 0.9
        while time.perf_counter() < end:  # computing, not waiting
            pass
        return (Slow, ())


def child(q):
    q.put(Slow())


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q,))
    p.start()
    assert isinstance(q.get(), Slow)
    p.join()
