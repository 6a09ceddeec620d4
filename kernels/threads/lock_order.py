"""Lock-order deadlock: threads that take two locks in different orders.

``workers`` threads sit in a ring with one lock between neighbours (two threads, two locks is
the classic case). Thread i takes lock i, holds it ``hold_s``, then takes lock i+1 (the last
thread's second lock is lock 0) and does its work. With ``consistent_order=False`` every thread
ends up holding its first lock and waiting for its neighbour's: a cycle in the wait-for graph,
and nobody ever lets go. This is a hang by design (the engine's timeout ends it); meanwhile the
main thread records, with ``ctx.partial``, which lock each thread holds and wants, and the
cycle in the wait-for graph. With ``consistent_order=True`` (default) every thread takes the
lower-numbered lock first, no cycle can form, and all rounds finish.
"""

import threading
import time

from kernels.recipe import Param, main

TITLE = "Lock order: deadlock"
CHAPTER = "2. Thread-based parallelism"
BOOK = "extra (E1-2.05 text)"
SHOWS_BUG = True
LESSON = (
    "Two threads that each hold one lock and want the other's wait for ever. Turn "
    "consistent_order off: the run hangs, and the partial result shows each thread holding one "
    "lock and wanting the next, a cycle in the wait_for list. Taking locks in one global order "
    "(lowest number first) makes a cycle impossible."
)
PARAMS = [
    Param("workers", "int", 2, min=2, max=16, help="threads, and as many locks, in a ring"),
    Param("rounds", "int", 5, min=1, max=10_000, help="times each thread takes both locks"),
    Param("hold_s", "float", 0.05, min=0.0, max=2.0, help="pause between first and second lock"),
    Param("consistent_order", "bool", True, help="take the lower-numbered lock first (fix)"),
]
QUICK = {"rounds": 3, "hold_s": 0.01}


def philosopher(index, locks, rounds, hold_s, consistent, state):
    first, second = index, (index + 1) % len(locks)
    if consistent:
        first, second = min(first, second), max(first, second)
    me = state[index]
    for _ in range(rounds):
        me["wants"] = f"L{first}"
        with locks[first]:
            me["holds"], me["wants"] = [f"L{first}"], f"L{second}"
            time.sleep(hold_s)
            with locks[second]:
                me["holds"], me["wants"] = [f"L{first}", f"L{second}"], None
                me["rounds"] += 1
            me["holds"] = [f"L{first}"]
        me["holds"] = []
    me["wants"] = "done"


def wait_for(state):
    """Edges 'A waits for B' (B holds the lock A wants), and the first cycle found."""
    owner = {lock: s["thread"] for s in state for lock in s["holds"]}
    edges = {s["thread"]: owner[s["wants"]] for s in state if s["wants"] in owner}
    for start in edges:
        seen, node = [], start
        while node in edges and node not in seen:
            seen.append(node)
            node = edges[node]
        if node in seen:
            return edges, seen[seen.index(node) :]
    return edges, []


def run(ctx, workers, rounds, hold_s, consistent_order):
    locks = [threading.Lock() for _ in range(workers)]
    state = [{"thread": f"t{i}", "holds": [], "wants": None, "rounds": 0} for i in range(workers)]
    threads = [
        threading.Thread(
            target=philosopher,
            args=(i, locks, rounds, hold_s, consistent_order, state),
            daemon=True,
        )
        for i in range(workers)
    ]
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():  # a deadlock keeps this loop going until the engine's timeout
                t.join(0.05)
                edges, cycle = wait_for([dict(s) for s in state])
                ctx.partial(threads=[dict(s) for s in state], wait_for=edges, cycle=cycle)
    done = sum(s["rounds"] for s in state)
    return {
        "consistent_order": consistent_order,
        "rounds_done": done,
        "threads": state,
        "summary": f"{workers} threads, {'one' if consistent_order else 'ring'} lock order: "
        f"{done} of {workers * rounds} rounds done",
    }


if __name__ == "__main__":
    main(__name__)
