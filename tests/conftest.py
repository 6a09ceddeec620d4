"""Test set-up shared by every test: no display, a private history, and no process left behind."""

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psutil
import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_home(tmp_path_factory):
    """Runs in tests land in a throw-away history, never the user's."""
    os.environ["WORKBENCH_HOME"] = str(tmp_path_factory.mktemp("workbench-home"))


def _alive_children():
    """Child processes still running, except multiprocessing's resource tracker: in-process
    recipe tests start it with their first spawned pool and it lives as long as pytest."""
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(
                p.cmdline()
            ):
                out.append(p)
        except psutil.Error:
            pass
    return out


@pytest.fixture(autouse=True)
def no_process_left():
    """Fail any test that leaves a child process running (after a short grace period)."""
    before = {p.pid for p in _alive_children()}
    yield
    deadline = time.monotonic() + 3.0
    while True:
        left = [p for p in _alive_children() if p.pid not in before]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for p in left:
        p.kill()
    assert not left, f"processes left running: {[(p.pid, p.cmdline()[:4]) for p in left]}"
