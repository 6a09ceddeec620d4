"""``workbench explore`` and ``replay`` as a user runs them: JSON contract, bad input, cancel."""

import json
import signal
import subprocess
import sys
import time

import psutil
import pytest

WB = [sys.executable, "-m", "workbench"]


def wb(*args, timeout=60):
    return subprocess.run([*WB, *args], capture_output=True, text=True, timeout=timeout)


def test_explore_finds_saves_and_replays(tmp_path):
    done = wb(
        "explore",
        "threads.lock_counter",
        "--granularity",
        "opcode",
        "--json",
        "--save",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert {"found", "runs", "strategy", "failure", "preemptions", "schedule_file"} <= set(doc)
    assert doc["found"] and doc["preemptions"] == 1 and doc["failure"]["kind"] == "invariant"
    again = wb("replay", doc["schedule_file"], "--json")
    assert again.returncode == 0, again.stderr
    replayed = json.loads(again.stdout)
    assert replayed["identical"] and replayed["failure"]["kind"] == "invariant"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["explore", "threads.nope"], "unknown recipe"),
        (["explore", "mpi.hello"], "MPI ranks"),
        (["explore", "puzzle.p03_lock_order", "--granularity", "bytes"], "unknown granularity"),
        (["explore", "puzzle.p03_lock_order", "-p", "fixed"], "name=value"),
        (["explore", "threads.lock_counter", "-p", "workers=0"], "out of range"),
        (["replay", "/nonexistent.json"], "no such schedule"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, says):
    done = wb(*args)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_script_schedule_replays_from_anywhere_and_a_foreign_one_exits_2(tmp_path):
    script = tmp_path / "boom.py"
    script.write_text("import threading\nthreading.Thread(target=lambda: 1 / 0).start()\n")
    saved = tmp_path / "s.json"
    done = subprocess.run(
        [*WB, "explore", "boom.py", "--save", str(saved)], cwd=tmp_path, capture_output=True
    )
    assert done.returncode == 0 and saved.exists()
    again = wb("replay", str(saved), "--json")
    assert json.loads(again.stdout)["failure"]["message"] == "ZeroDivisionError: division by zero"
    data = json.loads(saved.read_text())
    data["schedule"] = [7]
    saved.write_text(json.dumps(data))
    foreign = wb("replay", str(saved))
    assert foreign.returncode == 2 and "does not fit" in foreign.stderr


def test_a_schedule_with_a_bad_granularity_exits_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"target": "puzzle.p03_lock_order", "schedule": [0], "granularity": "x"})
    )
    done = wb("replay", str(bad))
    assert done.returncode == 2 and "unknown granularity" in done.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_cancels_with_one_line_and_leaves_nothing(signum):
    args = ["puzzle.p05_condition_if", "-p", "fixed=true", "--bound", "9", "--max-runs", "10000000"]
    proc = subprocess.Popen(
        [*WB, "explore", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    children = []
    deadline = time.monotonic() + 20
    while not children and time.monotonic() < deadline:
        children = psutil.Process(proc.pid).children(recursive=True)
        time.sleep(0.05)
    assert proc.stderr.readline().strip().endswith("schedules...")  # the child is exploring
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "cancelled"
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
