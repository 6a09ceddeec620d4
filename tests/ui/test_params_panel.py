"""The parameter form, built from real recipes and checked by the engine's own resolve()."""

import json

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QSpinBox

from ui.params_panel import INT_LIMIT, ParamsPanel
from workbench import catalog


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "params.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make(qtbot, settings):
    def make(recipe_id=None):
        panel = ParamsPanel(settings)
        qtbot.addWidget(panel)
        if recipe_id:
            panel.set_recipe(catalog.get(recipe_id))
        return panel

    return make


def labels(panel):
    """The field labels as shown, top to bottom."""
    form = panel.form
    return [form.itemAt(i, form.ItemRole.LabelRole).widget().text() for i in range(form.rowCount())]


def editor(panel, name):
    """The editor a label names (the label's buddy), as a user finds it."""
    label = next(w for w in panel.findChildren(QLabel) if w.text() == name and w.buddy())
    return label.buddy()


EDITOR = {
    "int": QSpinBox,
    "float": QDoubleSpinBox,
    "bool": QCheckBox,
    "choice": QComboBox,
    "str": QLineEdit,
}


@pytest.mark.parametrize(
    "recipe_id",
    ["threads.barrier", "threads.lock_counter", "threads.compare", "processes.naming_daemon"],
)
def test_one_editor_per_param_with_its_bounds_and_help(make, recipe_id):
    recipe = catalog.get(recipe_id)
    panel = make(recipe_id)
    assert sorted(labels(panel)) == sorted(recipe.param_names())
    texts = [*panel.findChildren(QLabel), *panel.findChildren(QCheckBox)]
    shown = {w.text() for w in texts if w.isVisibleTo(panel)}
    for p in recipe.params:
        w = editor(panel, p.name)
        assert isinstance(w, EDITOR[p.type])
        assert p.help in w.toolTip() and p.help in shown
        if p.type in ("int", "float"):
            assert w.minimum() == p.min
            assert w.maximum() == (INT_LIMIT if p.max is None else p.max)
        if p.type == "choice":
            assert [w.itemText(i) for i in range(w.count())] == list(p.choices)
    assert panel.values() == recipe.defaults() and panel.is_valid()


def test_workers_comes_first_and_values_are_typed(make):
    panel = make("threads.lock_counter")
    assert labels(panel)[0] == "workers"
    values = panel.values()
    assert values == {"workers": 4, "iterations": 20000, "use_lock": False, "widen_window": True}
    assert type(values["workers"]) is int and type(values["use_lock"]) is bool


def test_float_editors_show_small_defaults_exactly(make):
    panel = make("threads.starvation")
    hold = editor(panel, "hold_s")
    assert hold.decimals() >= 3 and hold.value() == pytest.approx(0.002)
    assert panel.values()["hold_s"] == pytest.approx(0.002)


def test_a_refused_value_shows_the_engine_message_until_fixed(make, qtbot):
    panel = make("threads.barrier")
    with qtbot.waitSignal(panel.sig_validity_changed) as blocker:
        panel.set_values({"min_s": 20.0})
    assert blocker.args == [False] and not panel.is_valid()
    assert panel.error_label.isVisibleTo(panel)
    assert "min_s=20 is out of range" in panel.error_label.text()
    with qtbot.waitSignal(panel.sig_validity_changed) as blocker:
        editor(panel, "min_s").setValue(0.3)
    assert blocker.args == [True] and panel.is_valid()
    assert not panel.error_label.isVisibleTo(panel)
    assert panel.values()["min_s"] == pytest.approx(0.3)


def test_a_str_param_is_checked_too(make):
    panel = make("processes.naming_daemon")
    panel.set_values({"name": 5, "daemon": False})
    assert not panel.is_valid() and "is not text" in panel.error_label.text()
    panel.set_values({"name": "worker-one"})
    assert panel.is_valid() and panel.values()["name"] == "worker-one"
    assert panel.values()["daemon"] is False
    panel.set_values({"nonsense": 1})
    assert not panel.is_valid() and "no parameter 'nonsense'" in panel.error_label.text()


def test_edits_emit_the_values(make, qtbot):
    panel = make("threads.lock_counter")
    panel.show()
    qtbot.waitExposed(panel)
    box = editor(panel, "use_lock")
    with qtbot.waitSignal(panel.sig_values_changed) as blocker:
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert blocker.args[0]["use_lock"] is True


def test_values_are_remembered_per_recipe(make, settings):
    first = make("threads.lock_counter")
    editor(first, "iterations").setValue(123)
    first.remember()
    first.set_recipe(catalog.get("threads.barrier"))
    assert first.values() == catalog.get("threads.barrier").defaults()
    second = make("threads.lock_counter")
    assert second.values()["iterations"] == 123 and second.is_valid()
    assert json.loads(settings.value("params/threads.lock_counter"))["iterations"] == 123


def test_stored_values_that_no_longer_validate_are_ignored(make, settings):
    stored = {"workers": 8, "iterations": -5, "gone": 1, "use_lock": "yes"}
    settings.setValue("params/threads.lock_counter", json.dumps(stored))
    settings.setValue("params/threads.barrier", "{not json")
    panel = make("threads.lock_counter")
    defaults = catalog.get("threads.lock_counter").defaults()
    assert panel.values() == {**defaults, "workers": 8} and panel.is_valid()
    panel.set_recipe(catalog.get("threads.barrier"))
    assert panel.values() == catalog.get("threads.barrier").defaults()


def test_reset_to_defaults_button(make, qtbot):
    panel = make("threads.compare")
    panel.set_values({"workload": "sleep", "workers": 7})
    assert panel.values()["workload"] == "sleep"
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    assert panel.values() == catalog.get("threads.compare").defaults() and panel.is_valid()


def test_no_recipe_is_not_valid(make):
    panel = make()
    assert not panel.is_valid() and panel.values() == {}
    assert not panel.reset_button.isEnabled()
