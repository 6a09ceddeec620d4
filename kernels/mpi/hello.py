"""Hello from every rank: SPMD, one program started N times, each copy told its rank.

``mpiexec -n N`` starts N processes of the same program. Each asks ``COMM_WORLD`` for its rank
(0 … N-1) and the job's size, and that is all that makes them differ. Every rank prints its
line as soon as it runs, so the order on the console changes from run to run; rank 0 also
gathers the lines so the result lists them in rank order.
"""

import os
import socket
import time

from kernels.mpi._common import main, ranks, world

TITLE = "Hello from every rank (SPMD)"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.10, E2-4.02"
SHOWS_BUG = False
LESSON = (
    "One program, N processes: each rank learns its number from COMM_WORLD and behaves "
    "accordingly. Run it several times and look at the console: the lines arrive in a "
    "different order each time, because the ranks run independently. The result's table is "
    "in rank order only because rank 0 gathered it. Each rank is a separate process (see the "
    "pids), possibly on another host."
)
PARAMS = [ranks(4)]
QUICK = {"workers": 2}


def run(ctx, workers):
    MPI, comm = world()
    rank, size = comm.Get_rank(), comm.Get_size()
    line = f"hello from rank {rank} of {size} (pid {os.getpid()} on {socket.gethostname()})"
    print(line, flush=True)
    arrived = time.time_ns()
    rows = comm.gather(
        {"rank": rank, "pid": os.getpid(), "host": MPI.Get_processor_name(), "t_ns": arrived},
        root=0,
    )
    if rank != 0:
        return None
    order = [r["rank"] for r in sorted(rows, key=lambda r: r["t_ns"])]
    return {
        "ranks": size,
        "table": [{k: r[k] for k in ("rank", "pid", "host")} for r in rows],
        "order_by_time": order,
        "summary": f"{size} ranks said hello; by time they ran in the order {order}",
    }


if __name__ == "__main__":
    main(__name__)
