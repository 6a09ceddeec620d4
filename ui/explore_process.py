"""The explorer's child process seen from Qt: JSON lines in and out, never a blocking wait.

The step view never runs the program itself: it starts ``python -m workbench.explore.child``
(the same child the ``explore`` command uses) with QProcess, writes a request, and gets every
message as a signal from the event loop. The child dies with the window (PR_SET_PDEATHSIG) and
:meth:`ExploreProcess.stop` ends it on the spot.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal, Slot

from workbench import paths


class ExploreProcess(QObject):
    """One child: ``start(request)``, then ``send(command)`` for a session."""

    sig_message_received = Signal(dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self._buffer = b""

    def start(self, request: dict[str, Any]) -> None:
        self.stop()
        process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONHASHSEED", "0")
        env.insert("WB_EXPLORE_PARENT", str(os.getpid()))
        root = str(paths.project_root())
        env.insert("PYTHONPATH", root + os.pathsep + env.value("PYTHONPATH", ""))
        process.setProcessEnvironment(env)
        process.readyReadStandardOutput.connect(self._on_process_ready_read)
        process.finished.connect(self._on_process_finished)
        self.process, self._buffer = process, b""
        process.start(sys.executable, ["-m", "workbench.explore.child"])
        self.send(request)

    def send(self, message: dict[str, Any]) -> None:
        if self.process is not None:
            self.process.write((json.dumps(message) + "\n").encode())

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def stop(self) -> None:
        """End the child now; nothing is left running."""
        process, self.process = self.process, None
        if process is None:
            return
        process.readyReadStandardOutput.disconnect(self._on_process_ready_read)
        process.finished.disconnect(self._on_process_finished)
        if process.state() != QProcess.ProcessState.NotRunning:
            process.kill()
            process.waitForFinished(2000)
        process.deleteLater()

    @Slot()
    def _on_process_ready_read(self) -> None:
        if self.process is None:
            return
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            self.sig_message_received.emit(json.loads(line))

    @Slot()
    def _on_process_finished(self) -> None:
        if self.process is not None and self.process.exitCode() != 0:
            self.sig_message_received.emit(
                {
                    "type": "error",
                    "message": f"the explorer stopped (exit {self.process.exitCode()})",
                }
            )
