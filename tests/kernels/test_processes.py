"""The process recipes (chapter 3): each run shows its lesson with small, quick parameters.

Only robust observables are asserted (counts, orders, exit codes, names). Variants that hang by
design (pipe_pipeline with close_unused_ends off, barrier_lock with parties that never fill and no
timeout) are never run here: the engine's timeout tests cover them.
"""

import importlib
import itertools
import subprocess
import sys
from multiprocessing import resource_tracker
from pathlib import Path

import pytest

from kernels.recipe import Context, defaults

ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "spawn",
    "naming_daemon",
    "background_daemon",
    "terminate",
    "process_subclass",
    "queue_exchange",
    "pipe_pipeline",
    "barrier_lock",
    "manager_dict",
    "pool_map",
]


@pytest.fixture(autouse=True, scope="module")
def _resource_tracker_running():
    """The first spawned process starts multiprocessing's resource tracker, which stays for the
    life of the test process; start it up front so it does not count as a process left behind."""
    resource_tracker.ensure_running()


def recipe(name):
    return importlib.import_module(f"kernels.processes.{name}")


def quick(name, **over):
    module = recipe(name)
    ctx = Context(quiet=True)
    result = module.run(ctx, **{**defaults(module), **module.QUICK, **over})
    result["_phases"] = ctx.phases
    return result


def test_spawn_join_inside_loop_is_a_staircase():
    r = quick("spawn", join_inside_loop=True)
    assert r["max_concurrency"] == 1
    rows = r["intervals"]
    assert len(rows) == 3 and len({row["pid"] for row in rows}) == 3
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(rows))


def test_spawn_join_after_all_overlaps():
    r = quick("spawn", join_inside_loop=False, work_s=0.6)
    assert r["max_concurrency"] >= 2
    assert r["series"]["running"]["v"][-1] == 0


def test_max_overlap_counts_open_intervals():
    from kernels.processes.spawn import max_overlap

    peak, series = max_overlap([(0, 2), (1, 3), (2.5, 4), (5, 6)])
    assert peak == 2
    assert series["v"] == [1, 2, 1, 2, 1, 0, 1, 0]


def test_naming_daemon_unjoined_daemon_is_killed_at_exit():
    r = quick("naming_daemon")
    named, other = r["children"]
    assert named["name"] == "my_named_process"
    assert named["exitcode"] == -15
    assert "Exiting my_named_process" not in named["lines"]
    assert other["exitcode"] == 0 and other["lines_printed"] == 2
    assert other["name"].startswith("SpawnProcess-") and ":" in other["name"]


@pytest.mark.parametrize("over", [{"join_daemon": True}, {"daemon": False}])
def test_naming_daemon_joined_or_not_daemon_prints_everything(over):
    r = quick("naming_daemon", **over)
    named, other = r["children"]
    assert named["lines"] == ["Starting my_named_process", "Exiting my_named_process"]
    assert named["exitcode"] == 0 and other["lines_printed"] == 2


def test_background_daemon_output_is_cut_off():
    r = quick("background_daemon")
    daemon, normal = r["children"]
    assert daemon["daemon"] and daemon["exitcode"] == -15
    assert daemon["lines_printed"] < daemon["lines_expected"]
    assert normal["exitcode"] == 0 and normal["lines_printed"] == normal["lines_expected"]
    assert r["cut_off"] == [daemon["name"]]


def test_background_no_daemons_print_everything():
    r = quick("background_daemon", daemons="none")
    assert r["cut_off"] == []
    assert all(c["exitcode"] == 0 for c in r["children"])


def test_terminate_at_once_body_never_runs():
    r = quick("terminate", delay_s=0.0)
    assert r["exitcode"] == -15
    assert r["body_lines"] == []
    first, _, _, last = r["states"]
    assert first == {"moment": "before start", "is_alive": False, "exitcode": None}
    assert last == {"moment": "after join", "is_alive": False, "exitcode": -15}


def test_terminate_after_the_body_finished_is_a_normal_exit():
    r = quick("terminate", delay_s=1.5, steps=1, step_s=0.0)
    assert r["exitcode"] == 0 and r["body_finished"]


def test_process_subclass_names_and_staircase():
    r = quick("process_subclass")
    numbers = [int(n.removeprefix("MyProcess-")) for n in r["names"]]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    assert sorted(r["names_seen_by_children"]) == sorted(r["names"])
    assert r["max_concurrency"] == 1


def test_process_subclass_join_after_all_overlaps():
    assert quick("process_subclass", join_inside_loop=False, work_s=0.6)["max_concurrency"] >= 2


def test_queue_sentinel_consumes_everything():
    r = quick("queue_exchange", consumer_stop="sentinel")
    assert r["produced"] == r["consumed"] == 5 and r["left_in_queue"] == 0
    if r["qsize_supported"]:
        assert r["series"]["queue_size"]["t"]


def test_queue_empty_check_accounts_for_every_item():
    r = quick("queue_exchange", consumer_stop="empty")
    assert r["produced"] == 5
    assert r["consumed"] + r["left_in_queue"] == 5


def test_queue_empty_check_leaves_before_a_late_producer():
    r = quick("queue_exchange", consumer_stop="empty", producer_delay_s=0.6)
    assert r["consumed"] == 0 and r["left_in_queue"] == 5 and r["consumer_left_early"]


@pytest.mark.parametrize("stages", [1, 2])
def test_pipe_pipeline_squares_then_eof(stages):
    r = quick("pipe_pipeline", stages=stages)
    assert r["results"] == [i ** (2**stages) for i in range(10)]
    assert r["correct"] and r["exitcodes"] == [0] * (stages + 1)


def test_barrier_aligns_the_barrier_pair():
    r = quick("barrier_lock", stagger_s=0.2)
    assert (r["passed"], r["free"], r["broken"]) == (2, 2, 0)
    assert len(r["arrivals"]) == 4
    assert 2 * r["barrier_spread_ms"] < r["free_spread_ms"]  # timing: generous margin


def test_barrier_two_rounds():
    r = quick("barrier_lock", workers=4, free_workers=0)
    assert (r["passed"], r["broken"]) == (4, 0)


@pytest.mark.parametrize(("workers", "parties", "passed", "broken"), [(2, 3, 0, 2), (3, 2, 2, 1)])
def test_barrier_timeout_breaks_it(workers, parties, passed, broken):
    r = quick("barrier_lock", workers=workers, parties=parties, barrier_timeout=0.4)
    assert (r["passed"], r["broken"]) == (passed, broken)


def test_manager_dict_holds_every_entry():
    r = quick("manager_dict")
    assert r["complete"] and r["entries"] == 3
    assert sorted(r["insertion_order"]) == [0, 1, 2]
    assert r["exitcodes"] == [0, 0, 0]
    assert "startup" in r["_phases"] and "work" in r["_phases"]


def test_pool_map_ordered_results_and_phases():
    r = quick("pool_map", chunksize=3)
    assert r["ordered"] and r["results"] == [x * x for x in range(20)]
    assert sum(w["items"] for w in r["items_per_worker"]) == 20
    assert set(r["_phases"]) == {"startup", "work"}


@pytest.mark.parametrize(
    "args",
    [
        ["kernels.processes.pipe_pipeline", "--items", "5"],
        ["kernels.processes.naming_daemon", "--child-sleep", "0.2"],
    ],
)
def test_runs_alone(args):
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert '"result"' in done.stdout
