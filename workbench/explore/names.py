"""The program's own names for its locks and queues, so messages say ``fork[1]``, not ``Lock#3``.

Stand-ins are tagged by creation order (``Lock#3``): stable across executions of one schedule,
so the digest can use them. For people, the tags are replaced by the first name that reaches the
object from the program's globals or from the frames of its threads (one level into lists,
tuples, dicts and plain objects).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable
from typing import Any

TAG = re.compile(r"\b[A-Z][A-Za-z]*#\d+\b")
_SKIP = (types.ModuleType, types.FunctionType, type, types.BuiltinFunctionType)


def object_names(scopes: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Tag -> name, from the given namespaces (globals first, then frame locals)."""
    found: dict[str, str] = {}
    for scope in scopes:
        for name, value in list(scope.items()):
            if not name.startswith("__"):
                _visit(name, value, 1, found)
    return found


def _visit(name: str, value: Any, depth: int, found: dict[str, str]) -> None:
    if isinstance(value, _SKIP):
        return
    tag = getattr(type(value), "kind", None) and vars(value).get("_wb_tag")
    if tag:
        found.setdefault(tag, name)
        inner = vars(value).get("_lock")
        if inner is not None and "_wb_tag" in vars(inner):
            found.setdefault(inner._wb_tag, f"{name}'s lock")
        return
    if depth <= 0:
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value[:16]):
            _visit(f"{name}[{i}]", item, depth - 1, found)
    elif isinstance(value, dict):
        for key, item in list(value.items())[:16]:
            _visit(f"{name}[{key!r}]", item, depth - 1, found)
    elif hasattr(value, "__dict__"):
        for key, item in list(vars(value).items()):
            if not key.startswith("_"):
                _visit(f"{name}.{key}", item, depth - 1, found)


def pretty(text: str, names: dict[str, str]) -> str:
    """Replace tags by names where a name is known."""
    return TAG.sub(lambda m: names.get(m.group(0), m.group(0)), text)


def frame_scopes(frames: Iterable[Any], files: frozenset[str]) -> list[dict[str, Any]]:
    """The locals of every frame of the program's own code in these threads' stacks."""
    scopes = []
    for frame in frames:
        while frame is not None and frame.f_code.co_filename in files:
            if frame.f_code.co_name != "<module>":
                scopes.append(dict(frame.f_locals))
            frame = frame.f_back
    return scopes
