"""Shared-state tracing ("full" mode): reads and writes of globals, attributes and items.

Python gives no hook on a variable write, so this traces opcodes (``sys.settrace`` with
``f_trace_opcodes``) in user code only — frames whose file is not in the standard library or
the workbench — and only while two or more traced threads are alive. For each code object the
instructions that touch shared state are found once with ``dis``:

- ``LOAD_GLOBAL`` / ``STORE_GLOBAL`` (and ``LOAD_NAME`` / ``STORE_NAME`` in a module's top
  level code): a module global (reads of functions, classes and modules are skipped: they are
  not data);
- ``LOAD_ATTR`` / ``STORE_ATTR`` right after loading ``x`` from a local or a global: attribute
  of that object (``self.count += 1``, ``account.balance += 1``);
- ``BINARY_SUBSCR`` / ``STORE_SUBSCR`` right after loading a container from a local or global
  and a key from a constant or local: ``shared[key]``.

The object on the value stack is not visible to a trace function, which is why attributes and
items are recognised by those patterns; an access through a longer expression is not seen.
This costs a lot (each user opcode calls back into Python), so it is a switch, off by default.
"""

from __future__ import annotations

import dis
import itertools
import sys
import threading
import types
import weakref
from typing import Any

from workbench.tracer import Kind, Tracer, _internal

READS = {"LOAD_GLOBAL": "global", "LOAD_ATTR": "attr", "BINARY_SUBSCR": "item"}
WRITES = {
    "STORE_GLOBAL": "global",
    "STORE_ATTR": "attr",
    "STORE_SUBSCR": "item",
    "DELETE_SUBSCR": "item",
    "DELETE_ATTR": "attr",
    "DELETE_GLOBAL": "global",
}
_LOAD_OBJ = {"LOAD_FAST", "LOAD_GLOBAL", "LOAD_DEREF", "LOAD_NAME"}
_MODULE_NAMES = ("LOAD_NAME", "STORE_NAME", "DELETE_NAME")
_LOAD_KEY = {"LOAD_CONST", "LOAD_FAST"}
_LOAD_HOLDER = {"LOAD_FAST", "LOAD_GLOBAL", "LOAD_NAME"}
_SKIP = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, types.MethodType)


class AccessPlan:
    """For one code object: offset → (read?, what, how to find the object and name)."""

    __slots__ = ("ops",)

    def __init__(self, code: types.CodeType) -> None:
        self.ops: dict[int, tuple[bool, str, Any, Any]] = {}
        ins = [i for i in dis.get_instructions(code) if i.opname not in ("CACHE", "PRECALL")]
        # a script's top level reads and writes its globals with *_NAME (a class body's
        # *_NAME are its own namespace: not followed)
        names = _MODULE_NAMES if code.co_name == "<module>" else ()
        for n, i in enumerate(ins):
            read = i.opname in READS or i.opname == "LOAD_NAME"
            if i.opname in ("LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL") or i.opname in names:
                self.ops[i.offset] = (read, "global", None, i.argval)
            elif i.opname in ("LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR"):
                k = _holder(ins, n)
                if k is not None and (ins[k].opname != "LOAD_FAST" or _locals_safe(code)):
                    self.ops[i.offset] = (read, "attr", ins[k], i.argval)
            elif i.opname in ("BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR") and _locals_safe(
                code
            ):
                k = _container(ins, n)
                if k is not None:
                    self.ops[i.offset] = (read, "item", ins[k], ins[k + 1])


class SharedStateTracer:
    """Installs the opcode trace function and records MEM_READ / MEM_WRITE events."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        self.plans: dict[types.CodeType, AccessPlan | None] = {}
        self.read_id = tracer.kind_ids[Kind.MEM_READ]
        self.write_id = tracer.kind_ids[Kind.MEM_WRITE]
        # Objects are named by a serial number, not their address: an address is reused once
        # an object dies, and two objects must not look like one shared location. Keyed by
        # id() with a weak reference that forgets the entry: never the object's own __hash__.
        self._serial: dict[int, tuple[int, Any]] = {}
        self._next = itertools.count(1)

    def install(self) -> None:
        threading.settrace(self._call)
        sys.settrace(self._call)

    def uninstall(self) -> None:
        threading.settrace(None)  # type: ignore[arg-type]
        sys.settrace(None)

    def _label(self, obj: Any) -> str:
        """``Account#3``: type and serial; objects without weak references (dict, list) fall
        back to their address, which is stable while the object lives."""
        key = id(obj)
        found = self._serial.get(key)
        if found is None:
            try:
                ref = weakref.ref(obj, lambda _, key=key: self._serial.pop(key, None))
            except TypeError:
                return f"{type(obj).__name__}@{key:x}"
            found = self._serial[key] = (next(self._next), ref)
        return f"{type(obj).__name__}#{found[0]}"

    def _plan(self, code: types.CodeType) -> AccessPlan | None:
        plan = self.plans.get(code, False)
        if plan is False:
            plan = None if _internal(code.co_filename) else AccessPlan(code)
            if plan is not None and not plan.ops:
                plan = None
            self.plans[code] = plan
        return plan  # type: ignore[return-value]

    def _call(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event != "call":
            return None
        plan = self._plan(frame.f_code)
        if plan is None:
            return None
        frame.f_trace_opcodes = True
        frame.f_trace_lines = False
        ops = plan.ops

        def local(frame: types.FrameType, event: str, arg: Any) -> Any:
            if event == "opcode" and len(self.tracer.idents) > 1:
                op = ops.get(frame.f_lasti)
                if op is not None:
                    self._access(frame, op)
            return local

        return local

    def _access(self, frame: types.FrameType, op: tuple[bool, str, Any, Any]) -> None:
        is_read, what, holder, name = op
        if what == "global":
            value = frame.f_globals.get(name)
            if is_read and (name not in frame.f_globals or isinstance(value, _SKIP)):
                return
            target = f"global {frame.f_globals.get('__name__', '?')}.{name}"
        elif what == "attr":
            obj = _load(frame, holder)
            if obj is None or isinstance(obj, (*_SKIP, threading.local)):
                return  # a thread-local object is never shared
            if is_read and name not in getattr(obj, "__dict__", ()):
                return  # a method or a class attribute, not the object's data
            target = f"attr {self._label(obj)}.{name}"
        else:
            container = _load(frame, holder)
            key = _load(frame, name)
            if container is None or isinstance(container, _SKIP):
                return
            target = f"item {self._label(container)}[{key!r:.40}]"
        t = self.tracer
        loc_id, _ = t.where()
        t.buffer.append(self.read_id if is_read else self.write_id, t.strings.id(target), 0, loc_id)


# What may stand between loading the object and the access in ``x.a += 1`` / ``d[k] += 1``.
_SHUFFLE = {"COPY", "SWAP", "BINARY_OP", "LOAD_CONST", "LOAD_FAST", "BINARY_SUBSCR", "LOAD_ATTR"}
LOOKBACK = 12


def _locals_safe(code: types.CodeType) -> bool:
    """Before Python 3.13, reading ``frame.f_locals`` writes a stale copy of closure cells
    back: other threads' updates to a ``nonlocal`` would be lost. Such code is not read."""
    return sys.version_info >= (3, 13) or not (code.co_cellvars or code.co_freevars)


def _holder(ins: list[dis.Instruction], n: int) -> int | None:
    """Index of the load of a local or global ``x`` whose object the attribute access at ``n``
    uses (``self.count``, ``account.balance``): right before it, or before ``COPY 1`` in an
    augmented assignment."""
    if n and ins[n - 1].opname in _LOAD_HOLDER:
        return n - 1
    for k in range(n - 2, max(-1, n - LOOKBACK), -1):
        if (
            ins[k].opname in _LOAD_HOLDER
            and ins[k + 1].opname == "COPY"
            and all(x.opname in _SHUFFLE for x in ins[k + 1 : n])
        ):
            return k
    return None


def _container(ins: list[dis.Instruction], n: int) -> int | None:
    """Index of the container load of ``container[key]`` at ``n`` (key loaded right after)."""
    for k in range(n - 2, max(-1, n - LOOKBACK), -1):
        if (
            ins[k].opname in _LOAD_OBJ
            and ins[k + 1].opname in _LOAD_KEY
            and all(x.opname in _SHUFFLE for x in ins[k + 2 : n])
        ):
            return k
    return None


def _load(frame: types.FrameType, ins: dis.Instruction) -> Any:
    if ins.opname == "LOAD_CONST":
        return ins.argval
    if ins.opname == "LOAD_FAST":
        return frame.f_locals.get(ins.argval)
    if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
        return frame.f_globals.get(ins.argval)
    return None  # LOAD_DEREF: a closure cell, not reachable without more work
