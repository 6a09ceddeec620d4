"""Saving and loading traces: the native format (numpy) and Chrome trace-event JSON.

The native file is an ``.npz`` with the event records and the string table, loaded back
exactly. The Chrome / Perfetto export turns each wait into a duration slice ("waiting for a
lock") and each hold into a slice on the holder's track, with thread names as metadata, so a
trace opens in https://ui.perfetto.dev or chrome://tracing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from workbench.analysis import ARROW_KINDS, STATE_NAMES, analyze
from workbench.events import event_dtype


def save_native(
    path: Path | str,
    events: np.ndarray,
    strings: dict[int, str],
    meta: dict[str, Any] | None = None,
) -> Path:
    path = Path(path)
    with open(path, "wb") as f:
        np.savez_compressed(
            f, events=events, strings=json.dumps(strings), meta=json.dumps(meta or {}, default=str)
        )
    return path


def load_native(path: Path | str) -> tuple[np.ndarray, dict[int, str], dict[str, Any]]:
    with np.load(path, allow_pickle=False) as data:
        events = data["events"].astype(event_dtype())
        strings = {int(k): v for k, v in json.loads(str(data["strings"])).items()}
        meta = json.loads(str(data["meta"]))
    return events, strings, meta


def chrome_trace(events: np.ndarray, strings: dict[int, str]) -> dict[str, Any]:
    """Chrome trace-event JSON (times in µs): thread names, waits, holds and flow arrows."""
    timeline = analyze(events, strings).timeline
    out: list[dict[str, Any]] = []
    if timeline is None:
        return {"traceEvents": out, "displayTimeUnit": "ms"}
    lanes = timeline.lanes
    for lane in lanes:
        out.append(
            {
                "ph": "M",
                "name": "thread_name",
                "pid": lane["pid"],
                "tid": lane["tid"],
                "args": {"name": lane["name"]},
            }
        )
        out.append(
            {
                "ph": "X",
                "name": "alive",
                "cat": "thread",
                "pid": lane["pid"],
                "tid": lane["tid"],
                "ts": (lane["start"] - timeline.t0_ns) / 1e3,
                "dur": (lane["end"] - lane["start"]) / 1e3,
            }
        )
    s = timeline.strings
    for span in timeline.spans:
        lane = lanes[span["lane"]]
        out.append(
            {
                "ph": "X",
                "name": STATE_NAMES[int(span["state"])],
                "cat": "wait",
                "pid": lane["pid"],
                "tid": lane["tid"],
                "ts": span["start"] / 1e3,
                "dur": (span["end"] - span["start"]) / 1e3,
                "args": {
                    "object": s.get(int(span["obj"]), ""),
                    "location": s.get(int(span["loc"]), ""),
                },
            }
        )
    for hold in timeline.holds:
        lane = lanes[hold["lane"]]
        out.append(
            {
                "ph": "X",
                "name": f"holds {s.get(int(hold['obj']), '')}",
                "cat": "lock",
                "pid": lane["pid"],
                "tid": lane["tid"],
                "ts": hold["start"] / 1e3,
                "dur": (hold["end"] - hold["start"]) / 1e3,
                "args": {"location": s.get(int(hold["loc"]), "")},
            }
        )
    for i, arrow in enumerate(timeline.arrows):
        a, b = lanes[arrow["lane_from"]], lanes[arrow["lane_to"]]
        name = ARROW_KINDS[int(arrow["kind"])]
        out.append(
            {
                "ph": "s",
                "id": i,
                "name": name,
                "cat": "flow",
                "pid": a["pid"],
                "tid": a["tid"],
                "ts": arrow["t_from"] / 1e3,
            }
        )
        out.append(
            {
                "ph": "f",
                "id": i,
                "name": name,
                "cat": "flow",
                "pid": b["pid"],
                "tid": b["tid"],
                "ts": arrow["t_to"] / 1e3,
                "bp": "e",
            }
        )
    return {"traceEvents": out, "displayTimeUnit": "ms"}


def save(
    path: Path | str,
    events: np.ndarray,
    strings: dict[int, str],
    meta: dict[str, Any] | None = None,
) -> Path:
    """By extension: ``.json`` is Chrome trace-event JSON, ``.npz`` the native format."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(chrome_trace(events, strings)))
        return path
    if path.suffix.lower() == ".npz":
        return save_native(path, events, strings, meta)
    raise ValueError(f"cannot write a trace to {path.name!r}: use .json (Chrome/Perfetto) or .npz")
