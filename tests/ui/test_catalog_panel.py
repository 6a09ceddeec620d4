"""The catalog tree with the real recipes: book order, tags, filter, selection."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ui.catalog_panel import CatalogPanel
from workbench import catalog


@pytest.fixture
def panel(qtbot):
    panel = CatalogPanel(catalog.recipes())
    qtbot.addWidget(panel)
    panel.resize(700, 700)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _top(panel):
    tree = panel.tree
    return [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]


def _children(item):
    return [item.child(i) for i in range(item.childCount())]


def _recipe_rows(panel):
    return {row.text(1): row for ch in _top(panel) for be in _children(ch) for row in _children(be)}


def _shown(panel):
    return sorted(rid for rid, row in _recipe_rows(panel).items() if not row.isHidden())


def test_chapters_in_book_order_then_backends_then_recipes(panel):
    chapters = [item.text(0) for item in _top(panel)]
    numbered = [c for c in chapters if c[0].isdigit()]
    assert numbered == sorted(numbered, key=lambda c: int(c.split(".")[0]))
    assert chapters[-1] == "Compare backends" and chapters[0].startswith("2.")
    compare = _top(panel)[-1]
    assert [b.text(0) for b in _children(compare)] == ["threads", "processes", "asyncio", "mpi"]
    assert sorted(_recipe_rows(panel)) == sorted(r.id for r in catalog.recipes())


def test_rows_show_title_id_and_tooltip(panel):
    rows = _recipe_rows(panel)
    for recipe in catalog.recipes():
        row = rows[recipe.id]
        assert row.text(0) == recipe.title
        assert recipe.id in row.toolTip(0)


def _pixels(panel, row):
    tree = panel.tree
    tree.scrollToItem(row)
    rect = tree.visualItemRect(row)
    image = tree.viewport().grab().toImage()
    y = rect.center().y()
    return [QColor(image.pixel(x, y)) for x in range(rect.left(), rect.right())]


def _near(colour, hex_):
    want = QColor(hex_)
    return all(abs(a - b) < 30 for a, b in zip(colour.getRgb()[:3], want.getRgb()[:3], strict=True))


def test_bug_and_compare_recipes_carry_a_visible_coloured_tag(panel):
    rows = _recipe_rows(panel)
    bug = next(r for r in catalog.recipes() if r.shows_bug)
    plain = next(r for r in catalog.recipes() if not r.shows_bug and not r.compare)
    comp = next(r for r in catalog.recipes() if r.compare)
    assert any(_near(c, "#d64545") for c in _pixels(panel, rows[bug.id]))
    assert not any(_near(c, "#d64545") for c in _pixels(panel, rows[plain.id]))
    assert any(_near(c, "#3a7bd5") for c in _pixels(panel, rows[comp.id]))
    assert "bug" in rows[bug.id].toolTip(0)


def test_filter_narrows_the_tree_and_keeps_parents(panel, qtbot):
    qtbot.keyClicks(panel.filter_edit, "LOCK COUNTER")
    assert _shown(panel) == ["threads.lock_counter"]
    row = _recipe_rows(panel)["threads.lock_counter"]
    backend, chapter = row.parent(), row.parent().parent()
    assert not backend.isHidden() and not chapter.isHidden()
    assert backend.isExpanded() and chapter.isExpanded()
    assert [c.text(0) for c in _top(panel) if not c.isHidden()] == [chapter.text(0)]


def test_filter_matches_ids_chapters_and_lessons(panel):
    panel.filter_edit.setText("processes.pool")
    assert _shown(panel) == ["processes.pool_map"]
    panel.filter_edit.setText("asynchronous programming")
    assert set(_shown(panel)) >= {r.id for r in catalog.recipes() if r.chapter.startswith("4.")}
    lesson = catalog.get("threads.lock_counter").lesson
    word = max(lesson.split(), key=len)
    panel.filter_edit.setText(word)
    assert "threads.lock_counter" in _shown(panel)
    panel.filter_edit.clear()
    assert len(_shown(panel)) == len(catalog.recipes())


def test_clicking_a_recipe_emits_its_id_and_a_chapter_does_not(panel, qtbot):
    tree = panel.tree
    row = _recipe_rows(panel)["threads.lock_counter"]
    with qtbot.waitSignal(panel.sig_recipe_selected) as blocker:
        qtbot.mouseClick(
            tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(row).center()
        )
    assert blocker.args == ["threads.lock_counter"]
    assert panel.selected_id() == "threads.lock_counter"
    chapter = _top(panel)[0]
    with qtbot.assertNotEmitted(panel.sig_recipe_selected):
        qtbot.mouseClick(
            tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(chapter).center()
        )


def test_select_shows_the_recipe_and_emits_only_when_asked(panel, qtbot):
    panel.filter_edit.setText("barrier")
    with qtbot.assertNotEmitted(panel.sig_recipe_selected):
        assert panel.select("asyncio.tasks")
    assert panel.selected_id() == "asyncio.tasks" and panel.filter_edit.text() == ""
    seen = []
    panel.sig_recipe_selected.connect(seen.append)
    panel.select("threads.rlock", notify=True)
    panel.select("threads.rlock", notify=True)
    assert seen == ["threads.rlock", "threads.rlock"]  # once per call, even when current
    assert not panel.select("no.such_recipe") and panel.selected_id() == "threads.rlock"


def test_enter_in_the_filter_picks_the_first_match(panel, qtbot):
    panel.focus_filter()
    qtbot.waitUntil(panel.filter_edit.hasFocus)
    qtbot.keyClicks(panel.filter_edit, "pool map")
    with qtbot.waitSignal(panel.sig_recipe_selected) as blocker:
        qtbot.keyClick(panel.filter_edit, Qt.Key.Key_Return)
    assert blocker.args == ["processes.pool_map"]
    panel.focus_filter()
    qtbot.keyClick(panel.filter_edit, Qt.Key.Key_Escape)
    assert panel.filter_edit.text() == ""
