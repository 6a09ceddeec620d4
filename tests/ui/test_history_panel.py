"""The history panel over a real SQLite history filled by real runs and a real sweep."""

import csv
import json
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QToolButton

from ui.history_panel import STATUS_COLOURS, HistoryPanel
from workbench import catalog, controller
from workbench.history import History
from workbench.spec import RunSpec
from workbench.sweep import Sweep


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A history file with two lock-counter runs and one sleep sweep, written once."""
    path = tmp_path_factory.mktemp("history") / "h.sqlite"
    history = History(path)
    lock = catalog.get("threads.lock_counter")
    for extra in ({}, {"use_lock": True}):
        params = catalog.resolve(lock, {"iterations": 100, **extra})
        controller.run(RunSpec.make(lock.id, params), history=history)
    compare = catalog.get("threads.compare")
    quick = {k: v for k, v in compare.quick.items() if k != "workers"}
    Sweep(compare, {"workload": "sleep", **quick}, [1, 2], repeat=1).run(history=history)
    history.close()  # checkpoints the WAL, so the file alone holds everything
    return path


@pytest.fixture
def history(filled, tmp_path):
    """A private copy per test, so deleting in one test does not touch another."""
    copy = tmp_path / "h.sqlite"
    shutil.copy(filled, copy)
    history = History(copy)
    yield history
    history.close()


@pytest.fixture
def panel(qtbot, history):
    panel = HistoryPanel(history)
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def rows(view):
    return [view.topLevelItem(i) for i in range(view.topLevelItemCount())]


def click(qtbot, panel, text):
    button = next(b for b in panel.findChildren(QToolButton) if b.text() == text.rstrip("…"))
    assert button.isEnabled(), f"{text} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def double_click(qtbot, view, item):
    pos = view.visualItemRect(item).center()
    # QTest's double-click event alone is not taken as a double-click by item views; a real
    # one starts with a press, so send the click first.
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_lists_what_the_engine_stored_newest_first(panel, history):
    assert panel.tabs.tabText(0) == "Sweeps (1)" and panel.tabs.tabText(1) == "Runs (2)"
    sweep = rows(panel.sweeps_list)[0]
    assert [sweep.text(c) for c in (1, 2, 3)] == ["threads.compare", "ok", "1, 2"]
    assert sweep.text(4).startswith("×") and "workload=sleep" in sweep.text(5)
    runs = rows(panel.runs_list)
    assert [r.text(1) for r in runs] == ["threads.lock_counter"] * 2
    assert runs[0].text(5) == "iterations=100, use_lock=True"  # the newer one
    assert runs[1].text(5) == "iterations=100"
    assert runs[0].text(3) == "4" and runs[0].text(4).endswith("ms")
    assert runs[0].foreground(2).color() == QColor(STATUS_COLOURS["ok"])
    stored = history.runs()[1]["result"]["summary"]
    assert runs[1].toolTip(2) == stored


def test_overlay_emits_the_selected_sweep_summaries(panel, history, qtbot):
    rows(panel.sweeps_list)[0].setSelected(True)
    with qtbot.waitSignal(panel.sig_sweeps_overlaid) as blocker:
        click(qtbot, panel, "Overlay")
    assert blocker.args[0] == [history.sweeps()[0]["summary"]]
    assert [p["workers"] for p in blocker.args[0][0]["points"]] == [1, 2]
    with qtbot.waitSignal(panel.sig_sweeps_overlaid) as blocker:
        double_click(qtbot, panel.sweeps_list, rows(panel.sweeps_list)[0])
    assert blocker.args[0][0]["sweep_id"] == history.sweeps()[0]["sweep_id"]


def test_show_emits_the_run_with_its_log(panel, history, qtbot):
    panel.tabs.setCurrentIndex(1)
    target = rows(panel.runs_list)[1]
    target.setSelected(True)
    run_id = history.runs()[1]["run_id"]
    with qtbot.waitSignal(panel.sig_run_shown) as blocker:
        click(qtbot, panel, "Show")
    assert blocker.args[0] == history.run(run_id) and "log" in blocker.args[0]
    with qtbot.waitSignal(panel.sig_run_shown) as blocker:
        double_click(qtbot, panel.runs_list, target)
    assert blocker.args[0]["run_id"] == run_id


def test_rerun_emits_recipe_and_params_of_a_run_or_a_sweep(panel, history, qtbot):
    panel.tabs.setCurrentIndex(1)
    rows(panel.runs_list)[0].setSelected(True)
    with qtbot.waitSignal(panel.sig_rerun_requested) as blocker:
        click(qtbot, panel, "Re-run")
    assert blocker.args == ["threads.lock_counter", history.runs()[0]["params"]]
    assert blocker.args[1]["use_lock"] is True
    panel.tabs.setCurrentIndex(0)
    rows(panel.sweeps_list)[0].setSelected(True)
    with qtbot.waitSignal(panel.sig_rerun_requested) as blocker:
        click(qtbot, panel, "Re-run")
    assert blocker.args == ["threads.compare", history.sweeps()[0]["params"]]


def test_delete_asks_first_and_removes_from_the_database(panel, history, qtbot):
    questions = []
    panel.confirm = lambda question: questions.append(question) or False
    panel.tabs.setCurrentIndex(1)
    rows(panel.runs_list)[0].setSelected(True)
    run_id = history.runs()[0]["run_id"]
    click(qtbot, panel, "Delete")
    assert questions and history.run(run_id) is not None
    panel.confirm = lambda question: True
    click(qtbot, panel, "Delete")
    assert history.run(run_id) is None
    assert len(rows(panel.runs_list)) == 1 and panel.tabs.tabText(1) == "Runs (1)"
    panel.tabs.setCurrentIndex(0)
    rows(panel.sweeps_list)[0].setSelected(True)
    click(qtbot, panel, "Delete")
    assert history.sweeps() == [] and history.runs(include_sweep_points=True) == history.runs()
    assert rows(panel.sweeps_list) == []


def test_export_writes_csv_and_json(panel, history, qtbot, tmp_path):
    panel.tabs.setCurrentIndex(1)
    target = tmp_path / "runs.csv"
    panel.ask_export_path = lambda suggested: target
    click(qtbot, panel, "Export…")  # nothing selected: every listed run
    table = list(csv.DictReader(target.read_text().splitlines()))
    assert [r["run_id"] for r in table] == [r["run_id"] for r in history.runs()]
    assert str(target) in panel.status_label.text()
    panel.tabs.setCurrentIndex(0)
    rows(panel.sweeps_list)[0].setSelected(True)
    target = tmp_path / "sweeps.json"
    click(qtbot, panel, "Export…")
    data = json.loads(target.read_text())
    assert data["sweeps"][0]["summary"] == history.sweeps()[0]["summary"]
    target = tmp_path / "sweeps.txt"
    click(qtbot, panel, "Export…")
    assert "Export failed" in panel.status_label.text() and not target.exists()


def test_reload_picks_up_new_runs_and_keeps_the_selection(panel, history, qtbot):
    panel.tabs.setCurrentIndex(1)
    rows(panel.runs_list)[1].setSelected(True)
    kept = panel.selected_ids()
    lock = catalog.get("threads.lock_counter")
    spec = RunSpec.make(lock.id, catalog.resolve(lock, {"iterations": 50}))
    controller.run(spec, history=history)
    click(qtbot, panel, "Reload")
    assert rows(panel.runs_list)[0].text(5) == "iterations=50"
    assert panel.selected_ids() == kept
