"""Runs, sweeps and comparisons from a worker-object QThread, with only data crossing threads.

The worker blocks in the engine (``Run.wait``, ``Sweep.run``) so the GUI thread never does.
Everything the engine reports — console lines, progress, partial results, finished sweep points
— is appended to :attr:`Runner.inbox`, a deque that the window drains from its one redraw timer:
the data side only says "data available", the GUI merges and draws at a fixed rate.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from workbench import catalog, compare, controller
from workbench.history import History
from workbench.spec import RunRecord, RunSpec
from workbench.sweep import Sweep

Inbox = collections.deque


@dataclass
class RunJob:
    """One run of one recipe."""

    spec: RunSpec
    recipe: catalog.Recipe | None = None  # a user's script; None: the spec's recipe id
    _run: controller.Run | None = field(default=None, repr=False)
    _cancelled: bool = False

    def execute(self, inbox: Inbox, history: History | None) -> Any:
        if self._cancelled:
            return None
        self._run = controller.start(self.spec, [_to(inbox)], history, recipe=self.recipe)
        return self._run.wait()

    @property
    def running(self) -> controller.Run | None:
        """The run in flight, once its host was started (read by the live timeline)."""
        return self._run

    @property
    def timeline(self) -> Any:
        """The traced run's timeline shapes (after it ended), or None."""
        analysis = self._run.analysis if self._run else None
        return analysis.timeline if analysis else None

    def cancel(self) -> None:
        self._cancelled = True
        if self._run:
            self._run.cancel()


@dataclass
class SweepJob:
    """One or more sweeps in a row (several for compare-backends)."""

    sweeps: list[Sweep]
    _cancelled: bool = False

    def execute(self, inbox: Inbox, history: History | None) -> Any:
        def on_point(sweep: Sweep, record: RunRecord) -> None:
            summary = sweep.summary()
            inbox.append(
                (
                    "sweep_point",
                    {"key": sweep.sweep_id, "summary": summary, "record": record.as_dict()},
                )
            )

        for sweep in self.sweeps:
            inbox.append(
                (
                    "sweep_started",
                    {"key": sweep.sweep_id, "recipe": sweep.recipe.id, "workers": sweep.workers},
                )
            )
        if self._cancelled:
            return []
        return compare.run(self.sweeps, on_point, history, [_to(inbox)])

    def cancel(self) -> None:
        self._cancelled = True
        for sweep in self.sweeps:
            sweep.cancel()


@dataclass
class RooflineJob:
    """Measure (or read from the cache) a device's roofline: a probe run through the engine."""

    device: str = "auto"
    refresh: bool = False

    def execute(self, inbox: Inbox, history: History | None) -> Any:
        from workbench import roofline

        try:
            return {"roofline": roofline.get(self.device, refresh=self.refresh)}
        except (LookupError, roofline.RooflineError) as exc:
            return {"error": str(exc)}

    def cancel(self) -> None:
        """The probe lasts a few seconds and ends by itself."""


Job = RunJob | SweepJob | RooflineJob


def _to(inbox: Inbox) -> controller.Listener_:
    def listener(kind: str, payload: Any) -> None:
        if kind == "finished":
            payload = payload.as_dict() | {"log_lines": len(payload.log)}
        elif kind == "events":
            return  # the timeline (tracing) consumes events; the run views do not
        inbox.append((kind, payload))

    return listener


class Worker(QObject):
    """Lives in the worker thread; executes one job and reports its outcome as data."""

    sig_job_finished = Signal(object)

    def __init__(self, job: Job, inbox: Inbox, history: History | None) -> None:
        super().__init__()
        self.job, self.inbox, self.history = job, inbox, history

    @Slot()
    def run(self) -> None:
        try:
            outcome: Any = self.job.execute(self.inbox, self.history)
        except Exception as exc:  # an engine failure must reach the window as data
            outcome = {"error": f"{type(exc).__name__}: {exc}"}
        self.sig_job_finished.emit(outcome)


class Runner(QObject):
    """Owned by the window (GUI thread): starts jobs, cancels them, and waits for its thread on
    shutdown so no QThread is destroyed while running."""

    sig_job_started = Signal(object)
    sig_job_finished = Signal(object)

    def __init__(self, history: History | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.inbox: Inbox = collections.deque()
        self._thread: QThread | None = None
        self._worker: Worker | None = None
        self.job: Job | None = None
        self.last_job: Job | None = None

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(self, job: Job) -> bool:
        if self.busy:
            return False
        self.job = job
        self._thread = QThread()
        self._worker = Worker(job, self.inbox, self.history)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.sig_job_finished.connect(self._on_worker_finished)
        self._thread.start()
        self.sig_job_started.emit(job)
        return True

    def cancel(self) -> None:
        if self.job:
            self.job.cancel()

    @Slot(object)
    def _on_worker_finished(self, outcome: Any) -> None:
        self._stop_thread()
        self.last_job, self.job = self.job, None
        self.sig_job_finished.emit(outcome)

    def _stop_thread(self) -> None:
        if self._thread:
            self._thread.quit()
            self._thread.wait()
            self._thread.deleteLater()
            self._worker.deleteLater()
        self._thread = self._worker = None

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel what runs and wait for the worker thread (on window close / aboutToQuit)."""
        self.cancel()
        if self._thread:
            self._thread.quit()
            self._thread.wait(timeout_ms)
        self._thread = self._worker = None
        self.job = None
