"""A re-entrant lock: the thread that holds it may take it again.

A box keeps a running total. ``add()`` and ``remove()`` take the box's lock and then call
``execute()``, which takes the same lock again. With an ``RLock`` this is allowed (the lock
counts how often its owner took it); adders and removers finish and the total is
adds - removes. With ``lock_kind="lock"`` the first ``add()`` waits for a lock that its own
thread holds: a self-deadlock that really hangs (the engine's timeout ends it). While the
threads run, the main thread records each thread's last step with ``ctx.partial``, so the
stopped run shows every thread stuck at "holds the lock, taking it again in execute()".
"""

import re
import threading
import time

from kernels.recipe import Param, main

TITLE = "RLock: taking a lock twice"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E1-2.06, E2-2.07"
SHOWS_BUG = True
LESSON = (
    "An RLock may be acquired again by the thread that holds it, so a locked method can call "
    "another locked method. With lock_kind=rlock the final total is adds minus removes. Switch to "
    "lock_kind=lock: the first add() blocks on the lock its own thread holds and the run never "
    "ends; the partial result shows each thread waiting inside execute()."
)
PARAMS = [
    Param("workers", "int", 2, min=2, max=32, help="threads; half add, half remove"),
    Param("adds", "int", 10, min=0, max=100_000, help="items each adder adds"),
    Param("removes", "int", 5, min=0, max=100_000, help="items each remover removes"),
    Param("sleep_s", "float", 0.02, min=0.0, max=2.0, help="pause between operations"),
    Param("lock_kind", "choice", "rlock", choices=("rlock", "lock"), help="Lock self-deadlocks"),
]
QUICK = {"adds": 5, "removes": 3, "sleep_s": 0.001}


class Box:
    def __init__(self, lock, steps):
        self.lock, self.steps, self.total = lock, steps, 0

    def execute(self, n):
        self.steps[threading.current_thread().name] = "holds the lock, taking it again in execute()"
        with self.lock:
            self.total += n

    def add(self):
        with self.lock:
            self.execute(1)

    def remove(self):
        with self.lock:
            self.execute(-1)


def operate(box, method, count, sleep_s, done):
    me = threading.current_thread().name
    for _ in range(count):
        box.steps[me] = f"calling {method}()"
        getattr(box, method)()
        done[me] += 1
        box.steps[me] = f"{done[me]} {method}s done"
        time.sleep(sleep_s)
    box.steps[me] = "finished"


def describe(lock):
    """The lock's repr (locked or not, owner and count for an RLock) without its address."""
    return re.sub(r" at 0x[0-9a-f]+", "", repr(lock))


def run(ctx, workers, adds, removes, sleep_s, lock_kind):
    lock = threading.RLock() if lock_kind == "rlock" else threading.Lock()
    steps, adders = {}, (workers + 1) // 2
    box = Box(lock, steps)
    jobs = [("add", adds) if i < adders else ("remove", removes) for i in range(workers)]
    names = [f"{'adder' if m == 'add' else 'remover'}-{i}" for i, (m, _) in enumerate(jobs)]
    done = dict.fromkeys(names, 0)
    threads = [
        threading.Thread(target=operate, args=(box, m, n, sleep_s, done), name=name, daemon=True)
        for name, (m, n) in zip(names, jobs, strict=True)
    ]
    ctx.partial(lock_kind=lock_kind, total=0, steps={})
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():  # a Lock never lets go: this loop then runs until the timeout
                t.join(0.05)
                ctx.partial(total=box.total, done=dict(done), steps=dict(steps))
                ctx.partial(lock=describe(lock))
    expected = adders * adds - (workers - adders) * removes
    return {
        "lock_kind": lock_kind,
        "total": box.total,
        "expected": expected,
        "done": done,
        "steps": steps,
        "summary": f"{lock_kind}: total {box.total} after {sum(done.values())} operations "
        f"(expected {expected})",
    }


if __name__ == "__main__":
    main(__name__)
