"""MPI recipes (mpi4py). Each runs alone: ``mpiexec -n 4 python -m kernels.mpi.hello``."""
