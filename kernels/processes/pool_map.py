"""Data-parallel map over a process Pool, with its start-up timed apart from the work.

``Pool(workers).map`` cuts the input into chunks of ``chunksize``, hands them to the worker
processes and puts the results back in input order. Each item costs a pure-Python loop of
``work`` steps, so the work is CPU-bound and really runs in parallel, one interpreter (and one
GIL) per worker. A spawned pool's workers need tens of milliseconds each to boot: the start-up
phase waits until every worker has run its initializer, so that cost is not charged to the map.
Small work per item, or a few big chunks, hide the speedup; the per-worker item counts show it.
"""

import multiprocessing
import os
import time

from kernels.recipe import Param, main

TITLE = "Process pool map"
CHAPTER = "3. Process-based parallelism"
BOOK = "E1-3.09, E2-3.11"
SHOWS_BUG = False
LESSON = (
    "The map's results come back in input order whatever worker computed them ('ordered'). "
    "Compare the startup and work times: starting spawned workers costs tens of milliseconds "
    "each, so the pool pays off only when the work per item is heavy. Sweep workers to see the "
    "work time fall until it reaches the number of cores; 'items_per_worker' shows how chunksize "
    "spreads the items."
)
PARAMS = [
    Param("workers", "int", 4, min=1, max=64, help="pool processes"),
    Param("items", "int", 100, min=1, max=100_000, help="numbers to square"),
    Param("chunksize", "int", 1, min=1, max=10_000, help="items handed to a worker at a time"),
    Param("work", "int", 200_000, min=0, max=10_000_000, help="loop steps per item (CPU)"),
]
QUICK = {"workers": 2, "items": 20, "work": 2000}
READY_TIMEOUT_S = 120  # a worker that cannot start (broken import) fails the run, not hangs it


def announce(ready):
    ready.put(os.getpid())


def square(args):
    x, work = args
    acc = 0
    for i in range(work):  # CPU-bound pure-Python work
        acc += i & 7
    return x * x, os.getpid(), acc


def run(ctx, workers, items, chunksize, work):
    mp = multiprocessing.get_context("spawn")
    ready = mp.Queue()
    t0 = time.perf_counter()
    with ctx.timed("startup"):
        pool = mp.Pool(workers, initializer=announce, initargs=(ready,))
        pids = [ready.get(timeout=READY_TIMEOUT_S) for _ in range(workers)]
    t1 = time.perf_counter()
    try:
        with ctx.timed("work"):
            out = pool.map(square, [(x, work) for x in range(items)], chunksize)
        t2 = time.perf_counter()
        pool.close()
        pool.join()
    finally:
        pool.terminate()
    results = [r for r, _, _ in out]
    per_worker = {pid: 0 for pid in pids}
    for _, pid, _ in out:
        per_worker[pid] = per_worker.get(pid, 0) + 1
    ordered = results == [x * x for x in range(items)]
    startup_s, work_s = round(t1 - t0, 4), round(t2 - t1, 4)
    return {
        "ordered": ordered,
        "results": results[:1000],
        "startup_s": startup_s,
        "work_s": work_s,
        "items_per_worker": [{"pid": pid, "items": n} for pid, n in per_worker.items()],
        "summary": f"{items} squares by {workers} workers (chunksize {chunksize}): start-up "
        f"{startup_s} s, map {work_s} s, results {'in' if ordered else 'OUT OF'} order",
    }


if __name__ == "__main__":
    main(__name__)
