"""Lock fairness: a thread that releases and re-takes a lock at once can starve the others.

Every thread loops for ``duration_s``: take the lock, hold it ``hold_s``, release it, spend
``outside_s`` outside, and go again. While holding, a thread computes (``hold_with="spin"``,
a busy loop that keeps the GIL) or waits (``"sleep"``). ``threading.Lock`` promises no order:
the thread that just released it is still running and usually takes it back before a woken
waiter gets there, most of all when it also holds the GIL. Look at the ``threads``
table: acquisitions per thread and the longest wait. ``lock_kind="fifo"`` swaps in a ticket
lock (a Condition that serves threads in arrival order): the counts even out and the longest
wait shrinks to about one round. Give ``outside_s`` a little time and the plain lock is fairer
too, because the releasing thread is not asking again at once.
"""

import threading
import time

from kernels.recipe import Param, main

TITLE = "Starvation: lock fairness"
CHAPTER = "2. Thread-based parallelism"
BOOK = "extra (E1-2.05 discussion)"
SHOWS_BUG = True
LESSON = (
    "Python's Lock is not first-come first-served. With a tight acquire-release loop, compare "
    "acquisitions per thread and longest_wait_s: some threads take the lock far more often and "
    "others wait a long time. A FIFO ticket lock serves threads in turn, so the counts match and "
    "no thread waits much longer than one round."
)
PARAMS = [
    Param("workers", "int", 4, min=2, max=32, help="threads competing for one lock"),
    Param("duration_s", "float", 1.0, min=0.05, max=30.0, help="how long every thread loops"),
    Param("hold_s", "float", 0.002, min=0.0, max=1.0, help="time the lock is held each turn"),
    Param("hold_with", "choice", "spin", choices=("spin", "sleep"), help="compute or wait"),
    Param("outside_s", "float", 0.0, min=0.0, max=1.0, help="time between release and retry"),
    Param("lock_kind", "choice", "lock", choices=("lock", "fifo"), help="plain Lock or ticket"),
]
QUICK = {"duration_s": 0.3}


class TicketLock:
    """A first-come first-served lock: each thread takes a ticket and waits for its number."""

    def __init__(self):
        self.cond, self.next_ticket, self.serving = threading.Condition(), 0, 0

    def acquire(self):
        with self.cond:
            ticket, self.next_ticket = self.next_ticket, self.next_ticket + 1
            while self.serving != ticket:
                self.cond.wait()

    def release(self):
        with self.cond:
            self.serving += 1
            self.cond.notify_all()


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def compete(lock, start, stop, hold, hold_s, outside_s, row):
    start.wait()
    waits = []
    while time.perf_counter() < stop:
        asked = time.perf_counter()
        lock.acquire()
        waits.append(time.perf_counter() - asked)
        hold(hold_s)
        lock.release()
        if outside_s:
            time.sleep(outside_s)
    row["acquisitions"] = len(waits)
    row["longest_wait_s"] = round(max(waits, default=0.0), 6)
    row["mean_wait_s"] = round(sum(waits) / len(waits), 6) if waits else None


def run(ctx, workers, duration_s, hold_s, hold_with, outside_s, lock_kind):
    lock = threading.Lock() if lock_kind == "lock" else TicketLock()
    rows = [{"thread": f"t{i}"} for i in range(workers)]
    start = threading.Event()
    stop = time.perf_counter() + 0.05 + duration_s
    hold = spin if hold_with == "spin" else time.sleep
    threads = [
        threading.Thread(target=compete, args=(lock, start, stop, hold, hold_s, outside_s, r))
        for r in rows
    ]
    for t in threads:
        t.start()
    with ctx.timed("work"):
        start.set()
        for t in threads:
            t.join()
    counts = [r["acquisitions"] for r in rows]
    jain = sum(counts) ** 2 / (len(counts) * sum(c * c for c in counts)) if any(counts) else 0.0
    longest = max(r["longest_wait_s"] for r in rows)
    for r in rows:
        print(
            f"{r['thread']}: {r['acquisitions']} acquisitions, longest wait {r['longest_wait_s']} s"
        )
    return {
        "lock_kind": lock_kind,
        "acquisitions": sum(counts),
        "min_over_max": round(min(counts) / max(counts), 3) if max(counts) else 0.0,
        "fairness_index": round(jain, 3),
        "longest_wait_s": longest,
        "threads": rows,
        "summary": f"{lock_kind}: acquisitions per thread from {min(counts)} to {max(counts)}, "
        f"longest wait {longest:.3f} s (Jain fairness {jain:.2f}; 1 is perfectly even)",
    }


if __name__ == "__main__":
    main(__name__)
