"""Gather: every rank sends one value and the root receives them all, in rank order.

``comm.gather(value, root=0)`` returns the list on the root and None elsewhere. The book's
first edition prints values it rebuilt itself rather than what arrived; here the root reports
exactly what it received from each rank.
"""

import os

from kernels.mpi._common import main, ranks, world
from kernels.recipe import Param

TITLE = "Collective: gather"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.15, E2-4.07"
SHOWS_BUG = False
LESSON = (
    "Each rank contributes (rank+1)²; the root gets [1, 4, 9, …] in rank order, whatever "
    "order the ranks arrived in. The other ranks get None. Traced, the band ends on the root "
    "only once the last rank has sent."
)
PARAMS = [ranks(4), Param("root", "int", 0, min=0, max=63, help="the rank that collects")]
QUICK = {"workers": 2}


def requirements(workers, root, **_):
    return f"root {root} is not a rank of {workers}" if root >= workers else None


def run(ctx, workers, root):
    _, comm = world()
    rank = comm.Get_rank()
    got = comm.gather({"value": (rank + 1) ** 2, "pid": os.getpid()}, root=root)
    result = None
    if rank == root:
        result = {
            "root": root,
            "gathered": [g["value"] for g in got],
            "table": [{"from rank": i} | g for i, g in enumerate(got)],
            "summary": f"rank {root} gathered {[g['value'] for g in got]}",
        }
    if root != 0:  # the workbench reports rank 0's result
        result = comm.bcast(result, root=root)
    return result if rank == 0 else None


if __name__ == "__main__":
    main(__name__)
