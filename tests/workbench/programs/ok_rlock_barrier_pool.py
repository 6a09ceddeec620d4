"""Correct RLock re-entry, a barrier with the right parties, an executor, events, ordered locks."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

rlock = threading.RLock()
a, b = threading.Lock(), threading.Lock()
barrier = threading.Barrier(3)
started = threading.Event()


def nested(n):
    with rlock, rlock:
        return n + 1


def runner():
    started.wait()
    barrier.wait()
    with a, b:  # always in the same order
        time.sleep(0.001)


ts = [threading.Thread(target=runner) for _ in range(3)]
for t in ts:
    t.start()
started.set()
for t in ts:
    t.join()
with ThreadPoolExecutor(2) as pool:
    assert list(pool.map(nested, range(10))) == list(range(1, 11))
