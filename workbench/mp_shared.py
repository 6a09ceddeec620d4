"""Shared memory under ``full`` tracing: ``multiprocessing.Value`` and ``Array`` accesses.

``v.value += 1`` is a read and then a write, each under the value's own lock: two processes
doing it lose updates, yet each access alone is locked. So the value's own lock, taken inside
the accessor, is not recorded (it would order every access and hide the race); the access is,
as a read or write of ``attr mp.Value <name>.value`` or ``item mp.Array <name>[i]``. A lock
the program takes itself (``with v.get_lock():``) is recorded as usual and does order them.
The name is the operating system's name of the value's lock plus its offset in shared memory:
the same in every process.
"""

from __future__ import annotations

import multiprocessing.sharedctypes as msc
import threading
from typing import Any

from workbench.tracer import Kind, Tracer

_T: Tracer | None = None
_REAL: dict[str, Any] = {}
get_ident = threading.get_ident


def _label(sync: Any, what: str) -> str:
    name = sync.__dict__.get("_wb_name")
    if name is None:
        semlock = getattr(sync._lock, "_semlock", None)
        lock = getattr(semlock, "name", None) or id(sync._lock)
        try:
            offset = sync._obj._wrapper._state[0][1]
        except AttributeError:
            offset = id(sync._obj)
        name = sync._wb_name = f"mp.{what} {lock}+{offset}"
    return name


def _access(sync: Any, kind: Kind, target: str, real: Any, *args: Any) -> Any:
    t = _T
    if t is None or get_ident() in t.inside:
        return real(sync, *args)
    t.emit(kind, target, 0, t.where()[0])
    t.enter()  # the accessor's own locking is not the program's
    try:
        return real(sync, *args)
    finally:
        t.leave()


def _get_value(self: Any) -> Any:
    target = f"attr {_label(self, 'Value')}.value"
    return _access(self, Kind.MEM_READ, target, _REAL["get"])


def _set_value(self: Any, value: Any) -> None:
    target = f"attr {_label(self, 'Value')}.value"
    _access(self, Kind.MEM_WRITE, target, _REAL["set"], value)


def _get_item(self: Any, i: Any) -> Any:
    target = f"item {_label(self, 'Array')}[{i!r:.20}]"
    return _access(self, Kind.MEM_READ, target, _REAL["getitem"], i)


def _set_item(self: Any, i: Any, value: Any) -> None:
    target = f"item {_label(self, 'Array')}[{i!r:.20}]"
    _access(self, Kind.MEM_WRITE, target, _REAL["setitem"], i, value)


def install(tracer: Tracer) -> None:
    global _T
    _T = tracer
    prop = msc.Synchronized.value
    _REAL.update(
        value=prop,
        get=prop.fget,
        set=prop.fset,
        getitem=msc.SynchronizedArray.__getitem__,
        setitem=msc.SynchronizedArray.__setitem__,
    )
    msc.Synchronized.value = property(_get_value, _set_value)
    msc.SynchronizedArray.__getitem__ = _get_item
    msc.SynchronizedArray.__setitem__ = _set_item


def uninstall() -> None:
    global _T
    _T = None
    if _REAL:
        msc.Synchronized.value = _REAL["value"]
        msc.SynchronizedArray.__getitem__ = _REAL["getitem"]
        msc.SynchronizedArray.__setitem__ = _REAL["setitem"]
        _REAL.clear()
