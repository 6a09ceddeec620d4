"""How an MPI run is launched: which ``mpiexec``, which hosts, which flags, which address.

An MPI run is ``mpiexec -n N python -m workbench.host``: every rank is a run host that connects
back to the controller and authenticates with the run's key. The key travels in the environment,
never in argv, so the launcher is told the *names* of the variables to forward (MPICH's
``-genvlist``, Open MPI's ``-x``), not their values.

By default the ``mpiexec`` of the ``mpich`` wheel beside this Python is used; ``--mpiexec PATH``
picks an installed MPICH or Open MPI, whose flavour is read from ``mpiexec --version``. A local
job listens on loopback; a job with hosts listens on every interface and tells the ranks an
address the first host can reach.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.mpi_host import MPI_ENV

FORWARD = ("WORKBENCH_CONNECT", "WORKBENCH_AUTHKEY", "PYTHONPATH", "PYTHONUNBUFFERED", MPI_ENV)
LAUNCH_KEYS = ("mpiexec", "hosts", "hostfile", "mpi_args")


class LaunchError(ValueError):
    """A launcher or host list that cannot work; one line for the user."""


def default_mpiexec() -> str | None:
    """The mpich wheel's ``mpiexec`` beside this interpreter, else the first on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("mpiexec") or shutil.which("mpirun")


@functools.cache
def flavor(path: str) -> tuple[str, str]:
    """``("mpich" | "openmpi" | "unknown", first line of --version)``."""
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LaunchError(f"cannot run {path}: {exc}") from None
    text = out.stdout + out.stderr
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if "Open MPI" in text or "OpenRTE" in text or "PRRTE" in text:
        return "openmpi", first
    if "HYDRA" in text or "MPICH" in text or "Intel(R) MPI" in text:
        version = next(
            (ln.split(":", 1)[1].strip() for ln in text.splitlines() if "Version:" in ln), ""
        )
        return "mpich", f"MPICH Hydra {version}".strip()
    return "unknown", first


@dataclass(frozen=True)
class Launch:
    """A resolved launch: the launcher, its flavour and where the ranks run."""

    mpiexec: str
    flavor: str
    hosts: tuple[str, ...] = ()
    hostfile: str | None = None
    extra: tuple[str, ...] = ()

    @property
    def remote(self) -> bool:
        """True when ranks may run on another machine, so the channel must be reachable."""
        return bool(self.hostfile) or any(not _is_local(h) for h in self.hosts)

    def describe(self) -> dict[str, Any]:
        return {
            "mpiexec": self.mpiexec,
            "flavor": self.flavor,
            "hosts": list(self.hosts),
            "hostfile": self.hostfile,
            "mpi_args": list(self.extra),
        }


def resolve(options: Mapping[str, Any] | None) -> Launch:
    """Check ``{"mpiexec", "hosts", "hostfile", "mpi_args"}`` and return the launch."""
    options = dict(options or {})
    path = options.get("mpiexec") or default_mpiexec()
    if not path:
        raise LaunchError("no mpiexec found: install the mpich wheel or pass --mpiexec PATH")
    found = shutil.which(path) if os.sep not in path else path
    if not found or not os.access(found, os.X_OK):
        raise LaunchError(f"--mpiexec {path}: not an executable file")
    hosts = tuple(h.strip() for h in (options.get("hosts") or "").split(",") if h.strip())
    if (options.get("hosts") or "").strip() and not hosts:  # ",,": not "this machine"
        raise LaunchError(f"--hosts {options['hosts']!r}: no host name in it")
    hostfile = options.get("hostfile") or None
    if hosts and hostfile:
        raise LaunchError("give either --hosts or --hostfile, not both")
    if hostfile and not Path(hostfile).is_file():
        what = "not a regular file" if Path(hostfile).exists() else "no such file"
        raise LaunchError(f"--hostfile {hostfile}: {what}")
    extra = tuple(_split(options.get("mpi_args") or ""))
    kind, _ = flavor(found)
    return Launch(found, kind, hosts, str(Path(hostfile).resolve()) if hostfile else None, extra)


def _split(text: str) -> list[str]:
    import shlex

    try:
        return shlex.split(text)
    except ValueError as exc:
        raise LaunchError(f"--mpi-args {text!r}: {exc}") from None


def command(launch: Launch, ranks: int, inner: list[str]) -> list[str]:
    """The full command line: the launcher's own flags, then the run host."""
    cmd = [launch.mpiexec]
    if launch.flavor == "openmpi":
        cmd += ["--oversubscribe"]
        if launch.hosts:
            cmd += ["--host", ",".join(f"{h}:{ranks}" for h in launch.hosts)]
        if launch.hostfile:
            cmd += ["--hostfile", launch.hostfile]
        for name in FORWARD:
            cmd += ["-x", name]
    else:  # MPICH's Hydra (and Intel MPI) oversubscribe without being asked
        if launch.hosts:
            cmd += ["-hosts", ",".join(launch.hosts)]
        if launch.hostfile:
            cmd += ["-f", launch.hostfile]
        cmd += ["-genvlist", ",".join(FORWARD)]
    return [*cmd, *launch.extra, "-n", str(ranks), *inner]


def bind_and_advertise(launch: Launch) -> tuple[str, str | None]:
    """Where the controller listens and the address the ranks are told (None: the same)."""
    if not launch.remote:
        return "127.0.0.1", None
    target = launch.hosts[0] if launch.hosts else _first_host(launch.hostfile or "")
    return "0.0.0.0", _reachable_address(target)


def _first_host(hostfile: str) -> str:
    for line in Path(hostfile).read_text().splitlines():
        name = line.split("#", 1)[0].split(":")[0].split()
        if name:
            return name[0]
    raise LaunchError(f"--hostfile {hostfile}: no host in it")


def _reachable_address(host: str) -> str:
    """Our address on the route to ``host`` (a UDP connect sends nothing)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((socket.gethostbyname(host), 9))
            return s.getsockname()[0]
    except OSError as exc:
        raise LaunchError(f"host {host!r}: cannot find a route to it ({exc})") from None


def _is_local(host: str) -> bool:
    if host in ("localhost", socket.gethostname(), "127.0.0.1"):
        return True
    try:
        return socket.gethostbyname(host).startswith("127.")
    except OSError:
        return False


def library_info() -> dict[str, Any]:
    """The MPI library and launcher, read in a child process (this one never loads MPI)."""
    code = (
        "import mpi4py, json; from mpi4py import MPI; "
        "print(json.dumps({'mpi4py': mpi4py.__version__, "
        "'library': ' '.join(MPI.Get_library_version().strip().splitlines()[0].split()), "
        "'standard': '%d.%d' % MPI.Get_version()}))"
    )
    info: dict[str, Any] = {"mpiexec": default_mpiexec()}
    if info["mpiexec"]:
        info["launcher"] = flavor(info["mpiexec"])[1]
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
        )
        import json

        info |= json.loads(out.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        info["error"] = "mpi4py could not load an MPI library"
    return info


def plan(spec: Any, inner: list[str]) -> tuple[list[str], str, str | None, int]:
    """``(command, bind, advertised address or None, ranks)`` for an MPI run's spec."""
    launch = resolve(spec.launch)
    ranks = int(spec.params.get("workers") or 1)
    bind, advertise = bind_and_advertise(launch)
    return command(launch, ranks, inner), bind, advertise, ranks
