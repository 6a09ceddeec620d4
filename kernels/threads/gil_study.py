"""What threads buy for different kinds of work, under the GIL.

Four workloads: an empty function, a CPU loop (Fibonacci steps), reads of 1 KiB from a file
(``os.pread``, a real system call, on a temporary file deleted afterwards) and a sleep. Each is
run ``workers`` times one after another (serial) and once in each of ``workers`` threads
(threaded); the best of ``repeats`` runs is kept, as ``timeit.repeat`` would. Look at the
``workloads`` table: speedup = serial / threaded. The CPU loop gains nothing (only one thread
runs Python bytecode at a time; ``threaded_cpu_s`` stays near ``threaded_s``: one core), the
sleep scales with the threads, file reads fall in between, and the empty function only pays
the cost of creating threads.
"""

import os
import tempfile
import threading
import time

from kernels.recipe import Param, main

TITLE = "GIL study: threads vs serial per workload"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E1-2.12"
SHOWS_BUG = False
LESSON = (
    "Threads help work that waits and not work that computes in Python. In the workloads table "
    "the sleep workload's speedup approaches 'workers', the CPU loop's stays at or below 1 "
    "because the GIL lets one thread run bytecode at a time, and the empty function is slower "
    "threaded: starting a thread costs more than doing nothing. File reads release the GIL "
    "during the system call, so they gain a little."
)
WORKLOADS = ("empty", "cpu", "file_io", "sleep")
PARAMS = [
    Param("workers", "int", 4, min=1, max=64, help="threads (and serial repetitions)"),
    Param("workload", "choice", "all", choices=("all", *WORKLOADS), help="which work to time"),
    Param("cpu_steps", "int", 1_000_000, min=1, max=10_000_000, help="Fibonacci steps per call"),
    Param("file_reads", "int", 20_000, min=1, max=1_000_000, help="1 KiB reads per call"),
    Param("sleep_s", "float", 0.05, min=0.0, max=5.0, help="sleep per call"),
    Param("repeats", "int", 3, min=1, max=100, help="runs per measurement; the best is kept"),
]
QUICK = {"cpu_steps": 10_000, "file_reads": 200, "sleep_s": 0.02, "repeats": 1}


def make_work(name, cpu_steps, file_reads, sleep_s, fd):
    def empty():
        pass

    def cpu():
        a, b = 0, 1
        for _ in range(cpu_steps):
            a, b = b, (a + b) % 1_000_003

    def file_io():
        for _ in range(file_reads):
            os.pread(fd, 1024, 0)

    def sleep():
        time.sleep(sleep_s)

    return {"empty": empty, "cpu": cpu, "file_io": file_io, "sleep": sleep}[name]


def serial(fn, workers):
    for _ in range(workers):
        fn()


def threaded(fn, workers):
    threads = [threading.Thread(target=fn) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def best_of(repeats, way, fn, workers):
    """Best (wall, cpu) seconds of `repeats` runs of way(fn, workers)."""
    runs = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        way(fn, workers)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(runs)


def run(ctx, workers, workload, cpu_steps, file_reads, sleep_s, repeats):
    names = WORKLOADS if workload == "all" else (workload,)
    fd, path = tempfile.mkstemp(prefix="gil_study_")
    rows = []
    try:
        os.write(fd, os.urandom(1024))
        for i, name in enumerate(names):
            fn = make_work(name, cpu_steps, file_reads, sleep_s, fd)
            with ctx.timed("serial"):
                serial_s, _ = best_of(repeats, serial, fn, workers)
            with ctx.timed("work"):
                threaded_s, threaded_cpu = best_of(repeats, threaded, fn, workers)
            speedup = serial_s / threaded_s if threaded_s > 0 else None
            rows.append(
                {
                    "workload": name,
                    "serial_s": round(serial_s, 6),
                    "threaded_s": round(threaded_s, 6),
                }
                | {"threaded_cpu_s": round(threaded_cpu, 6), "speedup": round(speedup or 0, 3)}
            )
            print(f"{name:8s} serial {serial_s:.4f} s, {workers} threads {threaded_s:.4f} s")
            ctx.progress(i + 1, len(names))
    finally:
        os.close(fd)
        os.unlink(path)
    text = ", ".join(f"{r['workload']} x{r['speedup']:g}" for r in rows)
    return {
        "workers": workers,
        "workloads": rows,
        "summary": f"speedup of {workers} threads over serial: {text}",
    }


if __name__ == "__main__":
    main(__name__)
