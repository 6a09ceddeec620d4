"""Tracing inside a child process of a traced run (see ``workbench/childhook``).

The child connects to the run's controller like the run host did, says hello as a child, and
installs the traced primitives; its events travel over its own connection and are merged on
the controller (``perf_counter_ns`` is one clock for every process on Linux). At exit the
last batch is flushed.
"""

from __future__ import annotations

import atexit
import json
import os

from workbench.channel import Msg, connect
from workbench.events import EventBuffer, Strings

CHILD_ENV = "WORKBENCH_TRACE_CHILD"


def child_env(address: str, authkey: bytes, mode: str) -> dict[str, str]:
    """What a traced run host adds to its environment so that its children trace themselves."""
    hook = os.path.join(os.path.dirname(os.path.abspath(__file__)), "childhook")
    path = os.pathsep.join(p for p in (hook, os.environ.get("PYTHONPATH")) if p)
    value = json.dumps(
        {"address": address, "key": authkey.hex(), "mode": mode, "host": os.getpid()}
    )
    return {CHILD_ENV: value, "PYTHONPATH": path}


def start() -> None:
    from workbench import instrument
    from workbench.host import Sender
    from workbench.tracer import Tracer

    info = json.loads(os.environ[CHILD_ENV])
    if info["host"] == os.getpid():
        return
    conn = connect(info["address"], bytes.fromhex(info["key"]))
    conn.recv()  # the run's spec: a child runs what its parent asked, not the recipe
    events = EventBuffer(Strings())
    sender = Sender(conn, events)
    sender.put(
        Msg.HELLO,
        {"pid": os.getpid(), "host": os.uname().nodename, "child": True, "parent": os.getppid()},
    )
    instrument.install(Tracer(events, tag=f" [pid {os.getpid()}]"))
    atexit.register(sender.close)
