"""Alltoall: every rank sends a different block to every rank — a distributed transpose.

Row r of a matrix lives on rank r. ``comm.Alltoall(send, recv)`` sends block j of each rank's
row to rank j, so afterwards rank r holds column r: the matrix is transposed without any rank
ever holding all of it. The book's data: rank r sends (r+1)·[0, 1, …, N-1].
"""

import numpy as np

from kernels.mpi._common import main, ranks, world
from kernels.recipe import Param

TITLE = "Collective: alltoall (a distributed transpose)"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.16, E2-4.08"
SHOWS_BUG = False
LESSON = (
    "Before: row r (on rank r) is (r+1)·[0..N-1]. After Alltoall, rank r holds what every "
    "rank had in its block r: column r. The two heat-maps in the result are the matrix "
    "before (rows by rank) and after: one is the transpose of the other. Every rank sends to "
    "every other rank, so the traffic matrix is full."
)
PARAMS = [ranks(4), Param("block", "int", 1, min=1, max=4096, help="numbers per block")]
QUICK = {"workers": 2}


def run(ctx, workers, block):
    _, comm = world()
    rank, size = comm.Get_rank(), comm.Get_size()
    send = np.repeat((rank + 1) * np.arange(size, dtype=np.int64), block)
    recv = np.empty_like(send)
    comm.Alltoall(send, recv)
    before = comm.gather(send[::block].tolist(), root=0)
    after = comm.gather(recv[::block].tolist(), root=0)
    if rank != 0:
        return None
    transposed = np.array_equal(np.array(after), np.array(before).T)
    return {
        "block": block,
        "transposed": bool(transposed),
        "images": {  # shown as heat-maps by the workbench
            "before": {"data": before, "cmap": "viridis", "label": "before: row r on rank r"},
            "after": {"data": after, "cmap": "viridis", "label": "after Alltoall: row r on rank r"},
        },
        "summary": f"{size} ranks exchanged blocks of {block}: after = before transposed: "
        f"{transposed}",
    }


if __name__ == "__main__":
    main(__name__)
