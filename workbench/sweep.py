"""Sweeps: one recipe across worker counts, each point run ``repeat`` times in its own run host.

Points run one after another (never two at once: they would compete for the cores they are
measuring). Each finished point is handed to ``on_point`` so a view can draw the speedup curve
as it grows, and ``cancel()`` stops the sweep, ending the point in flight.
"""

from __future__ import annotations

import statistics
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kernels.recipe import ParamError
from workbench import catalog, controller, stats
from workbench.catalog import WORKERS, CatalogError, Recipe
from workbench.history import History
from workbench.spec import DEFAULT_TIMEOUT_S, RunRecord, RunSpec, Status


def parse_workers(text: str) -> list[int]:
    """``"1,2,4"`` or ``"1-4"`` → sorted unique worker counts; a one-line error otherwise."""
    counts: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        lo, dash, hi = part.partition("-")
        try:
            counts.update(range(int(lo), int(hi) + 1) if dash else [int(part)])
        except ValueError:
            raise CatalogError(
                f"bad worker list {text!r}: use counts like 1,2,4 or a range like 1-4"
            ) from None
    if not counts or min(counts) < 1:
        raise CatalogError(f"bad worker list {text!r}: counts must be 1 or more")
    return sorted(counts)


@dataclass
class Sweep:
    """A sweep's plan and, as it proceeds, its points."""

    recipe: Recipe
    params: dict[str, Any]
    workers: list[int]
    repeat: int = 3
    timeout_s: float = DEFAULT_TIMEOUT_S
    sweep_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    records: list[RunRecord] = field(default_factory=list)
    status: str = "running"
    baseline_added: bool = False
    launch: dict[str, Any] = field(default_factory=dict)  # MPI: mpiexec, hosts, … (mpi_cli)

    def __post_init__(self) -> None:
        if not self.recipe.sweepable:
            raise CatalogError(f"{self.recipe.id} has no '{WORKERS}' parameter to sweep")
        param = self.recipe.param(WORKERS)
        for w in self.workers:
            try:
                param.check(w)
            except ParamError as exc:
                raise CatalogError(f"{self.recipe.id}: {exc}") from None
        if 1 not in self.workers and (param.min is None or param.min <= 1):
            self.workers = [1, *self.workers]  # speedup is T(1)/T(p): measure T(1)
            self.baseline_added = True
        self._cancel = threading.Event()
        self._current: controller.Run | None = None

    def specs(self) -> list[RunSpec]:
        return [
            RunSpec.make(
                self.recipe.id,
                catalog.resolve(self.recipe, {**self.params, WORKERS: w}),
                repeat=self.repeat,
                timeout_s=self.timeout_s,
                launch=self.launch,
            )
            for w in self.workers
        ]

    def run(
        self,
        on_point: Callable[[RunRecord], None] | None = None,
        listeners: list[controller.Listener_] | None = None,
        history: History | None = None,
    ) -> Sweep:
        """Run every point; stop early on cancel or on a point that did not succeed."""
        if history:
            history.sweep_started(
                self.sweep_id,
                self.recipe.id,
                str(self.recipe.backend),
                self.params,
                self.workers,
                self.repeat,
            )
        try:
            self._run_points(on_point, listeners, history)
        finally:
            if history:
                history.sweep_finished(self.summary())
        return self

    def _run_points(
        self,
        on_point: Callable[[RunRecord], None] | None,
        listeners: list[controller.Listener_] | None,
        history: History | None,
    ) -> None:
        for spec in self.specs():
            if self._cancel.is_set():
                self.status = str(Status.CANCELLED)
                break
            self._current = controller.start(spec, listeners, history, self.sweep_id)
            try:
                record = self._current.wait()
            except KeyboardInterrupt:  # Ctrl+C in the CLI: end this point, say "cancelled"
                self.cancel()
                record = self._current.wait()
            self.records.append(record)
            if on_point:
                on_point(record)
            if record.status is not Status.OK:
                self.status = str(record.status)
                break
        else:
            self.status = str(Status.OK)

    def cancel(self) -> None:
        self._cancel.set()
        if self._current:
            self._current.cancel()

    def points(self) -> list[stats.Point]:
        return [
            stats.Point(
                r.spec.params[WORKERS],
                tuple(x.work_ns / 1e9 for x in r.repeats),
                tuple(x.phases["startup"] / 1e9 for x in r.repeats if "startup" in x.phases),
            )
            for r in self.records
            if r.status is Status.OK and r.repeats
        ]

    def summary(self) -> dict[str, Any]:
        """The JSON of ``workbench sweep --json``."""
        points = self.points()
        # Speedup is T(1)/T(p); when 1 worker is not allowed (a race needs two threads) it is
        # relative to the smallest count p0, and efficiency is scaled by p0 to match.
        p0 = points[0].workers if points else 1
        base = points[0].median if points else None
        rows = []
        for p in points:
            s = stats.speedup(base, p.median) if base else None
            rows.append(
                {
                    "workers": p.workers,
                    "median_s": p.median,
                    "min_s": min(p.times),
                    "max_s": max(p.times),
                    "times_s": list(p.times),
                    "startup_s": statistics.median(p.startup) if p.startup else None,
                    "speedup": s,
                    "efficiency": s * p0 / p.workers if s else None,
                    "karp_flatt": stats.karp_flatt(s, p.workers) if s and p0 == 1 else None,
                    "cv": p.cv,
                    "noisy": p.noisy,
                }
            )
        fit = None
        if base and p0 == 1 and len(rows) > 1:
            fit = stats.fit_amdahl([r["workers"] for r in rows], [r["speedup"] for r in rows])
        return {
            "sweep_id": self.sweep_id,
            "id": self.recipe.id,
            "backend": str(self.recipe.backend),
            "params": self.params,
            "workers": self.workers,
            "repeat": self.repeat,
            "status": self.status,
            "baseline_added": self.baseline_added,
            "baseline_workers": p0,
            "points": rows,
            "amdahl": {"serial_fraction": fit[0], "r2": fit[1]} if fit else None,
            "run_ids": [r.spec.run_id for r in self.records],
            "error": next(
                (r.error_line() for r in self.records if r.status is not Status.OK), None
            ),
        }
