"""The run host's MPI side: what a host does differently when it is one rank of an MPI job.

Only a rank imports ``mpi4py.MPI`` (importing it initialises MPI); the controller and the GUI
never do. Every rank runs the recipe; rank 0 alone reports repeats and results, and barriers
around each repeat make its wall time the job's. A rank that fails aborts the whole job, as an
MPI program would, so the other ranks never wait for it forever.
"""

from __future__ import annotations

import os
import threading
from typing import Any

MPI_ENV = "WORKBENCH_MPI"  # set by the launcher in every rank: the host then runs as one


def active() -> bool:
    """True in a run host started by ``mpiexec`` for an MPI run."""
    return os.environ.get(MPI_ENV) == "1"


def init() -> dict[str, Any]:
    """Initialise MPI, name the main thread after the rank; what the HELLO message adds."""
    from mpi4py import MPI

    global _sync
    world = MPI.COMM_WORLD
    rank = world.Get_rank()
    # The host's own barriers get a communicator of their own: on COMM_WORLD they would match
    # a program's collectives (a rank that returned early would release the others' barrier).
    _sync = world.Dup()
    threading.current_thread().name = f"rank {rank}"
    return {
        "rank": rank,
        "size": world.Get_size(),
        "node": MPI.Get_processor_name(),
        "library": MPI.Get_library_version().strip().splitlines()[0],
    }


def rank() -> int | None:
    """This rank in COMM_WORLD, or None outside an MPI job."""
    if not active():
        return None
    from mpi4py import MPI

    return MPI.COMM_WORLD.Get_rank()


def barrier() -> None:
    """An untraced barrier on the world: the repeat's time covers every rank. The deadlock
    watch counts a rank waiting here as finished, so a rank blocked on it is hopeless."""
    from mpi4py import MPI

    if _watch is not None:  # waiting here, the rank's program has returned
        _watch.outside = True
    MPI.Intracomm.Barrier(_sync if _sync is not None else _world(MPI))
    if _watch is not None:
        _watch.outside = False


def _world(mpi: Any) -> Any:
    from workbench import mpi_comm

    return mpi_comm.original_world() or mpi.COMM_WORLD


def abort(code: int = 1) -> None:
    """End every rank of the job (after the error was sent)."""
    from mpi4py import MPI

    _world(MPI).Abort(code)


def install_tracing(events: Any, report: Any) -> Any:
    """Swap a traced communicator in for ``MPI.COMM_WORLD`` and start the blocked-call watch
    (before the threading primitives are swapped, so the watch itself is not traced)."""
    from workbench import mpi_comm, mpi_deadlock

    global _watch
    recorder = mpi_comm.install(events)
    _watch = mpi_deadlock.RankWatch(recorder, report).start()
    return recorder


_watch: Any = None
_sync: Any = None  # the host's private duplicate of COMM_WORLD (see init)


def report_finished() -> None:
    """Tell the controller's deadlock watch that this rank's program returned."""
    if _watch is not None:
        _watch.finished()


def finish(traced: bool) -> None:
    """Put the world back and finalise MPI (every rank reaches this)."""
    from mpi4py import MPI

    if traced:
        from workbench import mpi_comm

        mpi_comm.uninstall()
    global _sync
    if _sync is not None:
        _sync.Free()
        _sync = None
    MPI.Finalize()
