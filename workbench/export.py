"""Runs and sweeps as CSV or JSON files, for a spreadsheet, a notebook or a report.

JSON keeps everything (it is the same document ``--json`` prints). CSV is for tables: a run
becomes ``key,value`` rows of its scalars (status, timings, each parameter as ``param.<name>``,
each scalar result as ``result.<name>``); a result value that is a list of flat records (the
per-chunk table of a compare recipe, the per-workload rows of the GIL study) follows as its own
CSV section, introduced by a ``# result.<name>`` comment line and a blank line before it. Other
nested values (time series) are named in a comment and left to the JSON. A sweep becomes one row
per worker count; its Amdahl fit and plan go in ``#`` comment lines above the header, which
``pandas.read_csv(..., comment="#")`` skips.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from workbench.history import History

SWEEP_COLUMNS = (
    "workers",
    "median_s",
    "min_s",
    "max_s",
    "speedup",
    "efficiency",
    "karp_flatt",
    "noisy",
    "startup_s",
    "cv",
)
RUN_COLUMNS = ("run_id", "recipe", "backend", "status", "workers", "wall_s", "startup_s")


def run_to_json(run: Mapping[str, Any]) -> str:
    """A run (``RunRecord.as_dict()`` or a history row) as indented JSON."""
    return json.dumps(run, indent=2, default=str) + "\n"


def sweep_to_json(summary: Mapping[str, Any]) -> str:
    """A sweep summary (``Sweep.summary()``) as indented JSON."""
    return json.dumps(summary, indent=2, default=str) + "\n"


def run_to_csv(run: Mapping[str, Any]) -> str:
    """A run as ``key,value`` rows, then one CSV section per table in its result."""
    out = io.StringIO()
    writer = _writer(out)
    writer.writerow(["key", "value"])
    for key, value in _run_scalars(run).items():
        writer.writerow([key, _cell(value)])
    result = run.get("result") or {}
    skipped = [k for k, v in result.items() if not _is_scalar(v) and not _is_table(v)]
    if skipped:
        out.write(f"# not in this CSV (see the JSON export): result.{', result.'.join(skipped)}\n")
    for key, value in result.items():
        if _is_table(value):
            out.write(f"\n# result.{key}\n")
            _write_table(out, value)
    return out.getvalue()


def sweep_to_csv(summary: Mapping[str, Any]) -> str:
    """One row per worker count, with the plan and the Amdahl fit in ``#`` lines above."""
    out = io.StringIO()
    recipe = summary.get("id") or summary.get("recipe", "")
    out.write(f"# sweep {summary.get('sweep_id', '')} of {recipe} ({summary.get('status', '')})\n")
    out.write(f"# params {json.dumps(summary.get('params') or {}, default=str)}\n")
    out.write(f"# repeat {summary.get('repeat', '')}; ")
    out.write(f"speedup relative to {summary.get('baseline_workers', 1)} worker(s)\n")
    fit = summary.get("amdahl")
    if fit:
        out.write(f"# amdahl serial_fraction={fit['serial_fraction']:.6g} r2={fit['r2']:.6g}\n")
    else:
        out.write("# amdahl no fit (needs a 1-worker baseline and two or more points)\n")
    _write_table(out, summary.get("points") or [], SWEEP_COLUMNS)
    return out.getvalue()


def outcome_text(outcome: Mapping[str, Any] | list[Mapping[str, Any]], path: Path | str) -> str:
    """A finished job as the text of ``path``'s format: a run record, or a list of sweep
    summaries (one sweep, or one per backend for a comparison)."""
    kind = Path(path).suffix.lower()
    if kind not in (".csv", ".json"):
        raise ValueError(
            f"cannot export to {Path(path).name!r}: the name must end in .csv or .json"
        )
    if isinstance(outcome, Mapping):
        return run_to_json(outcome) if kind == ".json" else run_to_csv(outcome)
    if kind == ".json":
        return json.dumps(list(outcome), indent=2, default=str) + "\n"
    return "\n".join(sweep_to_csv(summary) for summary in outcome)


def write(path: Path | str, text: str) -> Path:
    """Write ``text`` as UTF-8, atomically: a crash mid-way never leaves half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def history_export(history: History, path: Path | str, item_ids: list[str]) -> Path:
    """Export stored runs and sweeps (by id) to ``path``; ``.csv`` or ``.json`` picks the form.

    JSON holds ``{"runs": [...], "sweeps": [...]}`` with the full history rows (logs included).
    CSV holds a runs table (one row per run) and then one section per sweep, blank-line apart.
    """
    path = Path(path)
    kind = path.suffix.lower()
    if kind not in (".csv", ".json"):
        raise ValueError(f"cannot export to {path.name!r}: the name must end in .csv or .json")
    runs, sweeps = _find(history, item_ids)
    if kind == ".json":
        return write(path, json.dumps({"runs": runs, "sweeps": sweeps}, indent=2, default=str))
    parts = [_runs_table(runs)] if runs else []
    parts += [sweep_to_csv(s["summary"] or _stub_summary(s)) for s in sweeps]
    return write(path, "\n".join(parts))


def _find(history: History, item_ids: list[str]) -> tuple[list[dict], list[dict]]:
    wanted = list(dict.fromkeys(item_ids))
    runs, sweeps, missing = [], [], []
    for item_id in wanted:
        if (sweep := history.sweep(item_id)) is not None:
            sweeps.append(sweep)
        elif (run := history.run(item_id)) is not None:
            runs.append(run)
        else:
            missing.append(item_id)
    if missing:
        raise ValueError(f"not in the history (deleted?): {', '.join(missing)}")
    return runs, sweeps


def _runs_table(runs: list[dict[str, Any]]) -> str:
    rows = []
    for run in runs:
        row = _run_scalars(run)
        row["error"] = _error_line(run.get("error"))
        rows.append(row)
    out = io.StringIO()
    _write_table(out, rows)
    return out.getvalue()


def _run_scalars(run: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {k: run.get(k) for k in RUN_COLUMNS}
    row["recipe"] = run.get("recipe") or run.get("id")
    if run.get("started"):
        row["started"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(run["started"]))
    for key, value in (run.get("params") or {}).items():
        row[f"param.{key}"] = value
    for key, value in (run.get("result") or {}).items():
        if _is_scalar(value):
            row[f"result.{key}"] = value
    return row


def _stub_summary(sweep: Mapping[str, Any]) -> dict[str, Any]:
    """A sweep that never finished has no summary; export its plan with no points."""
    return {k: sweep.get(k) for k in ("sweep_id", "recipe", "params", "repeat", "status")}


def _error_line(error: Any) -> str:
    if not error:
        return ""
    return f"{error.get('type', 'Error')}: {error.get('message', '')}".strip()


def _write_table(
    out: io.StringIO, rows: Iterable[Mapping[str, Any]], columns: Iterable[str] = ()
) -> None:
    rows = list(rows)
    header = list(columns) or list(dict.fromkeys(k for row in rows for k in row))
    writer = _writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(k)) for k in header])


def _writer(out: io.StringIO) -> Any:
    return csv.writer(out, lineterminator="\n")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if _is_scalar(value):
        return value
    return json.dumps(value, default=str)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _is_table(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(row, dict) and all(map(_is_scalar, row.values())) for row in value)
    )
