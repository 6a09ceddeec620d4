"""Lock granularity: hold the lock across the work, or only around the shared update.

Each thread "works" for a random time (a sleep) and then records a line in a shared list. With
``scope="coarse"`` (the book's first version) the lock is held across the sleep, so the threads
work one after another: the total is about the SUM of the durations and at most one thread is
ever inside the work. With ``scope="fine"`` the lock guards only the shared update: the total
is about the MAX. Look at ``max_concurrency``, at total_s against sum_s and max_s, and at the
per-thread wait times (the lock convoy).
"""

import random
import threading
import time

from kernels.recipe import Param, main

TITLE = "Lock scope: coarse vs fine"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E2-2.06"
SHOWS_BUG = True
LESSON = (
    "A lock held across slow work turns parallel threads into a queue. With scope=coarse "
    "max_concurrency is 1 and total_s is close to sum_s; most of each thread's time is spent "
    "waiting for the lock. With scope=fine the lock covers only the shared list, the threads "
    "work at the same time, and total_s falls to about max_s."
)
PARAMS = [
    Param("workers", "int", 9, min=1, max=64, help="threads"),
    Param("scope", "choice", "coarse", choices=("coarse", "fine"), help="what the lock covers"),
    Param("min_s", "float", 0.05, min=0.0, max=10.0, help="shortest work duration"),
    Param("max_s", "float", 0.3, min=0.0, max=10.0, help="longest work duration"),
    Param("seed", "int", 1, min=0, help="random seed for the durations"),
]
QUICK = {"min_s": 0.01, "max_s": 0.04}


class Meter:
    """Counts threads inside the work and remembers the most seen at once."""

    def __init__(self):
        self.guard, self.inside, self.peak = threading.Lock(), 0, 0

    def enter(self):
        with self.guard:
            self.inside += 1
            self.peak = max(self.peak, self.inside)

    def leave(self):
        with self.guard:
            self.inside -= 1


def take(lock):
    """Acquire the lock; return how long that took."""
    wanted = time.perf_counter()
    lock.acquire()
    return time.perf_counter() - wanted


def worker(duration, coarse, lock, meter, t0, rows):
    wait = take(lock) if coarse else 0.0
    start = time.perf_counter() - t0
    meter.enter()
    time.sleep(duration)  # the work
    meter.leave()
    end = time.perf_counter() - t0
    if not coarse:
        wait = take(lock)
    name = threading.current_thread().name
    rows.append(
        {"thread": name, "duration_s": round(duration, 6), "wait_s": round(wait, 6)}
        | {"start_s": round(start, 6), "end_s": round(end, 6)}
    )
    print(f"{name} worked {duration:.3f} s after waiting {wait:.3f} s for the lock")
    lock.release()


def run(ctx, workers, scope, min_s, max_s, seed):
    rng = random.Random(seed)
    durations = [rng.uniform(min_s, max(min_s, max_s)) for _ in range(workers)]
    lock, meter, rows = threading.Lock(), Meter(), []
    t0 = time.perf_counter()
    threads = [
        threading.Thread(
            target=worker, args=(d, scope == "coarse", lock, meter, t0, rows), name=f"t{i}"
        )
        for i, d in enumerate(durations)
    ]
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    total = time.perf_counter() - t0
    waited = sum(r["wait_s"] for r in rows)
    return {
        "total_s": round(total, 6),
        "sum_s": round(sum(durations), 6),
        "max_s": round(max(durations), 6),
        "max_concurrency": meter.peak,
        "wait_over_work": round(waited / max(sum(durations), 1e-9), 3),
        "threads": rows,
        "summary": f"{scope} lock: {total:.3f} s in all (sum {sum(durations):.3f} s, max "
        f"{max(durations):.3f} s), at most {meter.peak} thread(s) working at once",
    }


if __name__ == "__main__":
    main(__name__)
