"""The three workloads that the "Compare backends" recipes share, and how a job is cut up.

Each workload takes a chunk ``[lo, hi)`` of integer work units and returns an exact integer, so
the total is the same however the job is split and whichever backend runs it:

- ``count_primes``: pure-Python trial division. CPU-bound, and it holds the GIL all the time.
- ``numpy_work``: integer NumPy arithmetic on blocks of a range. NumPy releases the GIL inside
  each operation, so threads can run it on several cores at once.
- ``sleep_work``: sleeps one millisecond per unit, a stand-in for waiting on I/O (no CPU used).

``do_chunk`` runs one chunk and also reports when it ran, where, and how much CPU it used: from
that the recipes measure how many chunks overlapped and how many cores were really busy.
"""

import itertools
import os
import threading
import time

import numpy as np

from kernels.recipe import Param

WORKLOADS = ("primes", "numpy", "sleep")
# Size giving about 1 s of serial work for each workload on the development machine.
DEFAULT_SIZE = {"primes": 700_000, "numpy": 400_000_000, "sleep": 1000}
SIZE_HELP = (
    "total work: primes = count the primes below size, numpy = elements, sleep = milliseconds; "
    "0 = about 1 s of serial work"
)
_BLOCK = 1 << 16  # NumPy elements per operation: small buffers, GIL-free stretches of ~0.1 ms


PARAMS = [
    Param("workers", "int", 4, min=1, max=64, help="threads, processes or tasks at once"),
    Param("workload", "choice", "primes", choices=WORKLOADS, help="what each chunk does"),
    Param("size", "int", 0, min=0, max=2_000_000_000, help=SIZE_HELP),
    Param("tasks", "int", 0, min=0, max=1000, help="chunks the job is cut into; 0 = 4 x workers"),
    Param("chunksize", "int", 1, min=1, max=1000, help="chunks handed to a worker at a time (map)"),
]
QUICK = {"workers": 2, "size": 300}  # small for every workload: 300 numbers, elements or ms


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def count_primes(lo, hi):
    """How many primes lie in [lo, hi): pure Python, CPU-bound."""
    return sum(1 for n in range(lo, hi) if is_prime(n))


def numpy_work(lo, hi):
    """Sum of (i*i mod 1000003) for i in [lo, hi), in NumPy blocks that run without the GIL."""
    base = np.arange(_BLOCK, dtype=np.int64)
    buffer = np.empty(_BLOCK, dtype=np.int64)  # reused: no allocator or page-fault noise
    total = 0
    for start in range(lo, hi, _BLOCK):
        x = buffer[: min(_BLOCK, hi - start)]
        np.add(base[: len(x)], start, out=x)
        np.multiply(x, x, out=x)  # i < 2e9 (the size limit), so i*i fits in int64
        np.remainder(x, 1_000_003, out=x)
        total += int(x.sum())
    return total


def sleep_work(lo, hi):
    """Wait (hi - lo) milliseconds, like a call that waits on I/O; returns the milliseconds."""
    time.sleep((hi - lo) / 1000)
    return hi - lo


FUNCTIONS = {"primes": count_primes, "numpy": numpy_work, "sleep": sleep_work}


def resolve_size(workload, size):
    return size or DEFAULT_SIZE[workload]


def resolve_tasks(workers, tasks):
    return tasks or 4 * workers


def split(size, tasks):
    """Cut [0, size) into `tasks` contiguous chunks whose lengths differ by at most one."""
    tasks = max(1, min(tasks, size))  # never an empty chunk
    bounds = [size * i // tasks for i in range(tasks + 1)]
    return list(itertools.pairwise(bounds))


def do_chunk(job):
    """Run one chunk ``(workload, lo, hi)``; module-level so that spawned processes can run it."""
    workload, lo, hi = job
    start, cpu = time.perf_counter(), time.thread_time()
    value = FUNCTIONS[workload](lo, hi)
    return {
        "lo": lo,
        "hi": hi,
        "value": value,
        "start": start,
        "end": time.perf_counter(),
        "cpu_s": time.thread_time() - cpu,
        "worker": f"{os.getpid()}/{threading.current_thread().name}",
    }


def collect(ctx, results, n):
    """Gather the chunk records from an iterator, telling ctx how far it is now and then."""
    chunks, every = [], max(1, n // 20)
    for i, chunk in enumerate(results, 1):
        chunks.append(chunk)
        if i % every == 0 or i == n:
            ctx.progress(i, n)
    return chunks


def plural(n, word, many=None):
    return f"{n} {word if n == 1 else many or word + 's'}"


def report(who, workload, size, chunks, t0, work_s):
    """The shared result: the exact total, overlap, cores busy, a chunk table and a series."""
    total = sum(c["value"] for c in chunks)
    events = sorted([(c["start"] - t0, 1) for c in chunks] + [(c["end"] - t0, -1) for c in chunks])
    running, t, v = 0, [0.0], [0]
    for when, step in events:
        running += step
        t.append(round(when, 6))
        v.append(running)
    cpu = sum(c["cpu_s"] for c in chunks)
    table = [
        {
            "chunk": i,
            "lo": c["lo"],
            "hi": c["hi"],
            "value": c["value"],
            "worker": c["worker"],
            "start_s": round(c["start"] - t0, 6),
            "end_s": round(c["end"] - t0, 6),
            "cpu_s": round(c["cpu_s"], 6),
        }
        for i, c in enumerate(chunks[:500])
    ]
    cores = cpu / work_s if work_s > 0 else 0.0
    return {
        "workload": workload,
        "size": size,
        "tasks": len(chunks),
        "total": total,
        "work_s": round(work_s, 6),
        "cpu_s": round(cpu, 6),
        "cores_busy": round(cores, 3),
        "max_overlap": max(v),
        "distinct_workers": len({c["worker"] for c in chunks}),
        "chunks": table,
        "series": {"chunks_running": {"t": t[:2001], "v": v[:2001]}},
        "summary": (
            f"{who} ran {len(chunks)} {workload} chunks (size {size}) in {work_s:.3f} s: "
            f"total {total}, at most {max(v)} running at once, {cores:.2f} cores busy"
        ),
    }
