"""What was run before, from the engine's SQLite history: sweeps and single runs, newest first.

The panel only reads and deletes through :class:`workbench.history.History` and exports through
:mod:`workbench.export`; what to do with a chosen item (overlay a speedup curve, show a run's
log, fill the form for a re-run) it leaves to the window, through signals.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QLabel,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench import catalog, export
from workbench.catalog import WORKERS, CatalogError
from workbench.history import History

LIMIT = 500  # rows listed per tab; older ones stay in the database
ID_ROLE = Qt.ItemDataRole.UserRole
STATUS_COLOURS = {  # mid-tones: readable on light and dark backgrounds
    "ok": "#2e9d4f",
    "failed": "#d64545",
    "timeout": "#d9822b",
    "interrupted": "#c0841a",
    "cancelled": "#8a8a8a",
    "running": "#3a7bd5",
}
SWEEP_COLUMNS = ["When", "Recipe", "Status", "Workers", "Best speedup", "Params"]
RUN_COLUMNS = ["When", "Recipe", "Status", "Workers", "Wall time", "Params"]


def short_params(recipe_id: str, params: dict[str, Any] | None) -> str:
    """The parameters that differ from the recipe's defaults (workers has its own column)."""
    params = dict(params or {})
    params.pop(WORKERS, None)
    try:
        defaults = catalog.get(recipe_id).defaults()
    except CatalogError:
        defaults = {}
    shown = {k: v for k, v in params.items() if k not in defaults or defaults[k] != v}
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or "defaults"


def seconds_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


class HistoryPanel(QWidget):
    """Two lists, sweeps and runs, with the actions a past result invites."""

    sig_sweeps_overlaid = Signal(object)  # list[dict]: the chosen sweeps' summaries
    sig_rerun_requested = Signal(str, object)  # recipe id, params dict
    sig_run_shown = Signal(object)  # dict: History.run(run_id), log included

    def __init__(self, history: History, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        #: Asks before deleting; tests replace it with ``lambda question: True``.
        self.confirm: Callable[[str], bool] = self._ask_confirm
        #: Asks where to export; returns a path or None. Tests replace it.
        self.ask_export_path: Callable[[str], str | Path | None] = self._ask_path
        self._rows: dict[str, dict[str, Any]] = {}
        self.sweeps_list = self._list(SWEEP_COLUMNS)
        self.runs_list = self._list(RUN_COLUMNS)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.sweeps_list, "Sweeps")
        self.tabs.addTab(self.runs_list, "Runs")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.commands = {
            name: self._action(name, handler)
            for name, handler in (
                ("Reload", self.reload),
                ("Overlay", self._on_overlay_triggered),
                ("Show", self._on_show_triggered),
                ("Re-run", self._on_rerun_triggered),
                ("Delete", self._on_delete_triggered),
                ("Export…", self._on_export_triggered),
            )
        }
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status_label)
        self.tabs.currentChanged.connect(self._update_actions)
        self.sweeps_list.itemDoubleClicked.connect(self._on_overlay_triggered)
        self.runs_list.itemDoubleClicked.connect(self._on_show_triggered)
        self.reload()

    # -- public -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the history again (the window calls this when a run or sweep ends)."""
        self._rows = {}
        sweeps = self.history.sweeps(limit=LIMIT)
        runs = self.history.runs(limit=LIMIT)
        self._fill(self.sweeps_list, sweeps, "sweep_id", self._sweep_cells)
        self._fill(self.runs_list, runs, "run_id", self._run_cells)
        self.tabs.setTabText(0, f"Sweeps ({len(sweeps)})")
        self.tabs.setTabText(1, f"Runs ({len(runs)})")
        self._update_actions()

    def current_list(self) -> QTreeWidget:
        return self.sweeps_list if self.tabs.currentIndex() == 0 else self.runs_list

    def selected_ids(self) -> list[str]:
        """Ids selected in the tab on show, top to bottom (newest first)."""
        view = self.current_list()
        items = sorted(view.selectedItems(), key=view.indexOfTopLevelItem)
        return [item.data(0, ID_ROLE) for item in items]

    def row(self, item_id: str) -> dict[str, Any] | None:
        """The history row (as listed) behind an id."""
        return self._rows.get(item_id)

    # -- building -----------------------------------------------------------------------------

    def _list(self, columns: list[str]) -> QTreeWidget:
        view = QTreeWidget()
        view.setHeaderLabels(columns)
        view.setRootIsDecorated(False)
        view.setUniformRowHeights(True)
        view.setAlternatingRowColors(True)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        view.itemSelectionChanged.connect(self._update_actions)
        return view

    def _action(self, text: str, handler: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: handler())
        self.toolbar.addAction(action)
        if text != "Reload":
            self.sweeps_list.addAction(action)
            self.runs_list.addAction(action)
        return action

    def _fill(self, view: QTreeWidget, rows: list[dict], key: str, cells: Callable) -> None:
        keep = {item.data(0, ID_ROLE) for item in view.selectedItems()}
        view.blockSignals(True)  # one _update_actions after both lists are filled
        view.clear()
        for row in rows:
            item_id = row[key]
            self._rows[item_id] = row
            item = QTreeWidgetItem(view, cells(row))
            item.setData(0, ID_ROLE, item_id)
            item.setToolTip(0, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row["started"])))
            item.setToolTip(1, f"{row['recipe']} · {item_id}")
            item.setToolTip(5, cells(row)[5])
            status = row["status"]
            item.setToolTip(2, self._outcome(row))
            item.setForeground(2, QColor(STATUS_COLOURS.get(status, "#8a8a8a")))
            font = QFont(item.font(2))
            font.setBold(True)
            item.setFont(2, font)
            item.setSelected(item_id in keep)
        view.blockSignals(False)
        for col in range(view.columnCount() - 1):
            view.resizeColumnToContents(col)

    @staticmethod
    def _when(started: float) -> str:
        return time.strftime("%a %d %b %H:%M:%S", time.localtime(started))

    def _sweep_cells(self, row: dict[str, Any]) -> list[str]:
        points = (row.get("summary") or {}).get("points") or []
        speedups = [p["speedup"] for p in points if p.get("speedup")]
        best = f"×{max(speedups):.2f}" if speedups else ""
        workers = ", ".join(str(w) for w in row.get("workers") or [])
        params = short_params(row["recipe"], row.get("params"))
        return [self._when(row["started"]), row["recipe"], row["status"], workers, best, params]

    def _run_cells(self, row: dict[str, Any]) -> list[str]:
        workers = "" if row.get("workers") is None else str(row["workers"])
        params = short_params(row["recipe"], row.get("params"))
        wall = seconds_text(row.get("wall_s"))
        return [self._when(row["started"]), row["recipe"], row["status"], workers, wall, params]

    @staticmethod
    def _outcome(row: dict[str, Any]) -> str:
        """What came of it, in one line: the result's summary or the error."""
        error = row.get("error") or (row.get("summary") or {}).get("error")
        if isinstance(error, dict):
            return f"{error.get('type', 'Error')}: {error.get('message', '')}"
        result = row.get("result")
        summary = result.get("summary") if isinstance(result, dict) else None
        return str(error or summary or row["status"])

    # -- actions ------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        on_sweeps = self.tabs.currentIndex() == 0
        ids = self.selected_ids()
        with_summary = [i for i in ids if (self._rows[i].get("summary") or {}).get("points")]
        self.commands["Overlay"].setEnabled(on_sweeps and bool(with_summary))
        self.commands["Show"].setEnabled(not on_sweeps and bool(ids))
        self.commands["Re-run"].setEnabled(len(ids) == 1)
        self.commands["Delete"].setEnabled(bool(ids))
        self.commands["Export…"].setEnabled(self.current_list().topLevelItemCount() > 0)

    def _on_overlay_triggered(self, *_args: object) -> None:
        if self.tabs.currentIndex() != 0:
            return
        summaries = [self._rows[i]["summary"] for i in self.selected_ids()]
        summaries = [s for s in summaries if s and s.get("points")]
        if summaries:
            self.sig_sweeps_overlaid.emit(summaries)
            self._say(f"Overlaid {len(summaries)} sweep(s) on the speedup plot.")

    def _on_show_triggered(self, *_args: object) -> None:
        ids = self.selected_ids()
        if self.tabs.currentIndex() != 1 or not ids:
            return
        run = self.history.run(ids[0])
        if run is None:
            self._say("That run is no longer in the history.")
            self.reload()
            return
        self.sig_run_shown.emit(run)

    def _on_rerun_triggered(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            row = self._rows[ids[0]]
            self.sig_rerun_requested.emit(row["recipe"], dict(row.get("params") or {}))

    def _on_delete_triggered(self) -> None:
        ids = self.selected_ids()
        kind = "sweep(s) with their points" if self.tabs.currentIndex() == 0 else "run(s)"
        if not ids or not self.confirm(f"Delete {len(ids)} {kind} from the history?"):
            return
        for item_id in ids:
            self.history.delete(item_id)
        self.reload()
        self._say(f"Deleted {len(ids)} {kind}.")

    def _on_export_triggered(self) -> None:
        view = self.current_list()
        ids = self.selected_ids() or [
            view.topLevelItem(i).data(0, ID_ROLE) for i in range(view.topLevelItemCount())
        ]
        kind = "sweeps" if self.tabs.currentIndex() == 0 else "runs"
        path = self.ask_export_path(str(Path.home() / f"workbench-{kind}.csv"))
        if not path:
            return
        try:
            written = export.history_export(self.history, Path(path), ids)
        except (OSError, ValueError) as exc:
            self._say(f"Export failed: {exc}", error=True)
            return
        self._say(f"Exported {len(ids)} {kind} to {written}")

    # -- dialogs (replaceable) ----------------------------------------------------------------

    def _ask_confirm(self, question: str) -> bool:
        answer = QMessageBox.question(self, "Delete from history", question)
        return answer == QMessageBox.StandardButton.Yes

    def _ask_path(self, suggested: str) -> str | None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export history", suggested, "CSV (*.csv);;JSON (*.json)"
        )
        if path and Path(path).suffix.lower() not in (".csv", ".json"):
            path += ".json" if "json" in chosen else ".csv"
        return path or None

    def _say(self, text: str, error: bool = False) -> None:
        self.status_label.setStyleSheet(f"color: {STATUS_COLOURS['failed']};" if error else "")
        self.status_label.setText(text)
