"""The parent polls a join while the child sleeps a while: slow, not stuck."""

import multiprocessing as mp
import time


def child():
    time.sleep(1.2)


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    p = ctx.Process(target=child)
    p.start()
    while p.is_alive():
        p.join(0.1)
    assert p.exitcode == 0
