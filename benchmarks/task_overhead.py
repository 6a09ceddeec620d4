"""Per-task overhead of the thread and process backends vs bare executors at equal chunksize.

Many tiny tasks (the prime workload on 2,000 chunks of a small range) so that the time is mostly
per-task overhead. The workbench figure is the recipe's measured work phase in its run host; the
baseline is a bare ThreadPoolExecutor.map / Pool.map of the same chunks in this process.
Target: ratio <= 1.2.
"""

import json
import multiprocessing
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from _common import median, table

from kernels import workloads

TASKS, SIZE, WORKERS, CHUNKSIZE, REPEAT = 1000, 20_000, 2, 4, 5


def jobs():
    return [("primes", lo, hi) for lo, hi in workloads.split(SIZE, TASKS)]


def bare_threads():
    with ThreadPoolExecutor(WORKERS) as pool:
        t0 = time.perf_counter()
        list(pool.map(workloads.do_chunk, jobs()))
        return time.perf_counter() - t0


def bare_processes(pool):
    t0 = time.perf_counter()
    pool.map(workloads.do_chunk, jobs(), chunksize=CHUNKSIZE)
    return time.perf_counter() - t0


def workbench(backend):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "run",
            f"{backend}.compare",
            "-p",
            f"size={SIZE}",
            "-p",
            f"tasks={TASKS}",
            "-p",
            f"chunksize={CHUNKSIZE}",
            "--workers",
            str(WORKERS),
            "--repeat",
            str(REPEAT),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)["wall_s"]


if __name__ == "__main__":
    rows = []
    ours = workbench("threads")
    base = median([bare_threads() for _ in range(REPEAT)])
    rows.append((f"threads: {TASKS} tasks (s)", ours, base, ours / base))
    ours = workbench("processes")
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        pool.map(workloads.do_chunk, jobs()[:WORKERS])
        base = median([bare_processes(pool) for _ in range(REPEAT)])
    rows.append((f"processes: {TASKS} tasks, chunksize {CHUNKSIZE} (s)", ours, base, ours / base))
    table("per-task overhead vs bare executors", rows, "ratio <= 1.2")
