"""The one authenticated local channel between a controller and its run hosts.

A host connects back to the controller's listening socket and proves it knows the run's secret
key (the HMAC challenge of ``multiprocessing.connection``), so no other local process can inject
results. Messages travel in batches: one ``send`` carries every message a host produced in the
last few tens of milliseconds. Each message is a tuple ``(kind, payload)``.

The listener polls with a timeout instead of blocking in ``accept``, so a host that dies before
it connects cannot hang the controller. It takes any number of connections, as an MPI job's
ranks will each connect.
"""

from __future__ import annotations

import os
import socket
from enum import StrEnum
from multiprocessing.connection import Connection, answer_challenge, deliver_challenge

AUTHKEY_ENV = "WORKBENCH_AUTHKEY"
ADDRESS_ENV = "WORKBENCH_CONNECT"
BATCH_INTERVAL_S = 0.03


class Msg(StrEnum):
    """What a host tells its controller."""

    HELLO = "hello"  # {"pid", "host"}
    PROGRESS = "progress"  # {"done", "total"}
    PARTIAL = "partial"  # {key: value}
    REPEAT = "repeat"  # {"index", "wall_ns", "phases", "result"}
    EVENTS = "events"  # {"strings": {id: text}, "records": numpy structured array bytes}
    ERROR = "error"  # {"type", "message", "traceback"}
    FINDING = "finding"  # {"kind", "message", "threads", "locations", ...} found while running
    WAITS = "waits"  # a traced process's wait state when it changed (see wait_report), or
    # {"pid", "server": True} from a Manager's server process, which is no party to a deadlock
    DONE = "done"  # {}
    LOG = "log"  # {"stream", "text"} — made by the controller from the host's stdout/stderr


def new_authkey() -> bytes:
    return os.urandom(32)


class Listener:
    """A listening socket on ``bind`` that authenticates each host that connects."""

    def __init__(self, authkey: bytes, bind: str = "127.0.0.1") -> None:
        self.authkey = authkey
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((bind, 0))
        self._sock.listen(64)
        self._sock.settimeout(0.05)

    @property
    def address(self) -> tuple[str, int]:
        return self._sock.getsockname()

    def fileno(self) -> int:
        return self._sock.fileno()

    def accept(self) -> Connection | None:
        """An authenticated connection, or None when nobody connected within the poll timeout
        or the peer failed authentication."""
        try:
            peer, _ = self._sock.accept()
        except TimeoutError:
            return None
        peer.setblocking(True)  # Connection reads the raw fd, which must block
        conn = Connection(peer.detach())
        try:
            deliver_challenge(conn, self.authkey)
            answer_challenge(conn, self.authkey)
        except (OSError, EOFError, ValueError, Exception):
            conn.close()
            return None
        return conn

    def close(self) -> None:
        self._sock.close()


def connect(address: str, authkey: bytes) -> Connection:
    """The host's side: connect to ``host:port`` and authenticate."""
    from multiprocessing.connection import Client

    host, _, port = address.rpartition(":")
    return Client((host, int(port)), authkey=authkey)
