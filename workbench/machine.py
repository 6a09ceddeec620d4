"""What machine a result was measured on: cores, CPU model, OS, Python and library versions.

Versions are read from package metadata, never by importing the library, so asking costs
nothing and does not initialise MPI or OpenCL.
"""

from __future__ import annotations

import functools
import os
import platform
import sys
from importlib import metadata
from typing import Any

import psutil

LIBRARIES = (
    "numpy",
    "psutil",
    "PySide6-Essentials",
    "pyqtgraph",
    "pyopencl",
    "pocl-binary-distribution",
    "mpi4py",
    "mpich",
)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@functools.cache
def machine_info() -> dict[str, Any]:
    """The facts recorded with every run."""
    return {
        "hostname": platform.node(),
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_physical": psutil.cpu_count(logical=False),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu_model(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
        "libraries": library_versions(),
    }
