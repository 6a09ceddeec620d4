"""The controller with real run hosts: success, failure, hang, cancel, crash, leftovers."""

import time

import psutil

from tests.workbench.util import misbehave
from workbench import catalog, controller
from workbench.spec import RunSpec, Status


def _gone(pids):
    return [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]


def test_recipe_runs_in_a_child_host_and_reports_its_result():
    recipe = catalog.get("threads.lock_counter")
    spec = RunSpec.make(recipe.id, catalog.resolve(recipe, {"iterations": 200}), repeat=2)
    seen = []
    record = controller.run(spec, [lambda kind, payload: seen.append(kind)])
    assert record.status is Status.OK
    assert len(record.repeats) == 2 and all(r.work_ns > 0 for r in record.repeats)
    assert record.result["expected"] == 0
    assert record.exit_code == 0
    assert {"hello", "repeat", "done", "finished"} <= set(seen)
    assert record.events >= 8  # repeat and phase begin/end events, twice


def test_failure_carries_the_exception_and_traceback():
    record = misbehave("raise_error")
    assert record.status is Status.FAILED
    assert record.error["type"] == "ValueError"
    assert "failed on purpose" in record.error_line()
    assert "raise_error" in record.error["traceback"]
    assert ("stderr", "a line before the error") in record.log


def test_hang_is_ended_by_the_timeout_and_keeps_the_partial_result():
    start = time.monotonic()
    record = misbehave("sleep_forever", timeout_s=1.5)
    assert record.status is Status.TIMEOUT
    assert time.monotonic() - start < 5
    assert record.partial == {"reached": "before the hang"}
    assert ("stdout", "about to hang") in record.log
    assert "timed out" in record.error_line()


def test_self_deadlock_is_a_timeout_not_a_frozen_caller():
    record = misbehave("self_deadlock", timeout_s=1.0)
    assert record.status is Status.TIMEOUT
    assert record.partial == {"holding": True}


def test_cancel_ends_the_whole_tree_within_a_second():
    run = misbehave("leave_children", seconds=60, start_only=True)
    deadline = time.monotonic() + 10
    while len(psutil.Process(run.pid).children(recursive=True)) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pids = [p.pid for p in psutil.Process(run.pid).children(recursive=True)] + [run.pid]
    time.sleep(0.1)
    start = time.monotonic()
    run.cancel()
    record = run.wait(5)
    assert time.monotonic() - start < 1.0
    assert record.status is Status.CANCELLED
    assert not _gone(pids)


def test_children_left_by_a_finished_recipe_are_ended():
    record = misbehave("leave_children", seconds=60)
    assert record.status is Status.OK
    assert record.result == {"children": 2}


def test_a_segfault_kills_the_host_not_the_caller():
    record = misbehave("segfault")
    assert record.status is Status.FAILED
    assert "SIGSEGV" in record.error_line()
    assert record.partial == {"before_crash": True}


def test_a_host_that_exits_without_reporting_is_a_failure():
    record = misbehave("hard_exit")
    assert record.status is Status.FAILED
    assert "code 7" in record.error_line()


def test_console_lines_and_progress_arrive_in_order():
    lines, progress = [], []

    def listen(kind, payload):
        if kind == "log":
            lines.append(payload["text"])
        elif kind == "progress":
            progress.append(payload["done"])

    record = misbehave("chatty", seconds=50, listeners=[listen])
    assert record.status is Status.OK
    assert lines == [f"line {i}" for i in range(50)]
    assert progress and progress == sorted(progress) and progress[-1] == 50
