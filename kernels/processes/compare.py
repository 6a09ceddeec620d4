"""Compare backends, processes: the same job on a spawn Pool, each worker with its own GIL.

The job (``kernels.workloads``) is cut into ``tasks`` chunks and handed out by ``Pool.map`` in
groups of ``chunksize``. Every worker is a separate interpreter, so pure-Python prime counting
runs on as many cores as the machine has. The price is start-up: spawning a process and
importing the modules takes a noticeable fraction of a second, measured apart as "startup" (the
pool waits on a barrier until every worker is ready). Arguments and results are pickled, which
``chunksize`` amortises when the chunks are many and small.
"""

import multiprocessing
import time

from kernels import workloads
from kernels.recipe import main

TITLE = "Compare backends: processes"
CHAPTER = "Compare backends"
BOOK = "E1-2.12, E1-4.01, E2-1.c"
SHOWS_BUG = False
COMPARE = True
LESSON = (
    "Each process has its own interpreter and GIL, so workload=primes gets faster with workers up "
    "to the number of cores, and cores_busy climbs above 1. Look at the startup phase: spawning "
    "and importing costs far more than starting a thread, so small jobs get slower. Past the "
    "core count, extra processes only add start-up and switching. The total matches the other "
    "backends exactly."
)
PARAMS = workloads.PARAMS  # the same parameters for all three compare recipes
QUICK = workloads.QUICK
READY_TIMEOUT_S = 120  # a worker that cannot start (broken import) fails the run, not hangs it


def wait_until_all_ready(barrier):
    """Pool initializer: each worker waits here until every worker (and the parent) arrived."""
    barrier.wait(READY_TIMEOUT_S)


def run(ctx, workers, workload, size, tasks, chunksize):
    mp = multiprocessing.get_context("spawn")
    size = workloads.resolve_size(workload, size)
    tasks = workloads.resolve_tasks(workers, tasks)
    jobs = [(workload, lo, hi) for lo, hi in workloads.split(size, tasks)]
    t_start = time.perf_counter()
    with ctx.timed("startup"):
        ready = mp.Barrier(workers + 1)
        pool = mp.Pool(workers, initializer=wait_until_all_ready, initargs=(ready,))
        ready.wait(READY_TIMEOUT_S)
    startup_s = time.perf_counter() - t_start
    try:
        t0 = time.perf_counter()
        with ctx.timed("work"):
            chunks = pool.map(workloads.do_chunk, jobs, chunksize=chunksize)
        work_s = time.perf_counter() - t0
        ctx.progress(len(jobs), len(jobs))
    finally:
        pool.close()
        pool.join()
    result = workloads.report(
        workloads.plural(workers, "process", "processes"), workload, size, chunks, t0, work_s
    )
    result["startup_s"] = round(startup_s, 6)
    result["summary"] += f"; starting the pool took {startup_s:.3f} s"
    return result


if __name__ == "__main__":
    main(__name__)
