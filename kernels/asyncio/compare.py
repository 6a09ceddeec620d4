"""Compare backends, asyncio: the same job as coroutines gathered on one event loop.

Every chunk becomes a coroutine; an ``asyncio.Semaphore(workers)`` lets ``workers`` of them run
at once, and ``asyncio.gather`` waits for all. With ``offload=none`` the coroutines do the work
themselves: a sleep chunk awaits ``asyncio.sleep`` and overlaps with the others, but a CPU chunk
(primes, numpy) has nothing to await, so it runs to the end before the loop can start the next
one. asyncio is concurrency on one thread, not parallelism: CPU work stays serial whatever
``workers`` says. ``offload=threads|processes`` hands each chunk to ``loop.run_in_executor``, which
is how asyncio code gets CPU work off the loop (and, with processes, onto other cores).
``chunksize`` is accepted so that the three compare recipes share their parameters; it is unused.
"""

import asyncio
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from kernels import workloads
from kernels.recipe import Param, main

TITLE = "Compare backends: asyncio"
CHAPTER = "Compare backends"
BOOK = "E1-2.12, E1-4.01, E2-1.c"
SHOWS_BUG = False
COMPARE = True
LESSON = (
    "One event loop runs one thing at a time. With workload=sleep the awaited sleeps overlap and "
    "the time falls as workers grow. With primes or numpy and offload=none, max_overlap stays 1 "
    "and the time does not move: a coroutine that computes never gives the loop back. Set offload "
    "to threads or processes to see run_in_executor behave like the other two backends."
)
PARAMS = [
    *workloads.PARAMS,  # the same parameters as the threads and processes compare recipes
    Param(
        "offload",
        "choice",
        "none",
        choices=("none", "threads", "processes"),
        help="none = coroutines do the work; else loop.run_in_executor on a pool of workers",
    ),
]
QUICK = workloads.QUICK


async def sleep_chunk(lo, hi):
    """The sleep workload the asyncio way: await, so that the loop runs the others meanwhile."""
    start = time.perf_counter()
    await asyncio.sleep((hi - lo) / 1000)
    # cpu_s is 0: an awaited sleep burns no CPU, and thread_time across an await would count
    # the CPU of the other coroutines on this same thread
    end = time.perf_counter()
    worker = f"{os.getpid()}/{asyncio.current_task().get_name()}"
    return {
        "lo": lo,
        "hi": hi,
        "value": hi - lo,
        "start": start,
        "end": end,
        "cpu_s": 0.0,
        "worker": worker,
    }


async def gather_chunks(ctx, jobs, workers, executor):
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(workers)
    done, every = 0, max(1, len(jobs) // 20)

    async def one(job):
        nonlocal done
        async with limit:
            if executor is not None:
                chunk = await loop.run_in_executor(executor, workloads.do_chunk, job)
            elif job[0] == "sleep":
                chunk = await sleep_chunk(job[1], job[2])
            else:
                chunk = workloads.do_chunk(job)  # computes on the loop's thread: nothing else runs
        done += 1
        if done % every == 0 or done == len(jobs):
            ctx.progress(done, len(jobs))
        return chunk

    return await asyncio.gather(*(one(job) for job in jobs))


def make_executor(offload, workers):
    if offload == "threads":
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="worker")
    if offload == "processes":
        mp = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=workers, mp_context=mp)
    return None


def run(ctx, workers, workload, size, tasks, chunksize, offload):
    size = workloads.resolve_size(workload, size)
    tasks = workloads.resolve_tasks(workers, tasks)
    jobs = [(workload, lo, hi) for lo, hi in workloads.split(size, tasks)]
    with ctx.timed("startup"):
        executor = make_executor(offload, workers)  # processes are spawned on first use
    try:
        t0 = time.perf_counter()
        with ctx.timed("work"):
            chunks = asyncio.run(gather_chunks(ctx, jobs, workers, executor))
        work_s = time.perf_counter() - t0
    finally:
        if executor is not None:
            executor.shutdown()
    who = workloads.plural(workers, "task") + (
        "" if executor is None else f" offloaded to {offload}"
    )
    return workloads.report(who, workload, size, chunks, t0, work_s)


if __name__ == "__main__":
    main(__name__)
