"""Dining philosophers: five threads, five forks, and three ways to sit at the table.

Each philosopher needs the fork on their left and the one on their right to eat. ``naive``:
everyone picks up the left fork first; when all do so at once, everyone holds one fork and waits
for their neighbour's, a cycle that never resolves (a hang by design: the engine's timeout, or
the tracer's deadlock report, ends it). ``ordered``: always pick up the lower-numbered fork
first; the last philosopher reaches right first, so no cycle can close. ``waiter``: a semaphore
lets at most n-1 philosophers try at once, so one of them always gets both forks.
Run it traced (``--trace``) to see the wait-for cycle drawn.
"""

import threading
import time

from kernels.recipe import Param, main

TITLE = "Dining philosophers"
CHAPTER = "2. Thread-based parallelism"
BOOK = "extra (E1-2.05 text: circular wait)"
SHOWS_BUG = True
LESSON = (
    "A deadlock needs a cycle of threads each holding what the next one wants. With "
    "strategy=naive every philosopher holds a left fork and waits for a right one: the run "
    "hangs, and a traced run reports the cycle. 'ordered' (a global fork order) and 'waiter' "
    "(at most n-1 at the table) each break the cycle; compare meals and waiting time."
)
PARAMS = [
    Param("workers", "int", 5, min=2, max=32, help="philosophers (and forks)"),
    Param("meals", "int", 5, min=1, max=1000, help="meals each philosopher eats"),
    Param("eat_s", "float", 0.01, min=0.0, max=1.0, help="time spent eating"),
    Param("think_s", "float", 0.0, min=0.0, max=1.0, help="time spent thinking between meals"),
    Param(
        "strategy",
        "choice",
        "ordered",
        choices=("naive", "ordered", "waiter"),
        help="naive deadlocks; ordered and waiter are two fixes",
    ),
]
QUICK = {"meals": 3, "eat_s": 0.002}


def philosopher(i, forks, meals, eat_s, think_s, strategy, waiter, record):
    left, right = i, (i + 1) % len(forks)
    if strategy == "ordered":
        left, right = min(left, right), max(left, right)
    for _ in range(meals):
        time.sleep(think_s)
        asked = time.perf_counter()
        if waiter:
            waiter.acquire()
        with forks[left]:
            time.sleep(eat_s / 2)  # reaching for the second fork takes a moment
            with forks[right]:
                record[i]["waited_s"] += time.perf_counter() - asked
                time.sleep(eat_s)
                record[i]["meals"] += 1
        if waiter:
            waiter.release()


def run(ctx, workers, meals, eat_s, think_s, strategy):
    forks = [threading.Lock() for _ in range(workers)]
    waiter = threading.Semaphore(workers - 1) if strategy == "waiter" else None
    record = [{"philosopher": i, "meals": 0, "waited_s": 0.0} for i in range(workers)]
    threads = [
        threading.Thread(
            target=philosopher,
            name=f"philosopher-{i}",
            daemon=True,
            args=(i, forks, meals, eat_s, think_s, strategy, waiter, record),
        )
        for i in range(workers)
    ]
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            t.join()  # with strategy=naive this may never return: a deadlock
            ctx.partial(meals=[r["meals"] for r in record])
    eaten = sum(r["meals"] for r in record)
    for r in record:
        r["waited_s"] = round(r["waited_s"], 4)
    return {
        "strategy": strategy,
        "meals_eaten": eaten,
        "meals_expected": workers * meals,
        "philosophers": record,
        "summary": f"{strategy}: {eaten} of {workers * meals} meals eaten by {workers} "
        "philosophers",
    }


if __name__ == "__main__":
    main(__name__)
