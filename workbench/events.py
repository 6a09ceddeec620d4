"""Events as compact records: numpy structured arrays with strings interned once.

A run host appends events to a per-thread buffer and ships them in batches; the controller
concatenates the batches. Tracing (locks, queues, messages) and OpenCL commands add kinds; the
record layout stays the same, so every backend lands on one timeline.
"""

from __future__ import annotations

import collections
import functools
import os
import threading
import time
from typing import Any

# numpy is imported where it is used: the run host is the main module that every spawned
# child of a recipe re-imports, and numpy would add ~0.1 s to each child's start.
FIELDS = [
    ("t_ns", "<i8"),  # time.perf_counter_ns() in the process that recorded it
    ("pid", "<i4"),
    ("tid", "<i8"),  # thread ident, or task id for asyncio
    ("kind", "<i4"),  # interned string id
    ("obj", "<i8"),  # interned string id of the object's name, or an object id
    ("arg", "<i8"),  # a number whose meaning depends on the kind
    ("loc", "<i4"),  # interned "file:line" of the user code that caused it (0: none)
]
BUFFER_CAPACITY = 65536
ROOM_WAIT_S = 0.25  # how long a thread that finds the buffer full waits for the sender
_real_sleep = time.sleep  # captured before tracing patches time.sleep


@functools.cache
def event_dtype() -> Any:
    import numpy as np

    return np.dtype(FIELDS)


class Strings:
    """Interns strings to small ids; new ones are shipped once with the next batch."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {"": 0}  # id 0 is "nothing" (no location, no object)
        self._new: dict[int, str] = {0: ""}
        self._lock = threading.Lock()

    def id(self, text: str) -> int:
        found = self._ids.get(text)
        if found is not None:
            return found
        with self._lock:
            found = self._ids.setdefault(text, len(self._ids))
            self._new.setdefault(found, text)
        return found

    def take_new(self) -> dict[int, str]:
        with self._lock:
            new, self._new = self._new, {}
        return new


class EventBuffer:
    """A bounded buffer of event records. Appending is lock-free (``deque.append`` and
    ``popleft`` are atomic), because tracing appends from every thread of the program; past the
    cap, events are counted as dropped rather than stored, and the count is shown to the user."""

    def __init__(self, strings: Strings, capacity: int = BUFFER_CAPACITY) -> None:
        self.strings = strings
        self.capacity = capacity
        self._rows: collections.deque[tuple[int, ...]] = collections.deque()
        self.dropped = 0
        self.pid = os.getpid()
        self._stalled = False  # a wait for room ran out: drop at once until the next take

    def add(self, kind: str, obj: str | int = 0, arg: int = 0, loc: int = 0) -> None:
        obj_id = self.strings.id(obj) if isinstance(obj, str) else obj
        self.append(self.strings.id(kind), obj_id, arg, loc)

    def append(self, kind: int, obj: int, arg: int, loc: int) -> None:
        """The fast path for tracers that intern their strings once."""
        if len(self._rows) >= self.capacity and not self.wait_for_room():
            self.dropped += 1
            return
        self._rows.append(
            (time.perf_counter_ns(), self.pid, threading.get_ident(), kind, obj, arg, loc)
        )

    def append_at(self, t_ns: int, tid: int, kind: int, obj: int, arg: int) -> None:
        """An event that happened at ``t_ns`` on a lane that is not a thread (a device queue)."""
        if len(self._rows) >= self.capacity and not self.wait_for_room():
            self.dropped += 1
            return
        self._rows.append((t_ns, self.pid, tid, kind, obj, arg, 0))

    def wait_for_room(self) -> bool:
        """The buffer is full: the threads that fill it (in full mode, every user opcode goes
        through a trace function) can starve the sender of the GIL for longer than it takes to
        fill 65,536 rows, and what is dropped is the busiest, most concurrent part of the run —
        where the races are. Sleeping here gives the sender the GIL to take the rows. A buffer
        nobody takes from (its sender gone) stops waiting until the next take."""
        if self._stalled:
            return False
        deadline = time.monotonic() + ROOM_WAIT_S
        while time.monotonic() < deadline:
            _real_sleep(0.001)
            if len(self._rows) < self.capacity:
                return True
        self._stalled = True
        return False

    def take(self) -> Any:
        """Everything recorded since the last take, as one numpy structured array."""
        import numpy as np

        self._stalled = False
        rows, pop = [], self._rows.popleft
        for _ in range(len(self._rows)):
            rows.append(pop())
        return np.array(rows, dtype=event_dtype())


def decode(records: bytes) -> Any:
    import numpy as np

    return np.frombuffer(records, dtype=event_dtype())
