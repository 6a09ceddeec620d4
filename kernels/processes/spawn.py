"""Spawning processes, and the join inside the start loop that turns them into a staircase.

Each child reports its pid and when its body started and ended (``time.perf_counter`` is one
system-wide monotonic clock on Linux and macOS, so the children's readings line up with the
parent's). With ``join_inside_loop`` on, as in the book, the parent waits for each child before
it starts the next one: the timeline is a staircase and at most one child ever runs. Start them
all first and join them afterwards, and they overlap. Every child is a fresh interpreter under the
spawn start method, which is why its target must be a module-level function.
"""

import multiprocessing
import os
import time

from kernels.recipe import Param, main

TITLE = "Spawn processes: join placement"
CHAPTER = "3. Process-based parallelism"
BOOK = "E1-3.01, E2-3.02"
SHOWS_BUG = True
LESSON = (
    "Starting a process is cheap for the parent, but the child is a new interpreter that needs "
    "tens of milliseconds before its body runs. With join_inside_loop on, each child is started "
    "and waited for before the next one: the intervals form a staircase and max_concurrency is 1. "
    "Turn it off (start all, then join all) and the intervals overlap."
)
PARAMS = [
    Param("workers", "int", 5, min=1, max=32, help="processes to start"),
    Param("join_inside_loop", "bool", True, help="join each process right after starting it"),
    Param("work_s", "float", 0.3, min=0.0, max=10.0, help="how long each child's body sleeps"),
]
QUICK = {"workers": 3, "work_s": 0.05}


def child_body(index, work_s, reports):
    start = time.perf_counter()
    print(f"child {index} (pid {os.getpid()}) starts", flush=True)
    time.sleep(work_s)
    end = time.perf_counter()
    print(f"child {index} ends after {end - start:.3f} s", flush=True)
    reports.put((index, os.getpid(), start, end))


def max_overlap(intervals):
    """The largest number of [start, end] intervals open at one moment, and that count over time."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    running, peak, series = 0, 0, {"t": [], "v": []}
    for t, step in events:
        running += step
        peak = max(peak, running)
        series["t"].append(round(t, 6))
        series["v"].append(running)
    return peak, series


def run(ctx, workers, join_inside_loop, work_s):
    mp = multiprocessing.get_context("spawn")
    reports = mp.Queue()
    t0 = time.perf_counter()
    with ctx.timed("work"):
        procs = []
        for i in range(workers):
            p = mp.Process(target=child_body, args=(i, work_s, reports))
            p.start()
            procs.append(p)
            if join_inside_loop:
                p.join()
        rows = [reports.get() for _ in range(workers)]
        for p in procs:
            p.join()
    total = time.perf_counter() - t0
    rows.sort(key=lambda r: r[2])
    intervals = [
        {"worker": i, "pid": pid, "start": round(s - t0, 4), "end": round(e - t0, 4)}
        for i, pid, s, e in rows
    ]
    peak, series = max_overlap([(r["start"], r["end"]) for r in intervals])
    placement = "inside the start loop" if join_inside_loop else "after starting all"
    return {
        "max_concurrency": peak,
        "total_s": round(total, 4),
        "intervals": intervals,
        "series": {"running": series},
        "summary": f"{workers} processes joined {placement}: at most {peak} ran at once, "
        f"{total:.2f} s in all",
    }


if __name__ == "__main__":
    main(__name__)
