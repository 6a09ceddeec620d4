"""What a run is asked to do (:class:`RunSpec`) and what came of it (:class:`RunRecord`).

Both are plain data: they cross threads and processes, are stored in the history and are
printed as JSON, so parameters are frozen when a run starts.
"""

from __future__ import annotations

import statistics
import uuid
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

DEFAULT_TIMEOUT_S = 60.0
TRACE_MODES = ("sync", "full")


class Status(StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    DEADLOCK = "deadlock"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class RunSpec:
    """One run of one recipe: the parameters are resolved and checked before it is built."""

    recipe_id: str
    params: MappingProxyType
    repeat: int = 1
    trace: bool = False
    trace_mode: str = "sync"  # "sync": primitives only; "full": also shared-state accesses
    timeout_s: float = DEFAULT_TIMEOUT_S
    # MPI: mpiexec, hosts, hostfile, mpi_args
    launch: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @classmethod
    def make(cls, recipe_id: str, params: dict[str, Any], **kw: Any) -> RunSpec:
        if kw.get("repeat", 1) < 1:
            raise ValueError("repeat must be at least 1")
        if kw.get("timeout_s", DEFAULT_TIMEOUT_S) <= 0:
            raise ValueError("timeout must be positive")
        if kw.get("trace_mode", "sync") not in TRACE_MODES:
            raise ValueError(f"trace mode must be one of {', '.join(TRACE_MODES)}")
        kw["launch"] = MappingProxyType(dict(kw.get("launch") or {}))
        return cls(recipe_id=recipe_id, params=MappingProxyType(dict(params)), **kw)

    @property
    def workers(self) -> int | None:
        return self.params.get("workers")

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "id": self.recipe_id,
            "params": dict(self.params),
            "repeat": self.repeat,
            "trace": self.trace,
            "trace_mode": self.trace_mode,
            "timeout_s": self.timeout_s,
        } | ({"launch": dict(self.launch)} if self.launch else {})


@dataclass
class Repeat:
    """One execution of the recipe inside the host: its wall time and named phases (ns)."""

    wall_ns: int
    phases: dict[str, int]

    @property
    def work_ns(self) -> int:
        """The time a speedup is measured on: the ``work`` phase if the recipe marked one."""
        return self.phases.get("work", self.wall_ns)


@dataclass
class RunRecord:
    """The outcome of a run, whatever its status; partial results survive a hang or a cancel."""

    spec: RunSpec
    backend: str
    status: Status = Status.RUNNING
    repeats: list[Repeat] = field(default_factory=list)
    result: dict[str, Any] | None = None
    partial: dict[str, Any] = field(default_factory=dict)
    error: dict[str, str] | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    started_s: float = 0.0
    ended_s: float = 0.0
    host_s: float = 0.0
    exit_code: int | None = None
    log: list[tuple[str, str]] = field(default_factory=list)
    log_dropped: int = 0
    events: int = 0
    events_dropped: int = 0
    stats: dict[str, Any] | None = None
    trace_path: str | None = None

    @property
    def wall_s(self) -> float | None:
        """Median over the repeats of the measured work (seconds)."""
        if not self.repeats:
            return None
        return statistics.median(r.work_ns for r in self.repeats) / 1e9

    @property
    def startup_s(self) -> float | None:
        """Median pool or process start-up, when the recipe measured it apart from the work."""
        ups = [r.phases["startup"] for r in self.repeats if "startup" in r.phases]
        return statistics.median(ups) / 1e9 if ups else None

    def error_line(self) -> str:
        """One line that says why the run did not end well."""
        if self.status is Status.TIMEOUT:
            return f"timed out after {self.spec.timeout_s:g} s (the run hung or was too slow)"
        if self.status is Status.CANCELLED:
            return "cancelled"
        if self.status is Status.DEADLOCK:
            found = next((f for f in self.findings if f["kind"] == "deadlock"), None)
            return found["message"] if found else "deadlock"
        if self.error:
            return f"{self.error.get('type', 'Error')}: {self.error.get('message', '')}".strip()
        return ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``workbench run --json``."""
        return {
            "run_id": self.spec.run_id,
            "id": self.spec.recipe_id,
            "backend": self.backend,
            "params": dict(self.spec.params),
            "workers": self.spec.workers,
            "status": str(self.status),
            "wall_s": self.wall_s,
            "startup_s": self.startup_s,
            "repeats": [asdict(r) | {"work_ns": r.work_ns} for r in self.repeats],
            "result": self.result,
            "partial": self.partial or None,
            "error": self.error,
            "findings": self.findings,
            "host_s": round(self.host_s, 4),
            "exit_code": self.exit_code,
            "events": self.events,
            "events_dropped": self.events_dropped,
            "stats": self.stats,
            "trace_path": self.trace_path,
        }
