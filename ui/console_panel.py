"""The run's stdout and stderr, with the window's own notes, and a search bar.

Lines arrive one by one from the window's timer drain, so :meth:`ConsolePanel.append` only
buffers and :meth:`ConsolePanel.refresh` writes a frame's lines in one edit (a QPlainTextEdit
capped at ``MAX_LINES`` blocks). The view follows new output unless the user scrolled up to read.
"""

from __future__ import annotations

import collections
import itertools

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

MAX_LINES = 50_000
MATCH_CAP = 5_000  # matches counted and highlighted; more are reported as "5000+"
RESEARCH_MS = 250  # while output streams in, an active search is redone at most this often
MATCH_COLOUR = QColor(255, 213, 79)  # data colours with their own dark text: readable on any base
CURRENT_COLOUR = QColor(255, 143, 0)
STREAMS = ("stdout", "stderr", "workbench", "traceback")


def stream_colours(dark: bool) -> dict[str, QColor | None]:
    """Foreground per stream; None keeps the palette's text colour."""
    error = QColor("#ff7b72") if dark else QColor("#b3261e")
    muted = QColor("#9e9e9e") if dark else QColor("#6b6b6b")
    return {"stdout": None, "stderr": error, "traceback": error, "workbench": muted}


class ConsolePanel(QWidget):
    """stdout in the text colour, stderr and tracebacks in red, the workbench's notes muted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pending: collections.deque[tuple[str, str]] = collections.deque(maxlen=MAX_LINES)
        self._matches: list[QTextCursor] = []
        self._current = -1
        self._build()
        self._formats = self._make_formats()
        self._research = QTimer(self, singleShot=True, interval=RESEARCH_MS)
        self._research.timeout.connect(self._on_research_timeout)

    # -- public -----------------------------------------------------------------------------
    def append(self, stream: str, text: str) -> None:
        """Buffer one line (or a few) of ``stream``; drawn at the next :meth:`refresh`."""
        self._pending.append((stream, text))

    def refresh(self) -> None:
        """Write everything buffered since the last frame in one edit."""
        if not self._pending:
            return
        lines = list(self._pending)
        self._pending.clear()
        bar = self.view.verticalScrollBar()
        follow = bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self.view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        first = self.view.document().isEmpty()
        for stream, group in itertools.groupby(lines, key=lambda line: line[0]):
            text = "\n".join(t.rstrip("\n") for _, t in group)
            cursor.insertText(text if first else "\n" + text, self._format(stream))
            first = False
        cursor.endEditBlock()
        if follow:
            bar.setValue(bar.maximum())
        if self.search.text() and not self._research.isActive():
            self._research.start()

    def clear(self) -> None:
        """Empty the console for a new run (the search text stays)."""
        self._pending.clear()
        self.view.clear()
        self._run_search()

    def show_traceback(self, text: str) -> None:
        """Append a traceback as one block in the error colour, at once."""
        self.append("traceback", text.rstrip("\n"))
        self.refresh()

    def focus_search(self) -> None:
        """Put the cursor in the search field (the window binds Ctrl+F to this)."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.view = QPlainTextEdit(objectName="console_view")
        self.view.setReadOnly(True)
        self.view.setUndoRedoEnabled(False)
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(self.font().pointSizeF(), 10.0))
        self.view.setFont(font)
        self.view.installEventFilter(self)
        self.search = QLineEdit(objectName="console_search")
        self.search.setPlaceholderText("Find in output (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_next_clicked)
        self.search.installEventFilter(self)
        self.previous_button = QToolButton(text="Previous", toolTip="Previous match (Shift+Enter)")
        self.next_button = QToolButton(text="Next", toolTip="Next match (Enter)")
        self.previous_button.clicked.connect(self._on_previous_clicked)
        self.next_button.clicked.connect(self._on_next_clicked)
        self.match_label = QLabel(objectName="console_match_count")
        self.match_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("5000+ matches  "))
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        for w in (self.previous_button, self.next_button, self.match_label):
            bar.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def _is_dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightness() < 128

    def _make_formats(self) -> dict[str, QTextCharFormat]:
        formats = {}
        for stream, colour in stream_colours(self._is_dark()).items():
            fmt = QTextCharFormat()
            if colour is not None:
                fmt.setForeground(colour)
            fmt.setFontItalic(stream == "workbench")
            formats[stream] = fmt
        return formats

    def _format(self, stream: str) -> QTextCharFormat:
        return self._formats.get(stream, self._formats["stdout"])

    def changeEvent(self, event: QEvent) -> None:
        """New lines follow a switch between light and dark palettes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._formats = self._make_formats()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Ctrl+F in the console searches the console (the window's Ctrl+F finds recipes);
        Shift+Enter in the search field goes back; Escape leaves it."""
        kind = event.type()
        if watched is self.view and kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            if isinstance(event, QKeyEvent) and event.matches(QKeySequence.StandardKey.Find):
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    self.focus_search()
                return True
        if watched is self.search and kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            ):
                self._on_previous_clicked()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.view.setFocus()
                return True
        return super().eventFilter(watched, event)

    # -- search -----------------------------------------------------------------------------
    def _on_search_text_changed(self, _text: str) -> None:
        self._run_search()
        self._step(0)

    def _on_research_timeout(self) -> None:
        self._run_search(keep_current=True)

    def _on_next_clicked(self) -> None:
        self._step(+1)

    def _on_previous_clicked(self) -> None:
        self._step(-1)

    def _run_search(self, keep_current: bool = False) -> None:
        """Find every match (up to MATCH_CAP), case-insensitively, and highlight them all."""
        needle, document = self.search.text(), self.view.document()
        self._matches = []
        cursor = QTextCursor(document)
        while needle and len(self._matches) < MATCH_CAP:
            cursor = document.find(needle, cursor, QTextDocument.FindFlag(0))
            if cursor.isNull():
                break
            self._matches.append(QTextCursor(cursor))
        if not keep_current or self._current >= len(self._matches):
            self._current = -1
        self._paint()

    def _step(self, delta: int) -> None:
        if not self._matches:
            return
        if self._current < 0:
            self._current = 0 if delta >= 0 else len(self._matches) - 1
        else:
            self._current = (self._current + delta) % len(self._matches)
        cursor = QTextCursor(self._matches[self._current])
        cursor.setPosition(cursor.selectionStart())  # the highlight marks it; no selection on top
        self.view.setTextCursor(cursor)
        self.view.centerCursor()
        self._paint()

    def _paint(self) -> None:
        selections = []
        for i, match in enumerate(self._matches):
            sel = QTextEdit.ExtraSelection()
            sel.cursor = match
            sel.format.setBackground(CURRENT_COLOUR if i == self._current else MATCH_COLOUR)
            sel.format.setForeground(QColor("#000000"))
            selections.append(sel)
        self.view.setExtraSelections(selections)
        self.match_label.setText(self._count_text())

    def _count_text(self) -> str:
        n = len(self._matches)
        if not self.search.text():
            return ""
        if n == 0:
            return "no match"
        total = f"{n}+" if n >= MATCH_CAP else str(n)
        if self._current >= 0:
            return f"{self._current + 1} of {total}"
        return f"{total} match" if n == 1 else f"{total} matches"
