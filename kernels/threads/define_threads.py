"""Define, start and join threads, and where the join goes.

Each thread runs one function with its index and a short sleep standing in for work. The book
calls ``join()`` inside the loop that starts the threads, so each thread is waited for before
the next one starts: the output is neatly ordered, and there is no concurrency at all. Every
thread stamps its start and end with ``time.perf_counter``; from those intervals the recipe
measures the largest number of threads that were alive at the same moment. Look at the
``intervals`` table (a staircase with the join inside the loop) and at ``max_concurrency``.
"""

import threading
import time

from kernels.recipe import Param, main

TITLE = "Define threads: where join() goes"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E1-2.02, E2-2.03"
SHOWS_BUG = True
LESSON = (
    "start() launches a thread and join() waits for it. With join() inside the loop that starts "
    "the threads, as the book writes it, each thread ends before the next begins: the timeline "
    "is a staircase and max_concurrency is 1. Move the joins after the loop and the threads "
    "overlap: the wall time drops to about one thread's work."
)
PARAMS = [
    Param("workers", "int", 5, min=1, max=64, help="threads to start"),
    Param("work_s", "float", 0.2, min=0.0, max=5.0, help="seconds each thread sleeps"),
    Param("join_inside_loop", "bool", True, help="join each thread right after starting it (book)"),
]
QUICK = {"work_s": 0.03}


def work(index, work_s, t0, intervals):
    start = time.perf_counter() - t0
    print(f"thread {index} ({threading.current_thread().name}) starts")
    time.sleep(work_s)
    intervals[index] = (start, time.perf_counter() - t0)


def max_alive(intervals):
    """The most threads alive at one moment (ends sort before starts), and that count over time."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    alive, peak, series = 0, 0, {"t": [], "v": []}
    for t, step in events:
        alive += step
        peak = max(peak, alive)
        series["t"].append(round(t, 6))
        series["v"].append(alive)
    return peak, series


def run(ctx, workers, work_s, join_inside_loop):
    intervals = [None] * workers
    t0 = time.perf_counter()
    threads = []
    with ctx.timed("work"):
        for i in range(workers):
            t = threading.Thread(target=work, args=(i, work_s, t0, intervals), name=f"worker-{i}")
            threads.append(t)
            t.start()
            if join_inside_loop:
                t.join()
        for t in threads:
            t.join()
    wall = time.perf_counter() - t0
    peak, running = max_alive(intervals)
    table = [
        {"thread": f"worker-{i}", "start_s": round(s, 6), "end_s": round(e, 6)}
        for i, (s, e) in enumerate(intervals)
    ]
    where = "inside" if join_inside_loop else "after"
    return {
        "max_concurrency": peak,
        "wall_s": round(wall, 6),
        "sum_work_s": round(workers * work_s, 6),
        "intervals": table,
        "series": {"running": running},
        "summary": f"join {where} the loop: at most {peak} of {workers} threads ran at once, "
        f"{wall:.3f} s in all",
    }


if __name__ == "__main__":
    main(__name__)
