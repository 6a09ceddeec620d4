"""A task on a one-thread pool submits a subtask to the same pool and waits for it: the only
worker is busy waiting, so the subtask never runs."""

from concurrent.futures import ThreadPoolExecutor

pool = ThreadPoolExecutor(max_workers=1)


def inner():
    return 1


def outer():
    return pool.submit(inner).result() + 1


print(pool.submit(outer).result())
