"""One thread in the step view: its source with the current line, its next operation, buttons.

A thread that can run shows its line in yellow and offers Step (to its next scheduling point)
and To sync (on to its next synchronisation operation); a blocked thread is greyed, with the
reason it waits; a finished one says so. With bytecode shown, the instructions of the current
line are listed and the next one is marked.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

RUNNABLE = QColor("#fff1a8")
BLOCKED = QColor("#d9d9d9")
STATUS_TEXT = {"new": "not started", "ready": "ready", "blocked": "blocked", "done": "finished"}


class ThreadColumn(QWidget):
    sig_step_requested = Signal(int)
    sig_sync_requested = Signal(int)

    def __init__(self, tid: int, source: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tid = tid
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.code = QPlainTextEdit(source)
        self.code.setReadOnly(True)
        self.code.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.op = QLabel()
        self.op.setWordWrap(True)
        self.bytecode = QListWidget()
        self.bytecode.setFont(self.code.font())
        self.bytecode.setMaximumHeight(120)
        self.bytecode.hide()
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("let this thread run to its next scheduling point")
        self.sync_button = QPushButton("To sync")
        self.sync_button.setToolTip("run this thread until its next synchronisation operation")
        self.step_button.clicked.connect(self._on_step_clicked)
        self.sync_button.clicked.connect(self._on_sync_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.step_button)
        buttons.addWidget(self.sync_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        for widget in (self.title, self.code, self.op, self.bytecode):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.setMinimumWidth(260)

    def show_state(self, thread: dict[str, Any], ended: bool, with_bytecode: bool) -> None:
        status = thread["status"]
        blocked = status == "blocked"
        where = f" · line {thread['line']}" if thread["line"] else ""
        self.title.setText(
            f"<b>T{thread['tid']} {thread['name']}</b> — {STATUS_TEXT.get(status, status)}{where}"
        )
        if blocked:
            self.op.setText(f"<i>blocked: {thread['reason']}</i>")
        elif status == "done":
            self.op.setText("finished")
        else:
            self.op.setText(f"next: {thread['op']}")
        self.code.setEnabled(not blocked and status != "done")
        can_run = thread["enabled"] and not ended
        self.step_button.setEnabled(can_run)
        self.sync_button.setEnabled(can_run)
        self._highlight(thread["line"], BLOCKED if blocked else RUNNABLE)
        self.bytecode.setVisible(with_bytecode)
        self.bytecode.clear()
        for offset, text, is_next in thread["bytecode"]:
            self.bytecode.addItem(f"{'▶' if is_next else ' '} {offset:>4} {text}")
            if is_next:
                self.bytecode.setCurrentRow(self.bytecode.count() - 1)

    def _highlight(self, line: int | None, color: QColor) -> None:
        if not line:
            self.code.setExtraSelections([])
            return
        block = self.code.document().findBlockByLineNumber(line - 1)
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(color)
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.cursor = QTextCursor(block)
        self.code.setExtraSelections([selection])
        self.code.setTextCursor(QTextCursor(block))
        self.code.centerCursor()

    @Slot()
    def _on_step_clicked(self) -> None:
        self.sig_step_requested.emit(self.tid)

    @Slot()
    def _on_sync_clicked(self) -> None:
        self.sig_sync_requested.emit(self.tid)
