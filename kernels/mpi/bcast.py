"""Broadcast: one rank's value, copied to every rank in one collective call.

``comm.bcast(obj, root=0)`` must be called by every rank; the root passes the value, the others
pass anything (None) and get the root's value back. MPI routes it in a tree, so it costs about
log2(N) message steps, not N-1 sends from the root.
"""

from kernels.mpi._common import main, ranks, world
from kernels.recipe import Param

TITLE = "Collective: broadcast"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.13, E2-4.05"
SHOWS_BUG = False
LESSON = (
    "Every rank calls bcast; only the root's argument matters. Afterwards every rank holds the "
    "same value (the book's 100). Traced, the timeline shows one band across all ranks: a "
    "collective, which no rank leaves before the root has sent. A rank that never calls it "
    "leaves the others waiting at the band."
)
PARAMS = [
    ranks(4),
    Param("root", "int", 0, min=0, max=63, help="the rank that has the value"),
    Param("value", "int", 100, help="what the root broadcasts"),
]
QUICK = {"workers": 2}


def requirements(workers, root, **_):
    return f"root {root} is not a rank of {workers}" if root >= workers else None


def run(ctx, workers, root, value):
    _, comm = world()
    rank = comm.Get_rank()
    got = comm.bcast(value if rank == root else None, root=root)
    rows = comm.gather({"rank": rank, "received": got}, root=0)
    if rank != 0:
        return None
    same = all(r["received"] == value for r in rows)
    return {
        "root": root,
        "value": value,
        "all_received": same,
        "table": rows,
        "summary": f"rank {root} broadcast {value}; every rank received it: {same}",
    }


if __name__ == "__main__":
    main(__name__)
