"""The same CPU-bound job run sequentially, on a thread pool and on a process pool.

Each item is a pure-Python loop (a sum of squares), so it needs the interpreter the whole time.
The thread pool gives no speedup: its threads take turns holding the GIL. The process pool
(spawn context) runs one interpreter per worker and does get faster, once its processes have
started. The book timed this with ``time.clock``, which is gone (3.8) and only counted the
parent's CPU time, hiding the work done in the children; wall time from ``time.perf_counter``
is what a user waits for. ``as_completed`` shows that results come back in the order they
finish, not the order they were submitted.
"""

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

from kernels.recipe import Param, main

TITLE = "concurrent.futures: sequential vs threads vs processes"
CHAPTER = "4. Asynchronous programming"
BOOK = "E1-4.01, E2-5.01"
SHOWS_BUG = False
LESSON = (
    "The same CPU-bound job runs three ways. Threads take about as long as the sequential run, "
    "because only the thread holding the GIL computes; processes divide the time by up to the "
    "number of cores, after paying their start-up. The completion order under as_completed is "
    "not the submission order when workers > 1: results arrive as they finish."
)
MODES = ("sequential", "threads", "processes")
PARAMS = [
    Param("workers", "int", 4, min=1, max=64, help="threads or processes in the pool"),
    Param("mode", "choice", "all", choices=("all", *MODES), help="which ways to run the job"),
    Param("items", "int", 10, min=1, max=1000, help="jobs submitted"),
    Param("steps", "int", 2_000_000, min=1, max=100_000_000, help="loop steps per job"),
]
QUICK = {"workers": 2, "items": 4, "steps": 20_000}


def job(item, steps):
    """CPU-bound: a pure-Python loop; module-level so that spawned processes can run it."""
    total = 0
    for i in range(steps):
        total += i * i
    return item, total + item


def run_sequential(items, steps):
    return [job(item, steps)[0] for item in range(items)]


def run_pool(pool, items, steps):
    futures = [pool.submit(job, item, steps) for item in range(items)]
    return [future.result()[0] for future in as_completed(futures)]


def run_mode(mode, workers, items, steps):
    if mode == "sequential":
        return run_sequential(items, steps)
    if mode == "threads":
        pool = ThreadPoolExecutor(max_workers=workers)
    else:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    with pool:  # the pool's start-up and shutdown count: the user waits for them too
        return run_pool(pool, items, steps)


def run(ctx, workers, mode, items, steps):
    modes = MODES if mode == "all" else (mode,)
    times, orders, table = {}, {}, []
    for i, name in enumerate(modes):
        start = time.perf_counter()
        with ctx.timed("work" if mode != "all" else name):
            orders[name] = run_mode(name, workers, items, steps)
        times[name] = round(time.perf_counter() - start, 6)
        print(f"{name:>10}: {times[name]:.3f} s, completion order {orders[name]}")
        table.append(
            {"mode": name, "seconds": times[name], "in_order": orders[name] == sorted(orders[name])}
        )
        ctx.partial(times=times, completion_order=orders)
        ctx.progress(i + 1, len(modes))
    base = times.get("sequential")
    speedups = {name: round(base / t, 3) for name, t in times.items()} if base else {}
    summary = ", ".join(f"{name} {t:.3f} s" for name, t in times.items())
    return {
        "times_s": times,
        "speedup_vs_sequential": speedups,
        "completion_order": orders,
        "modes": table,
        "summary": f"{items} jobs of {steps} steps with {workers} workers: {summary}",
    }


if __name__ == "__main__":
    main(__name__)
