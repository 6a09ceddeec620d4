"""asyncio under control: an event loop that asks the explorer which ready callback runs next.

asyncio switches tasks only at ``await``s, so the choices are the loop's: of the callbacks that
are ready (a task's next step, a wake-up), which runs first. :class:`ControlledLoop` runs one ready
callback per iteration, chosen through :meth:`Controller.choose_task`, with virtual time: when
nothing is ready the clock jumps to the next timer, so ``asyncio.sleep`` costs nothing. When
nothing is ready and no timer is left while the program still waits, the tasks wait for each
other: a deadlock. ``asyncio.Lock``, ``Event``, ``Condition``, ``Semaphore`` and ``Queue`` are
asyncio's own, built on this loop's futures. I/O, executors and other threads' callbacks are not
controlled.
"""

from __future__ import annotations

import asyncio
import heapq
from typing import Any

from workbench.explore.control import Abort, Controller, Failure

TASK_IDS = 1000  # task choices are numbered from here, apart from thread numbers


class ControlledLoop(asyncio.SelectorEventLoop):
    def __init__(self, ctl: Controller) -> None:
        super().__init__()
        self._ctl = ctl
        self._now = 0.0
        self._ids: dict[Any, int] = {}

    def time(self) -> float:
        return self._now

    def _run_once(self) -> None:
        while self._scheduled and self._scheduled[0]._cancelled:
            self._timer_cancelled_count -= 1
            heapq.heappop(self._scheduled)._scheduled = False
        live = [h for h in self._ready if not h._cancelled]
        if not live and self._scheduled:
            self._now = max(self._now, self._scheduled[0]._when)
        while self._scheduled and self._scheduled[0]._when <= self._now:
            handle = heapq.heappop(self._scheduled)
            handle._scheduled = False
            self._ready.append(handle)
        live = [h for h in self._ready if not h._cancelled]
        self._ready.clear()
        self._ready.extend(live)
        if not live:
            if not self._stopping:
                self._deadlock()
            return
        ids = [self._id_of(h) for h in live]
        choice = self._ctl.choose_task(tuple(dict.fromkeys(ids)), self._label)
        handle = live[ids.index(choice)]
        self._ready.remove(handle)
        handle._run()

    def _id_of(self, handle: Any) -> int:
        owner = getattr(handle._callback, "__self__", None)
        key = owner if isinstance(owner, asyncio.Task) else handle._callback
        if key not in self._ids:
            self._ids[key] = TASK_IDS + len(self._ids)
        return self._ids[key]

    def _label(self, tid: int) -> str:
        for key, value in self._ids.items():
            if value == tid:
                return key.get_name() if isinstance(key, asyncio.Task) else "callback"
        return str(tid)

    def _deadlock(self) -> None:
        waiting = []
        for task in asyncio.all_tasks(self):
            task._log_destroy_pending = False  # it will never finish: that is the finding
            coro = task.get_coro()
            frame = coro.cr_frame
            where = f" at line {frame.f_lineno}" if frame is not None else ""
            waiting.append(f"{coro.__qualname__} waits{where}")
        self._ctl.fail(Failure("deadlock", "deadlock among tasks: " + "; ".join(waiting)))
        raise Abort


class ControlledPolicy(asyncio.DefaultEventLoopPolicy):
    """``asyncio.run`` and ``new_event_loop`` give a ControlledLoop during an execution."""

    def __init__(self, ctl: Controller) -> None:
        super().__init__()
        self._ctl = ctl

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        return ControlledLoop(self._ctl)
