"""The parameter form of a recipe, built from the same typed parameters the CLI parses.

Widget bounds stop most bad values as they are typed; everything else (a value set from outside,
text, a number past a bound a widget cannot hold) is checked by ``workbench.catalog.resolve``,
so the form accepts and refuses exactly what ``workbench run -p name=value`` does, with the same
one-line message. The last values run with each recipe are kept in QSettings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kernels.recipe import Param
from workbench import catalog
from workbench.catalog import WORKERS, CatalogError, Recipe

INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int
FLOAT_LIMIT = 1e9  # a float without a bound still needs one in a QDoubleSpinBox


@dataclass
class _Field:
    """One editor and how to read and write it as a typed value."""

    widget: QWidget
    get: Callable[[], Any]
    set: Callable[[Any], None]


def float_decimals(param: Param, extra: tuple[Any, ...] = ()) -> int:
    """Enough decimals to show the default, the bounds and the quick value exactly (2 to 6)."""
    needed = 2
    for x in (param.default, param.min, param.max, *extra):
        if isinstance(x, int | float) and not isinstance(x, bool):
            digits = f"{float(x):.6f}".rstrip("0").partition(".")[2]
            needed = max(needed, len(digits))
    return min(needed, 6)


class ParamsPanel(QWidget):
    """A form for one recipe's parameters that says, in red, why a value is refused."""

    sig_validity_changed = Signal(bool)
    sig_values_changed = Signal(object)  # dict of typed values, in parameter order

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self._recipe: Recipe | None = None
        self._fields: dict[str, _Field] = {}
        self._rejected: str | None = None  # why values set from outside were refused
        self._valid = False
        self.heading = QLabel("Pick a recipe in the catalog.")
        self.heading.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        content = QWidget()
        column = QVBoxLayout(content)
        column.addLayout(self.form)
        column.addWidget(self.error_label)  # right under the fields it is about
        column.addStretch(1)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        self.reset_button = QPushButton("Reset to defaults")
        self.reset_button.setEnabled(False)
        self.reset_button.clicked.connect(self.reset_to_defaults)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    # -- public -------------------------------------------------------------------------------

    @property
    def recipe(self) -> Recipe | None:
        return self._recipe

    def set_recipe(self, recipe: Recipe) -> None:
        """Build the form for ``recipe`` with the values last run with it, else its defaults."""
        self._recipe = recipe
        while self.form.rowCount():
            self.form.removeRow(0)
        self._fields = {}
        self.heading.setText(f"<b>{recipe.title}</b> &nbsp;<tt>{recipe.id}</tt>")
        for param in sorted(recipe.params, key=lambda p: p.name != WORKERS):
            self._add_row(param)
        self.reset_button.setEnabled(True)
        self._put(catalog.resolve(recipe, self._stored()))
        self._rejected = None
        self._valid = not self._valid  # force the first validity signal for this recipe
        self._validate()

    def values(self) -> dict[str, Any]:
        """The typed values the form holds now (what a run would be given)."""
        return {name: field.get() for name, field in self._fields.items()}

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show ``values`` (a re-run's, a script's); refused ones are explained, not hidden."""
        if self._recipe is None:
            return
        try:
            catalog.resolve(self._recipe, {**self.values(), **values})
            rejected = None
        except CatalogError as exc:
            rejected = str(exc)
        self._put(values)
        self._rejected = rejected
        self._validate()

    def remember(self) -> None:
        """Keep the current values for this recipe (called when a run starts)."""
        if self._recipe is not None and self.is_valid():
            self.settings.setValue(self._key(), json.dumps(self.values()))

    def reset_to_defaults(self) -> None:
        if self._recipe is not None:
            self._put(self._recipe.defaults())
            self._rejected = None
            self._validate()

    def is_valid(self) -> bool:
        return self._valid

    def error_text(self) -> str:
        """The one-line reason the values are refused, or "" when they are fine."""
        return "" if self._valid else self.error_label.text()

    # -- building -----------------------------------------------------------------------------

    def _add_row(self, param: Param) -> None:
        field = self._editor(param)
        tip = f"{param.help}\nAllowed: {param.allowed()}\nDefault: {param.default}".strip()
        field.widget.setToolTip(tip)
        label = QLabel(param.name)
        label.setToolTip(tip)
        label.setBuddy(field.widget)
        cell = QWidget()
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 4)
        box.setSpacing(1)
        box.addWidget(field.widget)
        if param.help and param.type == "bool":
            field.widget.setText(param.help)  # a checkbox reads best as its own sentence
        elif param.help:
            help_line = QLabel(param.help)
            help_line.setWordWrap(True)
            help_line.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            help_line.setToolTip(tip)
            box.addWidget(help_line)
        self.form.addRow(label, cell)
        self._fields[param.name] = field

    def _editor(self, param: Param) -> _Field:
        if param.type == "int":
            spin = QSpinBox()
            lo = -INT_LIMIT - 1 if param.min is None else max(int(param.min), -INT_LIMIT - 1)
            spin.setRange(lo, INT_LIMIT if param.max is None else min(int(param.max), INT_LIMIT))
            spin.setGroupSeparatorShown(spin.maximum() >= 100_000)
            spin.valueChanged.connect(self._on_editor_changed)
            return _Field(spin, spin.value, lambda v: spin.setValue(int(v)))
        if param.type == "float":
            dspin = QDoubleSpinBox()
            quick = self._recipe.quick.get(param.name) if self._recipe else None
            dspin.setDecimals(float_decimals(param, (quick,)))
            dspin.setRange(
                -FLOAT_LIMIT if param.min is None else param.min,
                FLOAT_LIMIT if param.max is None else param.max,
            )
            dspin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            dspin.valueChanged.connect(self._on_editor_changed)
            return _Field(dspin, dspin.value, lambda v: dspin.setValue(float(v)))
        if param.type == "bool":
            check = QCheckBox()
            check.toggled.connect(self._on_editor_changed)
            return _Field(check, check.isChecked, lambda v: check.setChecked(bool(v)))
        if param.type == "choice":
            combo = QComboBox()
            combo.addItems(list(param.choices))
            combo.currentTextChanged.connect(self._on_editor_changed)
            return _Field(combo, combo.currentText, lambda v: combo.setCurrentText(str(v)))
        line = QLineEdit()
        line.textChanged.connect(self._on_editor_changed)
        return _Field(line, line.text, lambda v: line.setText(str(v)))

    # -- values and validation ----------------------------------------------------------------

    def _key(self) -> str:
        return f"params/{self._recipe.id}" if self._recipe else ""

    def _stored(self) -> dict[str, Any]:
        """The remembered values that still validate (a recipe may have changed since)."""
        try:
            stored = json.loads(str(self.settings.value(self._key(), "{}")))
        except (TypeError, ValueError):
            return {}
        kept = {}
        for name, value in stored.items() if isinstance(stored, dict) else ():
            try:
                catalog.resolve(self._recipe, {name: value})
            except CatalogError:
                continue
            kept[name] = value
        return kept

    def _put(self, values: Mapping[str, Any]) -> None:
        """Fill editors without a signal per field; one validation follows."""
        for name, value in values.items():
            field = self._fields.get(name)
            if field is None:
                continue
            field.widget.blockSignals(True)
            try:
                field.set(value)
            except (TypeError, ValueError, OverflowError):
                pass  # the editor keeps its value; resolve() has already said what is wrong
            finally:
                field.widget.blockSignals(False)

    def _on_editor_changed(self, *_args: object) -> None:
        self._rejected = None
        self._validate()

    def _validate(self) -> None:
        values = self.values()
        message = self._rejected
        if message is None and self._recipe is not None:
            try:
                catalog.resolve(self._recipe, values)
            except CatalogError as exc:
                message = str(exc)
        self._show_error(message)
        valid = message is None and self._recipe is not None
        if valid != self._valid:
            self._valid = valid
            self.sig_validity_changed.emit(valid)
        self.sig_values_changed.emit(values)

    def _show_error(self, message: str | None) -> None:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        colour = "#ff7b72" if dark else "#c62828"
        self.error_label.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))
