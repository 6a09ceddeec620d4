"""A Thread subclass: run() holds the work, and every thread lives in the same process.

Each thread sleeps a random time and records ``os.getpid()`` and its native thread id. Look at
``pids``: one value for all threads (threads share their process), while ``native_id`` differs.
The run takes about the longest duration, not the sum.

``book_constructor`` reproduces the first edition's bug: the subclass spells its constructor
``_init_`` (single underscores), so Python never calls it and the arguments go straight to
``Thread.__init__``, whose first parameter (group) must be None. No thread is created; the
recipe reports the error instead of crashing.
"""

import os
import random
import threading
import time

from kernels.recipe import Param, main

TITLE = "Thread subclass: one process, many threads"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E1-2.04, E2-2.05"
SHOWS_BUG = True
LESSON = (
    "A Thread subclass puts the thread's work in run(). All threads report the same process id "
    "but different native thread ids, and the total time is about the longest duration because "
    "sleeping threads overlap. Turn on book_constructor: a misspelled __init__ is never called, "
    "Thread.__init__ rejects the arguments, and no thread starts at all."
)
PARAMS = [
    Param("workers", "int", 9, min=1, max=64, help="threads"),
    Param("min_s", "float", 0.1, min=0.0, max=10.0, help="shortest random duration"),
    Param("max_s", "float", 1.0, min=0.0, max=10.0, help="longest random duration"),
    Param("seed", "int", 1, min=0, help="random seed for the durations"),
    Param("book_constructor", "bool", False, help="misspell the constructor as _init_ (E1 bug)"),
]
QUICK = {"min_s": 0.01, "max_s": 0.05}


class Runner(threading.Thread):
    def __init__(self, index, duration, t0, rows):
        super().__init__(name=f"runner-{index}")
        self.duration, self.t0, self.rows = duration, t0, rows

    def run(self):
        start = time.perf_counter() - self.t0
        time.sleep(self.duration)
        end = time.perf_counter() - self.t0
        print(f"{self.name}: pid {os.getpid()}, slept {self.duration:.3f} s")
        row = {"thread": self.name, "pid": os.getpid(), "native_id": threading.get_native_id()}
        row.update(duration_s=round(self.duration, 6), start_s=round(start, 6), end_s=round(end, 6))
        self.rows.append(row)


class BookRunner(threading.Thread):
    def _init_(self, index, duration, t0, rows):  # the book's typo: never called
        super().__init__(name=f"runner-{index}")
        self.duration, self.t0, self.rows = duration, t0, rows

    run = Runner.run


def run(ctx, workers, min_s, max_s, seed, book_constructor):
    rng = random.Random(seed)
    durations = [rng.uniform(min_s, max(min_s, max_s)) for _ in range(workers)]
    rows, error, threads = [], None, []
    t0 = time.perf_counter()
    cls = BookRunner if book_constructor else Runner
    try:
        threads = [cls(i, d, t0, rows) for i, d in enumerate(durations)]
    except Exception as exc:  # the book's constructor fails here
        error = f"{type(exc).__name__}: {exc}"
        print(f"creating the thread failed: {error}")
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    total = time.perf_counter() - t0
    pids = sorted({r["pid"] for r in rows})
    rows.sort(key=lambda r: r["end_s"])
    summary = (
        f"{len(rows)} threads ran in {len(pids)} process(es), {total:.3f} s in all "
        f"(longest {max(durations):.3f} s, sum {sum(durations):.3f} s)"
    )
    return {
        "threads_created": len(threads),
        "threads_finished": len(rows),
        "error": error,
        "pids": pids,
        "native_ids": len({r["native_id"] for r in rows}),
        "total_s": round(total, 6),
        "max_duration_s": round(max(durations), 6),
        "sum_duration_s": round(sum(durations), 6),
        "threads": rows,
        "summary": summary if error is None else f"no thread was created: {error}",
    }


if __name__ == "__main__":
    main(__name__)
