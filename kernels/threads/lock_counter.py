"""Lost updates on a shared counter, and the lock that prevents them.

Half the threads add 1, half subtract 1, the same number of times: the counter should end at 0.
Without a lock, an update made between another thread's read and its write is lost. On CPython
3.10+ a bare ``counter += 1`` is only interrupted at a few points, so the race almost never shows;
``widen_window`` yields the processor between the read and the write (``time.sleep(0)``), which
is what a slower machine, a free-threaded build or a longer critical section would do. That is
the honest way to see the race here: the bug is the same, only more likely.
"""

import threading
import time

from kernels.recipe import Param, main

TITLE = "Lock counter: lost updates"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E1-2.05"
SHOWS_BUG = True
LESSON = (
    "Threads that read, change and write one shared value lose each other's updates unless a lock "
    "makes the read-modify-write one step. Run it with use_lock off and widen_window on: 'lost' is "
    "large. Turn use_lock on: 'lost' is 0, every time. With widen_window off CPython 3.11 rarely "
    "switches threads inside 'counter += 1', so the race hides without going away."
)
PARAMS = [
    Param("workers", "int", 4, min=2, max=64, help="threads; half add 1, half subtract 1"),
    Param("iterations", "int", 20000, min=1, max=10_000_000, help="updates per thread"),
    Param("use_lock", "bool", False, help="guard each update with a threading.Lock"),
    Param("widen_window", "bool", True, help="yield between the read and the write"),
]
QUICK = {"iterations": 300}

counter = 0


def update(delta, iterations, lock, widen):
    global counter
    for _ in range(iterations):
        if lock:
            lock.acquire()
        value = counter  # read
        if widen:
            time.sleep(0)  # give another thread the chance to run between read and write
        counter = value + delta  # write
        if lock:
            lock.release()


def run(ctx, workers, iterations, use_lock, widen_window):
    global counter
    counter = 0
    lock = threading.Lock() if use_lock else None
    adders = (workers + 1) // 2
    threads = [
        threading.Thread(
            target=update,
            args=(1 if i < adders else -1, iterations, lock, widen_window),
            name=f"{'add' if i < adders else 'sub'}-{i}",
        )
        for i in range(workers)
    ]
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    expected = (adders - (workers - adders)) * iterations
    lost = abs(counter - expected)
    return {
        "expected": expected,
        "actual": counter,
        "lost": lost,
        "updates": workers * iterations,
        "summary": f"counter ended at {counter}, expected {expected}: {lost} updates lost",
    }


if __name__ == "__main__":
    main(__name__)
