"""The three views of a trace — timeline, findings, locks — wired to each other.

Selecting a finding highlights its threads and lines on the timeline; selecting a lock
highlights its holds and waits. The window docks the three widgets; this object only keeps
them in step and loads saved traces through the engine.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QObject, Slot

from ui.findings_panel import FindingsPanel
from ui.locks_panel import LocksPanel
from ui.timeline_plot import TimelinePlot
from workbench import analysis, tracefile

LIVE_INTERVAL_S = 0.25  # the live timeline trails the run by at most about this much


class TraceView(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._live_run: Any = None
        self._live_thread: threading.Thread | None = None
        self._live_result: list[analysis.Timeline | None] = []
        self._live_asked = 0.0
        self.timeline = TimelinePlot()
        self.findings = FindingsPanel()
        self.locks = LocksPanel()
        self.findings.sig_finding_selected.connect(self._on_findings_selected)
        self.locks.sig_lock_selected.connect(self._on_locks_selected)

    def show(
        self,
        findings: list[dict[str, Any]],
        stats: dict[str, Any] | None,
        timeline: analysis.Timeline | None,
    ) -> None:
        self.timeline.set_timeline(timeline)
        self.findings.set_findings(findings)
        self.locks.set_stats(stats)

    def load(self, path: str) -> tuple[list[dict[str, Any]], dict[str, Any], Any]:
        """Open a native trace file; findings found while it ran are kept in its metadata."""
        events, strings, meta = tracefile.load_native(path)
        result = analysis.analyze(events, strings, meta.get("end_ns"))
        live = [f for f in meta.get("findings", []) if f.get("kind") == "deadlock"]
        findings = live + result.findings
        stats = result.stats(len(events), int(meta.get("dropped", 0)))
        self.show(findings, stats, result.timeline)
        return findings, stats, result.timeline

    # -- live: the timeline while a traced run goes on ---------------------------------------
    def follow(self, run: Any) -> None:
        """Draw ``run``'s events as they arrive (``None`` stops following)."""
        self._live_run = run

    def poll(self) -> None:
        """Called every frame: hand a finished analysis to the timeline, and start the next one
        in a background thread (never in the GUI thread: it takes time on long traces)."""
        if self._live_result:
            timeline = self._live_result.pop()
            if self._live_run is not None and timeline is not None:
                self.timeline.set_timeline(timeline)
        run = self._live_run
        busy = self._live_thread is not None and self._live_thread.is_alive()
        if run is None or busy or time.monotonic() - self._live_asked < LIVE_INTERVAL_S:
            return
        self._live_asked = time.monotonic()
        self._live_thread = threading.Thread(
            target=self._analyze, args=(run,), daemon=True, name="live-timeline"
        )
        self._live_thread.start()

    def _analyze(self, run: Any) -> None:
        events = run.trace_events()
        if len(events):
            result = analysis.analyze(events, dict(run.strings), time.perf_counter_ns())
            self._live_result.append(result.timeline)

    def clear(self) -> None:
        self._live_run = None
        self.timeline.clear()
        self.findings.clear()
        self.locks.clear()

    @Slot(dict)
    def _on_findings_selected(self, finding: dict[str, Any]) -> None:
        self.timeline.highlight_finding(finding)

    @Slot(str)
    def _on_locks_selected(self, name: str) -> None:
        self.timeline.highlight_lock(name)
