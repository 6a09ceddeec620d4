"""Deadlocks among asyncio tasks and in concurrent.futures pools, and the correct programs that
must stay silent: a loop that sits idle while a thread, an executor, a subprocess or a signal
will wake it is not stuck."""

import pytest

from tests.workbench.test_tracing import PROGRAMS, trace
from workbench.spec import Status


def deadlock_of(record):
    assert record.status is Status.DEADLOCK, record.error_line()
    return next(f for f in record.findings if f["kind"] == "deadlock")


def test_two_tasks_taking_two_asyncio_locks_in_opposite_orders_are_a_task_cycle():
    _, record = trace("dl_aio_locks.py")
    found = deadlock_of(record)
    left, right = "task left (worker)", "task right (worker)"
    assert sorted(found["cycle"]) == [left, right]
    assert found["message"].startswith("deadlock among asyncio tasks: task ")
    waits = {w["thread"]: w for w in found["waits"]}
    assert waits[left]["holder"] == right and waits[right]["holder"] == left
    assert waits[left]["kind"] == "lock" and waits[left]["object"].startswith("asyncio.Lock#")
    lines = (PROGRAMS / "dl_aio_locks.py").read_text().splitlines()
    inner = next(i for i, text in enumerate(lines, 1) if "async with second" in text)
    where = f"{(PROGRAMS / 'dl_aio_locks.py').resolve()}:{inner}"
    assert waits[left]["location"] == waits[right]["location"] == where
    assert waits["MainThread"]["kind"] == "idle event loop"


def test_a_task_awaiting_an_event_nobody_sets_is_a_deadlock_without_a_cycle():
    _, record = trace("dl_aio_event.py")
    found = deadlock_of(record)
    assert found["cycle"] == []
    consumer = next(w for w in found["waits"] if w["thread"] == "task consumer (consumer)")
    assert consumer["kind"] == "event" and consumer["object"].startswith("asyncio.Event#")
    assert "idle" in found["message"] and "consumer (consumer) awaits event" in found["message"]


def test_a_nested_submit_on_a_one_thread_pool_is_a_deadlock_on_two_futures():
    _, record = trace("dl_pool_nested.py")
    found = deadlock_of(record)
    assert {w["thread"] for w in found["waits"]} == {"MainThread", "ThreadPoolExecutor-0_0"}
    assert all(w["object"].startswith("Future#") for w in found["waits"])


@pytest.mark.parametrize("name", ["ok_aio_wakeups.py", "ok_futures.py"])
def test_loops_and_pools_woken_from_outside_are_not_deadlocks(name):
    _, record = trace(name, timeout_s=30)
    assert record.status is Status.OK, record.error_line()
    assert record.findings == [], [f["message"] for f in record.findings]
