"""Compare backends, threads: the same job on a ThreadPoolExecutor, to see what the GIL allows.

The job (``kernels.workloads``) is cut into ``tasks`` chunks and mapped over ``workers`` threads.
Pure-Python prime counting holds the GIL, so however many threads overlap in time, about one core
is busy and the time does not fall. NumPy releases the GIL inside each operation and sleeping
threads do not need it, so those two workloads do get faster with more threads. Compare
``cores_busy`` (CPU seconds of the chunks / wall seconds) with ``max_overlap`` (chunks running at
once): overlap without busy cores is concurrency without parallelism. Totals are exact integers,
identical for every backend, worker count and chunking.
"""

import time
from concurrent.futures import ThreadPoolExecutor

from kernels import workloads
from kernels.recipe import main

TITLE = "Compare backends: threads"
CHAPTER = "Compare backends"
BOOK = "E1-2.12, E1-4.01, E2-1.c"
SHOWS_BUG = False
COMPARE = True
LESSON = (
    "Threads share one interpreter and its GIL. With workload=primes, more workers overlap in time "
    "but cores_busy stays near 1 and the time does not drop: that is the GIL. With numpy (which "
    "releases the GIL) or sleep (I/O-like waiting) the time falls as workers grow. Run the same "
    "parameters on the processes and asyncio recipes: the total is the same, the times are not."
)
PARAMS = workloads.PARAMS  # the same parameters for all three compare recipes
QUICK = workloads.QUICK


def run(ctx, workers, workload, size, tasks, chunksize):
    size = workloads.resolve_size(workload, size)
    tasks = workloads.resolve_tasks(workers, tasks)
    jobs = [(workload, lo, hi) for lo, hi in workloads.split(size, tasks)]
    with ctx.timed("startup"):
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="worker")
    with pool:
        t0 = time.perf_counter()
        with ctx.timed("work"):
            # chunksize only matters for process pools: threads take one chunk at a time
            chunks = workloads.collect(ctx, pool.map(workloads.do_chunk, jobs), len(jobs))
        work_s = time.perf_counter() - t0
    return workloads.report(workloads.plural(workers, "thread"), workload, size, chunks, t0, work_s)


if __name__ == "__main__":
    main(__name__)
