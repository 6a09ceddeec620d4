"""Be the scheduler: step a program's threads by hand, or let the explorer find a failure.

The panel is a view over :mod:`workbench.explore.session` running in the explorer's child
process (:class:`ui.explore_process.ExploreProcess`): each button sends one command and the
child answers with the whole state, so the GUI never waits on the program. Undo and restart are
replays of the choices so far. Explore runs the same search as ``workbench explore`` in a second
child and loads the failing schedule into the step view. Solved puzzles are remembered in
QSettings (``explore/solved``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.explore_process import ExploreProcess
from ui.thread_column import ThreadColumn
from workbench.explore import schedule
from workbench.explore.targets import puzzle_ids, resolve

SOLVED_KEY = "explore/solved"


class StepPanel(QWidget):
    sig_goal_reached = Signal(str)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings()
        self.target: str | None = None
        self.state: dict[str, Any] | None = None
        self.search_result: dict[str, Any] | None = None
        self.columns: dict[int, ThreadColumn] = {}
        self.pending: list[int] | None = None  # a loaded schedule, sent once the session is up
        self.session = ExploreProcess(self)
        self.search = ExploreProcess(self)
        self.session.sig_message_received.connect(self._on_session_message)
        self.search.sig_message_received.connect(self._on_search_message)
        self._build()

    # --- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.puzzles = QListWidget()
        self.puzzles.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.puzzles.itemActivated.connect(self._on_puzzles_activated)
        self.puzzles.itemClicked.connect(self._on_puzzles_activated)
        self.progress = QLabel()
        self.open_button = QPushButton("Open script…")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.schedule_button = QPushButton("Open schedule…")
        self.schedule_button.setToolTip("a schedule saved by workbench explore --save")
        self.schedule_button.clicked.connect(self._on_schedule_clicked)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel("<b>Puzzles</b>"))
        lv.addWidget(self.puzzles)
        lv.addWidget(self.progress)
        lv.addWidget(self.open_button)
        lv.addWidget(self.schedule_button)
        self._fill_puzzles()

        self.goal_bar = QLabel("Choose a puzzle, or open a script")
        self.goal_bar.setWordWrap(True)
        self.goal_bar.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.restart_button = QPushButton("Restart")
        self.undo_button = QPushButton("Undo")
        self.explore_button = QPushButton("Explore")
        self.explore_button.setToolTip("search the interleavings and load the failing one")
        self.bytecode_box = QCheckBox("Bytecode")
        self.granularity_combo = QComboBox()
        self.granularity_combo.addItems(["sync", "line", "opcode"])
        self.granularity_combo.setToolTip(
            "where a thread may be switched: sync ops, lines, bytecodes"
        )
        self.granularity_combo.currentTextChanged.connect(self._on_granularity_changed)
        self.restart_button.clicked.connect(self._on_restart_clicked)
        self.undo_button.clicked.connect(self._on_undo_clicked)
        self.explore_button.clicked.connect(self._on_explore_clicked)
        self.bytecode_box.toggled.connect(self._on_bytecode_toggled)
        controls = QHBoxLayout()
        for w in (
            self.restart_button,
            self.undo_button,
            self.explore_button,
            self.granularity_combo,
            self.bytecode_box,
        ):
            controls.addWidget(w)
        controls.addStretch(1)

        self.columns_box = QWidget()
        self.columns_layout = QHBoxLayout(self.columns_box)
        self.columns_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.columns_box)
        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(0, 0, 0, 0)
        for w in (self.goal_bar, self.status):
            mv.addWidget(w)
        mv.addLayout(controls)
        mv.addWidget(scroll, 1)

        self.variables = _table(("shared variable", "value"))
        self.locks = _table(("lock", "owner"))
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.variables)
        rv.addWidget(self.locks)

        splitter = QSplitter()
        for w in (left, middle, right):
            splitter.addWidget(w)
        splitter.setSizes([200, 800, 260])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._enable(False)

    def _fill_puzzles(self) -> None:
        solved = self.solved()
        self.puzzles.clear()
        for pid in puzzle_ids():
            title = resolve(pid).title
            item = QListWidgetItem(f"{'✓' if pid in solved else '·'} {pid[7:]}")
            item.setToolTip(title)
            item.setData(Qt.ItemDataRole.UserRole, pid)
            self.puzzles.addItem(item)
        self.progress.setText(f"{len(solved & set(puzzle_ids()))} of {self.puzzles.count()} solved")

    def _enable(self, on: bool) -> None:
        for w in (self.restart_button, self.undo_button, self.explore_button):
            w.setEnabled(on)

    # --- commands -----------------------------------------------------------------------------
    def open_target(
        self, target: str, pairs: list[str] | None = None, granularity: str | None = None
    ) -> None:
        """Start stepping ``target`` (a puzzle, a thread recipe or a script path)."""
        resolved = resolve(target, pairs or [])  # bad input raises here, before any process
        self.target, self.pairs, self.state = target, list(pairs or []), None
        self.granularity = granularity or resolved.granularity
        self.search_result = None
        self.granularity_combo.blockSignals(True)
        self.granularity_combo.setCurrentText(self.granularity)
        self.granularity_combo.blockSignals(False)
        self.source = Path(resolved.path).read_text()
        for column in self.columns.values():
            column.deleteLater()
        self.columns.clear()
        self.goal_bar.setText(_goal_text(resolved.title, resolved.goal, resolved.hint))
        self.status.setText("starting…")
        self.session.start(
            {
                "op": "session",
                "target": target,
                "pairs": self.pairs,
                "granularity": self.granularity,
            }
        )
        self._enable(True)

    def load_schedule(self, path: str) -> None:
        """Step through a saved schedule: its target, parameters and granularity, replayed."""
        data = schedule.load(path)  # a bad file raises ScheduleFileError (a ValueError)
        pairs = [f"{k}={v}" for k, v in data.get("params", {}).items()]
        self.open_target(str(data["target"]), pairs, data["granularity"])
        self.pending = data["schedule"]

    def step(self, tid: int) -> None:
        self.session.send({"cmd": "step", "thread": tid})

    def explore(self) -> None:
        """Search in a second child; the failing schedule is then replayed in the step view."""
        if self.target is None:
            return
        self.explore_button.setEnabled(False)
        self.status.setText("exploring…")
        self.search.start(
            {
                "op": "search",
                "target": self.target,
                "pairs": self.pairs,
                "strategy": "dfs",
                "granularity": self.granularity,
                "max_runs": 5000,
                "seed": 0,
            }
        )

    def solved(self) -> set[str]:
        value = self.settings.value(SOLVED_KEY, [])
        return set([value] if isinstance(value, str) else value or [])

    def shutdown(self) -> None:
        """Stop both children (the window is closing)."""
        self.session.stop()
        self.search.stop()

    # --- messages from the children ------------------------------------------------------------
    @Slot(dict)
    def _on_session_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "state" and self.pending is not None:
            self.session.send({"cmd": "restart", "schedule": self.pending})
            self.pending = None
        elif kind == "state":
            self._show(message)
        elif kind in ("notice", "error"):
            self.status.setText(f"<span style='color:#b00'>{message['message']}</span>")

    @Slot(dict)
    def _on_search_message(self, message: dict[str, Any]) -> None:
        if message.get("type") == "progress":
            self.status.setText(f"exploring… {message['runs']} schedules")
            return
        self.explore_button.setEnabled(True)
        if message.get("type") == "error":
            self.status.setText(f"<span style='color:#b00'>{message['message']}</span>")
        elif message.get("type") == "result":
            self.search_result = message
            self.search.stop()
            if message["found"]:
                self.session.send({"cmd": "restart", "schedule": message["schedule"]})
            else:
                self.status.setText(f"no failure in {message['runs']} schedules")

    def _show(self, state: dict[str, Any]) -> None:
        self.state = state
        for thread in state["threads"]:
            column = self.columns.get(thread["tid"])
            if column is None:
                column = ThreadColumn(thread["tid"], self.source)
                column.sig_step_requested.connect(self._on_column_step_requested)
                column.sig_sync_requested.connect(self._on_column_sync_requested)
                self.columns[thread["tid"]] = column
                self.columns_layout.addWidget(column)
            column.show_state(thread, state["ended"], self.bytecode_box.isChecked())
        for tid in [t for t in self.columns if t >= len(state["threads"])]:
            self.columns.pop(tid).deleteLater()  # undo before a thread's start
        _fill(self.variables, state["variables"])
        _fill(self.locks, state["locks"])
        self.undo_button.setEnabled(bool(state["choices"]))
        self.status.setText(_status_text(state))
        if state["goal_reached"]:
            self._mark_solved(state["target"])

    def _mark_solved(self, target: str) -> None:
        if target.startswith("puzzle.") and target not in self.solved():
            self.settings.setValue(SOLVED_KEY, sorted(self.solved() | {target}))
            self._fill_puzzles()
        self.sig_goal_reached.emit(target)

    # --- buttons ----------------------------------------------------------------------------------
    @Slot(QListWidgetItem)
    def _on_puzzles_activated(self, item: QListWidgetItem) -> None:
        target = item.data(Qt.ItemDataRole.UserRole)
        if target != self.target:
            self.open_target(target)

    @Slot(int)
    def _on_column_step_requested(self, tid: int) -> None:
        self.step(tid)

    @Slot(int)
    def _on_column_sync_requested(self, tid: int) -> None:
        self.session.send({"cmd": "sync", "thread": tid})

    @Slot()
    def _on_restart_clicked(self) -> None:
        self.session.send({"cmd": "restart"})

    @Slot()
    def _on_undo_clicked(self) -> None:
        self.session.send({"cmd": "undo"})

    @Slot()
    def _on_explore_clicked(self) -> None:
        self.explore()

    @Slot(str)
    def _on_granularity_changed(self, granularity: str) -> None:
        if self.target is not None:
            self.open_target(self.target, self.pairs, granularity)

    @Slot()
    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Step through a script", "", "Python (*.py)")
        if path:
            try:
                self.open_target(path)
            except ValueError as exc:
                self.status.setText(f"<span style='color:#b00'>{exc}</span>")

    @Slot()
    def _on_schedule_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Step through a schedule", "", "JSON (*.json)")
        if path:
            try:
                self.load_schedule(path)
            except ValueError as exc:
                self.status.setText(f"<span style='color:#b00'>{exc}</span>")

    @Slot(bool)
    def _on_bytecode_toggled(self, _on: bool) -> None:
        if self.state is not None:
            self._show(self.state)


class StepWindow(QMainWindow):
    """The step view in a window of its own, opened from the main window's Tools menu."""

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Step through threads — Parallel Workbench")
        self.panel = StepPanel(settings)
        self.setCentralWidget(self.panel)
        self.resize(1366, 768)

    def closeEvent(self, event: Any) -> None:
        self.panel.shutdown()
        super().closeEvent(event)


GOALS = {
    "any": "any failure",
    "assertion": "a failed <b>assertion</b>",
    "exception": "an <b>exception</b>",
    "invariant": "a broken <b>invariant</b>",
    "critical": "two threads inside the <b>critical</b> section",
    "deadlock": "a <b>deadlock</b>",
}


def _goal_text(title: str, goal: str, hint: str) -> str:
    want = GOALS.get(goal, goal)
    hint_text = f"<br><i>Hint: {hint}</i>" if hint else ""
    return f"<b>{title}</b><br>Goal: cause {want}.{hint_text}"


def _status_text(state: dict[str, Any]) -> str:
    steps = f"step {len(state['choices'])}"
    failure = state["failure"]
    if failure:
        color = "#080" if state["goal_reached"] else "#b00"
        won = "Goal reached! " if state["goal_reached"] else ""
        text = f"<b>{won}{failure['kind']}</b>: {failure['message']}"
        return f"<span style='color:{color}'>{text}</span> ({steps})"
    if state["ended"]:
        return f"the program finished without a failure ({steps}): undo or restart"
    return f"{steps}: choose the thread that runs next"


def _table(headers: tuple[str, str]) -> QTableWidget:
    table = QTableWidget(0, 2)
    table.setHorizontalHeaderLabels(list(headers))
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


def _fill(table: QTableWidget, rows: dict[str, str]) -> None:
    table.setRowCount(len(rows))
    for i, (key, value) in enumerate(rows.items()):
        table.setItem(i, 0, QTableWidgetItem(key))
        table.setItem(i, 1, QTableWidgetItem(str(value)))


def scripted(
    target: str,
    pairs: list[str],
    steps: list[int],
    explore: bool,
    screenshot: str | None,
    exit_after: bool,
    bytecode: bool = False,
) -> int:
    """``workbench gui --explore TARGET``: open the step view, take the given steps or run
    Explore, save a screenshot of the step window and (with ``exit_after``) quit."""
    from PySide6.QtCore import QTimer

    from ui.app import application

    app = application()
    window = StepWindow()
    window.show()
    panel = window.panel
    panel.bytecode_box.setChecked(bytecode)
    todo = list(steps)
    code = [0]

    def finish() -> None:
        if screenshot:
            window.grab().save(screenshot)
        if exit_after:
            window.close()
            app.exit(code[0])

    def on_state(message: dict[str, Any]) -> None:
        if message.get("type") in ("error", "notice"):
            print(f"workbench gui: explore: {message['message']}", file=sys.stderr)
            code[0] = 1
            QTimer.singleShot(0, finish)
        elif message.get("type") != "state":
            return
        elif todo:
            panel.step(todo.pop(0))
        elif explore and panel.search_result is None:
            panel.explore()
        else:
            QTimer.singleShot(400, finish)  # let the last frame draw

    panel.session.sig_message_received.connect(on_state)
    if target.endswith(".json"):
        panel.load_schedule(target)
    else:
        panel.open_target(target, pairs)
    return app.exec()
