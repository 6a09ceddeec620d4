"""What a recipe teaches and the code that teaches it: the lesson, its parameters, its source.

A workshop attendee reads the lesson, sets the parameters it names, and can read the very file
the run host imports (``recipe.source``), highlighted, with line numbers to match the tracer's
file:line findings. The highlighter is a small QSyntaxHighlighter so that pygments stays out of
the runtime dependencies.
"""

from __future__ import annotations

import builtins
import html
import keyword
import re

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QPainter,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from workbench.catalog import Recipe

# name -> (light colour, dark colour, bold, italic); data colours chosen to read on either base
STYLES = {
    "keyword": ("#0033b3", "#cc7832", True, False),
    "builtin": ("#7a3e9d", "#b39ddb", False, False),
    "string": ("#067d17", "#98c379", False, False),
    "docstring": ("#4d7a55", "#8fb58a", False, True),
    "comment": ("#7f7f7f", "#8c8c8c", False, True),
    "number": ("#1750eb", "#79b8ff", False, False),
    "decorator": ("#8a6d00", "#d7ba7d", False, False),
    "defname": ("#00627a", "#ffc66d", True, False),
}
BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))
_PREFIX = r"(?:[rRbBuUfF]{1,2})?"
_TOKEN = re.compile(
    rf"""
    (?P<comment>\#.*)
  | (?P<triple>{_PREFIX}(?P<delim>\"\"\"|'''))
  | (?P<string>{_PREFIX}(?:"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?))
  | (?P<decorator>@[\w.]+)
  | (?P<number>(?<![\w.])(?:0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)
        (?:[eE][+-]?\d+)?[jJ]?))
  | (?P<name>[^\W\d]\w*)
    """,
    re.VERBOSE,
)
_IN_TRIPLE = {1: '"""', 2: "'''"}  # block states: inside a triple-quoted string


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, builtins, strings (triple-quoted ones across lines), comments, numbers,
    decorators and the names after ``def``/``class``."""

    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        """Pick the colour set that reads on the current base colour, and redo the document."""
        for name, (light_colour, dark_colour, bold, italic) in STYLES.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(dark_colour if dark else light_colour))
            fmt.setFontWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
            fmt.setFontItalic(italic)
            self._formats[name] = fmt
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        self.setCurrentBlockState(0)
        pos, previous = 0, self.previousBlockState()
        if previous in _IN_TRIPLE:
            pos = self._triple(text, 0, 0, previous)
        after_def = False
        while (m := _TOKEN.search(text, pos)) is not None:
            kind, pos = m.lastgroup, m.end()
            if kind == "triple":
                state = 1 if m.group("delim") == '"""' else 2
                pos = self._triple(text, m.start(), m.end(), state)
            elif kind == "decorator" and text[: m.start()].strip():
                pos = m.start() + 1  # a matrix product, not a decorator
            elif kind == "name":
                word = m.group()
                style = "defname" if after_def else _word_style(word)
                if style:
                    self._apply(m.start(), m.end(), style)
                after_def = word in ("def", "class")
                continue
            else:
                self._apply(m.start(), m.end(), kind or "")
            after_def = False

    def _triple(self, text: str, start: int, search_from: int, state: int) -> int:
        """Format a triple-quoted string from ``start``; return where scanning goes on."""
        delim, i = _IN_TRIPLE[state], search_from
        while (i := text.find(delim, i)) != -1:
            backslashes = len(text[:i]) - len(text[:i].rstrip("\\"))
            if backslashes % 2 == 0:
                self._apply(start, i + 3, "docstring")
                return i + 3
            i += 1
        self._apply(start, len(text), "docstring")
        self.setCurrentBlockState(state)
        return len(text)

    def _apply(self, start: int, end: int, style: str) -> None:
        fmt = self._formats.get(style)
        if fmt is None:
            return
        text = self.currentBlock().text()
        if not text.isascii():  # Qt counts UTF-16 units: characters past the BMP take two
            start, end = _utf16(text, start), _utf16(text, end)
        self.setFormat(start, end - start, fmt)


def _utf16(text: str, index: int) -> int:
    return index + sum(1 for c in text[:index] if ord(c) > 0xFFFF)


def _word_style(word: str) -> str:
    if keyword.iskeyword(word):
        return "keyword"
    return "builtin" if word in BUILTINS else ""


def _blend(a: QColor, b: QColor, share: float) -> QColor:
    """``share`` of colour a, the rest of b."""
    mix = [
        share * x + (1 - share) * y for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3], strict=True)
    ]
    return QColor.fromRgbF(*mix)


class _LineNumbers(QWidget):
    """The gutter beside the code; the code view paints it."""

    def __init__(self, view: CodeView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self) -> QSize:
        return QSize(self._view.gutter_width(), 0)

    def paintEvent(self, event) -> None:
        self._view.paint_gutter(self, event.rect())


class CodeView(QPlainTextEdit):
    """Read-only monospace source with line numbers (the Qt "Code Editor" example, trimmed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(self.font().pointSizeF(), 10.0))
        self.setFont(font)
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self._gutter = _LineNumbers(self)
        self.blockCountChanged.connect(self._on_document_blocks_changed)
        self.updateRequest.connect(self._on_view_update_requested)
        self._on_document_blocks_changed()

    def gutter_width(self) -> int:
        digits = max(3, len(str(self.blockCount())))
        return 14 + self.fontMetrics().horizontalAdvance("9") * digits

    def paint_gutter(self, gutter: QWidget, rect: QRect) -> None:
        painter = QPainter(gutter)
        painter.fillRect(rect, self.palette().color(QPalette.ColorRole.AlternateBase))
        role = QPalette.ColorRole
        muted = _blend(self.palette().color(role.Text), self.palette().color(role.Base), 0.65)
        painter.setPen(muted)  # quieter than the code, readable in light and dark palettes
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        while block.isValid() and top <= rect.bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= rect.top():
                align = Qt.AlignmentFlag.AlignRight
                painter.drawText(
                    0, top, gutter.width() - 6, height, align, str(block.blockNumber() + 1)
                )
            block, top = block.next(), bottom
        painter.end()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        r = self.contentsRect()
        self._gutter.setGeometry(QRect(r.left(), r.top(), self.gutter_width(), r.height()))

    def _on_document_blocks_changed(self, _count: int = 0) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _on_view_update_requested(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())


class LessonPanel(QWidget):
    """A recipe's lesson and parameters in one tab, its highlighted source in the other."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._recipe: Recipe | None = None
        self._lesson = QTextBrowser()
        self._lesson.setOpenExternalLinks(False)
        font = self._lesson.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)  # read from across a room, too
        self._lesson.setFont(font)
        self._source_label = QLabel()
        self._source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._source = CodeView()
        self._highlighter = PythonHighlighter(self._source.document(), self._is_dark())
        source_tab = QWidget()
        source_layout = QVBoxLayout(source_tab)
        source_layout.setContentsMargins(4, 4, 4, 4)
        source_layout.addWidget(self._source_label)
        source_layout.addWidget(self._source)
        self._tabs = QTabWidget()
        self._tabs.addTab(self._lesson, "Lesson")
        self._tabs.addTab(source_tab, "Source")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tabs)
        self._lesson.setHtml("<p>Pick a recipe to read its lesson.</p>")

    def set_recipe(self, recipe: Recipe) -> None:
        """Show this recipe's lesson, parameters and source file."""
        self._recipe = recipe
        self._lesson.setHtml(lesson_html(recipe))
        if recipe.source is None:
            self._source_label.setText("this recipe has no source file")
            self._source.setPlainText("")
            return
        self._source_label.setText(f"{recipe.source}  (the file the run host imports)")
        self._source.setPlainText(recipe.source.read_text(encoding="utf-8"))

    def changeEvent(self, event: QEvent) -> None:
        """Follow a switch between light and dark palettes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._highlighter.set_dark(self._is_dark())
            if self._recipe is not None:
                self._lesson.setHtml(lesson_html(self._recipe))

    def _is_dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightness() < 128


def lesson_html(recipe: Recipe) -> str:
    """The lesson as rich text; colours come from the palette except the bug badge."""
    e = html.escape
    parts = [
        f"<h2>{e(recipe.title)}</h2>",
        f"<p>{e(recipe.chapter)} &nbsp;·&nbsp; book recipes <b>{e(recipe.book)}</b>"
        f" &nbsp;·&nbsp; <code>{e(recipe.id)}</code> ({e(str(recipe.backend))} backend)</p>",
    ]
    if recipe.shows_bug:
        parts.append(
            '<p><span style="background-color:#c62828; color:#ffffff; font-weight:bold;">'
            "&nbsp;shows a bug&nbsp;</span>&nbsp; this recipe can show one of the book's bugs; "
            "the lesson says which parameters bring it out.</p>"
        )
    parts += [f"<p>{e(p)}</p>" for p in recipe.lesson.split("\n\n") if p.strip()]
    parts.append("<h3>Parameters</h3>")
    rows = "".join(
        f"<tr><td><code><b>{e(p.name)}</b></code></td><td>{e(_shown(p.default))}</td>"
        f"<td>{e(p.allowed())}</td><td>{e(p.help)}</td></tr>"
        for p in recipe.params
    )
    parts.append(
        '<table cellspacing="0" cellpadding="4" border="1">'
        "<tr><th align=left>name</th><th align=left>default</th><th align=left>allowed</th>"
        f"<th align=left>what it does</th></tr>{rows}</table>"
    )
    return "\n".join(parts)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
