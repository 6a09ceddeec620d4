"""The explorer's child process: many executions in one process, results as JSON lines.

The parent (:mod:`workbench.explore.runner`) writes one request line on stdin. Protocol lines go
to a private copy of stdout; the program's own prints go to /dev/null, so thousands of executions
do not flood the terminal. The stand-ins stay installed for the life of this process. On Linux the
child asks to be killed with its parent (``PR_SET_PDEATHSIG``), so a SIGKILLed command leaves
nothing behind.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any

from workbench.explore import search as search_mod
from workbench.explore.control import ScheduleError, Unsupported
from workbench.explore.execution import Program, Stuck
from workbench.explore.targets import TargetError, resolve


def die_with_parent() -> None:
    parent = int(os.environ.get("WB_EXPLORE_PARENT", "0"))
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if parent and os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class Channel:
    def __init__(self) -> None:
        self.out = os.fdopen(os.dup(1), "w", buffering=1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the process's life

    def send(self, kind: str, **data: Any) -> None:
        self.out.write(json.dumps({"type": kind, **data}, default=str) + "\n")


def handle(request: dict[str, Any], channel: Channel) -> None:
    target = resolve(request["target"], request.get("pairs", []))
    program = Program(target)
    if request["op"] == "search":
        last = [time.monotonic()]

        def progress(runs: int) -> None:
            if time.monotonic() - last[0] > 0.25:
                last[0] = time.monotonic()
                channel.send("progress", runs=runs)

        result = search_mod.Search(
            program,
            request["strategy"],
            request["granularity"],
            max_runs=request["max_runs"],
            seed=request["seed"],
            depth=request.get("depth", 3),
            bound=request.get("bound", 2),
            progress=progress,
        ).go()
        channel.send(
            "result",
            found=result.found,
            runs=result.runs,
            failure=result.failure.as_dict() if result.failure else None,
            schedule=result.schedule,
            preemptions=result.preemptions,
            digest=result.digest,
            exhausted=result.exhausted,
            elapsed_s=result.elapsed_s,
            shrink_runs=result.shrink_runs,
            cut_runs=result.cut_runs,
            params=target.params,
            goal=target.goal,
            goal_reached=bool(result.failure and target.wins(result.failure.kind)),
        )
    elif request["op"] == "replay":
        outcome = search_mod.replay(program, request["schedule"], request["granularity"])
        channel.send(
            "result",
            failure=outcome.failure.as_dict() if outcome.failure else None,
            digest=outcome.digest,
            steps=outcome.steps,
        )
    elif request["op"] == "session":
        from workbench.explore.session import serve

        serve(program, request["granularity"], channel)


def main() -> int:
    die_with_parent()
    channel = Channel()
    request = json.loads(sys.stdin.readline())
    try:
        handle(request, channel)
    except (TargetError, ScheduleError, Unsupported) as exc:
        channel.send("error", message=str(exc), usage=True)
    except Stuck as exc:
        channel.send("error", message=str(exc), usage=False)
    except Exception as exc:
        channel.send("error", message=f"{type(exc).__name__}: {exc}", usage=False)
    channel.out.flush()
    os._exit(0)  # controlled threads of a stuck program must not keep the process alive


if __name__ == "__main__":
    sys.exit(main())
