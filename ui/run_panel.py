"""Run controls: Run, Sweep, Compare backends, Cancel, and how far the job is.

The panel only asks: its signals carry what the user chose (worker counts are parsed by the
engine's :func:`workbench.sweep.parse_workers`, so the window and the command line accept the
same lists). The estimate is elapsed / fraction done, shown once some progress is known.
"""

from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.catalog import CatalogError
from workbench.sweep import parse_workers

TRACE_CHOICES = (
    ("off", None),
    ("locks and waits", "sync"),
    ("+ shared state (data races, slow)", "full"),
)
STATUS_COLOURS = {
    "deadlock": "#c62828",
    "ok": "#2e7d32",
    "failed": "#c62828",
    "timeout": "#ef6c00",
    "cancelled": "#757575",
}


class RunPanel(QWidget):
    sig_run_requested = Signal()
    sig_sweep_requested = Signal(list, int)
    sig_compare_requested = Signal(list, int)
    sig_cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_button = QPushButton("Run")
        self.run_button.setShortcut(QKeySequence("Ctrl+R"))
        self.run_button.setToolTip("Run the recipe once with these parameters (Ctrl+R)")
        self.sweep_button = QPushButton("Sweep")
        self.sweep_button.setToolTip("Run the recipe at each worker count, repeated (Ctrl+Shift+R)")
        self.sweep_button.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.compare_button = QPushButton("Compare backends")
        self.compare_button.setToolTip(
            "Sweep the compare workload on every backend (threads … MPI): the GIL in one chart"
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_button.setToolTip("End the run and every process it started (Esc)")
        self.trace_combo = QComboBox()
        for label, mode in TRACE_CHOICES:
            self.trace_combo.addItem(label, mode)
        self.trace_combo.setToolTip(
            "Trace a run: locks, waits and threads on a timeline, deadlocks and lock-order "
            "inversions; '+ shared state' also finds data races (much slower)"
        )
        self.workers_edit = QLineEdit("1,2,4")
        self.workers_edit.setToolTip("worker counts to sweep: 1,2,4 or 1-4")
        self.repeat_spin = QSpinBox()
        self.repeat_spin.setRange(1, 50)
        self.repeat_spin.setValue(3)
        self.repeat_spin.setToolTip("repeats per worker count; the median is plotted")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.elapsed_label = QLabel("")
        self.status_label = QLabel("Ready")
        self.status_label.setWordWrap(True)
        self.error_label = QLabel("")
        self.error_label.setStyleSheet("color: #c62828")
        self.error_label.setWordWrap(True)
        self._layout()
        self._started = 0.0
        self._fraction: float | None = None
        self.run_button.clicked.connect(self.sig_run_requested)
        self.sweep_button.clicked.connect(self._on_sweep_clicked)
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self.cancel_button.clicked.connect(self.sig_cancel_requested)
        self.workers_edit.textChanged.connect(self._on_workers_edited)
        self.set_busy(False)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for b in (self.run_button, self.sweep_button, self.compare_button, self.cancel_button):
            buttons.addWidget(b)
        form = QFormLayout()
        form.addRow("Trace", self.trace_combo)
        form.addRow("Sweep workers", self.workers_edit)
        form.addRow("Repeats", self.repeat_spin)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.elapsed_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.setSpacing(4)

    # -- what the user asks ------------------------------------------------------------------
    def trace_mode(self) -> str | None:
        """None (not traced), "sync" or "full"."""
        return self.trace_combo.currentData()

    def workers(self) -> list[int] | None:
        try:
            return parse_workers(self.workers_edit.text())
        except CatalogError:
            return None

    def _on_workers_edited(self) -> None:
        ok = self.workers() is not None
        self.workers_edit.setStyleSheet("" if ok else "border: 1px solid #c62828")
        self.error_label.setText("" if ok else "worker counts: 1,2,4 or a range like 1-4")

    def _on_sweep_clicked(self) -> None:
        workers = self.workers()
        if workers:
            self.sig_sweep_requested.emit(workers, self.repeat_spin.value())

    def _on_compare_clicked(self) -> None:
        workers = self.workers()
        if workers:
            self.sig_compare_requested.emit(workers, self.repeat_spin.value())

    # -- what the window tells it ------------------------------------------------------------
    def set_can_launch(self, ok: bool, sweepable: bool = True, reason: str = "") -> None:
        """Invalid parameters cannot be launched."""
        self._can_launch, self._sweepable = ok, sweepable
        self.error_label.setText(reason)
        self._update_buttons()

    def set_busy(self, busy: bool, what: str = "") -> None:
        self._busy = busy
        self._update_buttons()
        if busy:
            self._started = time.monotonic()
            self._fraction = None
            self.progress.setRange(0, 0)  # busy indicator until progress is known
            self.status_label.setText(what)
            self.error_label.setText("")
        else:
            self.progress.setRange(0, 1000)

    def _update_buttons(self) -> None:
        busy = getattr(self, "_busy", False)
        ok = getattr(self, "_can_launch", True)
        self.run_button.setEnabled(ok and not busy)
        self.sweep_button.setEnabled(ok and not busy and getattr(self, "_sweepable", True))
        self.compare_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def set_progress(self, fraction: float) -> None:
        self._fraction = max(0.0, min(1.0, fraction))
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * self._fraction))

    def tick(self) -> None:
        """Update elapsed time and the estimate (called by the window's timer)."""
        if not self._busy:
            return
        elapsed = time.monotonic() - self._started
        text = f"elapsed {elapsed:.1f} s"
        if self._fraction and self._fraction > 0.02:
            left = elapsed / self._fraction - elapsed
            text += f" · about {left:.0f} s left"
        self.elapsed_label.setText(text)

    def set_finished(self, status: str, message: str) -> None:
        """The status and the start of the message; the whole message is in the tooltip (a
        deadlock's cycle can run to several lines, which would squeeze the controls)."""
        colour = STATUS_COLOURS.get(status, "")
        short = message if len(message) <= 110 else message[:107] + "…"
        self.status_label.setText(f"<b style='color:{colour}'>{status}</b> {html.escape(short)}")
        self.status_label.setToolTip(message)
        self.set_busy(False)
        if status == "ok":
            self.progress.setValue(1000)
