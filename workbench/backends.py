"""The five backends, named the same everywhere (folders in ``kernels/``, ids, the GUI)."""

from enum import StrEnum


class Backend(StrEnum):
    THREADS = "threads"
    PROCESSES = "processes"
    ASYNCIO = "asyncio"
    MPI = "mpi"
    OPENCL = "opencl"


BACKENDS: tuple[Backend, ...] = tuple(Backend)
