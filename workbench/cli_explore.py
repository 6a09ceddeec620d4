"""``workbench explore`` and ``workbench replay``: the interleaving explorer on the command line.

The search runs in a child process (:mod:`workbench.explore.runner`); this module checks the
input (bad input exits 2 with one line), prints the result, and turns Ctrl+C or SIGTERM into one
line, "cancelled", with the child's whole process group ended.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

from workbench.explore import schedule
from workbench.explore.schedule import GRANULARITIES, STRATEGIES

CANCELLED = 130


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("explore", help="search thread interleavings for a failing one")
    p.add_argument("target", help="a thread recipe id, puzzle.NAME, or a script path")
    p.add_argument("--strategy", choices=STRATEGIES, default="dfs")
    p.add_argument(
        "--granularity", help="sync, line or opcode (default: the program's GRANULARITY, or sync)"
    )
    p.add_argument("--max-runs", type=int, default=2000, help="schedules to try at most")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--depth", type=int, default=3, help="PCT depth d")
    p.add_argument("--bound", type=int, default=2, help="DFS: most preemptions")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds in all")
    p.add_argument("--save", metavar="FILE", help="where to save the failing schedule")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("replay", help="play a saved schedule again")
    p.add_argument("file", help="a schedule saved by workbench explore")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds")
    p.add_argument("--json", action="store_true")


def _check(args: argparse.Namespace) -> None:
    if args.granularity is not None and args.granularity not in GRANULARITIES:
        raise ValueError(
            f"unknown granularity {args.granularity!r}; one of {', '.join(GRANULARITIES)}"
        )
    for name in ("max_runs", "depth"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be 1 or more")
    if args.bound < 0 or args.timeout <= 0:
        raise ValueError("--bound must be 0 or more and --timeout more than 0")


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM behaves like Ctrl+C while the child works."""

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def resolve(target: str, pairs: list[str]) -> Any:
    """The target, checked in this process so bad input exits 2 before any child starts."""
    from workbench.explore.targets import resolve as resolve_target  # only when used

    return resolve_target(target, pairs)


def _call(request: dict[str, Any], timeout: float, quiet: bool) -> dict[str, Any] | int:
    from workbench.explore import runner

    last = [0.0]

    def progress(message: dict[str, Any]) -> None:
        if not quiet and time.monotonic() - last[0] >= 1.0:  # one line a second at most
            last[0] = time.monotonic()
            print(f"  {message['runs']} schedules...", file=sys.stderr)

    try:
        with interruptible():
            return runner.call(request, timeout, progress)
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return CANCELLED
    except runner.ExploreError as exc:
        if exc.usage:
            raise ValueError(str(exc)) from None
        print(f"workbench: explore: {exc}", file=sys.stderr)
        return 1
    except TimeoutError as exc:
        print(f"workbench: explore: {exc}", file=sys.stderr)
        return 1


def cmd_explore(args: argparse.Namespace) -> int:
    _check(args)
    target = resolve(args.target, args.param)
    args.granularity = args.granularity or target.granularity
    request = {
        "op": "search",
        "target": target.id
        if target.kind == "recipe" or target.id.startswith("puzzle.")
        else str(target.path),  # a script by its absolute path, so a replay finds it anywhere
        "pairs": args.param,
        "strategy": args.strategy,
        "granularity": args.granularity,
        "max_runs": args.max_runs,
        "seed": args.seed,
        "depth": args.depth,
        "bound": args.bound,
    }
    reply = _call(request, args.timeout, args.json)
    if isinstance(reply, int):
        return reply
    saved = None
    if reply["found"]:
        data = {
            "version": schedule.VERSION,
            "target": request["target"],
            "params": reply["params"],
            "granularity": args.granularity,
            "strategy": args.strategy,
            "seed": args.seed,
            "schedule": reply["schedule"],
            "digest": reply["digest"],
            "failure": reply["failure"],
            "preemptions": reply["preemptions"],
        }
        try:
            saved = str(schedule.save(data, args.save))
        except OSError as exc:
            raise ValueError(f"cannot save to {args.save}: {exc.strerror}") from None
    doc = {
        "found": reply["found"],
        "runs": reply["runs"],
        "strategy": args.strategy,
        "granularity": args.granularity,
        "target": request["target"],
        "failure": reply["failure"],
        "preemptions": reply["preemptions"] if reply["found"] else None,
        "schedule_file": saved,
        "steps": len(reply["schedule"]),
        "goal": reply["goal"],
        "goal_reached": reply["goal_reached"],
        "exhausted": reply["exhausted"],
        "elapsed_s": reply["elapsed_s"],
        "cut_runs": reply.get("cut_runs", 0),
    }
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        _print_search(doc, args.bound)
    return 0


def _print_search(doc: dict[str, Any], bound: int) -> None:
    if not doc["found"]:
        tail = f" (every schedule within {bound} preemptions)" if doc["exhausted"] else ""
        print(f"no failure in {doc['runs']} schedules{tail}")
        if doc["cut_runs"]:  # a program that never ends is not a pass: say so
            from workbench.explore.control import MAX_STEPS

            print(
                f"  but {doc['cut_runs']} of them did not end within {MAX_STEPS:,} steps "
                "(a livelock, a spin loop that nothing ends, or a program too long to explore)"
            )
        return
    f = doc["failure"]
    print(
        f"found {f['kind']} after {doc['runs']} schedules, {doc['preemptions']} preemption(s), "
        f"{doc['steps']} steps: {f['message']}"
    )
    if f.get("location"):
        print(f"  at {f['location']} ({f['thread']})")
    print(f"  schedule saved: {doc['schedule_file']}")
    print(f"  replay it: workbench replay {doc['schedule_file']}")


def cmd_replay(args: argparse.Namespace) -> int:
    data = schedule.load(args.file)
    pairs = [f"{k}={v}" for k, v in data.get("params", {}).items()]
    resolve(str(data["target"]), pairs)  # bad target or parameters: exit 2 here
    request = {
        "op": "replay",
        "target": data["target"],
        "pairs": pairs,
        "granularity": data["granularity"],
        "schedule": data["schedule"],
    }
    reply = _call(request, args.timeout, True)
    if isinstance(reply, int):
        return reply
    saved_kind = (data.get("failure") or {}).get("kind")
    got_kind = (reply["failure"] or {}).get("kind")
    doc = {
        "file": args.file,
        "target": data["target"],
        "failure": reply["failure"],
        "same_failure": saved_kind == got_kind,
        "identical": reply["digest"] == data.get("digest"),
        "digest": reply["digest"],
        "steps": reply["steps"],
    }
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        f = reply["failure"]
        print(f"{f['kind']}: {f['message']}" if f else "no failure")
        print(
            "identical execution"
            if doc["identical"]
            else "the execution differs from the saved one"
        )
    return 0 if doc["identical"] and doc["same_failure"] else 1


def add_gui_options(p: Any) -> None:
    """``workbench gui --explore TARGET``: the step view, scripted for screenshots."""
    p.add_argument(
        "--explore", metavar="TARGET", help="open the step view on a program or a saved schedule"
    )
    p.add_argument("--steps", help="with --explore: thread numbers to step first, e.g. 0,0,1,2")
    p.add_argument("--find", action="store_true", help="with --explore: run Explore and load it")
    p.add_argument("--bytecode", action="store_true", help="with --explore: show bytecode")


def open_step_view(args: argparse.Namespace) -> int:
    if args.explore.endswith(".json"):  # a saved schedule, stepped from its start
        data = schedule.load(args.explore)
        resolve(str(data["target"]), [f"{k}={v}" for k, v in data.get("params", {}).items()])
    else:
        resolve(args.explore, args.param)  # bad input: exit 2 before any window
    try:
        steps = [int(s) for s in args.steps.split(",")] if args.steps else []
        from ui.step_panel import scripted
    except ValueError:
        raise ValueError(f"--steps {args.steps}: thread numbers separated by commas") from None
    except ImportError as exc:
        print(f"workbench: the window cannot open: {exc}", file=sys.stderr)
        return 2
    return scripted(
        args.explore, args.param, steps, args.find, args.screenshot, args.exit, args.bytecode
    )


COMMANDS = {"explore": cmd_explore, "replay": cmd_replay}
