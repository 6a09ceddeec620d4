"""The interleaving explorer: schedules per minute, replay fidelity, DFS on a lost update.

1. Schedules per minute at sync granularity on a 2-thread program of 50 lock operations per
   thread (random strategy), next to the same program run bare (real threads, no control) as the
   baseline. Target: >= 10,000 per minute.
2. One failing schedule replayed 100 times: identical digest and failure every time.
3. DFS at opcode granularity on the lost-update recipe: preemptions and schedules to find it.
4. The step view's round trip: one "step" command to the explorer's child and its whole state
   back (what a click costs before Qt draws), over the same pipe the window uses.
"""

import json
import tempfile
import time
from pathlib import Path

from workbench.explore import runner
from workbench.explore.execution import Program
from workbench.explore.search import Search, replay
from workbench.explore.targets import resolve

PROGRAM = """
import threading
lock = threading.Lock()
count = 0
def work():
    global count
    for _ in range(25):
        with lock:
            count += 1
def main():
    ts = [threading.Thread(target=work) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert count == 50
"""


def bare(runs: int) -> float:
    ns: dict = {}
    exec(compile(PROGRAM, "bare", "exec"), ns)
    start = time.perf_counter()
    for _ in range(runs):
        ns["count"] = 0
        ns["main"]()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "two_threads.py"
        path.write_text(PROGRAM)
        program = Program(resolve(str(path)))
        runs = 1000
        search = Search(program, "random", "sync", max_runs=runs, seed=1)
        start = time.perf_counter()
        result = search.go()
        took = time.perf_counter() - start
        assert not result.found, result.failure
        base = bare(runs)
        print(
            f"sync, 2 threads x 50 lock ops: {runs / took * 60:,.0f} schedules/min "
            f"({took / runs * 1e3:.2f} ms each; bare run {base / runs * 1e3:.3f} ms, "
            f"ratio {took / base:.1f}); target >= 10,000/min"
        )
    lost = resolve("threads.lock_counter")
    program = Program(lost)
    found = Search(program, "dfs", "opcode", max_runs=2000).go()
    print(
        f"dfs at opcode on threads.lock_counter: found={found.found} after {found.runs} "
        f"schedules, {found.preemptions} preemption(s), {found.elapsed_s:.3f} s"
    )
    same = sum(
        1
        for _ in range(100)
        if (o := replay(program, found.schedule, "opcode")).digest == found.digest
        and o.failure is not None
        and o.failure.kind == found.failure.kind
    )
    print(f"replay identical: {same}/100")
    step_round_trip()


def step_round_trip(steps: int = 100) -> None:
    proc = runner.spawn()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        request = {"op": "session", "target": "puzzle.p01_lost_update", "granularity": "opcode"}
        proc.stdin.write((json.dumps(request) + "\n").encode())
        proc.stdin.flush()
        state = json.loads(proc.stdout.readline())
        times = []
        for _ in range(steps):
            enabled = [t["tid"] for t in state["threads"] if t["enabled"]]
            if not enabled:
                break
            start = time.perf_counter()
            proc.stdin.write((json.dumps({"cmd": "step", "thread": enabled[-1]}) + "\n").encode())
            proc.stdin.flush()
            state = json.loads(proc.stdout.readline())
            times.append(time.perf_counter() - start)
        times.sort()
        print(
            f"step round trip (opcode, with state): median {times[len(times) // 2] * 1e3:.2f} ms, "
            f"max {times[-1] * 1e3:.2f} ms over {len(times)} steps"
        )
    finally:
        runner.kill(proc)


if __name__ == "__main__":
    main()
