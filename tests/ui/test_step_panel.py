"""The step view: a child process steps the program; the panel only shows and sends."""

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction

from ui.step_panel import SOLVED_KEY, StepPanel


@pytest.fixture
def panel(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    panel = StepPanel(settings)
    qtbot.addWidget(panel)
    yield panel
    panel.shutdown()


def wait_steps(qtbot, panel, n):
    qtbot.waitUntil(lambda: panel.state is not None and len(panel.state["choices"]) == n)


def test_stepping_a_puzzle_by_hand_to_its_goal(qtbot, panel):
    panel.open_target("puzzle.p03_lock_order")
    wait_steps(qtbot, panel, 0)
    assert list(panel.columns) == [0]
    for n, tid in enumerate((0, 0, 1, 2, 1, 2, 1, 2, 0), start=1):
        qtbot.waitUntil(
            lambda t=tid: t in panel.columns and panel.columns[t].step_button.isEnabled()
        )
        qtbot.mouseClick(panel.columns[tid].step_button, Qt.MouseButton.LeftButton)
        wait_steps(qtbot, panel, n)
    state = panel.state
    assert state["goal_reached"] and state["failure"]["kind"] == "deadlock"
    assert [t["status"] for t in state["threads"]] == ["blocked"] * 3
    assert "waits for b held by B" in panel.columns[1].op.text()
    assert not panel.columns[1].step_button.isEnabled()
    assert panel.locks.item(0, 1).text() == "A" and panel.locks.item(1, 1).text() == "B"
    assert "Goal reached" in panel.status.text()
    assert panel.solved() == {"puzzle.p03_lock_order"}
    assert panel.settings.value(SOLVED_KEY) is not None
    assert panel.puzzles.item(2).text().startswith("✓")

    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    wait_steps(qtbot, panel, 8)
    assert not panel.state["ended"] and panel.columns[0].step_button.isEnabled()


def test_explore_loads_the_failing_schedule(qtbot, panel):
    panel.open_target("puzzle.p01_lost_update")
    wait_steps(qtbot, panel, 0)
    panel.bytecode_box.setChecked(True)
    qtbot.mouseClick(panel.explore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.state["failure"] is not None, timeout=20000)
    assert panel.search_result["found"] and panel.search_result["preemptions"] == 1
    assert panel.state["failure"]["kind"] == "assertion"
    assert panel.state["choices"] == panel.search_result["schedule"]
    assert panel.variables.item(0, 0).text() == "counter"
    assert panel.variables.item(0, 1).text() == "1"
    assert panel.columns[0].bytecode.isVisible() or not panel.isVisible()


def test_restart_and_bad_steps(qtbot, panel):
    panel.open_target("threads.lock_inversion")
    wait_steps(qtbot, panel, 0)
    panel.step(0)
    wait_steps(qtbot, panel, 1)
    panel.step(7)  # no such thread: a notice, the state stays
    qtbot.waitUntil(lambda: "cannot run" in panel.status.text())
    qtbot.mouseClick(panel.restart_button, Qt.MouseButton.LeftButton)
    wait_steps(qtbot, panel, 0)
    panel.granularity_combo.setCurrentText("line")  # a fresh session, stepping by lines
    wait_steps(qtbot, panel, 0)
    assert panel.granularity == "line"
    panel.step(0)
    qtbot.waitUntil(lambda: panel.state["choices"] == [0])
    assert panel.state["threads"][0]["op"].startswith("line ")


def test_the_main_window_opens_it_from_the_view_menu_and_closes_it(qtbot, tmp_path):
    from ui.main_window import MainWindow
    from workbench.history import History

    window = MainWindow(
        History(tmp_path / "history.sqlite"),
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
    )
    qtbot.addWidget(window)
    action = next(a for a in window.findChildren(QAction) if "Step through" in a.text())
    action.trigger()
    step = window.step_window
    assert step.isVisible()
    step.panel.open_target("puzzle.p04_reentrant")
    qtbot.waitUntil(lambda: step.panel.state is not None)
    window.close()
    assert not step.isVisible() and not step.panel.session.running


def test_a_saved_schedule_opens_where_it_failed(qtbot, panel, tmp_path):
    import json
    import subprocess
    import sys

    saved = tmp_path / "s.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "explore",
            "puzzle.p06_lost_wakeup",
            "--save",
            str(saved),
        ],
        capture_output=True,
    )
    assert done.returncode == 0
    panel.load_schedule(str(saved))
    qtbot.waitUntil(lambda: panel.state is not None and panel.state["failure"] is not None)
    assert panel.state["choices"] == json.loads(saved.read_text())["schedule"]
    assert panel.state["failure"]["kind"] == "deadlock" and panel.state["goal_reached"]
    with pytest.raises(ValueError, match="no such schedule"):
        panel.load_schedule(str(tmp_path / "missing.json"))
