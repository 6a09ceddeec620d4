"""Two locks taken in opposite orders: a deadlock waiting to happen, even when it does not.

Thread one takes A then B; thread two takes B then A. With ``overlap`` on, both hold their
first lock at the same moment and wait for each other for ever (a hang by design). With it off,
thread two starts only after thread one is done, so this run finishes — but the inversion is
still there, and a traced run (``--trace``) reports it as ``lock_order_inversion`` with the four
lines that set the two orders. That is the point: the bug is in the code, not in the timing.
"""

import threading
import time

from kernels.recipe import Param, main

TITLE = "Lock inversion: latent and actual"
CHAPTER = "2. Thread-based parallelism"
BOOK = "extra (E1-2.05 text)"
SHOWS_BUG = True
LESSON = (
    "A lock-order inversion deadlocks only when the timing lines up. overlap=false finishes "
    "every time, yet tracing reports the inversion; overlap=true shows the deadlock it "
    "allows. Fix it by taking the locks in one order everywhere (consistent=true)."
)
PARAMS = [
    Param("overlap", "bool", False, help="let both threads hold their first lock at once"),
    Param("consistent", "bool", False, help="both threads take A before B (the fix)"),
    Param("hold_s", "float", 0.05, min=0.0, max=1.0, help="time between the two acquisitions"),
]
QUICK = {"hold_s": 0.01}


def take(first, second, hold_s, log, name):
    with first:
        time.sleep(hold_s)
        with second:
            log.append(name)


def run(ctx, overlap, consistent, hold_s):
    a, b = threading.Lock(), threading.Lock()
    log = []
    one = threading.Thread(target=take, args=(a, b, hold_s, log, "one"), name="one", daemon=True)
    two_order = (a, b) if consistent else (b, a)
    two = threading.Thread(
        target=take, args=(*two_order, hold_s, log, "two"), name="two", daemon=True
    )
    with ctx.timed("work"):
        one.start()
        if not overlap:
            one.join()
        two.start()
        ctx.partial(started=["one", "two"], finished=list(log))  # before a possible deadlock
        one.join()
        ctx.partial(finished=list(log))
        two.join()
    return {
        "finished": log,
        "overlap": overlap,
        "consistent": consistent,
        "summary": f"both threads finished ({', '.join(log)}); "
        + (
            "one lock order everywhere: safe"
            if consistent
            else "the inversion is still in the code: trace the run to see it"
        ),
    }


if __name__ == "__main__":
    main(__name__)
