"""Scatter: the root cuts a list into one piece per rank and hands them out.

``comm.scatter(items, root=0)`` needs exactly one item per rank. The book scatters a 10-item
list, so it only works with 10 ranks: with 4, mpi4py raises "expecting 4 items, got 10" on the
root and the job aborts. Here the list length is a parameter: ``items=0`` means one per rank
(right); any other length that differs from the rank count reproduces the book's error.
"""

from kernels.mpi._common import main, ranks, world
from kernels.recipe import Param

TITLE = "Collective: scatter"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.14, E2-4.06"
SHOWS_BUG = True
LESSON = (
    "Rank i receives item i of the root's list. With items=0 the list has one item per rank "
    "and it works. Set items=10 (the book's list) with 4 ranks: the workbench refuses it "
    "before launch and says why. With check_first=false it launches, the root raises "
    "ValueError 'expecting 4 items, got 10' and the workbench aborts the whole job, as the other "
    "ranks would otherwise wait in scatter forever. The root rank's error names the cause."
)
PARAMS = [
    ranks(4),
    Param("items", "int", 0, min=0, max=1000, help="list length on the root; 0 = one per rank"),
    Param(
        "check_first", "bool", True, help="refuse a wrong length before launch (else: see it fail)"
    ),
]
QUICK = {"workers": 2}


def requirements(workers, items, check_first):
    if check_first and items and items != workers:
        return (
            f"scatter needs one item per rank: {items} items for {workers} ranks "
            "(use items=0, or check_first=false to watch the job fail)"
        )
    return None


def run(ctx, workers, items, check_first):
    _, comm = world()
    rank, size = comm.Get_rank(), comm.Get_size()
    n = items or size
    data = [(i + 1) ** 2 for i in range(n)] if rank == 0 else None
    mine = comm.scatter(data, root=0)
    rows = comm.gather({"rank": rank, "received": mine}, root=0)
    if rank != 0:
        return None
    return {
        "items": n,
        "table": rows,
        "summary": f"the root scattered {n} items over {size} ranks: rank i got item i",
    }


if __name__ == "__main__":
    main(__name__)
