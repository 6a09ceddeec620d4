"""The parent waits on a multiprocessing lock that a child holds for a while: slow, not stuck."""

import multiprocessing as mp
import time


def hold(lock, ready):
    with lock:
        ready.set()
        time.sleep(1.2)


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    lock, ready = ctx.Lock(), ctx.Event()
    child = ctx.Process(target=hold, args=(lock, ready))
    child.start()
    ready.wait()
    with lock:  # blocks here until the child lets go
        pass
    child.join()
    assert child.exitcode == 0
