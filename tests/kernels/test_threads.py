"""The thread recipes (chapter 2): each run shows its lesson with small, quick parameters.

Only robust observables are asserted (counts, orders, states); timing comparisons use wide
margins. Variants that hang by design are never run here (the engine's timeout tests cover
them): rlock with lock_kind=lock, condition_buffer with check_with=if and give_up_turn on (when
more than `capacity` items are left over), event_signal with fix=book, barrier with parties
that never fill and no timeout, queue_consumers without sentinels, lock_order with
consistent_order off.
"""

import importlib
import itertools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kernels.recipe import Context, defaults

ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "lock_counter",
    "define_threads",
    "current_thread",
    "thread_subclass",
    "lock_scope",
    "rlock",
    "semaphore_signal",
    "condition_buffer",
    "event_signal",
    "barrier",
    "queue_consumers",
    "gil_study",
    "lock_order",
    "starvation",
    "lock_convoy",
]

pytestmark = pytest.mark.timeout(30)


def recipe(name):
    return importlib.import_module(f"kernels.threads.{name}")


def quick(name, **over):
    module = recipe(name)
    return module.run(Context(quiet=True), **{**defaults(module), **module.QUICK, **over})


@pytest.mark.parametrize("name", NAMES)
def test_quick_run_has_a_summary(name):
    result = quick(name)
    assert isinstance(result["summary"], str) and result["summary"]


def test_lock_counter_loses_updates_without_a_lock():
    # enough iterations that the threads overlap even when a busy machine starts them late
    assert quick("lock_counter", use_lock=False, widen_window=True, iterations=5000)["lost"] > 0


def test_lock_counter_loses_nothing_with_a_lock():
    r = quick("lock_counter", use_lock=True, widen_window=True)
    assert r["lost"] == 0 and r["actual"] == r["expected"]


def test_define_threads_join_inside_loop_is_a_staircase():
    r = quick("define_threads", join_inside_loop=True)
    assert r["max_concurrency"] == 1
    rows = r["intervals"]
    assert all(a["end_s"] <= b["start_s"] for a, b in itertools.pairwise(rows))
    assert r["series"]["running"]["v"][-1] == 0


def test_define_threads_join_after_loop_overlaps():
    r = quick("define_threads", join_inside_loop=False, work_s=0.3)
    assert r["max_concurrency"] >= 2


def test_current_thread_names_and_overlap():
    r = quick("current_thread", workers=3, sleep_s=0.3)  # overlap shows above the start-up cost
    assert sorted(r["names_seen"]) == r["names_given"] == ["function_A", "function_B", "function_C"]
    assert len(r["events"]) == 6
    for name in r["names_given"]:
        kinds = [e["event"] for e in r["events"] if e["thread"] == name]
        assert kinds == ["start", "exit"]
    assert r["wall_s"] < r["sum_sleep_s"]


def test_thread_subclass_threads_share_one_pid():
    r = quick("thread_subclass")
    assert r["pids"] == [os.getpid()]
    assert r["threads_created"] == r["threads_finished"] == 9
    assert r["error"] is None


@pytest.mark.skipif(not __debug__, reason="python -O drops the assert in Thread.__init__")
def test_thread_subclass_book_constructor_creates_no_thread():
    r = quick("thread_subclass", book_constructor=True)
    assert r["threads_created"] == r["threads_finished"] == 0
    assert r["error"].startswith("AssertionError")


def test_lock_scope_coarse_serialises_the_work():
    r = quick("lock_scope", scope="coarse")
    assert r["max_concurrency"] == 1
    assert r["total_s"] >= 0.9 * r["sum_s"]


def test_lock_scope_fine_lets_threads_work_together():
    r = quick("lock_scope", scope="fine", min_s=0.1, max_s=0.2)
    assert r["max_concurrency"] >= 2


def test_rlock_total_is_adds_minus_removes():
    r = quick("rlock", workers=4)
    assert r["total"] == r["expected"] == 2 * 5 - 2 * 3
    assert sum(r["done"].values()) == 16
    assert set(r["steps"].values()) == {"finished"}


def test_semaphore_from_zero_reads_every_item_on_time():
    r = quick("semaphore_signal")
    assert (r["missing"], r["behind"], r["unread"]) == (0, 0, 0)
    assert [row["item"] for row in r["rounds"]] == list(range(5))


def test_semaphore_from_one_reads_a_round_late():
    r = quick("semaphore_signal", initial_count=1, delay_s=0.1)
    assert (r["missing"], r["behind"], r["unread"]) == (1, 4, 1)
    assert [row["item"] for row in r["rounds"]] == [None, 0, 1, 2, 3]


def test_condition_if_with_two_consumers_has_stolen_wakeups():
    r = quick("condition_buffer", check_with="if", workers=2)
    assert r["stolen_wakeups"] > 0
    assert r["consumed"] == r["produced"] == 30 and r["left_in_buffer"] == 0


@pytest.mark.parametrize(("check_with", "workers"), [("while", 2), ("while", 3), ("if", 1)])
def test_condition_no_stolen_wakeups(check_with, workers):
    r = quick("condition_buffer", check_with=check_with, workers=workers)
    assert r["stolen_wakeups"] == 0
    assert r["consumed"] == 30 and r["left_in_buffer"] == 0
    assert max(r["series"]["buffer level"]["v"]) <= 10


def test_condition_book_lost_turns_leave_items_behind():
    # capacity >= items, so the producer can never block on a full buffer: the run ends
    r = quick("condition_buffer", check_with="if", give_up_turn=True, capacity=30)
    assert r["stolen_wakeups"] > 0
    assert r["left_in_buffer"] == r["stolen_wakeups"]
    assert r["consumed"] + r["left_in_buffer"] == 30


def test_event_pulses_are_missed():
    r = quick("event_signal", fix="bounded")
    assert r["left_behind"] > 0
    assert r["consumed"] + r["left_behind"] == r["produced"] == 12
    assert len(r["pulses"]) == 12


def test_event_fixed_with_a_queue_loses_nothing():
    r = quick("event_signal", fix="fixed")
    assert r["consumed"] == 12 and r["left_behind"] == 0


def test_barrier_runners_leave_after_the_last_arrival():
    r = quick("barrier")
    assert r["passed"] == 3 and r["broken"] == 0
    last = max(row["arrived_s"] for row in r["runners"])
    assert all(row["left_s"] >= last for row in r["runners"])


def test_barrier_that_never_fills_breaks_on_timeout():
    r = quick("barrier", workers=2, parties=3, timeout_s=0.2)
    assert (r["passed"], r["broken"]) == (0, 2)


def test_barrier_with_fewer_parties_opens_in_rounds():
    r = quick("barrier", workers=4, parties=2)
    assert r["passed"] == 4
    assert sorted(row["round_index"] for row in r["runners"]) == [0, 0, 1, 1]


def test_queue_consumers_share_all_items():
    r = quick("queue_consumers")
    assert r["consumed"] == 12
    assert sum(c["items"] for c in r["per_consumer"]) == 12
    assert sorted(t["item"] for t in r["order"]) == list(range(12))
    assert [c["consumer"] for c in r["per_consumer"]] == ["consumer-0", "consumer-1", "consumer-2"]


def test_gil_study_sleep_scales_with_threads():
    r = quick("gil_study", workload="sleep", workers=4, sleep_s=0.05)
    (row,) = r["workloads"]
    assert row["speedup"] > 1.5


def test_gil_study_runs_every_workload_and_removes_its_file():
    before = set(os.listdir(tempfile.gettempdir()))
    r = quick("gil_study", workers=2)
    assert [row["workload"] for row in r["workloads"]] == ["empty", "cpu", "file_io", "sleep"]
    left = {n for n in set(os.listdir(tempfile.gettempdir())) - before if "gil_study_" in n}
    assert left == set()


def test_lock_order_consistent_finishes_every_round():
    r = quick("lock_order", workers=3)
    assert r["rounds_done"] == 9
    assert all(t["holds"] == [] and t["wants"] == "done" for t in r["threads"])


def test_lock_order_wait_for_finds_the_cycle():
    from kernels.threads.lock_order import wait_for

    state = [
        {"thread": "t0", "holds": ["L0"], "wants": "L1"},
        {"thread": "t1", "holds": ["L1"], "wants": "L0"},
        {"thread": "t2", "holds": [], "wants": "L1"},
    ]
    edges, cycle = wait_for(state)
    assert edges == {"t0": "t1", "t1": "t0", "t2": "t1"}
    assert sorted(cycle) == ["t0", "t1"]
    assert wait_for(state[2:])[1] == []


def test_starvation_fifo_lock_is_fair():
    r = quick("starvation", lock_kind="fifo")
    assert r["min_over_max"] >= 0.8
    assert all(row["acquisitions"] > 0 for row in r["threads"])


def test_starvation_plain_lock_reports_every_thread():
    r = quick("starvation", lock_kind="lock")
    assert len(r["threads"]) == 4 and r["acquisitions"] > 0


@pytest.mark.parametrize(
    ("name", "args", "expect"),
    [
        ("define_threads", ["--work-s", "0.01"], '"max_concurrency": 1'),
        ("thread_subclass", ["--book-constructor", "true"], '"threads_created": 0'),
    ],
)
def test_runs_alone(name, args, expect):
    proc = subprocess.run(
        [sys.executable, "-m", f"kernels.threads.{name}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert expect in proc.stdout


def test_lock_convoy_counts_every_acquisition_and_keeps_the_total():
    r = quick("lock_convoy", workers=3, updates=3000, batch=1)
    assert r["total"] == 9000 and r["acquisitions"] == 9000
    assert r["contended"] <= r["acquisitions"] and 3 <= r["handoffs"] <= r["acquisitions"]


def test_lock_convoy_batching_takes_the_lock_a_hundred_times_less():
    r = quick("lock_convoy", workers=3, updates=3050, batch=100)
    assert r["total"] == 9150 and r["acquisitions"] == 3 * 31
    alone = quick("lock_convoy", workers=1, updates=3000, batch=1)
    assert alone["contended"] == 0 and alone["handoffs"] == 1
