"""The command-line contract that scripts and the other tests rely on."""

import json
import os
import subprocess
import sys

import pytest


def wb(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
    )


def test_list_json():
    out = wb("list", "--json")
    assert out.returncode == 0
    recipes = json.loads(out.stdout)
    lock = next(r for r in recipes if r["id"] == "threads.lock_counter")
    assert {"id", "title", "backend", "chapter", "params"} <= set(lock)
    assert {"name", "type", "default", "min", "max", "choices", "help"} <= set(lock["params"][0])


def test_run_json_is_one_document_and_exit_0():
    out = wb(
        "run",
        "threads.lock_counter",
        "-p",
        "iterations=200",
        "-p",
        "use_lock=true",
        "--workers",
        "2",
        "--repeat",
        "2",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert {
        "run_id",
        "id",
        "backend",
        "params",
        "workers",
        "status",
        "wall_s",
        "result",
        "findings",
    } <= set(doc)
    assert doc["status"] == "ok" and doc["workers"] == 2 and doc["result"]["lost"] == 0
    assert len(doc["repeats"]) == 2


def test_failed_run_exits_1():
    out = wb("run", "threads.rlock", "-p", "lock_kind=lock", "--timeout", "1.5", "--json")
    assert out.returncode == 1
    assert json.loads(out.stdout)["status"] == "timeout"


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "threads.nope"], "unknown recipe 'threads.nope'"),
        (["run", "threads.lock_counter", "-p", "workers=1"], "workers=1 is out of range"),
        (["run", "threads.lock_counter", "-p", "bogus=1"], "has no parameter 'bogus'"),
        (["run", "threads.lock_counter", "--workers", "x"], "is not an integer"),
        (["sweep", "threads.compare", "--workers", "1,zero"], "bad worker list"),
        (["run", "threads.lock_counter", "--repeat", "0"], "--repeat 0"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    out = wb(*args, "--json") if args[0] != "frobnicate" else wb(*args)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and message in out.stderr, out.stderr


def test_sweep_json():
    out = wb(
        "sweep",
        "threads.compare",
        "--workers",
        "1,2",
        "--repeat",
        "1",
        "-p",
        "workload=sleep",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert {"sweep_id", "id", "points", "amdahl"} <= set(doc)
    assert {
        "workers",
        "median_s",
        "min_s",
        "max_s",
        "speedup",
        "efficiency",
        "karp_flatt",
        "noisy",
    } <= set(doc["points"][0])
    assert set(doc["amdahl"]) >= {"serial_fraction", "r2"}


def test_history_and_devices_json():
    wb("run", "threads.lock_counter", "-p", "iterations=50")
    doc = json.loads(wb("history", "--json", "--limit", "5").stdout)
    assert doc["runs"] and doc["runs"][0]["recipe"] == "threads.lock_counter"
    dev = json.loads(wb("devices", "--json").stdout)
    assert dev["cores_logical"] >= 1 and dev["python"].startswith("3.")


def test_human_output_shows_the_summary():
    out = wb("run", "threads.lock_counter", "-p", "iterations=100", "-p", "use_lock=true")
    assert out.returncode == 0
    assert "0 updates lost" in out.stdout


def test_history_export(tmp_path):
    wb("run", "threads.lock_counter", "-p", "iterations=50")
    target = tmp_path / "runs.json"
    out = wb("history", "--export", str(target), "--limit", "3")
    assert out.returncode == 0, out.stderr
    assert json.loads(target.read_text())["runs"]
    bad = wb("history", "--export", str(tmp_path / "runs.txt"))
    assert bad.returncode == 2 and "must end in .csv or .json" in bad.stderr
