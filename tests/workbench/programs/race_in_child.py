"""Two threads of a forked child bump a global without a lock."""

import multiprocessing as mp
import threading

hits = 0


def bump():
    global hits
    for _ in range(100):
        hits += 1


def child():
    ts = [threading.Thread(target=bump) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


if __name__ == "__main__":
    p = mp.get_context("fork").Process(target=child)
    p.start()
    p.join()
