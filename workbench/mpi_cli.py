"""The command line's MPI options, shared by ``run``, ``sweep`` and ``trace``.

``--mpiexec PATH`` picks the launcher (default: the mpich wheel's), ``--hosts a,b`` or
``--hostfile F`` say where the ranks run, ``--mpi-args "..."`` passes anything else to the
launcher. They are checked before anything starts, so a bad one exits 2 with one line.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from kernels.recipe import Param
from workbench import catalog
from workbench.backends import Backend
from workbench.mpi_launch import LaunchError, resolve


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("MPI (mpi.* recipes and trace --mpi)")
    group.add_argument("--mpiexec", metavar="PATH", help="launcher (default: the mpich wheel's)")
    group.add_argument("--hosts", metavar="A,B", help="hosts for the ranks (launcher's -hosts)")
    group.add_argument("--hostfile", metavar="FILE", help="a hostfile for the launcher")
    group.add_argument(
        "--mpi-args", metavar="ARGS", help='more launcher flags, e.g. "-bind-to core"'
    )


def options(args: argparse.Namespace, backend: str) -> dict[str, Any]:
    """The launch options of an MPI run, checked; {} for other backends (where they are an
    error if given)."""
    given = {
        "mpiexec": args.mpiexec,
        "hosts": args.hosts,
        "hostfile": args.hostfile,
        "mpi_args": args.mpi_args,
    }
    given = {k: v for k, v in given.items() if v}
    if backend != Backend.MPI:
        if given:
            flags = ", ".join(f"--{k.replace('_', '-')}" for k in given)
            raise LaunchError(f"{flags}: only for MPI recipes (mpi.*) and trace --mpi")
        return {}
    resolve(given)  # raises LaunchError (a ValueError: exit 2) with one line
    return given


def script_recipe(path: Path, ranks: int) -> catalog.Recipe:
    """A user's script run as ``ranks`` MPI ranks (``workbench trace --mpi N``)."""
    base = catalog.script_recipe(path)
    workers = Param("workers", "int", ranks, min=1, max=64, help="MPI ranks")
    return dataclasses.replace(
        base, id=f"mpi.script.{path.stem}", backend=Backend.MPI, params=(*base.params, workers)
    )
