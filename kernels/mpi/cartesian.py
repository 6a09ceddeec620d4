"""Cartesian topology: ranks arranged on a grid, each asking who its neighbours are.

``comm.Create_cart(dims, periods)`` lays the ranks out on a rows × columns grid. ``Shift(axis,
1)`` gives the neighbours along an axis. On a mesh (not periodic) a rank on the edge has no
neighbour there: MPI answers ``PROC_NULL`` (-1 here), and a send to PROC_NULL does nothing, so
stencil codes need no special cases at the edges. On a torus the grid wraps around; on a 2×2
torus UP and DOWN are the same rank.
"""

from kernels.mpi._common import main, ranks, world
from kernels.recipe import Param

TITLE = "Cartesian topology: mesh and torus neighbours"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.18, E2-4.10"
SHOWS_BUG = False
LESSON = (
    "The table lists each rank's grid coordinates and its neighbours up, down, left and right. "
    "On the mesh the edge ranks get -1 (PROC_NULL); on the torus every rank has four "
    "neighbours and the grid wraps. Each rank then sends its rank to its right neighbour and "
    "receives from the left with Sendrecv (PROC_NULL makes that a no-op at the edge). The "
    "topology view draws the grid. The grid must be full: rows × cols must equal the ranks "
    "(the book's √N grid leaves rank 4 of 5 out with COMM_NULL, and its code fails there)."
)
PARAMS = [
    ranks(4),
    Param("rows", "int", 0, min=0, max=64, help="grid rows; 0 = let MPI choose (Compute_dims)"),
    Param("topology", "choice", "mesh", choices=("mesh", "torus"), help="edges or wrap-around"),
]
QUICK = {"workers": 4}


def requirements(workers, rows, **_):
    if rows and workers % rows:
        return (
            f"a {rows}-row grid needs a multiple of {rows} ranks, not {workers} "
            "(a Cartesian grid must be full)"
        )
    return None


def run(ctx, workers, rows, topology):
    MPI, comm = world()
    size = comm.Get_size()
    dims = [rows, size // rows] if rows else MPI.Compute_dims(size, 2)
    periodic = topology == "torus"
    cart = comm.Create_cart(dims, periods=[periodic, periodic], reorder=False)
    rank = cart.Get_rank()
    up, down = cart.Shift(0, 1)
    left, right = cart.Shift(1, 1)
    import numpy as np

    out, got = np.array([rank], dtype=np.int64), np.array([-1], dtype=np.int64)
    cart.Sendrecv(out, dest=right, recvbuf=got, source=left)
    row = {
        "rank": rank,
        "coords": cart.Get_coords(rank),
        "up": up,
        "down": down,
        "left": left,
        "right": right,
        "received from left": int(got[0]),
    }
    rows_ = cart.gather(row, root=0)
    cart.Free()
    if rank != 0:
        return None
    sides = ("up", "down", "left", "right")
    missing = sum(r[side] == MPI.PROC_NULL for r in rows_ for side in sides)
    return {
        "dims": list(dims),
        "periodic": periodic,
        "proc_null": MPI.PROC_NULL,
        "table": rows_,
        "topology": {"dims": list(dims), "periodic": [periodic, periodic], "ranks": rows_},
        "summary": f"{dims[0]}×{dims[1]} {topology}: {missing} missing neighbours (PROC_NULL)",
    }


if __name__ == "__main__":
    main(__name__)
