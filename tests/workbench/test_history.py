"""The SQLite history: runs are stored, and a controller killed mid-run leaves an 'interrupted'."""

import json
import os
import signal
import subprocess
import sys
import time

import psutil

from workbench import catalog, controller
from workbench.history import History
from workbench.spec import RunSpec

LONG_RUN = ["run", "threads.lock_counter", "-p", "iterations=10000000", "--timeout", "120"]


def test_runs_are_stored_with_machine_and_result(tmp_path):
    history = History(tmp_path / "h.sqlite")
    recipe = catalog.get("threads.lock_counter")
    spec = RunSpec.make(recipe.id, catalog.resolve(recipe, {"iterations": 100}))
    record = controller.run(spec, history=history)
    stored = history.run(spec.run_id)
    assert stored["status"] == "ok" == record.status
    assert stored["result"] == record.result
    assert stored["params"]["iterations"] == 100
    assert stored["machine"]["cores_logical"] >= 1 and stored["machine"]["python"]
    assert history.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert history.delete(spec.run_id) == 1 and history.run(spec.run_id) is None


def test_a_killed_controller_leaves_an_interrupted_run_and_no_process(tmp_path):
    env = dict(os.environ, WORKBENCH_HOME=str(tmp_path))
    cli = subprocess.Popen(
        [sys.executable, "-m", "workbench", *LONG_RUN],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not psutil.Process(cli.pid).children():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    host = psutil.Process(cli.pid).children()[0]
    time.sleep(0.5)
    cli.send_signal(signal.SIGKILL)
    cli.wait()
    host.wait(timeout=5)  # the host notices the lost channel and ends its own group
    history = History(tmp_path / "history.sqlite")
    rows = history.db.execute("SELECT status, params FROM runs").fetchall()
    assert [r["status"] for r in rows] == ["interrupted"]
    assert json.loads(rows[0]["params"])["iterations"] == 10000000
