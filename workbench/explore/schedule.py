"""Saved schedules: a plain JSON file that ``workbench replay`` and the step view play back.

A schedule is the list of thread numbers chosen at each scheduling point, with what it needs to
mean the same thing again: the target, its parameters and the granularity. ``digest`` fingerprints
the execution (thread and operation at every point) so a replay can say it was identical.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from workbench import paths

VERSION = 1
GRANULARITIES = ("sync", "line", "opcode")
STRATEGIES = ("random", "pct", "dfs")


class ScheduleFileError(ValueError):
    """A file that is not a schedule this version can play; the message says why."""


def save(data: dict[str, Any], where: str | None) -> Path:
    """Write the schedule to ``where`` (a file, or a folder to put it in), or the data folder."""
    base = Path(str(data["target"])).name.removesuffix(".py")
    name = re.sub(r"[^\w.-]+", "_", base) or "target"
    file_name = f"{name}-{data['digest']}.json"
    if where is None:
        path = paths.home() / "schedules" / file_name
    else:
        path = Path(where)
        if path.is_dir():
            path = path / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path.resolve()


def load(path: str) -> dict[str, Any]:
    """Read and check a schedule file, or a one-line ScheduleFileError."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ScheduleFileError(f"no such schedule file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScheduleFileError(f"{path} is not a schedule (JSON): {exc}") from None
    if not isinstance(data, dict):
        raise ScheduleFileError(f"{path} is not a schedule: expected a JSON object")
    missing = [k for k in ("target", "schedule", "granularity") if k not in data]
    if missing:
        raise ScheduleFileError(f"{path} is not a schedule: missing {', '.join(missing)}")
    if data["granularity"] not in GRANULARITIES:
        raise ScheduleFileError(
            f"{path}: unknown granularity {data['granularity']!r} "
            f"(one of {', '.join(GRANULARITIES)})"
        )
    steps = data["schedule"]
    if not isinstance(steps, list) or not all(type(s) is int and s >= 0 for s in steps):
        raise ScheduleFileError(f"{path}: 'schedule' must be a list of thread numbers")
    if not isinstance(data.get("params", {}), dict):
        raise ScheduleFileError(f"{path}: 'params' must be an object")
    return data
