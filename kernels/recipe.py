"""What every recipe shares: typed parameters and the small context a run reports through.

A recipe module declares, as plain module attributes::

    TITLE = "Lock counter"                 # one line
    CHAPTER = "2. Thread-based parallelism"
    BOOK = "E1-2.05"                       # the book recipe(s) it re-creates
    LESSON = "...what to look at and why (a few sentences, plain text)..."
    SHOWS_BUG = True                       # the recipe can show one of the book's bugs
    PARAMS = [Param("workers", "int", 4, min=1, max=64, help="threads that count"), ...]
    QUICK = {"iterations": 1000}           # small parameters for tests (optional)

and one function, ``run(ctx, **params) -> dict``, which returns a JSON-able result that shows the
lesson. ``ctx`` is anything with the methods of :class:`Context`: the workbench passes one that
reports over its channel, ``python -m kernels.<backend>.<name>`` passes a console one.

This module imports nothing from the engine, so a recipe runs alone with the standard library.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

TYPES = ("int", "float", "bool", "choice", "str")
_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n"}


class ParamError(ValueError):
    """A parameter value that is not allowed; the message names what is."""


@dataclass(frozen=True)
class Param:
    """One typed recipe parameter, with what the form and the command line need to know."""

    name: str
    type: str
    default: Any
    min: float | None = None
    max: float | None = None
    choices: Sequence[str] = ()
    help: str = ""

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise TypeError(f"parameter {self.name!r}: type must be one of {TYPES}")
        if self.type == "choice" and self.default not in self.choices:
            raise TypeError(f"parameter {self.name!r}: default not among its choices")

    def allowed(self) -> str:
        """What values are allowed, in words, for error messages."""
        if self.type == "choice":
            return "one of " + ", ".join(self.choices)
        if self.type == "bool":
            return "true or false"
        if self.type in ("int", "float"):
            lo = "-inf" if self.min is None else _num(self.min)
            hi = "inf" if self.max is None else _num(self.max)
            return f"{'an integer' if self.type == 'int' else 'a number'} from {lo} to {hi}"
        return "any text"

    def parse(self, text: str) -> Any:
        """Turn command-line text into a checked value."""
        raw = text.strip()
        try:
            if self.type == "int":
                value: Any = int(raw)
            elif self.type == "float":
                value = float(raw)
            elif self.type == "bool":
                if raw.lower() not in _TRUE | _FALSE:
                    raise ValueError
                value = raw.lower() in _TRUE
            else:
                value = text
        except ValueError:
            raise ParamError(f"{self.name}={text!r} is not {self.allowed()}") from None
        return self.check(value)

    def check(self, value: Any) -> Any:
        """Validate an already typed value (from a form or JSON) and return it normalised."""
        if self.type == "bool":
            if not isinstance(value, bool):
                raise ParamError(f"{self.name}={value!r} is not {self.allowed()}")
            return value
        if self.type == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise ParamError(f"{self.name}={value!r} is not {self.allowed()}")
        if self.type == "float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParamError(f"{self.name}={value!r} is not {self.allowed()}")
            value = float(value)
        if self.type in ("int", "float"):
            if (self.min is not None and value < self.min) or (
                self.max is not None and value > self.max
            ):
                raise ParamError(f"{self.name}={_num(value)} is out of range: {self.allowed()}")
        if self.type == "choice" and value not in self.choices:
            raise ParamError(f"{self.name}={value!r} is not {self.allowed()}")
        if self.type == "str" and not isinstance(value, str):
            raise ParamError(f"{self.name}={value!r} is not text")
        return value

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices) or None,
            "help": self.help,
        }


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass
class Context:
    """How a recipe reports while it runs; this one prints to the console.

    The workbench's run host passes a subclass that sends the same reports to the controller.
    ``timed("work")`` marks the part of the run that a speedup is measured on, so that pool or
    process start-up (``timed("startup")``) is reported apart from the work.
    """

    phases: dict[str, int] = field(default_factory=dict)
    partial_result: dict[str, Any] = field(default_factory=dict)
    quiet: bool = False

    def progress(self, done: float, total: float | None = None) -> None:
        """Say how far the run is (``done`` of ``total``, or a fraction when total is None)."""
        if not self.quiet:
            frac = done / total if total else done
            print(f"[progress {100 * frac:5.1f}%]", file=sys.stderr)

    def partial(self, **values: Any) -> None:
        """Record part of the result now, so that it survives if the run hangs and is stopped."""
        self.partial_result.update(values)

    def should_stop(self) -> bool:
        """True once the run was asked to stop; long loops check it."""
        return False

    @contextlib.contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Measure a named phase of the run with ``time.perf_counter_ns``."""
        start = time.perf_counter_ns()
        try:
            yield
        finally:
            self.phases[phase] = self.phases.get(phase, 0) + time.perf_counter_ns() - start


def defaults(module: Any) -> dict[str, Any]:
    """The recipe's default parameters."""
    return {p.name: p.default for p in module.PARAMS}


def main(module_name: str, argv: Sequence[str] | None = None, echo: bool = True) -> dict[str, Any]:
    """Run a recipe alone: ``python -m kernels.threads.lock_counter --workers 4``; ``echo``
    False runs it without printing the result (MPI ranks other than 0)."""
    module = sys.modules[module_name]
    parser = argparse.ArgumentParser(
        prog=f"python -m {module.__spec__.name}", description=module.TITLE
    )
    for p in module.PARAMS:
        parser.add_argument(
            f"--{p.name.replace('_', '-')}",
            dest=p.name,
            default=p.default,
            type=_argtype(p),
            help=f"{p.help} ({p.allowed()})",
        )
    args = parser.parse_args(argv)
    ctx = Context()
    start = time.perf_counter_ns()
    result = module.run(ctx, **vars(args))
    wall = (time.perf_counter_ns() - start) / 1e9
    if echo:
        print(json.dumps({"wall_s": round(wall, 4), "result": result}, indent=2, default=str))
    return result


def _argtype(p: Param) -> Any:
    def convert(text: str) -> Any:
        try:
            return p.parse(text)
        except ParamError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = p.type
    return convert
