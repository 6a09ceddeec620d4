"""Each recipe's bug, traced, is the finding that explains it: the lesson made visible, not
only a wrong number. (The correct variants stay silent: test_recipes_traced.)"""

import pytest

from workbench import catalog, controller
from workbench.spec import RunSpec, Status

CASES = [
    # recipe, its bug, trace mode, the finding, what the finding waits on or its cycle's length
    ("threads.lock_counter", {"use_lock": False}, "full", "data_race", None),
    ("threads.rlock", {"lock_kind": "lock"}, "sync", "deadlock", 1),
    ("threads.lock_order", {"consistent_order": False}, "sync", "deadlock", 2),
    ("threads.philosophers", {"strategy": "naive", "eat_s": 0.2}, "sync", "deadlock", 5),
    ("threads.queue_consumers", {"use_sentinel": False}, "sync", "deadlock", "queue get"),
    ("threads.event_signal", {"fix": "book"}, "sync", "deadlock", "event"),
    (
        "threads.condition_buffer",
        # more consumers than buffer slots: enough stolen wake-ups to leave the producer stuck
        {"check_with": "if", "give_up_turn": True, "workers": 4, "capacity": 1, "items": 60},
        "sync",
        "deadlock",
        "condition",
    ),
    ("threads.barrier", {"parties": 5}, "sync", "deadlock", "barrier"),
    ("threads.lock_inversion", {}, "sync", "lock_order_inversion", None),
    ("threads.lock_inversion", {"overlap": True, "hold_s": 0.2}, "sync", "deadlock", 2),
    ("asyncio.futures", {"forget_set_result": True}, "sync", "deadlock", "idle event loop"),
    ("asyncio.coroutine_fsm", {"blocking": True, "step": 0.15}, "sync", "loop_blocked", None),
]


@pytest.mark.parametrize(
    "recipe_id, bug, mode, kind, detail", CASES, ids=lambda v: v if isinstance(v, str) else ""
)
def test_the_bug_traced_is_its_finding(recipe_id, bug, mode, kind, detail):
    recipe = catalog.get(recipe_id)
    params = catalog.resolve(recipe, {**recipe.quick, **bug})
    spec = RunSpec.make(recipe_id, params, trace=True, trace_mode=mode, timeout_s=20)
    record = controller.run(spec)
    assert record.status is (Status.DEADLOCK if kind == "deadlock" else Status.OK)
    found = [f for f in record.findings if f["kind"] == kind]
    assert found, [f["message"] for f in record.findings]
    module_file = recipe_id.split(".")[1] + ".py"
    assert any(module_file in loc for loc in found[0]["locations"]), found[0]["locations"]
    if isinstance(detail, int):
        assert len(found[0]["cycle"]) == detail
    elif detail:
        assert detail in {w["kind"] for w in found[0]["waits"]}
