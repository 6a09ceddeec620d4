"""A distributed map with ``mpi4py.futures``: the pool pattern, across MPI ranks.

``MPICommExecutor(comm, root=0)`` turns a running MPI job into a pool: rank 0 gets an
executor with the familiar ``map``/``submit`` of ``concurrent.futures``, and the other ranks
become its workers until the ``with`` block ends. The same code runs on one laptop or on many
hosts: only the launch changes. Functions and results are pickled, as in a process pool.
"""

import os
import time

from kernels import workloads
from kernels.mpi._common import main, ranks
from kernels.recipe import Param

TITLE = "Distributed map with mpi4py.futures"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-4.01 (concurrent.futures), E2-4.02"
SHOWS_BUG = False
LESSON = (
    "Rank 0 hands out tasks; ranks 1..N-1 compute them, so there are N-1 workers (with one "
    "rank, the root computes alone). The table shows which rank (pid) ran each task: the "
    "pool balances the load as tasks finish. Compare with the processes backend's Pool.map: "
    "same interface, but the workers may live on other machines."
)
PARAMS = [
    ranks(3, lo=1),
    Param("tasks", "int", 8, min=1, max=1000, help="items mapped"),
    Param("size", "int", 20_000, min=10, max=10_000_000, help="numbers per task (prime count)"),
]
QUICK = {"workers": 2, "tasks": 4, "size": 200}


def task(job):
    """Count primes in one chunk, and say which process did it."""
    lo, hi = job
    return {"lo": lo, "hi": hi, "primes": workloads.count_primes(lo, hi), "pid": os.getpid()}


def run(ctx, workers, tasks, size):
    from mpi4py import MPI
    from mpi4py.futures import MPICommExecutor

    comm = MPI.COMM_WORLD
    jobs = [(i * size, (i + 1) * size) for i in range(tasks)]
    result = None
    t0 = time.perf_counter()
    with MPICommExecutor(comm, root=0) as executor:
        if executor is not None:
            with ctx.timed("work"):
                done = list(executor.map(task, jobs))
            total = sum(d["primes"] for d in done)
            result = {
                "total": total,
                "workers_used": len({d["pid"] for d in done}),
                "table": done,
                "summary": f"{tasks} tasks on {comm.Get_size()} ranks: {total} primes below "
                f"{tasks * size} in {time.perf_counter() - t0:.3f} s",
            }
    return result


if __name__ == "__main__":
    main(__name__)
