"""Reduce and allreduce: combine every rank's array element by element with an operator.

``comm.Reduce(send, recv, op=MPI.SUM, root=0)`` leaves the combined array on the root only
(the others' receive buffers stay untouched: zeros); ``Allreduce`` leaves it on every rank.
The operators: SUM, PROD, MAX, MIN, LAND, and MAXLOC/MINLOC, which also say which rank held the
extreme. The book allocates with ``numpy.int``, removed in NumPy 1.24; here it is ``int64``.
"""

import numpy as np

from kernels.mpi._common import main, ranks, world
from kernels.recipe import Param

TITLE = "Collective: reduce and allreduce"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.17, E2-4.09"
SHOWS_BUG = False
OPS = ("SUM", "PROD", "MAX", "MIN", "LAND", "MAXLOC", "MINLOC")
LESSON = (
    "Rank r contributes (r+1)·[0, 1, 2, …], the book's data, so SUM over 3 ranks gives "
    "[0 6 12], the book's answer. With mode=reduce only the root's buffer gets the result; "
    "the others stay at zero (see the table). With mode=allreduce every rank gets it. "
    "MAXLOC/MINLOC return (value, rank) pairs: who held the largest or smallest value."
)
PARAMS = [
    ranks(3),
    Param("op", "choice", "SUM", choices=OPS, help="the reduction operator"),
    Param("mode", "choice", "reduce", choices=("reduce", "allreduce"), help="who gets it"),
    Param("length", "int", 3, min=1, max=100_000, help="elements per rank"),
    Param("root", "int", 0, min=0, max=63, help="reduce: the rank that gets the result"),
]
QUICK = {"workers": 2}


def requirements(workers, root, **_):
    return f"root {root} is not a rank of {workers}" if root >= workers else None


def run(ctx, workers, op, mode, length, root):
    MPI, comm = world()
    rank = comm.Get_rank()
    mpi_op = getattr(MPI, op)
    if op in ("MAXLOC", "MINLOC"):  # pickled (value, rank) pairs, element by element
        pairs = [((rank * i) % 5, rank) for i in range(min(length, 8))]
        call = comm.allreduce if mode == "allreduce" else comm.reduce
        kw = {} if mode == "allreduce" else {"root": root}
        out = [call(p, op=mpi_op, **kw) for p in pairs]
        mine = [list(o) if o else None for o in out]
    else:
        send = np.arange(length, dtype=np.int64) * (rank + 1)  # the book's data
        if op in ("PROD", "LAND"):
            send += 1
        recv = np.zeros(length, dtype=np.int64)
        if mode == "allreduce":
            comm.Allreduce(send, recv, op=mpi_op)
        else:
            comm.Reduce(send, recv, op=mpi_op, root=root)
        mine = recv[:8].tolist()
    rows = comm.gather({"rank": rank, "receive buffer (first 8)": mine}, root=0)
    if rank != 0:
        return None
    result = next(r for r in rows if r["rank"] == (root if mode == "reduce" else 0))
    return {
        "op": op,
        "mode": mode,
        "result": result["receive buffer (first 8)"],
        "table": rows,
        "summary": f"{mode} with {op} over {len(rows)} ranks: {result['receive buffer (first 8)']}",
    }


if __name__ == "__main__":
    main(__name__)
