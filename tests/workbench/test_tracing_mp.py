"""Tracing across processes: deadlocks that span processes (found by the controller from each
process's wait reports), Pipe and Manager operations, multiprocessing's own primitives, races
on shared memory and proxies, forked children — and silence on correct programs, including
ones built to look stuck or racy (a feeder thread pickling, a full pipe, an armed alarm,
processes that share a name, forked copies of a global)."""

import functools
from pathlib import Path

import pytest

from workbench import catalog, controller
from workbench.spec import RunSpec, Status

PROGRAMS = Path(__file__).parent / "programs"


@functools.cache  # a program's run is read by several tests: run it once
def trace(name, mode="sync", timeout_s=20.0):
    script = (PROGRAMS / name).resolve()
    recipe = catalog.script_recipe(script)
    spec = RunSpec.make(
        recipe.id,
        {"path": str(script), "args": "[]"},
        timeout_s=timeout_s,
        trace=True,
        trace_mode=mode,
    )
    run = controller.start(spec, recipe=recipe)
    return run, run.wait()


@pytest.mark.parametrize(
    "name, cycle, kinds",
    [
        ("mpdl_lock_cycle.py", 2, {"lock"}),  # spawn: two children, two mp.Locks
        ("mpdl_lock_cycle_fork.py", 2, {"lock"}),  # fork: the parent and its child
        ("mpdl_manager_lock.py", 2, {"lock"}),
        ("mpdl_manager_lock_spawn.py", 2, {"lock"}),  # the server gets a pickled registry
        ("mpdl_pipe.py", 2, {"pipe"}),
        ("mpdl_polling_join.py", 2, {"process join", "lock"}),
        ("mpdl_join_event.py", 0, {"process join", "event"}),
        ("mpdl_join_queue.py", 0, {"process join", "queue get"}),
        ("mpdl_after_exit.py", 0, {"process join", "event"}),  # a party exited before
        ("mpdl_queue_feeder.py", 0, {"process join", "join", "queue put"}),
    ],
)
def test_deadlocks_across_processes_are_found_and_the_run_ended(name, cycle, kinds):
    _, record = trace(name)
    assert record.status is Status.DEADLOCK, record.error_line()
    assert record.host_s < 8  # not the timeout
    found = [f for f in record.findings if f["kind"] == "deadlock"]
    assert len(found) == 1
    finding = found[0]
    assert len(finding["cycle"]) == cycle, finding["message"]
    assert kinds <= {w["kind"] for w in finding["waits"]}, finding["message"]
    assert len({w["pid"] for w in finding["waits"]}) >= 2  # it spans processes
    assert any(name in loc for loc in finding["locations"])
    assert all(", pid " in thread for thread in finding["threads"])
    assert record.trace_path and Path(record.trace_path).exists()


def test_the_cycle_names_the_holder_in_the_other_process():
    _, record = trace("mpdl_lock_cycle.py")
    finding = record.findings[0]
    waits = {w["thread"]: w for w in finding["waits"]}
    for thread in finding["cycle"]:
        holder = waits[thread]["holder"]
        assert holder in finding["cycle"] and holder != thread
        assert waits[thread]["object"] in waits[holder]["held"]  # it holds what we wait for
        assert waits[thread]["object"].startswith("mp.Lock /mp-")


@pytest.mark.parametrize(
    "name",
    [
        "ok_mp_pipe.py",  # ping-pong, then a send on a full pipe while the reader sleeps
        "ok_mp_manager.py",
        "ok_mp_feeder.py",  # a queue's feeder thread pickling for a second
        "ok_mp_alarm.py",  # everybody waits until a SIGALRM handler sets the event
        "ok_mp_sync.py",  # Event, Condition, Barrier, JoinableQueue; two "worker"s
        "ok_mp_slow_child.py",  # polling the join of a child that sleeps
        "ok_mp_lock_wait.py",
        "ok_forked_lock_copies.py",  # forked copies of two locks taken in both orders
        "ok_mp_timeouts.py",  # only timed waits; a stuck child terminated on purpose
    ],
)
def test_correct_multiprocessing_programs_produce_no_findings(name):
    _, record = trace(name)
    assert record.status is Status.OK, record.error_line()
    assert (record.result or {}).get("exit_code") == 0
    assert record.findings == [], [f["message"] for f in record.findings]
    assert record.stats["dropped"] == 0


@pytest.mark.parametrize(
    "name",
    [
        "ok_mp_shared.py",
        "ok_mp_sync.py",  # forked copies of a global, processes that share a name
        "ok_mp_manager.py",  # proxied appends
        "ok_mp_pipe.py",
        "ok_same_thread_names.py",  # a join orders by thread, not by name
        "ok_mgr_sync.py",
    ],
)
def test_correct_sharing_across_processes_is_not_a_race(name):
    _, record = trace(name, mode="full")
    assert record.status is Status.OK, record.error_line()
    assert (record.result or {}).get("exit_code") == 0
    assert record.findings == [], [f["message"] for f in record.findings]


@pytest.mark.parametrize(
    "name, target, line",
    [
        ("race_mp_value.py", "attr mp.Value /mp-", "        counter.value += 1"),
        ("race_mgr_dict.py", "item mgr.dict ", '        shared["n"] += 1'),
    ],
)
def test_unprotected_shared_memory_across_processes_is_a_race(name, target, line):
    _, record = trace(name, mode="full")
    assert record.status is Status.OK, record.error_line()
    races = [f for f in record.findings if f["kind"] == "data_race"]
    assert races and {f["kind"] for f in record.findings} == {"data_race"}
    assert all(f["object"].startswith(target) for f in races)  # not the proxied append
    number = (PROGRAMS / name).read_text().splitlines().index(line) + 1
    race = races[0]
    assert all(loc.endswith(f"{name}:{number}") for loc in race["locations"])
    pids = {thread.rsplit("pid ", 1)[1] for thread in race["threads"]}
    assert len(pids) == 2  # one access in each process


def test_pipe_messages_are_matched_and_drawn_as_arrows():
    run, _ = trace("ok_mp_pipe.py")
    timeline = run.analysis.timeline
    names = {i: lane["name"] for i, lane in enumerate(timeline.lanes)}
    pipe_arrows = [
        a for a in timeline.arrows if timeline.strings[int(a["obj"])].startswith("Pipe#1 @ ")
    ]
    assert len(pipe_arrows) == 8  # 3 pings, 3 pongs, the big one and its answer
    assert all(names[int(a["lane_from"])] != names[int(a["lane_to"])] for a in pipe_arrows)
    assert all(a["t_from"] <= a["t_to"] for a in pipe_arrows)
    directions = {timeline.strings[int(a["obj"])].rsplit(" ", 1)[1] for a in pipe_arrows}
    assert directions == {"a→b", "b→a"}
    # the parent's send of 4 MB waited on the full pipe while the child slept
    waits = [
        s
        for s in timeline.spans
        if s["state"] == 4 and timeline.strings[int(s["obj"])].endswith("a→b")
    ]
    assert any(s["end"] - s["start"] > 0.3e9 for s in waits)


def test_multiprocessing_primitives_are_recorded_as_what_they_are():
    run, _ = trace("ok_mp_sync.py")
    strings = set(run.strings.values())
    for prefix in ("mp.Event ", "mp.Condition ", "mp.Barrier ", "mp.JoinableQueue "):
        assert any(s.startswith(prefix) for s in strings), prefix
    assert not any(s.startswith("mp.Semaphore") for s in strings)  # the insides are not
    lanes = [lane["name"] for lane in run.analysis.timeline.lanes]
    workers = [name for name in lanes if name.startswith("MainThread [worker, pid ")]
    assert len(workers) == 2  # forked children, named by process and pid


def test_manager_proxies_are_recorded_under_the_referents_id():
    run, record = trace("ok_mp_manager.py")
    locks = {row["lock"]: row for row in record.stats["locks"]}
    lock = next(row for name, row in locks.items() if name.startswith("mgr.Lock "))
    assert lock["acquisitions"] == 10 and len(lock["holders"]) == 2
    strings = set(run.strings.values())
    assert any(s.startswith("mgr.Queue ") for s in strings)
    assert any(s.startswith("mgr.Event ") for s in strings)
    servers = [lane for lane in run.analysis.timeline.lanes if "SyncManager" in lane["name"]]
    assert servers == []  # the server runs untraced: no lane


def test_misuse_in_a_child_process_is_reported_with_its_line():
    _, record = trace("misuse_mp.py")
    assert record.status is Status.OK, record.error_line()
    found = [f for f in record.findings if f["kind"] == "lock_misuse"]
    assert len(found) == 1 and found[0]["message"].startswith("mp.Condition ")
    assert "without holding its lock" in found[0]["message"]
    line = (PROGRAMS / "misuse_mp.py").read_text().splitlines().index("        cond.wait(0.1)")
    assert found[0]["locations"][0].endswith(f"misuse_mp.py:{line + 1}")


def test_manager_rlock_semaphore_condition_and_mp_semaphore():
    run, record = trace("ok_mgr_sync.py")
    assert record.status is Status.OK and record.findings == [], record.findings
    locks = {row["lock"].split(" ")[0]: row for row in record.stats["locks"]}
    assert locks["mgr.RLock"]["acquisitions"] == 2  # the outermost acquire in each process
    assert "mgr.Condition" in locks
    assert "mp.Semaphore" not in locks and "mgr.Semaphore" not in locks  # not locks
    kinds = {run.strings[int(e["kind"])] for e in run.trace_events()}
    assert {"sem.acquired", "sem.released", "cond.wait", "queue.join_wait"} <= kinds


def test_a_deadlock_inside_a_child_is_found_by_the_childs_own_watchdog():
    _, record = trace("dl_in_child.py")
    assert record.status is Status.DEADLOCK, record.error_line()
    finding = next(f for f in record.findings if f["kind"] == "deadlock")
    assert len(finding["cycle"]) == 2
    assert all("[SpawnProcess-1, pid " in name for name in finding["cycle"])
    assert finding["message"].startswith("deadlock: Thread-")


def test_a_race_between_threads_of_a_forked_child():
    """threading's after-fork lock is made with the traced RLock in the child: it must not
    order every thread after every other and hide the race."""
    _, record = trace("race_in_child.py", mode="full")
    races = [f for f in record.findings if f["kind"] == "data_race"]
    assert races and all(f["object"] == "global __main__.hits" for f in races)
    assert all("[ForkProcess-1, pid " in t for t in races[0]["threads"])
    assert len(set(races[0]["threads"])) == 2
