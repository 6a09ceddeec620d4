"""A process defined as a subclass of Process that overrides run().

The object-oriented form of spawning: the subclass carries its own state (here the queue it
reports on) and ``run()`` is what executes in the child. Its default name comes from the class,
``MyProcess-N``, where N counts every process this program has created so far. Under the spawn
start method the whole object is pickled into the child, so the class must live at module level.
The book joins each process inside the start loop, which again runs them one at a time.
"""

import multiprocessing
import os
import time

from kernels.processes.spawn import max_overlap
from kernels.recipe import Param, main

TITLE = "Process subclass"
CHAPTER = "3. Process-based parallelism"
BOOK = "E1-3.05, E2-3.06"
SHOWS_BUG = True
LESSON = (
    "Each MyProcess object is a child whose run() method prints its name and pid. The names are "
    "MyProcess-N with N counting up across the program. With join_inside_loop on, as in the book, "
    "the children run one after another (max_concurrency 1); off, they overlap."
)
PARAMS = [
    Param("workers", "int", 5, min=1, max=32, help="MyProcess objects to start"),
    Param("join_inside_loop", "bool", True, help="join each process right after starting it"),
    Param("work_s", "float", 0.2, min=0.0, max=10.0, help="how long each run() sleeps"),
]
QUICK = {"workers": 3, "work_s": 0.05}

_spawn = multiprocessing.get_context("spawn")


class MyProcess(_spawn.Process):
    def __init__(self, work_s, reports):
        super().__init__()
        self.work_s = work_s
        self.reports = reports

    def run(self):
        start = time.perf_counter()
        print(f"called run() in {self.name} (pid {os.getpid()})", flush=True)
        time.sleep(self.work_s)
        name = multiprocessing.current_process().name
        self.reports.put((name, os.getpid(), start, time.perf_counter()))


def run(ctx, workers, join_inside_loop, work_s):
    reports = _spawn.Queue()
    t0 = time.perf_counter()
    with ctx.timed("work"):
        procs = []
        for _ in range(workers):
            p = MyProcess(work_s, reports)
            p.start()
            procs.append(p)
            if join_inside_loop:
                p.join()
        rows = [reports.get() for _ in range(workers)]
        for p in procs:
            p.join()
    rows.sort(key=lambda r: r[2])
    children = [
        {"name": name, "pid": pid, "start": round(s - t0, 4), "end": round(e - t0, 4)}
        for name, pid, s, e in rows
    ]
    peak, series = max_overlap([(c["start"], c["end"]) for c in children])
    return {
        "names": [p.name for p in procs],
        "names_seen_by_children": [c["name"] for c in children],
        "max_concurrency": peak,
        "children": children,
        "series": {"running": series},
        "summary": f"{', '.join(p.name for p in procs)} ran, at most {peak} at once",
    }


if __name__ == "__main__":
    main(__name__)
