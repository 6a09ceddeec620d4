"""A processes sweep of the CPU-bound workload vs a bare ``multiprocessing.Pool`` script.

The same prime-counting job (kernels.workloads, about 1 s serial) at equal worker counts, the
bare script mapping the same chunks over a spawned Pool. Two ratios: the work (the map itself,
timed the same way in both) and end to end (the whole command: interpreter, pool start, work,
shutdown; for the workbench ``workbench run`` including its run host and history).
Target: work ratio <= 1.05 at equal workers.
"""

import json
import os
import subprocess
import sys
import time

from _common import median, table

WORKERS = (1, 2)
REPEAT = 5
BARE = """
import multiprocessing, sys, time
from kernels import workloads
if __name__ == "__main__":
    workers = int(sys.argv[1])
    jobs = [("primes", lo, hi) for lo, hi in workloads.split(700_000, 4 * workers)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(workloads.do_chunk, jobs[:workers])  # start the workers, as the recipe does
        t0 = time.perf_counter()
        chunks = pool.map(workloads.do_chunk, jobs)
        print(time.perf_counter() - t0, sum(c["value"] for c in chunks))
"""


def bare(workers):
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", BARE, str(workers)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    work, total = out.stdout.split()
    return float(work), time.perf_counter() - start, int(total)


def workbench(workers):
    start = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "run",
            "processes.compare",
            "-p",
            "workload=primes",
            "--workers",
            str(workers),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    doc = json.loads(out.stdout)
    return doc["wall_s"], time.perf_counter() - start, doc["result"]["total"]


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    rows = []
    for w in WORKERS:
        ours, base = [], []
        for _ in range(REPEAT):  # interleaved, so drift on a shared machine hits both alike
            ours.append(workbench(w))
            base.append(bare(w))
        assert {o[2] for o in ours} == {b[2] for b in base}, "different totals"
        for i, what in ((0, "work"), (1, "end to end")):
            o, b = median([x[i] for x in ours]), median([x[i] for x in base])
            rows.append((f"{w} worker(s), {what} (s)", o, b, o / b))
    table(
        "processes sweep vs bare multiprocessing.Pool (primes below 700,000)",
        rows,
        "work ratio <= 1.05",
    )
