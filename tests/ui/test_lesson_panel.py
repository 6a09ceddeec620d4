"""The lesson panel shows every recipe's lesson, parameters and the very source file it runs."""

import pytest
from PySide6.QtGui import QColor, QTextBlock
from PySide6.QtWidgets import QPlainTextEdit, QTextBrowser

from ui import theme
from ui.lesson_panel import STYLES, LessonPanel
from workbench import catalog


@pytest.fixture
def panel(qtbot) -> LessonPanel:
    p = LessonPanel()
    qtbot.addWidget(p)
    p.resize(900, 600)
    p.show()
    return p


def lesson_text(panel: LessonPanel) -> str:
    return panel.findChild(QTextBrowser).toPlainText()


def source_view(panel: LessonPanel) -> QPlainTextEdit:
    return next(w for w in panel.findChildren(QPlainTextEdit) if not isinstance(w, QTextBrowser))


def colour_at(block: QTextBlock, column: int) -> QColor | None:
    """The highlighter's colour at a column of a line, as drawn."""
    for r in block.layout().formats():
        if r.start <= column < r.start + r.length:
            return r.format.foreground().color()
    return None


def line_of(view: QPlainTextEdit, prefix: str) -> QTextBlock:
    block = view.document().begin()
    while block.isValid() and not block.text().startswith(prefix):
        block = block.next()
    assert block.isValid(), prefix
    return block


def test_every_recipe_shows_its_lesson_parameters_and_source(panel):
    assert catalog.recipes()
    for recipe in catalog.recipes():
        panel.set_recipe(recipe)
        text = lesson_text(panel)
        for part in (recipe.title, recipe.chapter, recipe.book, recipe.lesson[:60]):
            assert part in text, (recipe.id, part)
        for param in recipe.params:
            assert param.name in text and param.allowed() in text, (recipe.id, param.name)
            assert param.help in text
        assert ("shows a bug" in text) == recipe.shows_bug, recipe.id
        assert source_view(panel).toPlainText() == recipe.source.read_text(encoding="utf-8")
        assert source_view(panel).isReadOnly()


def test_source_is_highlighted_across_docstring_lines(panel):
    recipe = catalog.get("threads.rlock")
    panel.set_recipe(recipe)
    view = source_view(panel)
    light = {name: QColor(colours[0]) for name, colours in STYLES.items()}
    doc = view.document()
    assert doc.firstBlock().text().startswith('"""')
    inside = doc.findBlockByNumber(2)  # a line in the middle of the module docstring
    assert inside.text() and colour_at(inside, 0) == light["docstring"]
    after = line_of(view, "import ")
    assert colour_at(after, 0) == light["keyword"]
    assert colour_at(after, len("import ")) is None
    cls = line_of(view, "class ")
    assert colour_at(cls, len("class ")) == light["defname"]
    title = line_of(view, "TITLE = ")
    assert colour_at(title, len("TITLE = ")) == light["string"]
    params = line_of(view, "    Param(")
    number = params.text().index("2,")
    assert colour_at(params, number) == light["number"]


def test_dark_palette_switches_the_source_colours(panel):
    panel.set_recipe(catalog.get("threads.rlock"))
    keyword_line = line_of(source_view(panel), "import ")
    panel.setPalette(theme.palette("dark"))
    assert colour_at(keyword_line, 0) == QColor(STYLES["keyword"][1])
