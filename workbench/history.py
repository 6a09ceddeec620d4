"""Every run and sweep, kept in SQLite (WAL) in the workbench's data directory.

A run is written as ``running`` when it starts and updated when it ends, so a controller that is
killed mid-way leaves a row that the next opening marks ``interrupted`` (its owner pid is gone);
nothing stored earlier is touched. Each write is its own short transaction.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from workbench.machine import machine_info
from workbench.paths import home
from workbench.spec import RunRecord, RunSpec, Status

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, recipe TEXT NOT NULL, backend TEXT NOT NULL, params TEXT NOT NULL,
    workers INTEGER, repeat INTEGER NOT NULL, status TEXT NOT NULL, started REAL NOT NULL,
    ended REAL, wall_s REAL, startup_s REAL, result TEXT, partial TEXT, error TEXT,
    findings TEXT, machine TEXT NOT NULL, trace_path TEXT, log TEXT, sweep_id TEXT,
    owner_pid INTEGER NOT NULL, record TEXT
);
CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id TEXT PRIMARY KEY, recipe TEXT NOT NULL, backend TEXT NOT NULL, params TEXT NOT NULL,
    workers TEXT NOT NULL, repeat INTEGER NOT NULL, status TEXT NOT NULL, started REAL NOT NULL,
    ended REAL, summary TEXT, machine TEXT NOT NULL, owner_pid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started);
CREATE INDEX IF NOT EXISTS runs_sweep ON runs(sweep_id);
"""
LOG_CHARS = 1_000_000


class History:
    """The history database. Runs finish on their pump threads, so the one connection is shared
    between threads and serialised by a lock (sqlite3 objects are not thread-safe by themselves).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or home() / "history.sqlite"
        self._lock = threading.RLock()
        self.db = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.mark_interrupted()

    def close(self) -> None:
        self.db.close()

    def mark_interrupted(self) -> int:
        """Rows still ``running`` whose controller process is gone were interrupted."""
        changed = 0
        for table, key in (("runs", "run_id"), ("sweeps", "sweep_id")):
            rows = self.db.execute(
                f"SELECT {key}, owner_pid, started FROM {table} WHERE status = ?",
                (str(Status.RUNNING),),
            ).fetchall()
            for row in rows:
                if not _owner_alive(row["owner_pid"], row["started"]):
                    with self._lock, self.db:
                        self.db.execute(
                            f"UPDATE {table} SET status = ? WHERE {key} = ?",
                            (str(Status.INTERRUPTED), row[key]),
                        )
                    changed += 1
        return changed

    def run_started(self, spec: RunSpec, backend: str, sweep_id: str | None = None) -> None:
        with self._lock, self.db:
            self.db.execute(
                "INSERT INTO runs (run_id, recipe, backend, params, workers, repeat, status,"
                " started, machine, sweep_id, owner_pid) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    spec.run_id,
                    spec.recipe_id,
                    backend,
                    json.dumps(dict(spec.params)),
                    spec.workers,
                    spec.repeat,
                    str(Status.RUNNING),
                    time.time(),
                    json.dumps(machine_info()),
                    sweep_id,
                    os.getpid(),
                ),
            )

    def run_finished(self, record: RunRecord) -> None:
        log = "\n".join(f"{stream}\t{text}" for stream, text in record.log)[-LOG_CHARS:]
        data = record.as_dict()
        with self._lock, self.db:
            self.db.execute(
                "UPDATE runs SET status=?, ended=?, wall_s=?, startup_s=?, result=?, partial=?,"
                " error=?, findings=?, trace_path=?, log=?, record=? WHERE run_id=?",
                (
                    str(record.status),
                    time.time(),
                    record.wall_s,
                    record.startup_s,
                    _dump(record.result),
                    _dump(record.partial or None),
                    _dump(record.error),
                    json.dumps(record.findings),
                    record.trace_path,
                    log,
                    json.dumps(data, default=str),
                    record.spec.run_id,
                ),
            )

    def sweep_started(
        self,
        sweep_id: str,
        recipe: str,
        backend: str,
        params: dict[str, Any],
        workers: list[int],
        repeat: int,
    ) -> None:
        with self._lock, self.db:
            self.db.execute(
                "INSERT INTO sweeps (sweep_id, recipe, backend, params, workers, repeat, status,"
                " started, machine, owner_pid) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    sweep_id,
                    recipe,
                    backend,
                    json.dumps(params),
                    json.dumps(workers),
                    repeat,
                    str(Status.RUNNING),
                    time.time(),
                    json.dumps(machine_info()),
                    os.getpid(),
                ),
            )

    def sweep_finished(self, summary: dict[str, Any]) -> None:
        with self._lock, self.db:
            self.db.execute(
                "UPDATE sweeps SET status=?, ended=?, summary=? WHERE sweep_id=?",
                (summary["status"], time.time(), json.dumps(summary), summary["sweep_id"]),
            )

    def runs(self, limit: int = 50, include_sweep_points: bool = False) -> list[dict[str, Any]]:
        where = "" if include_sweep_points else "WHERE sweep_id IS NULL"
        with self._lock:
            rows = self.db.execute(
                f"SELECT * FROM runs {where} ORDER BY started DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_run_row(r) for r in rows]

    def sweeps(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._lock:
            rows = self.db.execute(
                "SELECT * FROM sweeps ORDER BY started DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_sweep_row(r) for r in rows]

    def sweep(self, sweep_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self.db.execute("SELECT * FROM sweeps WHERE sweep_id = ?", (sweep_id,)).fetchone()
        return _sweep_row(row) if row else None

    def run(self, run_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self.db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return _run_row(row, with_log=True) if row else None

    def delete(self, item_id: str) -> int:
        """Delete a run, or a sweep with its points; returns how many rows went."""
        with self._lock, self.db:
            n = self.db.execute(
                "DELETE FROM runs WHERE run_id = ? OR sweep_id = ?", (item_id, item_id)
            ).rowcount
            n += self.db.execute("DELETE FROM sweeps WHERE sweep_id = ?", (item_id,)).rowcount
        return n


def _owner_alive(pid: int, started: float) -> bool:
    try:
        proc = psutil.Process(pid)
        return proc.create_time() <= started + 1 and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _run_row(row: sqlite3.Row, with_log: bool = False) -> dict[str, Any]:
    out = {
        k: row[k]
        for k in (
            "run_id",
            "recipe",
            "backend",
            "workers",
            "repeat",
            "status",
            "started",
            "ended",
            "wall_s",
            "startup_s",
            "trace_path",
            "sweep_id",
        )
    }
    for k in ("params", "result", "partial", "error", "findings", "machine"):
        out[k] = _load(row[k])
    if with_log:
        out["log"] = row["log"]
    return out


def _sweep_row(row: sqlite3.Row) -> dict[str, Any]:
    out = {
        k: row[k] for k in ("sweep_id", "recipe", "backend", "repeat", "status", "started", "ended")
    }
    for k in ("params", "workers", "summary", "machine"):
        out[k] = _load(row[k])
    return out
