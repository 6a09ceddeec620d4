"""How soon a deadlock is reported after it forms: across processes and within one.

Each buggy program from ``tests/workbench/programs`` runs traced, ``RUNS`` times. The deadlock
formed when the last party began its last wait: the latest event recorded by any process the
finding names (every clock is ``perf_counter_ns``, one clock for all processes on Linux). It
was reported when the controller handed the finding to its listeners. The baseline is the
in-process deadlock (two threads, two locks), decided by the watchdog inside the program.
Target: reported within 1 s of forming.
"""

import sys
import time
from pathlib import Path

import numpy as np
from _common import median

from workbench import catalog, controller
from workbench.spec import RunSpec

PROGRAMS = Path(__file__).resolve().parent.parent / "tests" / "workbench" / "programs"
CASES = [
    ("threads: two locks (baseline)", "dl_lock_cycle.py"),
    ("mp.Lock cycle, spawn", "mpdl_lock_cycle.py"),
    ("mp.Lock cycle, fork", "mpdl_lock_cycle_fork.py"),
    ("pipe: both ends receive", "mpdl_pipe.py"),
    ("Manager locks", "mpdl_manager_lock.py"),
    ("parent joins, child waits", "mpdl_join_event.py"),
]
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5


def latency(name: str) -> float:
    script = PROGRAMS / name
    recipe = catalog.script_recipe(script)
    spec = RunSpec.make(recipe.id, {"path": str(script), "args": "[]"}, trace=True, timeout_s=20)
    found: list[int] = []

    def listen(kind: str, payload: object) -> None:
        if kind == "finding" and not found:
            found.append(time.perf_counter_ns())

    run = controller.start(spec, listeners=[listen], recipe=recipe)
    record = run.wait()
    finding = next(f for f in record.findings if f["kind"] == "deadlock")
    events = run.trace_events()
    pids = {w["pid"] for w in finding["waits"] if "pid" in w}
    if pids:
        events = events[np.isin(events["pid"], list(pids))]
    return (found[0] - int(events["t_ns"].max())) / 1e9


if __name__ == "__main__":
    print(f"\ndeadlock formed → finding reported (s), {RUNS} runs each")
    print(f"  {'case':34} {'median':>8} {'min':>8} {'max':>8}")
    for label, name in CASES:
        times = [latency(name) for _ in range(RUNS)]
        print(f"  {label:34} {median(times):8.3f} {min(times):8.3f} {max(times):8.3f}")
    print("  target: <= 1 s")
