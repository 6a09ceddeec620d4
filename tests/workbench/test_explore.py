"""The interleaving explorer's engine, in this process: real threads, one at a time."""

import threading
import time
from pathlib import Path

import pytest

from workbench.explore.execution import Program, run_once
from workbench.explore.search import Search, default_choice, replay
from workbench.explore.targets import TargetError, resolve


def search(target, strategy="dfs", granularity=None, pairs=(), **kw):
    t = resolve(target, pairs)
    return Search(Program(t), strategy, granularity or t.granularity, **kw).go()


def test_dfs_at_opcode_finds_the_lost_update_with_one_preemption():
    result = search("threads.lock_counter", granularity="opcode", max_runs=500)
    assert result.found and result.failure.kind == "invariant"
    assert "lost" in result.failure.message
    assert result.preemptions == 1


def test_at_sync_granularity_nothing_splits_the_update():
    result = search("threads.lock_counter", granularity="sync", max_runs=500)
    assert not result.found and result.exhausted


def test_a_schedule_replays_the_same_execution_every_time():
    t = resolve("threads.philosophers")
    program = Program(t)
    result = Search(program, "random", "sync", max_runs=200, seed=3).go()
    assert result.found and result.failure.kind == "deadlock"
    outcomes = [replay(program, result.schedule, "sync") for _ in range(20)]
    assert {o.digest for o in outcomes} == {result.digest}
    assert {o.failure.kind for o in outcomes} == {"deadlock"}


def test_deadlock_names_the_locks_and_who_holds_them():
    result = search("threads.lock_inversion")
    assert result.failure.kind == "deadlock" and result.preemptions <= 1
    message = result.failure.message
    assert "one waits for b held by two" in message and "two waits for a held by one" in message


@pytest.mark.parametrize("strategy", ["random", "pct"])
def test_sampling_strategies_find_and_shrink(strategy):
    result = search("puzzle.p01_lost_update", strategy, max_runs=500, seed=1)
    assert result.found and result.failure.kind == "assertion"
    assert result.preemptions == 1  # shrunk from what the random schedule took


def test_the_stand_ins_leave_threading_as_it_was():
    lock_class, sleep = threading.Lock, time.sleep
    run_once(Program(resolve("puzzle.p03_lock_order")), default_choice)
    assert threading.Lock is lock_class and time.sleep is sleep


def test_a_script_declares_its_invariant(tmp_path):
    script = tmp_path / "bank.py"
    script.write_text(
        "import threading\n"
        "a = 50\nb = 50\n"
        "def invariant():\n    'the total is 100'\n    return a + b == 100\n"
        "def move():\n    global a, b\n    a -= 10\n    b += 10\n"
        "def main(n=2):\n"
        "    ts = [threading.Thread(target=move) for _ in range(n)]\n"
        "    [t.start() for t in ts]\n    [t.join() for t in ts]\n"
    )
    result = search(str(script), granularity="line", max_runs=50)
    assert result.found and result.failure.kind == "invariant"
    assert result.failure.message == "the total is 100"


def test_a_condition_queue_and_barrier_program_runs_to_its_end(tmp_path):
    script = tmp_path / "mix.py"
    script.write_text(
        "import queue, threading\n"
        "q = queue.Queue(maxsize=1)\nb = threading.Barrier(2)\nout = []\n"
        "def producer():\n    b.wait()\n    for i in range(3):\n        q.put(i)\n"
        "def consumer():\n    b.wait()\n    for _ in range(3):\n        out.append(q.get())\n"
        "ts = [threading.Thread(target=producer), threading.Thread(target=consumer)]\n"
        "[t.start() for t in ts]\n[t.join() for t in ts]\n"
        "assert out == [0, 1, 2], out\n"
    )
    result = search(str(script), max_runs=200, bound=1)
    assert not result.found and result.runs > 50  # every schedule ran to its end


def test_bad_targets_and_parameters_are_refused(tmp_path):
    with pytest.raises(TargetError, match="other processes"):
        resolve("processes.pool_map")
    with pytest.raises(TargetError, match="nothing to interleave"):
        resolve("threads.gil_study")
    with pytest.raises(TargetError, match="unknown puzzle"):
        resolve("puzzle.nope")
    with pytest.raises(TargetError, match="no parameter 'speed'"):
        resolve("puzzle.p03_lock_order", ["speed=3"])
    with pytest.raises(TargetError, match="is not a bool"):
        resolve("puzzle.p03_lock_order", ["fixed=maybe"])


def test_stepping_by_hand_reaches_the_deadlock_and_undo_rewinds():
    from workbench.explore.session import StepError, Stepper

    stepper = Stepper(Program(resolve("puzzle.p03_lock_order")))
    stepper.restart()
    try:
        for tid in (0, 0, 1, 2, 1, 2):  # start A and B; each takes its first lock
            stepper.step(tid)
        state = stepper.state()
        assert state["locks"] == {"a": "A", "b": "B"} and not state["ended"]
        assert [t["op"] for t in state["threads"]][1:] == ["acquire b", "acquire a"]
        for tid in (1, 2, 0):  # A and B wait for each other, main joins A
            stepper.step(tid)
        state = stepper.state()
        assert state["ended"] and state["failure"]["kind"] == "deadlock" and state["goal_reached"]
        with pytest.raises(StepError):
            stepper.step(0)
        with pytest.raises(StepError, match="does not fit"):
            stepper.restart([0, 5])
        stepper.restart([0, 0, 1, 2, 1, 2, 1, 2, 0])
        stepper.undo()
        state = stepper.state()
        assert not state["ended"] and state["choices"] == [0, 0, 1, 2, 1, 2, 1, 2]
        assert (
            state["threads"][1]["status"] == "blocked"
            and "held by B" in state["threads"][1]["reason"]
        )
    finally:
        stepper.close()


def test_asyncio_tasks_are_interleaved_at_awaits(tmp_path):
    script = tmp_path / "tasks.py"
    script.write_text(
        "import asyncio\n"
        "log = []\n"
        "async def worker(name):\n"
        "    for i in range(2):\n"
        "        log.append(name)\n"
        "        await asyncio.sleep(1)\n"
        "async def both():\n"
        "    await asyncio.gather(worker('a'), worker('b'))\n"
        "def main():\n"
        "    asyncio.run(both())\n"
        "    assert log[:2] != ['b', 'b'], 'b ran twice first'\n"
    )
    program = Program(resolve(str(script)))
    result = Search(program, "random", max_runs=200, seed=2).go()
    assert not result.found  # sleep(1) is virtual time: one step of each before the next
    deadlocked = search("puzzle.p15_asyncio_lock_order")
    assert deadlocked.failure.kind == "deadlock" and "transfer waits" in deadlocked.failure.message
    again = replay(Program(resolve("puzzle.p15_asyncio_lock_order")), deadlocked.schedule, "sync")
    assert again.digest == deadlocked.digest


def test_to_sync_runs_a_thread_over_its_lines_to_the_next_lock_operation():
    from workbench.explore.session import Stepper

    stepper = Stepper(Program(resolve("puzzle.p02_check_then_act", ["fixed=true"])), "line")
    stepper.restart()
    try:
        while len(stepper.state()["threads"]) < 2:
            stepper.step(0)
        stepper.to_sync(1)
        thread = stepper.state()["threads"][1]
        assert thread["op"].startswith("acquire") and thread["function"] == "withdraw"
    finally:
        stepper.close()


def test_a_correct_program_over_many_stand_ins_never_fails():
    program = Path(__file__).parent / "explore_programs" / "correct_mix.py"
    for strategy in ("random", "dfs"):
        result = search(str(program), strategy, max_runs=150, seed=4)
        assert not result.found, result.failure


def test_an_exception_in_a_thread_is_found_where_it_was_raised(tmp_path):
    script = tmp_path / "boom.py"
    script.write_text(
        "import threading\n"
        "def boom():\n    raise ValueError('bad value')\n"
        "def main():\n    t = threading.Thread(target=boom, name='worker')\n"
        "    t.start()\n    t.join()\n"
    )
    failure = search(str(script)).failure
    assert failure.kind == "exception" and failure.message == "ValueError: bad value"
    assert failure.thread == "worker" and failure.location == f"{script}:3"


def test_the_explorer_engine_imports_no_qt():
    import subprocess
    import sys

    code = (
        "import sys, pkgutil, importlib, workbench.explore as e, workbench.cli_explore;"
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(e.__path__, "
        "'workbench.explore.')];"
        "print(','.join(m for m in ('PySide6', 'shiboken6', 'pyqtgraph') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_unnamed_threads_are_named_as_threading_names_them():
    """Two threads made before either starts are Thread-1 (worker) and Thread-2 (worker)."""
    programs = Path(__file__).parent / "programs"
    result = search(str(programs / "dl_lock_cycle.py"), strategy="pct", max_runs=300, seed=1)
    assert result.found and result.failure.kind == "deadlock"
    message = result.failure.message
    assert "Thread-1 (worker) waits for" in message and "Thread-2 (worker) waits for" in message
