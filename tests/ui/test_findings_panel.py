"""FindingsPanel: real findings from real traced runs become badges, a wait-for graph with the
cycle in red, and the source lines where the threads were stuck."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QLabel, QTableWidget, QTextBrowser

from ui.findings_panel import (
    CYCLE_COLOR,
    KIND_COLORS,
    NO_RUN_TEXT,
    NONE_TEXT,
    RISK_COLOR,
    FindingsPanel,
)
from workbench import catalog, controller
from workbench.spec import RunSpec

RUNS = {
    # hold_s long enough that both threads hold their first lock at once, even on a busy machine
    "deadlock": ("threads.lock_order", {"consistent_order": False, "hold_s": 0.2}),
    "self": ("threads.rlock", {"lock_kind": "lock"}),
    "clean": ("threads.condition_buffer", {}),
}
# A user's script (run through `workbench trace`'s path): the locks are taken in both orders by
# two threads that never overlap, so there is no deadlock, only the risk; and an unguarded +=.
SCRIPT = """\
import threading

a = threading.Lock()
b = threading.Lock()
total = 0


def forward():
    with a:
        with b:
            pass


def backward():
    with b:
        with a:
            pass


def bump():
    global total
    for _ in range(50):
        total += 1


for target in (forward, backward):
    t = threading.Thread(target=target, name=target.__name__)
    t.start()
    t.join()
workers = [threading.Thread(target=bump, name=f"bump-{i}") for i in range(2)]
for w in workers:
    w.start()
for w in workers:
    w.join()
"""


def _run(recipe_id: str, values: dict) -> list[dict]:
    recipe = catalog.get(recipe_id)
    params = catalog.resolve(recipe, {**recipe.quick, **values})
    return controller.run(RunSpec.make(recipe_id, params, trace=True, timeout_s=10)).findings


def _script(path: Path) -> list[dict]:
    recipe = catalog.script_recipe(path)
    params = {"path": str(path), "args": "[]"}
    spec = RunSpec.make(recipe.id, params, trace=True, trace_mode="full", timeout_s=10)
    return controller.run(spec, recipe=recipe).findings


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> dict[str, list[dict]]:
    """Real findings, from runs made once for the module (in parallel: each is a host)."""
    script = tmp_path_factory.mktemp("user") / "two_orders.py"
    script.write_text(SCRIPT)
    with ThreadPoolExecutor(len(RUNS) + 1) as pool:
        futures = {name: pool.submit(_run, *args) for name, args in RUNS.items()}
        futures["script"] = pool.submit(_script, script)
    return {name: f.result() for name, f in futures.items()}


@pytest.fixture
def panel(qtbot) -> FindingsPanel:
    p = FindingsPanel()
    qtbot.addWidget(p)
    p.resize(900, 600)
    p.show()
    qtbot.waitExposed(p)
    return p


def edges_in(panel: FindingsPanel, color: str) -> list[pg.PlotDataItem]:
    """The graph's lines drawn in ``color``."""
    view = panel.findChild(pg.PlotWidget)
    items = [i for i in view.scene().items() if isinstance(i, pg.PlotDataItem)]
    return [i for i in items if i.opts["pen"].color().name().upper() == color]


def graph_texts(panel: FindingsPanel) -> list[str]:
    view = panel.findChild(pg.PlotWidget)
    return [i.toPlainText() for i in view.scene().items() if isinstance(i, pg.TextItem)]


def source_text(panel: FindingsPanel) -> str:
    return panel.findChild(QTextBrowser).toPlainText()


def shown_label_texts(panel: FindingsPanel) -> list[str]:
    return [w.text() for w in panel.findChildren(QLabel) if w.isVisibleTo(panel)]


def test_deadlock_cycle_is_four_red_edges_between_two_threads_and_two_locks(panel, findings):
    deadlock = findings["deadlock"][0]
    assert deadlock["kind"] == "deadlock" and len(deadlock["cycle"]) == 2
    panel.set_findings(findings["deadlock"])
    assert panel.current_finding == deadlock  # the first is shown without a click
    assert len(edges_in(panel, CYCLE_COLOR)) == 4  # T1→L2→T2→L1→T1
    texts = " ".join(graph_texts(panel))
    for wait in deadlock["waits"]:
        assert wait["thread"].split(" (")[0] in texts
    assert "waits for" in texts and "held by" in texts


def test_source_excerpt_shows_the_located_lines_and_who_was_there(panel, findings):
    deadlock = findings["deadlock"][0]
    panel.set_findings(findings["deadlock"])
    text = source_text(panel)
    for location in deadlock["locations"]:
        path, line = location.rsplit(":", 1)
        wanted = Path(path).read_text().splitlines()[int(line) - 1].strip()
        assert f"{Path(path).name}:{line}" in text
        assert wanted in text
    for wait in deadlock["waits"]:
        assert wait["thread"] in text


def test_badges_and_selection_signal(panel, findings, qtbot):
    found = findings["self"]
    kinds = [f["kind"] for f in found]
    assert kinds[:1] == ["deadlock"] and "lock_misuse" in kinds
    panel.set_findings(found)
    table = panel.findChild(QTableWidget)
    assert table.rowCount() == len(found)
    badges = [table.cellWidget(r, 0).findChild(QLabel) for r in range(len(found))]
    assert [b.text() for b in badges][:1] == ["deadlock"]
    assert KIND_COLORS["deadlock"].lower() in badges[0].styleSheet().lower()
    misuse = kinds.index("lock_misuse")
    with qtbot.waitSignal(panel.sig_finding_selected) as blocker:
        table.selectRow(misuse)
    assert blocker.args == [found[misuse]]
    assert not panel.findChild(pg.PlotWidget).isVisibleTo(panel)  # no graph for a misuse
    line = found[misuse]["locations"][0].rsplit(":", 1)[1]
    assert f"{line}" in source_text(panel)


def test_self_deadlock_draws_the_thread_and_its_own_lock_in_red(panel, findings):
    panel.set_findings(findings["self"])
    assert len(edges_in(panel, CYCLE_COLOR)) == 2  # waits for, held by: the same thread


def test_lock_order_inversion_and_data_race_from_a_users_script(panel, findings, qtbot):
    found = {f["kind"]: f for f in findings["script"]}
    assert {"lock_order_inversion", "data_race"} <= set(found)
    panel.set_findings([found["lock_order_inversion"], found["data_race"]])
    assert len(edges_in(panel, RISK_COLOR)) == 4  # each holds one lock and takes the other
    assert graph_texts(panel).count("then takes") == 2
    assert "forward takes" in source_text(panel) and "backward takes" in source_text(panel)
    assert "with b:" in source_text(panel)
    with qtbot.waitSignal(panel.sig_finding_selected):
        panel.findChild(QTableWidget).selectRow(1)
    assert len(edges_in(panel, KIND_COLORS["data_race"])) == 2
    assert {"writes", "reads"} <= set(graph_texts(panel))
    assert "total += 1" in source_text(panel)


def test_empty_states_say_what_they_mean(panel, findings):
    assert NO_RUN_TEXT in shown_label_texts(panel)
    assert findings["clean"] == []
    panel.set_findings(findings["clean"])
    assert NONE_TEXT in shown_label_texts(panel)
    assert panel.current_finding is None
    panel.set_findings(findings["deadlock"])
    assert NONE_TEXT not in shown_label_texts(panel)
    panel.clear()
    assert NO_RUN_TEXT in shown_label_texts(panel)


def test_a_deadlock_across_processes_draws_the_join_and_the_lock():
    """The parent polls the join of a child that waits for the lock the parent holds."""
    from ui.findings_panel import wait_graph

    script = Path(__file__).parents[1] / "workbench" / "programs" / "mpdl_polling_join.py"
    recipe = catalog.script_recipe(script.resolve())
    spec = RunSpec.make(
        recipe.id, {"path": str(script.resolve()), "args": "[]"}, trace=True, timeout_s=20
    )
    record = controller.run(spec, recipe=recipe)
    finding = next(f for f in record.findings if f["kind"] == "deadlock")
    nodes, edges = wait_graph(finding)
    labels = {(label, color) for _src, _dst, label, color in edges}
    assert labels == {("joins", CYCLE_COLOR), ("waits for", CYCLE_COLOR), ("held by", CYCLE_COLOR)}
    kinds = sorted(kind for _name, kind in nodes)
    assert kinds == ["lock", "thread", "thread"]  # no node for the joined process itself
