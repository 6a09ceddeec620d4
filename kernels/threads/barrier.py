"""Runners meet at a Barrier: they arrive at different times and leave together.

Each runner runs (sleeps) a random time, then calls ``barrier.wait()``. The barrier opens when
``parties`` threads are waiting, so the departure times bunch up after the last arrival. Look at
the ``runners`` table: arrivals are spread out, departures are not.

When ``parties`` does not match the runners: with more parties than runners the barrier never
fills. Without a timeout the runners wait forever (a hang by design: the engine's timeout stops
it); with ``timeout_s > 0`` the first runner to time out breaks the barrier and every waiter
gets ``BrokenBarrierError`` (counted as "broken"). With fewer parties than runners the barrier
opens once per ``parties`` arrivals; runners left over from an incomplete last round wait
forever unless there is a timeout.
"""

import random
import threading
import time

from kernels.recipe import Param, main

TITLE = "Barrier: arrive apart, leave together"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E2-2.11"
SHOWS_BUG = True
LESSON = (
    "A Barrier holds every thread that reaches it until 'parties' threads have arrived, then "
    "releases them all at once: arrival times differ, departure times almost coincide. Set "
    "parties above workers and give a timeout: the barrier breaks and every runner gets "
    "BrokenBarrierError. Without a timeout the runners would wait forever."
)
PARAMS = [
    Param("workers", "int", 3, min=1, max=64, help="runners"),
    Param("parties", "int", 3, min=1, max=64, help="threads the barrier waits for"),
    Param("min_s", "float", 0.2, min=0.0, max=10.0, help="shortest run before the barrier"),
    Param("max_s", "float", 0.6, min=0.0, max=10.0, help="longest run before the barrier"),
    Param("timeout_s", "float", 0.0, min=0.0, max=60.0, help="wait timeout; 0 waits forever"),
    Param("seed", "int", 1, min=0, help="random seed for the run times"),
]
QUICK = {"min_s": 0.01, "max_s": 0.05}


def runner(barrier, run_s, timeout, t0, row):
    time.sleep(run_s)
    row["arrived_s"] = round(time.perf_counter() - t0, 6)
    print(f"{row['runner']} reached the barrier")
    try:
        row["round_index"] = barrier.wait(timeout)
        row["outcome"] = "passed"
    except threading.BrokenBarrierError:
        row["outcome"] = "broken"
    row["left_s"] = round(time.perf_counter() - t0, 6)
    print(f"{row['runner']} left the barrier ({row['outcome']})")


def run(ctx, workers, parties, min_s, max_s, timeout_s, seed):
    rng = random.Random(seed)
    barrier = threading.Barrier(parties)
    rows = [
        {"runner": f"runner-{i}", "run_s": round(rng.uniform(min_s, max(min_s, max_s)), 6)}
        for i in range(workers)
    ]
    t0 = time.perf_counter()
    timeout = timeout_s or None
    threads = [
        threading.Thread(target=runner, args=(barrier, r["run_s"], timeout, t0, r), daemon=True)
        for r in rows
    ]
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():  # parties that never fill, with no timeout: waits for ever
                t.join(0.05)
                ctx.partial(runners=[dict(r) for r in rows], waiting=barrier.n_waiting)
    arrived = [r["arrived_s"] for r in rows]
    left = [r["left_s"] for r in rows if r["outcome"] == "passed"]
    broken = sum(r["outcome"] == "broken" for r in rows)
    return {
        "arrival_spread_s": round(max(arrived) - min(arrived), 6),
        "departure_spread_s": round(max(left) - min(left), 6) if left else None,
        "passed": len(left),
        "broken": broken,
        "runners": rows,
        "summary": f"{workers} runners, barrier of {parties}: {len(left)} passed, {broken} got "
        f"BrokenBarrierError; arrivals spread {max(arrived) - min(arrived):.3f} s",
    }


if __name__ == "__main__":
    main(__name__)
