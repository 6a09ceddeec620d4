"""Name threads and ask, from inside one, which thread is running.

Each thread is given a name when it is created (function_A, function_B, ...) and, once running,
reads it back with ``threading.current_thread().name`` (the book's ``currentThread().getName()``
is deprecated). Every thread sleeps the same time. Look at the ``events`` list: the "starting"
and "exiting" lines interleave, and the wall time is about one sleep, not the sum of them,
because a sleeping thread leaves the others free to run.
"""

import string
import threading
import time

from kernels.recipe import Param, main

TITLE = "Current thread: names and overlap"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E1-2.03, E2-2.04"
SHOWS_BUG = False
LESSON = (
    "A thread can be named when it is created, and code running in it can ask "
    "threading.current_thread() who it is. The 'events' list shows starts and exits interleaved. "
    "Compare wall_s with sum_sleep_s: sleeping threads overlap, so the run takes about the "
    "longest sleep, not the total."
)
PARAMS = [
    Param("workers", "int", 3, min=1, max=26, help="named threads (function_A, function_B, ...)"),
    Param("sleep_s", "float", 1.0, min=0.0, max=10.0, help="seconds each thread sleeps"),
]
QUICK = {"sleep_s": 0.05}


def named_function(sleep_s, t0, events, lock):
    me = threading.current_thread().name
    with lock:
        events.append({"t_s": round(time.perf_counter() - t0, 6), "thread": me, "event": "start"})
    print(f"{me} starting")
    time.sleep(sleep_s)
    with lock:
        events.append({"t_s": round(time.perf_counter() - t0, 6), "thread": me, "event": "exit"})
    print(f"{me} exiting")


def run(ctx, workers, sleep_s):
    names = [f"function_{letter}" for letter in string.ascii_uppercase[:workers]]
    events, lock = [], threading.Lock()
    t0 = time.perf_counter()
    threads = [
        threading.Thread(target=named_function, args=(sleep_s, t0, events, lock), name=name)
        for name in names
    ]
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    wall = time.perf_counter() - t0
    seen = [e["thread"] for e in events if e["event"] == "start"]
    return {
        "names_given": names,
        "names_seen": seen,
        "events": events,
        "wall_s": round(wall, 6),
        "sum_sleep_s": round(workers * sleep_s, 6),
        "max_sleep_s": sleep_s,
        "summary": f"{workers} named threads each slept {sleep_s:g} s; the run took {wall:.3f} s "
        f"(sum of sleeps {workers * sleep_s:g} s)",
    }


if __name__ == "__main__":
    main(__name__)
