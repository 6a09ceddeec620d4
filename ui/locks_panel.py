"""Which locks were fought over and how each thread spent its time, from a traced run.

The numbers are the engine's (``record.stats``: ``workbench.analysis`` computes them from the
trace); this panel lays them out in two sortable tables. Selecting a lock says so through
``sig_lock_selected`` so the window can outline that lock's holds and waits on the timeline.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.timeline_plot import RUNNING_COLOR, STATE_COLORS, format_ns

LOCK_COLUMNS = (
    ("lock", "lock"),
    ("acquisitions", "taken"),
    ("contended", "had to wait"),
    ("wait_s", "waited (total)"),
    ("max_wait_s", "longest wait"),
    ("hold_s", "held (total)"),
    ("max_hold_s", "longest hold"),
    ("holders", "held by"),
)
THREAD_COLUMNS = (
    ("thread", "thread"),
    ("running_s", "running"),
    ("waiting_s", "waiting"),
    ("sleeping_s", "sleeping"),
    ("", "share of its life"),
)
SHARE_COLORS = (RUNNING_COLOR, STATE_COLORS[1], STATE_COLORS[7])  # the timeline's colours
BAR_KEY = "bar: " + " ".join(
    f'<span style="color:{c}">■</span>&nbsp;{t}'
    for c, t in zip(SHARE_COLORS, ("running", "waiting (any wait)", "sleeping"), strict=True)
)
NO_TRACE_TEXT = "No lock statistics: run with tracing on to see locks and thread times."


class _SortItem(QTableWidgetItem):
    """Shows formatted text, sorts by the number behind it."""

    def __init__(self, text: str, key: float | str) -> None:
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole, key)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)):
            return mine < theirs
        return str(mine) < str(theirs)


class _ShareBar(QStyledItemDelegate):
    """A thread's running / waiting / sleeping as one stacked bar (the numbers are beside)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        shares = index.data(Qt.ItemDataRole.UserRole + 1) or ()
        total = sum(shares)
        if total <= 0:
            return
        box = option.rect.adjusted(4, 5, -4, -5)
        x = box.left()
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        for share, color in zip(shares, SHARE_COLORS, strict=True):
            width = round(box.width() * share / total)
            painter.setBrush(QColor(color))
            painter.drawRect(QRect(x, box.top(), width, box.height()))
            x += width
        painter.restore()


def _table(columns: tuple[tuple[str, str], ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels([title for _key, title in columns])
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _seconds(value: float) -> _SortItem:
    item = _SortItem(format_ns(value * 1e9) if value else "0", float(value))
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _count(value: int) -> _SortItem:
    item = _SortItem(f"{value:,}", int(value))
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class LocksPanel(QWidget):
    """Per lock: how often taken, how often and how long others waited, how long held and by
    whom. Per thread: running, waiting and sleeping time, with a bar of the three."""

    sig_lock_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._summary = QLabel(NO_TRACE_TEXT)
        self._summary.setWordWrap(True)
        self._locks = _table(LOCK_COLUMNS)
        self._locks.setObjectName("locks")
        self._locks.itemSelectionChanged.connect(self._on_locks_selection_changed)
        self._locks.setToolTip("Select a lock to outline its holds and waits on the timeline")
        self._threads = _table(THREAD_COLUMNS)
        self._threads.setObjectName("threads")
        self._threads.setItemDelegateForColumn(len(THREAD_COLUMNS) - 1, _ShareBar(self))
        self._locks_title = QLabel("<b>Locks</b>")
        self._threads_title = QLabel("<b>Threads</b>")
        split = QSplitter(Qt.Orientation.Vertical)
        for title, table in (
            (self._locks_title, self._locks),
            (self._threads_title, self._threads),
        ):
            box = QWidget()
            layout = QVBoxLayout(box)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(title)
            layout.addWidget(table, 1)
            split.addWidget(box)
        split.setSizes([220, 380])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._summary)
        layout.addWidget(split, 1)

    # -- public API --------------------------------------------------------------------------

    def set_stats(self, stats: dict[str, Any] | None) -> None:
        """Show a run's trace statistics (``record.stats``); ``None`` empties the tables."""
        locks = list((stats or {}).get("locks") or [])
        threads = list((stats or {}).get("threads") or [])
        self._fill(self._locks, [self._lock_row(r) for r in locks], sort_by=3)  # most waited-on
        self._fill(self._threads, [self._thread_row(r) for r in threads], sort_by=2)
        self._locks_title.setText(
            f"<b>Locks</b> ({len(locks)})" if locks else "<b>Locks</b>: none taken in this run"
        )
        self._threads_title.setText(f"<b>Threads</b> ({len(threads)}) &nbsp; {BAR_KEY}")
        self._summary.setText(self._summary_text(stats))

    def clear(self) -> None:
        """Empty both tables."""
        self.set_stats(None)

    # -- filling -----------------------------------------------------------------------------

    @staticmethod
    def _lock_row(r: dict[str, Any]) -> list[QTableWidgetItem]:
        holders = ", ".join(r.get("holders") or [])
        name = _SortItem(str(r.get("lock", "?")), str(r.get("lock", "?")))
        name.setToolTip(name.text())
        waited = _count(r.get("contended", 0))
        taken = r.get("acquisitions", 0)
        if taken:
            waited.setText(
                f"{r.get('contended', 0):,} ({100 * r.get('contended', 0) / taken:.0f} %)"
            )
        row = [name, _count(taken), waited]
        row += [_seconds(r.get(k, 0.0)) for k in ("wait_s", "max_wait_s", "hold_s", "max_hold_s")]
        row.append(_SortItem(holders, holders))
        row[-1].setToolTip(holders)
        return row

    @staticmethod
    def _thread_row(r: dict[str, Any]) -> list[QTableWidgetItem]:
        times = [float(r.get(k, 0.0)) for k in ("running_s", "waiting_s", "sleeping_s")]
        bar = _SortItem("", times[1] / (sum(times) or 1.0))  # sorts by the share spent waiting
        bar.setData(Qt.ItemDataRole.UserRole + 1, times)
        total = sum(times) or 1.0
        bar.setToolTip(
            " · ".join(
                f"{label} {100 * t / total:.0f} %"
                for label, t in zip(("running", "waiting", "sleeping"), times, strict=True)
            )
        )
        name = str(r.get("thread", "?"))
        return [_SortItem(name, name), *[_seconds(t) for t in times], bar]

    @staticmethod
    def _fill(table: QTableWidget, rows: list[list[QTableWidgetItem]], sort_by: int) -> None:
        table.setSortingEnabled(False)  # or rows reorder while they are being filled
        table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, item in enumerate(row):
                table.setItem(i, j, item)
        table.setSortingEnabled(True)
        table.sortByColumn(sort_by, Qt.SortOrder.DescendingOrder)

    @staticmethod
    def _summary_text(stats: dict[str, Any] | None) -> str:
        if not stats:
            return NO_TRACE_TEXT
        text = f"{stats.get('events', 0):,} events traced"
        dropped = stats.get("dropped", 0)
        if dropped:
            return text + f" · ⚠ {dropped:,} dropped: these figures miss part of the run"
        return text + " · none dropped"

    # -- Qt ----------------------------------------------------------------------------------

    def _on_locks_selection_changed(self) -> None:
        rows = self._locks.selectionModel().selectedRows()
        if rows:
            self.sig_lock_selected.emit(self._locks.item(rows[0].row(), 0).text())
