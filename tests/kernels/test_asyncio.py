"""The chapter 4 recipes (kernels.asyncio): their observables on small, quick parameters."""

import itertools
import json
import subprocess
import sys
from multiprocessing import resource_tracker
from pathlib import Path

import pytest

from kernels.asyncio import coroutine_fsm, event_loop, executors, futures, tasks
from kernels.recipe import Context, defaults

ROOT = Path(__file__).resolve().parents[2]
MODULES = [executors, event_loop, coroutine_fsm, tasks, futures]


@pytest.fixture(autouse=True, scope="module")
def _resource_tracker():
    """Spawned pools start multiprocessing's resource tracker, which lives as long as this
    process: start it before the per-test check for processes left behind."""
    resource_tracker.ensure_running()


def quick(module, **overrides):
    return module.run(Context(quiet=True), **{**defaults(module), **module.QUICK, **overrides})


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_module_contract(module):
    assert module.CHAPTER == "4. Asynchronous programming"
    assert module.TITLE and module.BOOK and module.LESSON and module.__doc__
    assert isinstance(module.SHOWS_BUG, bool)
    names = {p.name for p in module.PARAMS}
    for p in module.PARAMS:
        assert p.check(p.default) == p.default
    assert set(module.QUICK) <= names
    for p in module.PARAMS:
        if p.name in module.QUICK:
            p.check(module.QUICK[p.name])


def test_stdlib_asyncio_is_imported():
    import asyncio

    assert asyncio.__file__ != tasks.__file__ and hasattr(asyncio, "run")
    assert tasks.asyncio is asyncio and futures.asyncio is asyncio


def test_executors_all_modes_complete_every_item():
    result = quick(executors, mode="all")
    assert set(result["times_s"]) == {"sequential", "threads", "processes"}
    for order in result["completion_order"].values():
        assert sorted(order) == list(range(4))
    assert result["completion_order"]["sequential"] == [0, 1, 2, 3]
    assert result["speedup_vs_sequential"]["sequential"] == 1.0


def test_executors_single_mode_times_work():
    ctx = Context(quiet=True)
    result = executors.run(ctx, **{**defaults(executors), **executors.QUICK, "mode": "threads"})
    assert list(result["times_s"]) == ["threads"] and "work" in ctx.phases


def test_event_loop_blocking_sleep_freezes_the_loop():
    result = quick(event_loop, max_work=0.2, interval=0.05, deadline=0.8)
    assert result["order"].startswith("ABC")
    assert all(c["blocked"] for c in result["callbacks"])
    # the probe was due during the longest sleep, so it ran at least that late (minus a period)
    assert result["max_lag_s"] >= result["max_work_s"] - 2 * event_loop.PROBE_S
    fixed = quick(event_loop, max_work=0.2, interval=0.05, deadline=0.8, blocking_sleep=False)
    assert fixed["order"].startswith("ABC") and not any(c["blocked"] for c in fixed["callbacks"])
    assert fixed["max_lag_s"] < result["max_lag_s"] / 2  # generous: 0.2 s blocked vs a few ms


def test_event_loop_stops_at_the_deadline():
    result = quick(event_loop, blocking_sleep=False)
    assert result["stopped_s"] <= 0.6 + 0.2
    assert len(result["series"]["loop_lag"]["t"]) == len(result["series"]["loop_lag"]["v"]) > 0


def test_coroutine_fsm_same_path_and_heartbeat_gaps():
    blocked = quick(coroutine_fsm, blocking=True)
    free = quick(coroutine_fsm, blocking=False)
    assert blocked["states"] == free["states"]  # the inputs are seeded, not timed
    path = blocked["states"]
    assert path[0] == "start" and path[-1] == "end" and len(path) <= 8
    for here, there in itertools.pairwise(path):
        assert there in coroutine_fsm.TRANSITIONS[here] or there == "end"
    steps = len(path) - 1
    assert blocked["max_gap_s"] >= 0.03  # at least one whole blocking step
    assert blocked["missed_beats"] >= steps  # each 0.03 s step hides >= 2 of the 0.01 s beats
    assert free["missed_beats"] < blocked["missed_beats"]


def test_coroutine_fsm_max_steps_forces_the_end():
    result = quick(coroutine_fsm, max_steps=1, p_one=0.0)
    assert result["states"] == ["start", "end"]


def test_tasks_overlap_total_is_the_longest():
    result = quick(tasks)
    assert result["all_correct"]
    assert {r["task"] for r in result["tasks"]} == {"factorial", "fibonacci", "binomial"}
    assert len(result["progress"]) == 9 + 10 + 10
    assert len({p["task"] for p in result["progress"][:3]}) == 3  # the three interleave
    assert result["total_s"] < 0.8 * result["sum_of_tasks_s"]


def test_tasks_one_worker_runs_them_one_after_another():
    result = quick(tasks, workers=1)
    assert result["all_correct"]
    assert result["total_s"] >= 0.95 * result["sum_of_tasks_s"]
    firsts = [p["task"] for p in result["progress"]]
    assert firsts == sorted(firsts, key=firsts.index)  # each task's lines form one block


def test_futures_callbacks_fire_in_completion_order_and_book_bug():
    result = quick(futures)
    assert result["creation_order"] == ["sum", "factorial"]
    assert result["completion_order"] == ["factorial", "sum"]
    sum_check = next(c for c in result["checks"] if c["future"] == "sum")
    assert sum_check["value"] == "50" and sum_check["expected"] == "1275"
    assert not result["all_correct"]


def test_futures_fixed_sum_and_swapped_delays():
    result = quick(futures, book_sum_bug=False, delay_sum=0.01, delay_factorial=0.05)
    assert result["all_correct"]
    assert result["completion_order"] == ["sum", "factorial"]


def run_module(name, *args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", f"kernels.asyncio.{name}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_futures_forgotten_set_result_really_hangs():
    with pytest.raises(subprocess.TimeoutExpired):
        run_module("futures", "--forget-set-result", "true", "--delay-sum", "0", timeout=3)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("tasks", ["--step-sleep", "0.005"]),
        ("executors", ["--workers", "2", "--items", "3", "--steps", "1000"]),
    ],
)
def test_runs_alone(name, args):
    done = run_module(name, *args)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout[done.stdout.index("{\n") :])
    assert report["result"]["summary"]
