"""The console buffers lines cheaply, draws them per frame, colours the streams and searches."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QToolButton

from ui.console_panel import MAX_LINES, ConsolePanel
from workbench import catalog, controller
from workbench.spec import RunSpec


@pytest.fixture
def panel(qtbot) -> ConsolePanel:
    p = ConsolePanel()
    qtbot.addWidget(p)
    p.resize(900, 500)
    p.show()
    qtbot.waitExposed(p)
    return p


def view(panel: ConsolePanel) -> QPlainTextEdit:
    return panel.findChild(QPlainTextEdit, "console_view")


def search(panel: ConsolePanel) -> QLineEdit:
    return panel.findChild(QLineEdit, "console_search")


def count(panel: ConsolePanel) -> str:
    return panel.findChild(QLabel, "console_match_count").text()


def button(panel: ConsolePanel, text: str) -> QToolButton:
    return next(b for b in panel.findChildren(QToolButton) if b.text() == text)


def line_colour(panel: ConsolePanel, number: int) -> QColor:
    block = view(panel).document().findBlockByNumber(number)
    return block.begin().fragment().charFormat().foreground().color()


def test_ten_thousand_lines_arrive_in_one_refresh(panel):
    for i in range(10_000):
        panel.append("stdout", f"line {i}")
    assert view(panel).toPlainText() == ""  # append only buffers
    panel.refresh()
    doc = view(panel).document()
    assert doc.blockCount() == 10_000
    assert view(panel).toPlainText().split("\n") == [f"line {i}" for i in range(10_000)]
    assert view(panel).maximumBlockCount() == MAX_LINES
    bar = view(panel).verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()


def test_the_cap_keeps_the_newest_lines(panel):
    for i in range(MAX_LINES + 1000):
        panel.append("stdout", f"line {i}")
    panel.refresh()
    lines = view(panel).toPlainText().split("\n")
    assert len(lines) == MAX_LINES
    assert lines[-1] == f"line {MAX_LINES + 999}"


def test_streams_have_their_own_colours(panel):
    panel.append("workbench", "run threads.lock_counter")
    panel.append("stdout", "hello")
    panel.append("stderr", "warning: something")
    panel.append("stdout", "bye")
    panel.refresh()
    panel.show_traceback('Traceback (most recent call last):\n  File "x.py"\nRuntimeError: boom')
    text = view(panel).toPlainText().split("\n")
    assert text[:4] == ["run threads.lock_counter", "hello", "warning: something", "bye"]
    assert text[-1] == "RuntimeError: boom"
    note, out, err, out2, trace = (line_colour(panel, n) for n in (0, 1, 2, 3, 6))
    assert err != out and note != out and note != err
    assert out == out2
    assert trace == err


def test_search_finds_counts_and_steps_through_matches(panel, qtbot):
    for i in range(300):
        panel.append("stderr" if i % 10 == 0 else "stdout", f"step {i} of worker-{i % 3}")
    panel.refresh()
    qtbot.keyClicks(search(panel), "WORKER-2")
    assert count(panel) == "1 of 100"
    cursor = view(panel).textCursor()
    assert cursor.block().text() == "step 2 of worker-2"
    qtbot.mouseClick(button(panel, "Next"), Qt.MouseButton.LeftButton)
    assert count(panel) == "2 of 100"
    assert view(panel).textCursor().block().text() == "step 5 of worker-2"
    qtbot.mouseClick(button(panel, "Previous"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(button(panel, "Previous"), Qt.MouseButton.LeftButton)
    assert count(panel) == "100 of 100"
    assert len(view(panel).extraSelections()) == 100
    search(panel).setText("no such text")
    assert count(panel) == "no match" and view(panel).extraSelections() == []


def test_search_follows_new_output(panel, qtbot):
    search(panel).setText("boom")
    panel.append("stdout", "boom 1")
    panel.refresh()
    assert count(panel) == "no match"  # searched before the line arrived
    qtbot.waitUntil(lambda: count(panel) == "1 match")
    panel.append("stdout", "boom 2")
    panel.refresh()
    qtbot.waitUntil(lambda: count(panel) == "2 matches")
    qtbot.mouseClick(button(panel, "Next"), Qt.MouseButton.LeftButton)
    assert count(panel) == "1 of 2"


def test_auto_scroll_stops_when_the_user_scrolls_up(panel):
    for i in range(2000):
        panel.append("stdout", f"line {i}")
    panel.refresh()
    bar = view(panel).verticalScrollBar()
    bar.setValue(0)
    for i in range(100):
        panel.append("stdout", f"more {i}")
    panel.refresh()
    assert bar.value() == 0
    bar.setValue(bar.maximum())
    panel.append("stdout", "last")
    panel.refresh()
    assert bar.value() == bar.maximum()


def test_ctrl_f_in_the_console_focuses_its_search(panel, qtbot):
    panel.activateWindow()
    view(panel).setFocus()
    qtbot.keyClick(view(panel), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: search(panel).hasFocus())
    panel.clear()
    view(panel).setFocus()
    qtbot.waitUntil(lambda: view(panel).hasFocus())
    panel.focus_search()
    qtbot.waitUntil(lambda: search(panel).hasFocus())


def test_a_real_runs_output_is_shown(panel):
    recipe = catalog.get("threads.current_thread")
    params = catalog.resolve(recipe, dict(recipe.quick))
    record = controller.run(RunSpec.make(recipe.id, params), recipe=recipe)
    assert record.log
    for stream, text in record.log:
        panel.append(stream, text)
    panel.refresh()
    assert view(panel).toPlainText().split("\n") == [text for _, text in record.log]
