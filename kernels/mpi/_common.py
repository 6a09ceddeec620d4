"""What the MPI recipes share: the rank-count parameter and running a recipe alone.

``mpi4py.MPI`` is imported inside functions, never at the top of a recipe: importing it starts
MPI, and the workbench reads every recipe's metadata in a process that must not.
"""

import sys

from kernels.recipe import Param
from kernels.recipe import main as recipe_main


def ranks(default=4, lo=1, help="MPI ranks (mpiexec -n); run alone, mpiexec decides"):
    """The ``workers`` parameter: for an MPI recipe it is the number of ranks."""
    return Param("workers", "int", default, min=lo, max=64, help=help)


def world():
    """``(MPI, COMM_WORLD)``, read when the recipe runs: the workbench may have swapped in a
    traced communicator for COMM_WORLD."""
    from mpi4py import MPI

    return MPI, MPI.COMM_WORLD


def main(module_name):
    """``mpiexec -n 4 python -m kernels.mpi.X``: every rank runs it, rank 0 prints the result,
    and ``workers`` is the job's real size."""
    _, comm = world()
    argv = [*sys.argv[1:], "--workers", str(comm.Get_size())]
    return recipe_main(module_name, argv, echo=comm.Get_rank() == 0)
