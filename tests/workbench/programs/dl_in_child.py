"""Two threads of a spawned child take two threading locks in opposite orders: a deadlock
inside one process of the run, found by that process's own watchdog."""

import multiprocessing as mp
import threading


def worker(first, second, barrier):
    with first:
        barrier.wait()
        with second:
            pass


def child():
    a, b, barrier = threading.Lock(), threading.Lock(), threading.Barrier(2)
    ts = [threading.Thread(target=worker, args=(x, y, barrier)) for x, y in ((a, b), (b, a))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


if __name__ == "__main__":
    p = mp.get_context("spawn").Process(target=child)
    p.start()
    p.join()
