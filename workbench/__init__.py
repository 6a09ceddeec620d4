"""The engine of Parallel Workbench: catalog, runs, sweeps, CPU monitor and history.

It never imports Qt, and loads pyopencl or mpi4py only when a backend needs them, so that
``import workbench`` stays fast and the command line works without a display.
"""

__version__ = "0.1.0"
