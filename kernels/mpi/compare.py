"""Compare backends, MPI: the same prime-counting job spread over MPI ranks.

Rank 0 cuts the job (``kernels.workloads``) into ``tasks`` chunks; chunk i goes to rank
i mod N, every rank counts its chunks, and ``gather`` brings the chunk records back. Each rank
is a separate process with its own GIL, so like the processes backend it uses every core; the
ranks are already running when the timed work starts (``mpiexec`` started them), so there is
no pool start-up inside the measurement, and the only communication is one gather.
"""

import time

from kernels import workloads
from kernels.mpi._common import main, world

TITLE = "Compare backends: MPI"
CHAPTER = "Compare backends"
BOOK = "E1-3.10, E1-3.15, E2-1.c"
SHOWS_BUG = False
COMPARE = True
LESSON = (
    "Each rank is a process with its own interpreter, so workload=primes gets faster with "
    "ranks up to the number of cores, like the processes backend, and cores_busy climbs above "
    "1. The chunks are dealt round-robin, not on demand: a rank with slow chunks makes the "
    "others wait at the gather. The total matches the other backends exactly."
)
PARAMS = workloads.PARAMS  # the same parameters as every compare recipe; workers = ranks
QUICK = workloads.QUICK


def run(ctx, workers, workload, size, tasks, chunksize):
    _, comm = world()
    rank, nranks = comm.Get_rank(), comm.Get_size()
    size = workloads.resolve_size(workload, size)
    jobs = [
        (workload, lo, hi)
        for lo, hi in workloads.split(size, workloads.resolve_tasks(nranks, tasks))
    ]
    t0 = time.perf_counter()
    with ctx.timed("work"):
        mine = [workloads.do_chunk(job) for job in jobs[rank::nranks]]
        parts = comm.gather(mine, root=0)
    work_s = time.perf_counter() - t0
    if rank != 0:
        return None
    chunks = sorted((c for part in parts for c in part), key=lambda c: c["lo"])
    ctx.progress(len(jobs), len(jobs))
    who = workloads.plural(nranks, "MPI rank")
    return workloads.report(who, workload, size, chunks, t0, work_s)


if __name__ == "__main__":
    main(__name__)
