"""Starting the window, and its scripted mode for documentation and checks.

``workbench gui --run ID [-p k=v]... [--sweep 1,2,4 | --compare 1,2] --screenshot FILE --exit``
opens the window, runs, sweeps or compares in it, waits until the job ends, saves a PNG of the
whole window and exits 0 when the job succeeded, 1 (with the error on stderr) otherwise.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from workbench import catalog
from workbench.sweep import parse_workers

SETTLE_MS = 400  # let the last frame of the plots draw before the screenshot


@dataclass
class Script:
    """What the scripted mode should do; empty means an ordinary interactive session."""

    run: str | None = None
    params: list[str] = field(default_factory=list)
    sweep: str | None = None
    compare: str | None = None
    repeat: int = 1
    screenshot: str | None = None
    exit: bool = False
    show: str | None = None
    theme: str | None = None
    timeout_s: float | None = None
    trace: str | None = None  # "sync" or "full": trace the run
    trace_script: str | None = None  # a user's script to trace (mode: trace, or full)
    size: tuple[int, int] = (1366, 768)


def _drop_offscreen_noise(mode: QtMsgType, context: object, message: str) -> None:
    """The offscreen platform warns on every dock resize that it cannot propagate size hints;
    that says nothing to the user, everything else is passed on."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def application() -> QApplication:
    qInstallMessageHandler(_drop_offscreen_noise)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("parallel-workbench")
    app.setApplicationName("workbench")
    return app  # type: ignore[return-value]


def main(script: Script | None = None) -> int:
    script = script or Script()
    app = application()
    from ui.main_window import MainWindow  # after the QApplication exists

    window = MainWindow()
    app.aboutToQuit.connect(window.runner.shutdown)
    if script.theme:
        window.set_theme(script.theme)
    if script.timeout_s:
        window.timeout_s = script.timeout_s
    scripted = script.run or script.compare or script.trace_script or script.screenshot
    if scripted:
        window.resize(*script.size)
    window.show()
    if scripted:
        window.scripted = ScriptedSession(window, script)  # the window keeps it alive
        QTimer.singleShot(0, window.scripted.start)
    return app.exec()


class ScriptedSession:
    """Drives the window like a person would: choose, set, press, wait, photograph, leave."""

    def __init__(self, window, script: Script) -> None:
        self.window, self.script = window, script
        self.code = 0

    def start(self) -> None:
        w, s = self.window, self.script
        try:
            if s.run:
                w.select_recipe(s.run)
                recipe = catalog.get(s.run)
                w.params_panel.set_values(catalog.parse_assignments(recipe, s.params))
            if s.trace:
                combo = w.run_panel.trace_combo
                combo.setCurrentIndex(combo.findData(s.trace))
            if s.sweep or s.compare:
                w.run_panel.workers_edit.setText(s.sweep or s.compare)
                w.run_panel.repeat_spin.setValue(s.repeat)
            if s.show:
                w.docks[s.show].raise_()
            if not (s.run or s.compare or s.trace_script):
                QTimer.singleShot(SETTLE_MS, self.finish)
                return
            w.runner.sig_job_finished.connect(self._on_job_finished)
            if s.trace_script:
                w.trace_script(s.trace_script, mode=s.trace or "full")
            elif s.compare:
                w._on_compare_requested(parse_workers(s.compare), s.repeat)
            elif s.sweep:
                w._on_sweep_requested(parse_workers(s.sweep), s.repeat)
            else:
                w._on_run_requested()
            if not w.runner.busy:
                raise RuntimeError(w.run_panel.error_label.text() or "the job did not start")
        except Exception as exc:
            print(f"workbench gui: error: {exc}", file=sys.stderr)
            self.code = 2
            self.finish()

    def _on_job_finished(self, _outcome: object) -> None:
        if self.window.last_status != "ok":
            print(
                f"workbench gui: {self.window.last_status}: {self.window.last_message}",
                file=sys.stderr,
            )
            self.code = 1
        if self.script.show:
            self.window.docks[self.script.show].raise_()
        QTimer.singleShot(SETTLE_MS, self.finish)

    def finish(self) -> None:
        if self.script.screenshot:
            self.window.grab().save(self.script.screenshot)
        if self.script.exit:
            self.window.close()
            QApplication.instance().exit(self.code)
