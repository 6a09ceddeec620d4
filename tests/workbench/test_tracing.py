"""Tracing users' programs we did not write for it: deadlocks, inversions, misuse, and silence
on correct programs. Each program runs unchanged under ``workbench trace`` in a run host."""

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from workbench import catalog, controller, tracefile
from workbench.spec import RunSpec, Status

PROGRAMS = Path(__file__).parent / "programs"


def trace(name, timeout_s=15.0):
    script = (PROGRAMS / name).resolve()
    recipe = catalog.script_recipe(script)
    spec = RunSpec.make(
        recipe.id, {"path": str(script), "args": "[]"}, timeout_s=timeout_s, trace=True
    )
    run = controller.start(spec, recipe=recipe)
    return run, run.wait()


def kinds(record):
    return sorted({f["kind"] for f in record.findings})


@pytest.mark.parametrize(
    "name, cycle, waits_on",
    [
        ("dl_lock_cycle.py", 2, "lock"),
        ("dl_self.py", 1, "lock"),
        ("dl_condition.py", 0, "condition"),
        ("dl_event.py", 0, "event"),
        ("dl_queue_join.py", 0, "queue join"),
        ("dl_semaphore_leak.py", 0, "semaphore"),
        ("dl_polling.py", 2, "join"),
    ],
)
def test_deadlocks_are_reported_within_a_second_and_the_program_ended(name, cycle, waits_on):
    start = time.monotonic()
    _, record = trace(name)
    assert record.status is Status.DEADLOCK, record.error_line()
    assert time.monotonic() - start < 6  # host start + ~1 s to form + report, not the timeout
    found = next(f for f in record.findings if f["kind"] == "deadlock")
    assert len(found["cycle"]) == cycle
    assert any(w["kind"] == waits_on for w in found["waits"])
    assert any(name in loc for loc in found["locations"])
    assert record.trace_path and Path(record.trace_path).exists()


def test_the_self_deadlock_names_the_lock_its_thread_holds():
    _, record = trace("dl_self.py")
    found = next(f for f in record.findings if f["kind"] == "deadlock")
    assert found["message"].startswith("self-deadlock: MainThread waits for Lock#")
    assert "lock_misuse" in kinds(record)


def test_a_latent_lock_order_inversion_is_found_in_a_run_that_finished():
    _, record = trace("inversion_latent.py")
    assert record.status is Status.OK
    assert kinds(record) == ["lock_order_inversion"]
    found = record.findings[0]
    assert len(found["threads"]) == 2 and len(found["locks"]) == 2
    lines = (PROGRAMS / "inversion_latent.py").read_text().splitlines()
    ab, ba = (str(lines.index(f"    with {x}:") + 1) for x in ("a, b", "b, a"))
    assert [loc.rsplit(":", 1)[1] for loc in found["locations"]] == [ab, ab, ba, ba]


def test_misuse_is_reported_with_its_location():
    _, record = trace("misuse_release.py")
    assert record.status is Status.OK
    messages = " | ".join(f["message"] for f in record.findings if f["kind"] == "lock_misuse")
    assert "releases a lock that is not locked" in messages
    assert "BoundedSemaphore more often than acquired" in messages
    assert "without holding its lock" in messages


@pytest.mark.parametrize(
    "name", ["ok_producer_consumer.py", "ok_condition.py", "ok_rlock_barrier_pool.py"]
)
def test_correct_programs_produce_no_findings(name):
    _, record = trace(name)
    assert record.status is Status.OK, record.error_line()
    assert record.findings == []
    assert record.stats["events"] > 0 and record.stats["dropped"] == 0


def test_lock_statistics_and_thread_times():
    _, record = trace("ok_producer_consumer.py")
    locks = {row["lock"]: row for row in record.stats["locks"]}
    lock = next(row for name, row in locks.items() if name.startswith("Lock#"))
    assert lock["acquisitions"] == 30
    assert 1 <= len(lock["holders"]) <= 3
    threads = {row["thread"] for row in record.stats["threads"]}
    assert "MainThread" in threads and len(threads) == 4


def test_the_timeline_has_lanes_spans_holds_and_arrows():
    run, _ = trace("dl_lock_cycle.py")
    timeline = run.analysis.timeline
    assert len(timeline.lanes) == 3
    assert (timeline.spans["state"] == 1).sum() == 2  # the two lock waits that never end
    assert len(timeline.holds) >= 2


def test_traces_save_and_load_natively_and_as_chrome_json(tmp_path):
    run, _ = trace("ok_producer_consumer.py")
    events = run.trace_events()
    native = tracefile.save(tmp_path / "t.npz", events, run.strings, {"x": 1})
    loaded, strings, meta = tracefile.load_native(native)
    assert (loaded == events).all() and strings == run.strings and meta == {"x": 1}
    chrome = json.loads(tracefile.save(tmp_path / "t.json", events, run.strings).read_text())
    phases = {e["ph"] for e in chrome["traceEvents"]}
    assert {"M", "X", "s", "f"} <= phases  # names, slices, and put→get flow arrows
    names = {e["args"]["name"] for e in chrome["traceEvents"] if e["ph"] == "M"}
    assert "MainThread" in names


def wb(*args):
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args], capture_output=True, text=True, timeout=60
    )


def test_trace_command_json_contract(tmp_path):
    out = wb(
        "trace", str(PROGRAMS / "dl_lock_cycle.py"), "--json", "--out", str(tmp_path / "t.json")
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["status"] == "deadlock"
    assert {"status", "exit_code", "wall_s", "findings", "stats"} <= set(doc)
    assert {"events", "dropped", "threads", "locks"} <= set(doc["stats"])
    assert (tmp_path / "t.json").exists()


def test_trace_command_bad_input_is_one_line_and_exit_2(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("x = (\n")
    out = wb("trace", str(broken))
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert f"{broken}:1: SyntaxError" in out.stderr
    missing = wb("trace", str(tmp_path / "missing.py"))
    assert missing.returncode == 2 and "no such script" in missing.stderr


def test_script_arguments_and_exit_code_reach_the_script(tmp_path):
    script = tmp_path / "args.py"
    script.write_text("import sys\nprint(sys.argv[1:])\nsys.exit(3)\n")
    out = wb("trace", str(script), "--json", "--", "a", "b")
    doc = json.loads(out.stdout)
    assert out.returncode == 0 and doc["exit_code"] == 3 and doc["status"] == "error"


def test_run_trace_on_a_recipe():
    out = wb("run", "threads.rlock", "-p", "lock_kind=lock", "--trace", "--json")
    doc = json.loads(out.stdout)
    assert doc["status"] == "deadlock" and out.returncode == 1
    assert doc["findings"][0]["message"].startswith("self-deadlock")


def trace_full(name):
    script = (PROGRAMS / name).resolve()
    recipe = catalog.script_recipe(script)
    spec = RunSpec.make(
        recipe.id, {"path": str(script), "args": "[]"}, timeout_s=30, trace=True, trace_mode="full"
    )
    return controller.run(spec, recipe=recipe)


def test_an_unprotected_global_is_a_data_race_with_both_accesses():
    record = trace_full("race_global.py")
    races = [f for f in record.findings if f["kind"] == "data_race"]
    assert races and all("global __main__.counter" in f["object"] for f in races)
    race = races[0]
    assert len(set(race["threads"])) == 2
    line = (PROGRAMS / "race_global.py").read_text().splitlines().index("        counter += 1")
    assert all(loc.endswith(f"race_global.py:{line + 1}") for loc in race["locations"])
    assert all(a["locks_held"] == [] for a in race["accesses"])


def test_attribute_and_item_races_under_different_locks_are_found():
    record = trace_full("race_attr_item.py")
    objects = {
        f["object"].split("@")[0] + f["object"].rsplit(".", 1)[-1][-8:]
        for f in record.findings
        if f["kind"] == "data_race"
    }
    texts = " ".join(f["object"] for f in record.findings)
    assert ".balance" in texts and "['sum']" in texts, objects
    race = next(f for f in record.findings if ".balance" in f["object"])
    held = [a["locks_held"] for a in race["accesses"]]
    assert held[0] and held[1] and held[0] != held[1]  # locked, but not by a common lock


@pytest.mark.parametrize(
    "name",
    ["ok_handover.py", "ok_producer_consumer.py", "ok_condition.py", "ok_rlock_barrier_pool.py"],
)
def test_correct_handover_is_not_a_race(name):
    record = trace_full(name)
    assert record.status is Status.OK, record.error_line()
    assert record.findings == [], [f["message"] for f in record.findings]


def test_a_blocking_call_in_a_coroutine_is_loop_blocked_at_its_line():
    _, record = trace("aio_blocked.py")
    found = [f for f in record.findings if f["kind"] == "loop_blocked"]
    assert len(found) == 1 and found[0]["count"] == 2 and found[0]["max_s"] >= 0.19
    lines = (PROGRAMS / "aio_blocked.py").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "time.sleep(0.2)" in text)
    assert found[0]["locations"] == [f"{(PROGRAMS / 'aio_blocked.py').resolve()}:{line}"]


@pytest.mark.parametrize("name", ["ok_asyncio.py", "ok_sleepy_threads.py"])
def test_waiting_that_ends_by_itself_is_not_a_finding(name):
    _, record = trace(name)
    assert record.status is Status.OK, record.error_line()
    assert record.findings == []


def test_threads_stuck_at_the_end_count_their_waiting_time():
    _, record = trace("dl_lock_cycle.py")
    stuck = [t for t in record.stats["threads"] if t["thread"] != "MainThread"]
    assert all(t["waiting_s"] > 0.2 for t in stuck)


@pytest.mark.parametrize(
    "name",
    [
        "ok_interruptible_sleep.py",
        "ok_nonlocal_counter.py",
        "ok_join_finished.py",
        "ok_thread_local.py",
        "ok_raw_thread.py",
    ],
)
def test_review_cases_stay_correct_and_silent_in_full_mode(name):
    """Programs a reviewer found the tracer got wrong: false deadlocks and races, and a
    nonlocal counter that full-mode tracing used to corrupt."""
    record = trace_full(name)
    assert record.status is Status.OK, record.error_line()
    assert (record.result or {}).get("exit_code") == 0
    assert record.findings == [], [f["message"] for f in record.findings]


def test_asyncio_tasks_get_lanes_awaits_and_lock_holds():
    run, record = trace("aio_lock.py")
    assert record.status is Status.OK and record.findings == []
    timeline = run.analysis.timeline
    names = [lane["name"] for lane in timeline.lanes]
    workers = [i for i, name in enumerate(names) if name.endswith("(worker)")]
    assert len(workers) == 3
    awaited = {timeline.strings[int(s["obj"])] for s in timeline.spans if s["lane"] in workers}
    assert any(a.startswith("lock asyncio.Lock#") for a in awaited)
    assert any(a.startswith("asyncio.sleep(") for a in awaited)
    held = timeline.holds[np.isin(timeline.holds["lane"], workers)]
    assert len(held) == 6  # each worker held the lock twice
    lock = next(row for row in record.stats["locks"] if row["lock"].startswith("asyncio.Lock"))
    assert lock["acquisitions"] == 6 and len(lock["holders"]) == 3


def test_multiprocessing_locks_are_one_lock_in_every_process():
    """A latent lock-order inversion between two child processes, on mp.Lock objects that
    each process knows by the operating system's shared name."""
    _, record = trace("mp_inversion.py")
    assert record.status is Status.OK, record.error_line()
    found = [f for f in record.findings if f["kind"] == "lock_order_inversion"]
    assert len(found) == 1 and all(lock.startswith("mp.Lock /") for lock in found[0]["locks"])
    assert all("[SpawnProcess-" in name for name in found[0]["threads"])
    pids = {name.rsplit("pid ", 1)[1] for name in found[0]["threads"]}
    assert len(pids) == 2  # the two orders were set in two different processes


def test_waiting_on_another_process_is_not_a_local_deadlock():
    _, record = trace("ok_mp_lock_wait.py")
    assert record.status is Status.OK, record.error_line()
    assert record.findings == []
