"""File → Trace script…: which script, with which arguments, how deep, and for how long.

The same choices as ``workbench trace SCRIPT [--mode] [--timeout] -- ARGS``; the dialog only
collects them, and the script is checked by the engine (``script_runner.check``) before the
dialog closes, so a missing file or a syntax error is said here, in one line, and nothing runs.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench import script_runner

MODES = (("locks and waits (sync)", "sync"), ("+ shared state: data races (full)", "full"))


@dataclass(frozen=True)
class TraceRequest:
    """What the user asked for, checked: ready for ``MainWindow.trace_script``."""

    path: str
    args: list[str]
    mode: str
    timeout_s: float


def parse_args(text: str) -> list[str]:
    """The arguments as a shell would split them; a one-line error for an open quote."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"arguments: {exc}") from None


class TraceScriptDialog(QDialog):
    """A small form; ``request()`` is the checked result once accepted."""

    def __init__(
        self, path: str = "", mode: str = "full", timeout_s: float = 60.0, parent: QWidget = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trace a script")
        self.path_edit = QLineEdit(path)
        self.path_edit.setPlaceholderText("a Python script: it runs unchanged, traced")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        self.args_edit = QLineEdit()
        self.args_edit.setPlaceholderText("arguments, as on a command line: --size 10 'a b'")
        self.mode_combo = QComboBox()
        for label, value in MODES:
            self.mode_combo.addItem(label, value)
        self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(mode)))
        self.timeout_spin = QDoubleSpinBox()
        self.timeout_spin.setRange(1, 3600)
        self.timeout_spin.setSuffix(" s")
        self.timeout_spin.setValue(timeout_s)
        self.timeout_spin.setToolTip("the script is ended after this long; its trace is kept")
        self.error_label = QLabel("")
        self.error_label.setStyleSheet("color: #c62828")
        self.error_label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Trace")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Script", row)
        form.addRow("Arguments", self.args_edit)
        form.addRow("Trace", self.mode_combo)
        form.addRow("Timeout", self.timeout_spin)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())
        self._request: TraceRequest | None = None

    def request(self) -> TraceRequest | None:
        return self._request

    def accept(self) -> None:
        """Check before closing: a bad script or bad arguments keep the dialog open."""
        try:
            script = script_runner.check(self.path_edit.text().strip())
            args = parse_args(self.args_edit.text())
        except ValueError as exc:
            self.error_label.setText(str(exc))
            return
        self._request = TraceRequest(
            str(script), args, self.mode_combo.currentData(), self.timeout_spin.value()
        )
        super().accept()

    def _on_browse_clicked(self) -> None:
        start = str(Path(self.path_edit.text()).parent) if self.path_edit.text() else ""
        path = QFileDialog.getOpenFileName(self, "Trace a Python script", start, "Python (*.py)")
        if path[0]:
            self.path_edit.setText(path[0])
