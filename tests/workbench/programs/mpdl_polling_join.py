"""The parent polls a join while it holds the lock the child waits for."""

import multiprocessing as mp


def child(lock):
    with lock:
        pass


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    lock = ctx.Lock()
    with lock:
        p = ctx.Process(target=child, args=(lock,))
        p.start()
        while p.is_alive():
            p.join(0.1)
