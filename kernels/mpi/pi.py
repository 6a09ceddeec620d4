"""Pi by integration: each rank integrates a slice, and a reduce adds the slices up.

pi = ∫₀¹ 4/(1+x²) dx, by the midpoint rule over ``intervals`` strips. Rank r takes every N-th
strip starting at r (NumPy does each rank's strips at once), then ``comm.reduce(..., op=SUM)``
brings the partial sums to rank 0. The work divides evenly and the communication is one
number per rank, so this scales almost perfectly: sweep ``workers`` to see it.
"""

import math

import numpy as np

from kernels.mpi._common import main, ranks, world
from kernels.recipe import Param

TITLE = "Pi by integration with reduce (speedup)"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.17 (reduce), E2-4.09"
SHOWS_BUG = False
LESSON = (
    "Each rank computes 1/N of the strips; one reduce combines N numbers. Sweep workers 1,2,4: "
    "the time falls with the ranks up to the number of cores (here the work phase is timed "
    "after a barrier). Past the cores, ranks share them and the curve flattens. The error "
    "against math.pi shrinks with more intervals, not more ranks."
)
PARAMS = [
    ranks(2),
    Param("intervals", "int", 20_000_000, min=1, max=2_000_000_000, help="integration strips"),
]
QUICK = {"workers": 2, "intervals": 100_000}
BLOCK = 1 << 20


def partial_sum(rank, size, n):
    """Sum of 4/(1+x²) over this rank's strips, in NumPy blocks."""
    h, total = 1.0 / n, 0.0
    for start in range(rank, n, size * BLOCK):
        i = np.arange(start, min(n, start + size * BLOCK), size, dtype=np.float64)
        x = (i + 0.5) * h
        total += float(np.sum(4.0 / (1.0 + x * x)))
    return total * h


def run(ctx, workers, intervals):
    MPI, comm = world()
    rank, size = comm.Get_rank(), comm.Get_size()
    with ctx.timed("work"):
        mine = partial_sum(rank, size, intervals)
        pi = comm.reduce(mine, op=MPI.SUM, root=0)
    if rank != 0:
        return None
    return {
        "pi": pi,
        "error": abs(pi - math.pi),
        "ranks": size,
        "summary": f"pi ≈ {pi:.12f} from {intervals} strips on {size} ranks "
        f"(error {abs(pi - math.pi):.2e})",
    }


if __name__ == "__main__":
    main(__name__)
