"""What the analyses found in a traced run, and for the one selected: who waits for whom, and
the lines of source where it happened.

Findings come as the plain dicts the engine reports (``workbench.deadlock``,
``workbench.analysis``, ``workbench.races``): ``kind``, ``message``, ``threads``,
``locations`` (``file:line``), and per kind ``waits`` + ``cycle`` (a deadlock), ``locks`` (a
lock-order inversion or misuse) or ``accesses`` (a data race). This panel only draws them: the
wait-for graph places the finding's own edges, and the source excerpt reads the files named.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.cores_plot import apply_palette

KIND_COLORS = {
    "deadlock": "#E03131",
    "lock_order_inversion": "#F59F00",
    "lock_misuse": "#9C36B5",
    "data_race": "#E8590C",
    "loop_blocked": "#1C7ED6",
}
KIND_LABELS = {
    "deadlock": "deadlock",
    "lock_order_inversion": "lock order",
    "lock_misuse": "lock misuse",
    "data_race": "data race",
    "loop_blocked": "loop blocked",
}
CYCLE_COLOR = "#E03131"  # the edges nobody can leave
RISK_COLOR = "#E67700"  # a cycle that needs only unlucky timing
THREAD_COLOR, LOCK_COLOR, OBJECT_COLOR = "#1C7ED6", "#F59F00", "#868E96"
CONTEXT = 3  # source lines either side of a location
NO_RUN_TEXT = "No trace analysed yet: run with tracing on to look for deadlocks, lock-order "
NO_RUN_TEXT += "inversions and data races."
NONE_TEXT = "No findings: nothing suspicious in this run."


JOINS = ("join", "process join")  # a thread waits for a thread: no object node


def wait_graph(finding: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple]]:
    """Nodes ``(name, "thread" | "lock" | "object")`` and edges ``(src, dst, label, colour)``
    (colour None: an ordinary edge) that the finding itself states; empty when it states none."""
    nodes: dict[str, str] = {}
    edges: dict[tuple[str, str], list] = {}

    def edge(src: str, dst: str, label: str, color: str | None) -> None:
        old = edges.setdefault((src, dst), [src, dst, label, color])
        old[3] = old[3] or color

    kind = finding.get("kind")
    if finding.get("waits"):
        cycle = set(finding.get("cycle") or [])
        waiting = {w["thread"]: w for w in finding["waits"]}
        for thread in finding.get("cycle") or []:  # first, so the cycle goes round the circle
            nodes[thread] = "thread"
            w = waiting.get(thread)
            if w and w.get("kind") not in JOINS:
                nodes.setdefault(w["object"], "lock" if w.get("kind") == "lock" else "object")
        for w in finding["waits"]:
            nodes.setdefault(w["thread"], "thread")
            held = w.get("holder")
            color = CYCLE_COLOR if w["thread"] in cycle and held in cycle else None
            if w.get("kind") in JOINS and held:
                nodes.setdefault(held, "thread")
                edge(w["thread"], held, "joins", color)
                continue
            nodes.setdefault(w["object"], "lock" if w.get("kind") == "lock" else "object")
            edge(w["thread"], w["object"], "waits for", color)
            if held:
                nodes.setdefault(held, "thread")
                edge(w["object"], held, "held by", color)
    elif kind == "lock_order_inversion" and len(finding.get("locks", [])) == 2:
        (ta, tb), (la, lb) = finding["threads"][:2], finding["locks"]
        for name, role in ((ta, "thread"), (lb, "lock"), (tb, "thread"), (la, "lock")):
            nodes[name] = role
        edge(la, ta, "held by", RISK_COLOR)
        edge(ta, lb, "then takes", RISK_COLOR)
        edge(lb, tb, "held by", RISK_COLOR)
        edge(tb, la, "then takes", RISK_COLOR)
    elif finding.get("accesses"):
        target = finding.get("object", "?")
        nodes[target] = "object"
        for a in finding["accesses"]:
            nodes.setdefault(a["thread"], "thread")
            edge(a["thread"], target, f"{a['access']}s", KIND_COLORS["data_race"])
    return list(nodes.items()), [tuple(e) for e in edges.values()]


def graph_layout(nodes: list[tuple[str, str]], edges: list[tuple]) -> dict[str, tuple]:
    """Positions on a unit circle. The cycle goes round first; every other node is put next to
    a node it is joined to, so few edges cross; a node outside the cycle that many wait on
    (a queue nobody fills) sits in the middle with its waiters round it."""
    names = [name for name, _ in nodes]
    neighbours: dict[str, list[tuple[str, bool]]] = {n: [] for n in names}
    for src, dst, *_ in edges:
        neighbours[src].append((dst, True))  # True: src points at dst
        neighbours[dst].append((src, False))
    in_cycle = {n for src, dst, _label, color in edges if color for n in (src, dst)}
    hubs = [n for n in names if n not in in_cycle and len(neighbours[n]) >= 3]
    hub = hubs[0] if hubs and len(names) >= 4 else None
    order: list[str] = []
    for name in names:
        if name == hub:
            continue
        placed = [(other, out) for other, out in neighbours[name] if other in order]
        if not placed:
            order.append(name)
            continue
        other, out = placed[0]
        at = order.index(other)
        order.insert(at if out else at + 1, name)
    n = len(order)
    pos = {hub: (0.0, 0.0)} if hub else {}
    for i, name in enumerate(order):
        angle = math.pi / 2 - 2 * math.pi * i / n + (math.pi / 2 if n == 2 else 0)
        pos[name] = (round(math.cos(angle), 9), round(math.sin(angle), 9))
    return pos


def who_was_there(finding: dict[str, Any]) -> dict[str, list[str]]:
    """Per location, what each thread was doing there, in the finding's own words."""
    out: dict[str, list[str]] = {}
    for w in finding.get("waits") or []:
        out.setdefault(w.get("location") or "", []).append(f"{w['thread']} waits ({w['kind']})")
    for a in finding.get("accesses") or []:
        out.setdefault(a.get("location") or "", []).append(f"{a['thread']} {a['access']}s")
    locs, threads, locks = (finding.get(k) or [] for k in ("locations", "threads", "locks"))
    if finding.get("kind") == "lock_order_inversion" and len(locs) == 4 and len(locks) == 2:
        (ta, tb), (la, lb) = threads[:2], locks
        for loc, text in zip(
            locs,
            (f"{ta} takes {la}", f"{ta} takes {lb} holding {la}", f"{tb} takes {lb}",
             f"{tb} takes {la} holding {lb}"),
            strict=True,
        ):  # fmt: skip
            out.setdefault(loc, []).append(text)
    return out


def read_excerpt(location: str, context: int = CONTEXT) -> tuple[int, list[str]] | None:
    """The first line's number and the lines ``context`` either side, if the file exists."""
    path_text, _, line_text = location.rpartition(":")
    if not line_text.isdigit() or not path_text:
        return None
    path, line = Path(path_text), int(line_text)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    first = max(1, line - context)
    return first, lines[first - 1 : line + context]


class FindingsPanel(QWidget):
    """The findings of a run as a list (a coloured badge per kind, then the message); under it,
    for the selected one, its wait-for graph and the source lines at its locations."""

    sig_finding_selected = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._findings: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None
        self._empty = QLabel(NO_RUN_TEXT)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._table = self._new_table()
        self._graph = pg.PlotWidget()
        self._plot = self._graph.getPlotItem()
        self._plot.hideAxis("left")
        self._plot.hideAxis("bottom")
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.hideButtons()
        self._plot.setMenuEnabled(False)
        self._plot.setAspectLocked(True)
        self._graph_note = QLabel()
        self._graph_note.setWordWrap(True)
        self._source = QTextBrowser()
        self._source.setOpenLinks(False)
        self._source.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._stack = QStackedWidget()
        self._stack.addWidget(self._empty)
        self._stack.addWidget(self._content())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._stack)
        self._follow_palette()

    # -- public API --------------------------------------------------------------------------

    @property
    def current_finding(self) -> dict[str, Any] | None:
        """The finding shown below the list (None when there is none)."""
        return self._current

    def set_findings(self, findings: list[dict[str, Any]] | None) -> None:
        """Show a run's findings; the first is selected (and ``sig_finding_selected`` emitted),
        so the deadlock of a deadlocked run is on screen without a click. ``None``: no run."""
        self._findings = list(findings or [])
        self._current = None
        self._table.setRowCount(0)
        if not self._findings:
            self._empty.setText(NONE_TEXT if findings is not None else NO_RUN_TEXT)
            self._stack.setCurrentWidget(self._empty)
            return
        self._table.setRowCount(len(self._findings))
        for row, finding in enumerate(self._findings):
            kind_item = QTableWidgetItem()  # the badge widget shows the kind
            kind_item.setData(Qt.ItemDataRole.UserRole, finding.get("kind", ""))
            self._table.setItem(row, 0, kind_item)
            self._table.setCellWidget(row, 0, self._badge(finding.get("kind", "")))
            message = QTableWidgetItem(str(finding.get("message", "")))
            message.setToolTip(str(finding.get("message", "")))
            self._table.setItem(row, 1, message)
        self._table.resizeRowsToContents()
        self._stack.setCurrentIndex(1)
        self._table.selectRow(0)

    def clear(self) -> None:
        """Back to "no trace analysed yet"."""
        self.set_findings(None)

    # -- building ----------------------------------------------------------------------------

    def _new_table(self) -> QTableWidget:
        table = QTableWidget(0, 2)
        table.setHorizontalHeaderLabels(["kind", "what happened"])
        table.verticalHeader().hide()
        table.setWordWrap(True)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.itemSelectionChanged.connect(self._on_table_selection_changed)
        return table

    def _content(self) -> QWidget:
        self._graph_box = graph_box = QWidget()
        graph_layout = QVBoxLayout(graph_box)
        graph_layout.setContentsMargins(0, 0, 0, 0)
        graph_layout.addWidget(self._graph, 1)
        graph_layout.addWidget(self._graph_note)
        detail = QSplitter(Qt.Orientation.Horizontal)
        detail.addWidget(graph_box)
        detail.addWidget(self._source)
        detail.setSizes([400, 500])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._table)
        split.addWidget(detail)
        split.setSizes([160, 400])
        return split

    @staticmethod
    def _badge(kind: str) -> QWidget:
        """A coloured label, not an item background: a selected row would paint over that."""
        color = QColor(KIND_COLORS.get(kind, "#868E96"))
        ink = "#000000" if color.lightnessF() > 0.6 else "#FFFFFF"
        badge = QLabel(KIND_LABELS.get(kind, kind.replace("_", " ")))
        badge.setToolTip(kind)
        badge.setStyleSheet(
            f"QLabel {{ background: {color.name()}; color: {ink}; font-weight: bold;"
            " border-radius: 4px; padding: 2px 8px; }"
        )
        cell = QWidget()
        layout = QVBoxLayout(cell)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignCenter)
        return cell

    # -- the selected finding ----------------------------------------------------------------

    def _show(self, finding: dict[str, Any]) -> None:
        self._current = finding
        self._draw_graph(finding)
        self._source.setHtml(self._source_html(finding))

    def _draw_graph(self, finding: dict[str, Any]) -> None:
        self._plot.clear()
        nodes, edges = wait_graph(finding)
        if not nodes:
            self._graph_box.hide()  # the source gets the room
            return
        self._graph_box.show()
        pos = graph_layout(nodes, edges)
        pal = self.palette()
        text, base = pal.color(QPalette.ColorRole.Text), QColor(pal.color(QPalette.ColorRole.Base))
        base.setAlpha(210)  # labels stay readable over the lines they cross
        pairs = {(src, dst) for src, dst, *_ in edges}
        for src, dst, label, color in edges:
            both_ways = (dst, src) in pairs
            edge_color = QColor(color) if color else text
            self._draw_edge(pos[src], pos[dst], label, edge_color, both_ways, base)
        for role, symbol, fill in (
            ("thread", "o", THREAD_COLOR),
            ("lock", "s", LOCK_COLOR),
            ("object", "s", OBJECT_COLOR),
        ):
            mine = [pos[name] for name, r in nodes if r == role]
            if mine:
                xs, ys = zip(*mine, strict=True)
                pen = pg.mkPen(text, width=1)
                self._plot.addItem(
                    pg.ScatterPlotItem(xs, ys, symbol=symbol, size=22, brush=fill, pen=pen)
                )
        for name, _role in nodes:
            x, y = pos[name]
            above = y > 0.3 or (x, y) == (0.0, 0.0)
            short = name.replace(" @ ", "\n@ ").replace(" (", "\n(")  # narrower: fewer overlaps
            label = pg.TextItem(short, color=text, anchor=(0.5, 1.0 if above else 0.0), fill=base)
            label.setPos(x, y + (0.13 if above else -0.13))
            self._plot.addItem(label)
        self._plot.setRange(xRange=(-1.75, 1.75), yRange=(-1.45, 1.45), padding=0)
        self._graph_note.setText(self._graph_caption(finding))

    def _draw_edge(
        self, a: tuple, b: tuple, label: str, color: QColor, both_ways: bool, fill: QColor
    ) -> None:
        """A line from node to node, its head short of the target, labelled halfway; an edge
        that has a twin the other way is shifted to its right so the two stay apart."""
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        shift = 0.06 if both_ways else 0.0
        ox, oy = uy * shift, -ux * shift  # to the right of the direction of travel
        gap = 0.15  # about a node's radius in view units
        start = (a[0] + ux * gap + ox, a[1] + uy * gap + oy)
        tip = (b[0] - ux * gap + ox, b[1] - uy * gap + oy)
        strong = color.name().upper() in (CYCLE_COLOR, RISK_COLOR, KIND_COLORS["data_race"])
        pen = pg.mkPen(color, width=3 if strong else 1.5)
        self._plot.addItem(pg.PlotDataItem([start[0], tip[0]], [start[1], tip[1]], pen=pen))
        angle = math.degrees(math.atan2(dy, -dx))  # ArrowItem: 0° points left; y is up here
        self._plot.addItem(pg.ArrowItem(pos=tip, angle=angle, headLen=14, pen=pen, brush=color))
        text = pg.TextItem(label, color=color, anchor=(0.5, 0.5), fill=fill)
        text.setPos((a[0] + b[0]) / 2 + 3 * ox, (a[1] + b[1]) / 2 + 3 * oy)
        self._plot.addItem(text)

    @staticmethod
    def _graph_caption(finding: dict[str, Any]) -> str:
        kind = finding.get("kind")
        if kind == "lock_order_inversion":
            return (
                "● thread  ■ lock. Amber: each thread holds one lock and takes the other, so "
                "with unlucky timing each waits for the other for ever."
            )
        if finding.get("waits"):
            tail = "Red: the cycle; no thread in it can move." if finding.get("cycle") else (
                "No cycle: each waits for something nobody is left to do."
            )  # fmt: skip
            return f"● thread  ■ lock or other object; arrows: waits for / held by. {tail}"
        return "● thread  ■ shared object; arrows: the unordered accesses."

    def _source_html(self, finding: dict[str, Any]) -> str:
        pal = self.palette()
        mark = _blend(pal.color(QPalette.ColorRole.Highlight), pal.color(QPalette.ColorRole.Base))
        return source_html(finding, mark, pal.color(QPalette.ColorRole.PlaceholderText).name())

    # -- Qt ----------------------------------------------------------------------------------

    def _on_table_selection_changed(self) -> None:
        rows = self._table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self._findings):
            finding = self._findings[rows[0].row()]
            self._show(finding)
            self.sig_finding_selected.emit(finding)

    def _follow_palette(self) -> None:
        apply_palette(self.palette(), self._graph, [self._plot])
        if self._current is not None:
            self._show(self._current)

    def changeEvent(self, event: QEvent) -> None:
        """Redraw the graph and excerpt in the new palette's colours (light or dark)."""
        if event.type() == QEvent.Type.PaletteChange:
            self._follow_palette()
        super().changeEvent(event)


def source_html(finding: dict[str, Any], mark: str, dim: str) -> str:
    """Each location's file:line, who was there, and its lines with the line itself marked."""
    there = who_was_there(finding)
    parts = []
    for location in dict.fromkeys(finding.get("locations") or []):
        if not location:
            continue
        who = "".join(f"<br>{html.escape(text)}" for text in there.get(location, []))
        parts.append(f"<p><b>{html.escape(Path(location).name)}</b>{who}</p>")
        excerpt = read_excerpt(location)
        if excerpt is None:
            parts.append(
                f"<p style='color:{dim}'>(source not available: {html.escape(location)})</p>"
            )
            continue
        first, lines = excerpt
        target = int(location.rpartition(":")[2])
        rows = []
        for number, code in enumerate(lines, start=first):
            here = number == target
            row = f"<tr bgcolor='{mark}'>" if here else "<tr>"
            ink = "white-space:pre" + ("" if here else f"; color:{dim}")
            code_html = html.escape(code.expandtabs(4))
            rows.append(
                f"{row}<td align='right' style='{ink}'>{number}</td>"
                f"<td style='white-space:pre'>{'▶' if here else ' '}</td>"
                f"<td width='100%' style='white-space:pre'>{code_html}</td></tr>"
            )
        parts.append(f"<table width='100%' cellspacing='0' cellpadding='1'>{''.join(rows)}</table>")
    return "".join(parts) or "<p>This finding names no source lines.</p>"


def _blend(a: QColor, b: QColor, share: float = 0.3) -> str:
    """``share`` of colour a over b, as #rrggbb (Qt's rich text has no alpha)."""
    mix = [
        share * x + (1 - share) * y for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3], strict=True)
    ]
    return QColor.fromRgbF(*mix).name()
