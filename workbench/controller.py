"""Starts run hosts and follows them: the only way the workbench runs a recipe.

The controller never runs recipe code in its own process. :func:`start` launches a run host as a
child in a new process group and returns a :class:`Run` at once; a pump thread reads the host's
channel and its stdout/stderr, keeps the :class:`RunRecord` up to date and hands every message to
the listeners. ``cancel()``, the timeout and a host crash all end the whole process tree, and the
record says which it was. Listeners are plain callables, so the CLI, the tests and the GUI's
Qt adapter consume the same stream.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_ready
from typing import Any

import psutil

from workbench import analysis, catalog, crossproc, proctree, tracefile
from workbench.channel import ADDRESS_ENV, AUTHKEY_ENV, Listener, Msg, new_authkey
from workbench.events import decode
from workbench.history import History
from workbench.paths import home, project_root
from workbench.spec import Repeat, RunRecord, RunSpec, Status

Listener_ = Callable[[str, Any], None]
LOG_KEEP = 20000  # console lines kept in a record; the rest are counted as dropped
GRACE_AFTER_DONE_S = 2.0  # how long a finished host may take to exit before it is ended


def host_command() -> list[str]:
    """How a run host is started; MPI jobs wrap this in ``mpiexec``."""
    return [sys.executable, "-m", "workbench.host"]


def host_env(address: tuple[str, int], authkey: bytes) -> dict[str, str]:
    env = dict(os.environ)
    root = str(project_root())
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env[ADDRESS_ENV] = f"{address[0]}:{address[1]}"
    env[AUTHKEY_ENV] = authkey.hex()
    return env


class Run:
    """A run in flight. ``wait()`` returns its record; ``cancel()`` ends it within a second."""

    def __init__(
        self,
        spec: RunSpec,
        listeners: list[Listener_] | None = None,
        history: History | None = None,
        sweep_id: str | None = None,
        recipe: catalog.Recipe | None = None,
    ) -> None:
        self.spec = spec
        self.history = history
        self.sweep_id = sweep_id
        self.recipe = recipe or catalog.get(spec.recipe_id)
        self.record = RunRecord(spec=spec, backend=str(self.recipe.backend))
        self.listeners = list(listeners or [])
        self.events: list[Any] = []
        self.strings: dict[int, str] = {}
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._known: dict[int, psutil.Process] = {}
        self._finished_at = 0.0
        self._deadlocked = False
        self._expected = 1  # hosts that must say DONE: an MPI job's ranks
        self._dones = 0
        self._mpi_watch: Any = None  # a traced MPI job's deadlock watch (mpi_deadlock)
        self._host_conn: Connection | None = None
        self._remaps: dict[int, dict[int, int]] = {}
        self._string_ids: dict[str, int] = {}
        self._dropped: dict[int, int] = {}
        self.analysis: analysis.Analysis | None = None
        self._readers: list[threading.Thread] = []
        self._cross: crossproc.CrossProcess | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    # -- public -----------------------------------------------------------------------------
    def start(self) -> Run:
        authkey = new_authkey()
        command, bind, advertise = host_command(), "127.0.0.1", None
        if self.recipe.backend == "mpi":  # mpiexec -n N workbench.host: N hosts connect
            from workbench import mpi_launch

            command, bind, advertise, self._expected = mpi_launch.plan(self.spec, command)
            if self.spec.trace:
                from workbench.mpi_deadlock import JobWatch

                self._mpi_watch = JobWatch(self._expected)
        if self.history:  # after the launch plan: a launcher that cannot work records nothing
            self.history.run_started(self.spec, self.record.backend, self.sweep_id)
        self._listener = Listener(authkey, bind)
        address = (advertise or self._listener.address[0], self._listener.address[1])
        env = host_env(address, authkey)
        if self.recipe.backend == "mpi":
            env[mpi_launch.MPI_ENV] = "1"
        self.record.started_s = time.time()
        self._t0 = time.monotonic()
        self.proc = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            cwd=os.getcwd(),
        )
        if self.spec.trace:
            self._cross = crossproc.CrossProcess(self.proc.pid)
        for stream, pipe in (("stdout", self.proc.stdout), ("stderr", self.proc.stderr)):
            reader = threading.Thread(
                target=self._read_stream, args=(stream, pipe), daemon=True, name=f"run-{stream}"
            )
            reader.start()
            self._readers.append(reader)
        threading.Thread(target=self._pump, name=f"run-{self.spec.run_id}", daemon=True).start()
        return self

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> RunRecord:
        self._done.wait(timeout)
        return self.record

    @property
    def done(self) -> bool:
        return self._done.is_set()

    # -- the pump ---------------------------------------------------------------------------
    def _emit(self, kind: str, payload: Any) -> None:
        for listener in self.listeners:
            try:
                listener(kind, payload)
            except Exception as exc:  # a broken listener must not break the run's bookkeeping
                print(f"workbench: listener failed: {exc!r}", file=sys.stderr)

    def _pump(self) -> None:
        status: Status | None = None
        conns: list[Connection] = []
        finished = False
        try:
            while status is None:
                self._remember_tree()
                ready = wait_ready([self._listener, *conns], timeout=0.05)
                for item in ready:
                    if item is self._listener:
                        conn = self._listener.accept()
                        if conn:
                            conn.send(self._host_spec())
                            conns.append(conn)
                            self._host_conn = self._host_conn or conn  # the first to connect
                        continue
                    try:
                        finished |= self._handle(item.recv(), item)
                    except (EOFError, OSError):
                        conns.remove(item)
                self._check_cross()
                status = self._check(finished, self._host_conn in conns)
        except Exception as exc:  # keep the record honest even if the pump itself breaks
            self.record.error = {
                "type": type(exc).__name__,
                "message": f"controller: {exc}",
                "traceback": "",
            }
            status = Status.FAILED
        self._finish(status, conns)

    def _check_cross(self) -> None:
        """A deadlock that spans processes, which no single process can see."""
        if self._cross is None or self._deadlocked:
            return
        finding = self._cross.check(time.monotonic())
        if finding is not None:
            self.record.findings.append(finding)
            self._deadlocked = True
            self._emit(Msg.FINDING, finding)

    def _check(self, finished: bool, connected: bool) -> Status | None:
        """The run's final status once it is decided, else None."""
        assert self.proc is not None
        exited = self.proc.poll() is not None
        if self._cancel.is_set():
            return Status.CANCELLED
        if self._mpi_watch and not self._deadlocked:
            found = self._mpi_watch.verdict()
            if found:
                self._handle([(Msg.FINDING, found)])
        if self._deadlocked:
            return Status.DEADLOCK
        if time.monotonic() - self._t0 > self.spec.timeout_s:
            return Status.TIMEOUT
        if finished:
            if exited or time.monotonic() - self._finished_at > GRACE_AFTER_DONE_S:
                return Status.FAILED if self.record.error else Status.OK
            return None
        if exited and not connected:
            for reader in self._readers:
                reader.join(timeout=1.0)
            stderr = [text for stream, text in self.record.log if stream == "stderr" and text]
            self.record.error = self.record.error or {
                "type": "HostCrashed",
                "message": _describe_exit(self.proc.returncode),
                "traceback": "\n".join(stderr[-30:]),
            }
            return Status.FAILED
        return None

    def _handle(self, batch: list[tuple[str, Any]], conn: Any = None) -> bool:
        """Apply one batch to the record; True once the host said it is done. Traced child
        processes connect too: their batches carry events (and their own string ids)."""
        done = False
        for kind, payload in batch:
            if kind == Msg.REPEAT:
                self.record.repeats.append(Repeat(payload["wall_ns"], payload["phases"]))
                self.record.result = payload["result"]
            elif kind == Msg.PARTIAL:
                self.record.partial.update(payload)
            elif kind == Msg.ERROR:
                self.record.error = payload
            elif kind == Msg.EVENTS:
                self._take_events(payload, conn)
            elif kind == Msg.FINDING:
                self.record.findings.append(payload)
                self._deadlocked |= payload.get("kind") == "deadlock"
            elif kind == "mpi_state" and self._mpi_watch:
                self._mpi_watch.update(payload)
            elif kind == Msg.WAITS:
                if self._cross is not None:
                    self._cross.update(payload, time.monotonic())
                continue  # internal bookkeeping: no listener needs it
            elif kind == Msg.DONE:
                self._dones += 1
                done = self._dones >= self._expected
                self._finished_at = time.monotonic()
            self._emit(kind, payload)
        return done

    def _take_events(self, payload: dict[str, Any], conn: Any = None) -> None:
        """Keep a batch of events, its string ids translated into the run's one table (each
        process interns its own strings)."""
        table = self._remaps.setdefault(id(conn), {})
        for local, text in payload["strings"].items():
            found = self._string_ids.get(text)
            if found is None:
                found = self._string_ids[text] = len(self.strings)
                self.strings[found] = text
            table[int(local)] = found
        records = decode(payload["records"])
        if len(records):
            self.events.append(_translate(records, table, self._string_ids.get("misuse")))
        self.record.events += len(records)
        self._dropped[id(conn)] = payload.get("dropped", 0)
        self.record.events_dropped = sum(self._dropped.values())

    def _host_spec(self) -> dict[str, Any]:
        return self.spec.as_dict() | {
            "module": self.recipe.module,
            "function": self.recipe.function,
        }

    def _remember_tree(self) -> None:
        """Note every process of the run while it is alive, so none escapes the final kill."""
        if self.proc and self.proc.poll() is None:
            for p in proctree.descendants(self.proc.pid):
                self._known.setdefault(p.pid, p)

    def _read_stream(self, stream: str, pipe: Any) -> None:
        for raw in iter(pipe.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                if len(self.record.log) < LOG_KEEP:
                    self.record.log.append((stream, text))
                else:
                    self.record.log_dropped += 1
            self._emit(Msg.LOG, {"stream": stream, "text": text})
        pipe.close()

    def _finish(self, status: Status, conns: list[Connection]) -> None:
        assert self.proc is not None
        left = proctree.kill_tree(self.proc.pid, self.proc.pid, list(self._known.values()))
        self.proc.wait()
        for reader in self._readers:
            reader.join(timeout=1.0)
        for conn in conns:
            conn.close()
        self._listener.close()
        self.record.exit_code = self.proc.returncode
        if left:
            self.record.error = self.record.error or {
                "type": "Leftover",
                "traceback": "",
                "message": f"{len(left)} process(es) survived the kill: {[p.pid for p in left]}",
            }
        if status is Status.OK and self.record.error:
            status = Status.FAILED
        if self.spec.trace or self.recipe.backend == "opencl":  # device queues make a timeline
            self._analyze_trace()
        self.record.status = status
        self.record.host_s = time.monotonic() - self._t0
        self.record.ended_s = time.time()
        if self.history:
            self.history.run_finished(self.record)
        self._emit("finished", self.record)
        self._done.set()

    def _analyze_trace(self) -> None:
        """Findings and statistics from the recorded events; the trace is kept on disk."""
        events = self.trace_events()
        if self._cross is not None and self._cross.servers and len(events):
            import numpy as np  # a Manager's server recorded only its start: no lane for it

            events = events[~np.isin(events["pid"], list(self._cross.servers))]
        end_ns = time.perf_counter_ns()
        result = analysis.analyze(events, self.strings, end_ns)
        if self.record.events_dropped:  # a missing release or put would invent a race
            result.findings = [f for f in result.findings if f["kind"] != "data_race"]
        self.record.findings.extend(result.findings)
        self.record.stats = result.stats(len(events), self.record.events_dropped)
        self.analysis = result
        folder = home() / "traces"
        folder.mkdir(exist_ok=True)
        path = folder / f"{self.spec.run_id}.npz"
        meta = {
            "spec": self.spec.as_dict(),
            "findings": self.record.findings,
            "dropped": self.record.events_dropped,
        }
        tracefile.save_native(path, events, self.strings, meta)
        self.record.trace_path = str(path)

    def trace_events(self) -> Any:
        """Every event received so far, as one structured array."""
        import numpy as np

        from workbench.events import event_dtype

        chunks = list(self.events)  # a snapshot: the pump may append while we read
        return np.concatenate(chunks) if chunks else np.zeros(0, event_dtype())


def _translate(records: Any, table: dict[int, int], misuse: int | None) -> Any:
    """Records with a process's own string ids replaced by the run's."""
    import numpy as np

    if all(k == v for k, v in table.items()):
        return records
    lut = np.arange(
        max(
            max(table),
            int(records["kind"].max()),
            int(records["obj"].max()),
            int(records["loc"].max()),
        )
        + 1
    )
    for local, run_id in table.items():
        lut[local] = run_id
    out = records.copy()
    for name in ("kind", "obj", "loc"):
        out[name] = lut[out[name]]
    if misuse is not None:  # a misuse event carries its message's string id in arg
        hit = out["kind"] == misuse
        out["arg"][hit] = lut[out["arg"][hit]]
    return out


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the run host was killed by {name} (the recipe crashed it)"
    return f"the run host exited with code {code} before reporting a result"


def start(
    spec: RunSpec,
    listeners: list[Listener_] | None = None,
    history: History | None = None,
    sweep_id: str | None = None,
    recipe: catalog.Recipe | None = None,
) -> Run:
    """Start a run host for ``spec`` and return at once; record it in ``history`` if given."""
    return Run(spec, listeners, history, sweep_id, recipe).start()


def run(
    spec: RunSpec,
    listeners: list[Listener_] | None = None,
    history: History | None = None,
    recipe: catalog.Recipe | None = None,
) -> RunRecord:
    """Start a run and wait for its record."""
    return start(spec, listeners, history, recipe=recipe).wait()
