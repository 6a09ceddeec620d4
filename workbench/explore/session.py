"""Stepping a program one choice at a time: the engine under the window's step view.

A :class:`Stepper` keeps one paused execution: every thread parked at its next scheduling point.
``step(t)`` lets thread ``t`` run to its next point; ``undo`` and ``restart`` replay the choices
so far (minus one, or none) from a fresh start, which is exact because a schedule always gives
the same execution. :func:`serve` drives a Stepper from JSON lines on stdin in the explorer's child
process, so the window never runs the program itself and never waits on it.
"""

from __future__ import annotations

import contextlib
import dis
import json
import sys
from typing import Any

from workbench.explore import names, standins
from workbench.explore.control import PAUSE, Controller, Point
from workbench.explore.execution import STUCK_S, Program, Stuck

SYNC_STEPS = 5000  # most steps that "run to the next sync operation" takes


class StepError(ValueError):
    """A command that does not apply now (a thread that cannot run, nothing to undo)."""


class Stepper:
    def __init__(self, program: Program, granularity: str = "sync") -> None:
        self.program, self.granularity = program, granularity
        self.ctl: Controller | None = None
        self.point: Point | None = None
        self.stack = contextlib.ExitStack()

    def restart(self, prefix: list[int] | None = None) -> None:
        """A fresh execution that follows ``prefix`` and then waits for choices."""
        self.close()
        prefix = list(prefix or [])

        def choose(point: Point) -> int:
            self.point = point
            return prefix[point.index] if point.index < len(prefix) else PAUSE

        ctl = Controller(choose, self.granularity, self.program.files)
        self.ctl = ctl
        self.stack.enter_context(standins.installed(ctl))
        standins.start_main(ctl, self.program.body(ctl))
        self._wait()

    def _wait(self) -> None:
        assert self.ctl is not None
        if not self.ctl.wait(STUCK_S):
            raise Stuck("the program stopped reaching scheduling points")
        if not self.ctl.paused:
            self.point = None
            self.ctl.abandon()
            if self.ctl.unsupported:
                raise StepError(f"{self.ctl.unsupported}: the explorer cannot run this program")
            if self.ctl.schedule_error:
                raise StepError(f"the schedule does not fit: {self.ctl.schedule_error}")

    def step(self, tid: int) -> None:
        if self.ctl is None or not self.ctl.paused or self.point is None:
            raise StepError("the program has ended: restart or undo")
        if tid not in self.point.enabled:
            raise StepError(f"thread {tid} cannot run now")
        self.ctl.resume(tid)
        self._wait()

    def to_sync(self, tid: int) -> None:
        """Run a thread until its next operation is a synchronisation (or it cannot go on)."""
        for _ in range(SYNC_STEPS):
            self.step(tid)
            if self.point is None or tid not in self.point.enabled or _is_sync(self.ctl, tid):
                return

    def undo(self) -> None:
        if self.ctl is None or not self.ctl.choices:
            raise StepError("nothing to undo")
        self.restart(self.ctl.choices[:-1])

    def close(self) -> None:
        if self.ctl is not None and not self.ctl.aborting:
            self.ctl.abandon()
        self.stack.close()
        self.ctl = None

    # --- what the window shows --------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        ctl = self.ctl
        assert ctl is not None
        frames = [t.frame for t in ctl.threads if t.status != "done"]
        known = names.object_names([ctl.globals, *names.frame_scopes(frames, ctl.files)])
        enabled = self.point.enabled if self.point else ()
        return {
            "target": self.program.target.id,
            "path": str(self.program.target.path),
            "goal": self.program.target.goal,
            "hint": self.program.target.hint,
            "title": self.program.target.title,
            "granularity": self.granularity,
            "choices": list(ctl.choices),
            "running": ctl.current.tid if ctl.current else None,
            "ended": self.point is None,
            "failure": ctl.failure.as_dict() if ctl.failure else None,
            "goal_reached": bool(ctl.failure and self.program.target.wins(ctl.failure.kind)),
            "threads": [_thread_state(t, t.tid in enabled, known, ctl) for t in ctl.threads],
            "variables": _variables(ctl.globals),
            "locks": _locks(known, ctl),
        }


def _is_sync(ctl: Controller | None, tid: int) -> bool:
    op = ctl.threads[tid].op if ctl else ""
    return not (op.startswith("line ") or op[:1].isdigit())


def _thread_state(t: Any, enabled: bool, known: dict[str, str], ctl: Controller) -> dict:
    """One thread as the window shows it; after a failure, as it was when the failure came."""
    w = ctl.at_failure.get(t.tid) or t.where_now()
    code = _bytecode(w["code"], w["line"], w["lasti"]) if w["code"] is not None else []
    op = w["op"]
    if op[:1].isdigit():  # an opcode point "line:offset": say which instruction
        op = next((f"{text} (line {w['line']})" for _, text, is_next in code if is_next), op)
    return {
        "tid": t.tid,
        "name": t.name,
        "status": w["status"],
        "enabled": enabled,
        "reason": names.pretty(w["reason"], known) if w["status"] == "blocked" else "",
        "op": names.pretty(op, known),
        "line": w["line"],
        "function": w["code"].co_name if w["code"] is not None else "",
        "bytecode": code,
    }


def _bytecode(code: Any, line: int, lasti: int) -> list[list[Any]]:
    """The instructions of the current line: [offset, text, is_next]."""
    out = [
        [ins.offset, f"{ins.opname} {ins.argrepr}".strip(), False]
        for ins in dis.get_instructions(code)
        if ins.positions and ins.positions.lineno == line and ins.opname != "CACHE"
    ]
    current = [row for row in out if row[0] <= lasti]  # inside a call, lasti is past its CALL
    if current:
        current[-1][2] = True
    return out[:24]


def _variables(g: dict[str, Any]) -> dict[str, str]:
    """The program's simple shared state: numbers, strings, small lists and dicts."""
    out = {}
    for key, value in g.items():
        if key.startswith("_") or key.isupper():
            continue
        if isinstance(value, bool | int | float | str | list | dict | tuple | set):
            text = repr(value)
            out[key] = text if len(text) <= 60 else text[:57] + "..."
    return out


def _locks(known: dict[str, str], ctl: Controller) -> dict[str, str]:
    out = {}
    for tag, name in known.items():
        if tag.startswith(("Lock#", "RLock#")):
            obj = _find(ctl, tag)
            if obj is not None:
                out[name] = obj.owner_name() or "free"
    return out


def _find(ctl: Controller, tag: str) -> Any:
    for value in ctl.globals.values():
        if getattr(value, "_wb_tag", None) == tag:
            return value
    for t in ctl.threads:
        frame = t.frame
        while frame is not None and frame.f_code.co_filename in ctl.files:
            for value in frame.f_locals.values():
                if getattr(value, "_wb_tag", None) == tag:
                    return value
                for item in value if isinstance(value, list | tuple) else ():
                    if getattr(item, "_wb_tag", None) == tag:
                        return item
            frame = frame.f_back
    return None


def serve(program: Program, granularity: str, channel: Any) -> None:
    """Answer commands from stdin, one JSON line each, with the new state (or an error)."""
    stepper = Stepper(program, granularity)
    stepper.restart()
    channel.send("state", **stepper.state())
    for line in sys.stdin:
        command = json.loads(line)
        op = command.get("cmd")
        if op == "quit":
            break
        try:
            if op == "step":
                stepper.step(int(command["thread"]))
            elif op == "sync":
                stepper.to_sync(int(command["thread"]))
            elif op == "undo":
                stepper.undo()
            elif op == "restart":
                stepper.restart(command.get("schedule"))
            else:
                raise StepError(f"unknown command {op!r}")
        except StepError as exc:
            channel.send("notice", message=str(exc))
            continue
        channel.send("state", **stepper.state())
    stepper.close()
