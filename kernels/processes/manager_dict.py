"""State shared between processes through a Manager's dict.

``Manager()`` starts a server process that owns an ordinary dict; every worker gets a proxy and
each ``d[key] = value`` is a message to that server. Worker i writes key i -> 2*i. The final dict
holds every entry, and since a dict keeps insertion order, its key order is the order in which
the writes reached the server: it changes from run to run with the order the workers started.
The manager's start-up (one more spawned process) is timed apart from the work.
"""

import multiprocessing
import os

from kernels.recipe import Param, main

TITLE = "Manager dict: shared state"
CHAPTER = "3. Process-based parallelism"
BOOK = "E1-3.08, E2-3.10"
SHOWS_BUG = False
LESSON = (
    "Processes share no memory, but a Manager's dict behaves as one: each worker's write travels "
    "to the manager's server process. 'complete' is true when every key holds 2*key. "
    "'insertion_order' is the order the writes arrived in; run it again and it changes, because "
    "the workers start and finish in a different order each time."
)
PARAMS = [Param("workers", "int", 10, min=1, max=64, help="processes, each writing one key")]
QUICK = {"workers": 3}


def write_entry(shared, key):
    shared[key] = 2 * key
    print(f"worker {key} (pid {os.getpid()}) wrote {key} -> {2 * key}", flush=True)


def run(ctx, workers):
    mp = multiprocessing.get_context("spawn")
    with ctx.timed("startup"):
        manager = mp.Manager()
    with manager:
        shared = manager.dict()
        procs = [mp.Process(target=write_entry, args=(shared, k)) for k in range(workers)]
        with ctx.timed("work"):
            for p in procs:
                p.start()
            for p in procs:
                p.join()
        final = dict(shared)
    order = list(final)
    complete = final == {k: 2 * k for k in range(workers)}
    return {
        "entries": len(final),
        "complete": complete,
        "insertion_order": order,
        "final": [{"key": k, "value": v} for k, v in sorted(final.items())],
        "exitcodes": [p.exitcode for p in procs],
        "summary": f"the manager's dict holds {len(final)} of {workers} entries "
        f"({'all correct' if complete else 'some missing or wrong'}), written in the order {order}",
    }


if __name__ == "__main__":
    main(__name__)
