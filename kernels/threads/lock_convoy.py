"""Lock convoy: a lock taken very often, for very little, by several threads.

Every thread adds ``updates`` to a shared total, taking the lock once per ``batch`` updates
(the updates themselves are counted in a local variable first). With ``batch=1`` the lock is
taken for every single update. One thread does that fast. Add threads and, the first time the
interpreter switches threads while one holds the lock, the others block on it; from then on
every release hands the lock to a sleeping thread, which must be woken and must get the GIL
before it can run, while the releasing thread asks again at once and blocks in turn. The
threads form a convoy: they take turns at the lock, and every turn costs two thread switches.
Look at ``updates_per_s`` against one thread, at ``contended`` (acquisitions that found the lock
taken) and ``handoffs`` (acquisitions by another thread than the last holder). Traced, the
lock's holds alternate thread after thread on the timeline. The fix is to take the lock less
often: ``batch=100`` adds a local sum under one acquisition, and the convoy never forms.
"""

import threading
import time

from kernels.recipe import Param, main

TITLE = "Lock convoy: a hot lock shared by threads"
CHAPTER = "2. Thread-based parallelism"
BOOK = "extra (E1-2.05 discussion)"
SHOWS_BUG = True
LESSON = (
    "A lock taken for every tiny update is fast in one thread and slow in several: once the "
    "threads queue on it, each release hands it to a sleeping thread and every update costs "
    "thread switches. Compare updates_per_s with workers=1, and contended and handoffs with "
    "batch=1 and batch=100: batching the updates under one acquisition removes the convoy."
)
PARAMS = [
    Param("workers", "int", 4, min=1, max=32, help="threads sharing the lock"),
    Param("updates", "int", 100_000, min=1, max=10_000_000, help="updates per thread"),
    Param("batch", "int", 1, min=1, max=100_000, help="updates per lock acquisition"),
]
QUICK = {"updates": 2000}


class Shared:
    """The total, and who held the lock last (to count handoffs), both under ``lock``."""

    def __init__(self):
        self.lock = threading.Lock()
        self.total = 0
        self.last_holder = None
        self.handoffs = 0


def add(shared, me, updates, batch, row):
    contended = 0
    done = 0
    while done < updates:
        step = min(batch, updates - done)
        local = 0
        for _ in range(step):
            local += 1
        if not shared.lock.acquire(blocking=False):
            contended += 1
            shared.lock.acquire()
        shared.total += local
        if shared.last_holder != me:
            shared.handoffs += 1
            shared.last_holder = me
        shared.lock.release()
        done += step
    row["contended"] = contended


def run(ctx, workers, updates, batch):
    shared = Shared()
    rows = [{"thread": f"t{i}"} for i in range(workers)]
    threads = [
        threading.Thread(target=add, args=(shared, i, updates, batch, rows[i]), name=f"t{i}")
        for i in range(workers)
    ]
    with ctx.timed("work"):
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    acquisitions = workers * -(-updates // batch)
    contended = sum(r["contended"] for r in rows)
    rate = workers * updates / elapsed if elapsed else 0.0
    assert shared.total == workers * updates, "the lock protects the total"
    return {
        "workers": workers,
        "batch": batch,
        "total": shared.total,
        "seconds": round(elapsed, 4),
        "updates_per_s": round(rate),
        "acquisitions": acquisitions,
        "contended": contended,
        "handoffs": shared.handoffs,
        "threads": rows,
        "summary": f"{workers} thread(s), batch {batch}: {rate / 1e6:.2f} M updates/s; "
        f"{contended} of {acquisitions} acquisitions found the lock taken, "
        f"{shared.handoffs} handoffs",
    }


if __name__ == "__main__":
    main(__name__)
