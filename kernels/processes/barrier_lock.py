"""Processes that meet at a Barrier, processes that run freely, and a Lock around the printing.

Every process first sleeps a little longer than the one before (``stagger_s``), so that they
arrive at different moments. The barrier processes then wait until ``parties`` of them have
arrived and leave together: their timestamps nearly match. The free processes stamp the time as
soon as they arrive, so theirs stay spread. A Lock makes each print one whole line. When the
barrier processes are not a multiple of ``parties``, the last ones wait forever (by design; the
engine's timeout ends it); with ``barrier_timeout`` the wait gives up and the barrier breaks, and
every process waiting on it gets BrokenBarrierError.
"""

import multiprocessing
import threading
import time

from kernels.recipe import Param, main

TITLE = "Barrier and Lock between processes"
CHAPTER = "3. Process-based parallelism"
BOOK = "E1-3.07, E2-3.09"
SHOWS_BUG = True
LESSON = (
    "Compare barrier_spread_ms with free_spread_ms: the processes released by the barrier stamp "
    "nearly the same time, the free ones stay as scattered as they arrived. Set parties above "
    "the number of barrier processes (workers) and they wait forever; give barrier_timeout a "
    "value and the barrier breaks instead, so 'broken' counts the BrokenBarrierErrors."
)
PARAMS = [
    Param("workers", "int", 2, min=0, max=16, help="processes that wait at the barrier"),
    Param("free_workers", "int", 2, min=0, max=16, help="processes that do not wait"),
    Param("parties", "int", 2, min=1, max=16, help="arrivals the barrier waits for"),
    Param("stagger_s", "float", 0.1, min=0.0, max=5.0, help="extra delay per process"),
    Param("barrier_timeout", "float", 0.0, min=0.0, max=60.0, help="0 waits forever"),
]
QUICK = {"stagger_s": 0.05}


def meet(index, stagger_s, barrier, timeout, printing, reports):
    name = multiprocessing.current_process().name
    time.sleep(index * stagger_s)
    arrived = time.perf_counter()
    reports.put((name, "arrived", arrived))
    outcome = "free"
    if barrier is not None:
        try:
            barrier.wait(timeout or None)
            outcome = "passed"
        except threading.BrokenBarrierError:
            outcome = "broken"
    now = time.perf_counter()
    with printing:
        print(f"{name} ({outcome}) at {now:.4f}", flush=True)
    reports.put((name, outcome, now))


def spread_ms(times, group=None):
    """Largest max-min within consecutive groups of the sorted times (a barrier round each)."""
    times = sorted(times)
    group = group or len(times) or 1
    rounds = [times[k : k + group] for k in range(0, len(times), group)]
    return round(1000 * max((r[-1] - r[0] for r in rounds), default=0.0), 2)


def run(ctx, workers, free_workers, parties, stagger_s, barrier_timeout):
    mp = multiprocessing.get_context("spawn")
    barrier, printing, reports = mp.Barrier(parties), mp.Lock(), mp.Queue()
    procs = []
    for i in range(workers + free_workers):
        waits = i < workers
        args = (i, stagger_s, barrier if waits else None, barrier_timeout, printing, reports)
        name = f"{'barrier' if waits else 'free'}-{i}"
        procs.append(mp.Process(target=meet, args=args, name=name))
    t0 = time.perf_counter()
    arrivals, stamps = [], []
    with ctx.timed("work"):
        for p in procs:
            p.start()
        for _ in range(2 * len(procs)):
            name, what, t = reports.get()  # blocks for good if a barrier never fills
            row = {"name": name, "t": round(t - t0, 6)}
            (arrivals if what == "arrived" else stamps).append({**row, "outcome": what})
            ctx.partial(arrived=len(arrivals), stamps=list(stamps), parties=parties)
        for p in procs:
            p.join()
    by = {k: [s["t"] for s in stamps if s["outcome"] == k] for k in ("passed", "free", "broken")}
    spreads = {
        "barrier_spread_ms": spread_ms(by["passed"], parties),
        "free_spread_ms": spread_ms(by["free"]),
    }
    return {
        "passed": len(by["passed"]),
        "broken": len(by["broken"]),
        "free": len(by["free"]),
        **spreads,
        "arrivals": sorted(arrivals, key=lambda r: r["t"]),
        "stamps": sorted(stamps, key=lambda r: r["t"]),
        "summary": f"{len(by['passed'])} passed the barrier (spread "
        f"{spreads['barrier_spread_ms']} ms), {len(by['broken'])} broke, {len(by['free'])} free "
        f"(spread {spreads['free_spread_ms']} ms)",
    }


if __name__ == "__main__":
    main(__name__)
