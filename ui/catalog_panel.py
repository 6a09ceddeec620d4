"""The catalog: every recipe as a tree, chapter → backend → recipe, with a filter above it.

Chapters follow the book (their titles start with the chapter number); "Compare backends"
comes last. Recipes that can show one of the book's bugs carry a red "bug" tag, and the
cross-backend comparisons a blue "compare" tag, so a workshop can find the broken ones fast.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QKeySequence, QPainter, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.backends import BACKENDS
from workbench.catalog import Recipe

COL_TITLE, COL_ID = range(2)
ID_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
TAG_ROLE = Qt.ItemDataRole.UserRole + 2  # "bug", "compare" or None
PILL_MARGIN = 6
WIDE_ENOUGH_FOR_IDS = 560  # px; narrower, the id lives in the tooltip only
TAG_COLOURS = {"bug": QColor("#d64545"), "compare": QColor("#3a7bd5")}


def chapter_key(chapter: str) -> tuple[float, str]:
    """Book order: "2. Thread-based…" by its number; unnumbered chapters last, by name."""
    match = re.match(r"\s*(\d+(?:\.\d+)?)", chapter)
    return (float(match.group(1)) if match else float("inf"), chapter)


class _TagDelegate(QStyledItemDelegate):
    """Paints a recipe's tag as a coloured pill at the right end of its title cell.

    The tag shares the title's column so that a narrow dock clips the title (with an ellipsis)
    before it loses the tag.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        tag = index.data(TAG_ROLE)
        if not tag:
            super().paint(painter, option, index)
            return
        full = QStyleOptionViewItem(option)
        self.initStyleOption(full, index)
        full.text = ""
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, full, painter, full.widget
        )
        width, height = _pill_size(option.fontMetrics, tag)
        titled = QStyleOptionViewItem(option)
        titled.rect = option.rect.adjusted(0, 0, -(width + 2 * PILL_MARGIN), 0)
        super().paint(painter, titled, index)
        left = max(titled.rect.right() + PILL_MARGIN, option.rect.left())
        rect = QRectF(left, option.rect.center().y() - height / 2 + 1, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TAG_COLOURS[tag])
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, tag)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        tag = index.data(TAG_ROLE)
        if tag:
            size.setWidth(size.width() + _pill_size(option.fontMetrics, tag)[0] + 2 * PILL_MARGIN)
        return size


def _pill_size(metrics: QFontMetrics, tag: str) -> tuple[int, int]:
    return metrics.horizontalAdvance(tag) + metrics.height(), metrics.height()


class CatalogPanel(QWidget):
    """The recipe tree and its filter; reports the recipe the user picks."""

    sig_recipe_selected = Signal(str)

    def __init__(self, recipes: Sequence[Recipe], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: dict[str, QTreeWidgetItem] = {}
        self.filter_edit = QLineEdit(placeholderText="Filter recipes (title, id, lesson)…")
        self.filter_edit.setClearButtonEnabled(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Recipe", "id"])
        self.tree.setItemDelegateForColumn(COL_TITLE, _TagDelegate(self.tree))
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_ID, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree)
        self._populate(recipes)
        self.filter_edit.textChanged.connect(self._on_filter_text_changed)
        self.filter_edit.returnPressed.connect(self._on_filter_return_pressed)
        clear = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.filter_edit)
        clear.setContext(Qt.ShortcutContext.WidgetShortcut)  # Esc elsewhere is the window's
        clear.activated.connect(self.filter_edit.clear)
        self.tree.currentItemChanged.connect(self._on_tree_current_changed)

    # -- public -------------------------------------------------------------------------------

    def focus_filter(self) -> None:
        """Put the cursor in the filter with its text selected, ready to type over (Ctrl+F)."""
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def select(self, recipe_id: str, notify: bool = False) -> bool:
        """Show and select a recipe (the window restores the last one, or a re-run's).

        The window already knows the recipe it asks for, so ``sig_recipe_selected`` is only
        emitted when ``notify`` is true. Returns False for an id the catalog does not hold.
        """
        item = self._items.get(recipe_id)
        if item is None:
            return False
        if item.isHidden():
            self.filter_edit.clear()
        self.tree.blockSignals(True)  # emitted once below, and only when asked
        try:
            self.tree.setCurrentItem(item)
        finally:
            self.tree.blockSignals(False)
        if notify:
            self.sig_recipe_selected.emit(recipe_id)
        self.tree.scrollToItem(item)
        return True

    def selected_id(self) -> str | None:
        """The id of the selected recipe row, or None when a chapter/backend row (or none) is."""
        item = self.tree.currentItem()
        return item.data(COL_TITLE, ID_ROLE) if item else None

    # -- building and filtering ---------------------------------------------------------------

    def _populate(self, recipes: Sequence[Recipe]) -> None:
        chapters: dict[str, dict[str, list[Recipe]]] = {}
        for recipe in recipes:
            chapters.setdefault(recipe.chapter or "Other", {}).setdefault(
                str(recipe.backend), []
            ).append(recipe)
        order = {str(b): i for i, b in enumerate(BACKENDS)}
        for chapter in sorted(chapters, key=chapter_key):
            chapter_item = self._group(self.tree.invisibleRootItem(), chapter)
            for backend in sorted(chapters[chapter], key=lambda b: order.get(b, len(order))):
                backend_item = self._group(chapter_item, backend)
                for recipe in chapters[chapter][backend]:
                    self._items[recipe.id] = self._recipe_item(backend_item, recipe)
        self.tree.expandAll()

    def _group(self, parent: QTreeWidgetItem, text: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # not selectable: only recipes are
        font = item.font(COL_TITLE)
        font.setBold(True)
        item.setFont(COL_TITLE, font)
        item.setFirstColumnSpanned(True)
        return item

    def _recipe_item(self, parent: QTreeWidgetItem, recipe: Recipe) -> QTreeWidgetItem:
        tag = "bug" if recipe.shows_bug else "compare" if recipe.compare else ""
        item = QTreeWidgetItem(parent, [recipe.title, recipe.id])
        item.setData(COL_TITLE, ID_ROLE, recipe.id)
        item.setData(COL_TITLE, TAG_ROLE, tag or None)
        searchable = (recipe.title, recipe.id, recipe.chapter, recipe.lesson, recipe.book, tag)
        item.setData(COL_TITLE, SEARCH_ROLE, " ".join(searchable).lower())
        tip = f"<b>{recipe.title}</b><br><tt>{recipe.id}</tt> · {recipe.book}"
        if recipe.shows_bug:
            tip += "<br><i>can show one of the book's bugs</i>"
        if recipe.lesson:
            tip += f"<p>{recipe.lesson}</p>"
        for col in (COL_TITLE, COL_ID):
            item.setToolTip(col, tip)
        return item

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Show the id column only when the titles keep room enough to be read."""
        super().resizeEvent(event)
        self.tree.setColumnHidden(COL_ID, self.width() < WIDE_ENOUGH_FOR_IDS)

    def _on_filter_text_changed(self, text: str) -> None:
        words = text.lower().split()
        root = self.tree.invisibleRootItem()
        for i in range(root.childCount()):
            self._apply_filter(root.child(i), words)
        if words:
            self.tree.expandAll()

    def _apply_filter(self, item: QTreeWidgetItem, words: list[str]) -> bool:
        """Hide what does not match every word; keep (and expand) the parents of matches."""
        searchable = item.data(COL_TITLE, SEARCH_ROLE)
        if searchable is not None:
            visible = all(w in searchable for w in words)
        else:
            shown = [self._apply_filter(item.child(i), words) for i in range(item.childCount())]
            visible = any(shown)
        item.setHidden(not visible)
        return visible

    def _on_filter_return_pressed(self) -> None:
        """Enter in the filter picks the first recipe still shown."""
        first = next((rid for rid, it in self._items.items() if not it.isHidden()), None)
        if first:
            self.select(first, notify=True)
            self.tree.setFocus()

    def _on_tree_current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        recipe_id = current.data(COL_TITLE, ID_ROLE) if current else None
        if recipe_id:
            self.sig_recipe_selected.emit(recipe_id)
