"""An event loop driving a chain of callbacks, and what one blocking call inside it does.

Callbacks A → B → C → A … are chained with ``call_soon`` and ``call_later`` on a loop that runs
with ``run_forever`` until the chain stops it at the deadline. Each callback "works" for a random
time. The 2nd edition does that work with a blocking ``time.sleep`` inside the callback: the loop
can do nothing else meanwhile. A probe callback re-arms itself every few milliseconds and records
how late it runs (the loop lag): with ``blocking_sleep`` the lag jumps to the length of each
sleep, and a real program's timers, I/O and other tasks would be late by as much. The fix keeps
the same timeline without blocking: the callback asks the loop to call the next one after the
work delay (``call_later``) instead of sleeping in it, and the lag stays near zero.
"""

import asyncio
import random
import time

from kernels.recipe import Param, main

TITLE = "Event loop: chained callbacks and loop lag"
CHAPTER = "4. Asynchronous programming"
BOOK = "E1-4.02, E2-5.02"
SHOWS_BUG = True
LESSON = (
    "Callbacks A, B, C follow each other on one event loop until the deadline. Watch the loop lag "
    "series: with blocking_sleep on (the 2nd edition's code) every time.sleep inside a callback "
    "freezes the loop, and the lag rises to the length of the sleep. With blocking_sleep off the "
    "callbacks run at the same moments but the loop stays free and the lag stays near zero."
)
PARAMS = [
    Param("deadline", "float", 3.0, min=0.1, max=120, help="seconds until the chain stops"),
    Param("interval", "float", 0.25, min=0.0, max=10, help="delay between callbacks (s)"),
    Param("max_work", "float", 0.3, min=0.0, max=10, help="each callback works 0..max_work s"),
    Param("blocking_sleep", "bool", True, help="work with time.sleep inside the callback"),
    Param("seed", "int", 1, min=0, max=2**31 - 1, help="seed for the work durations"),
]
QUICK = {"deadline": 0.6, "interval": 0.1, "max_work": 0.1}
PROBE_S = 0.01  # how often the lag probe wants to run


class Chain:
    """The callbacks A, B, C and the lag probe, with what they record."""

    def __init__(self, loop, deadline, interval, max_work, blocking, seed):
        self.loop, self.deadline, self.interval = loop, deadline, interval
        self.max_work, self.blocking, self.rng = max_work, blocking, random.Random(seed)
        self.t0 = loop.time()
        self.calls, self.lag_t, self.lag_v = [], [], []
        self.probe_every = max(PROBE_S, deadline / 1500)  # keep the series under ~1500 points

    def now(self):
        return self.loop.time() - self.t0

    def callback(self, name, due):
        ran = self.now()
        work = self.rng.uniform(0, self.max_work)
        if self.blocking:
            time.sleep(work)  # the bug: the whole loop waits here
        self.calls.append(
            {
                "callback": name,
                "due_s": round(due, 6),
                "ran_s": round(ran, 6),
                "late_s": round(ran - due, 6),
                "work_s": round(work, 6),
                "blocked": self.blocking,
            }
        )
        print(f"{ran:7.3f} s  callback {name}  works {work:.3f} s")
        nxt = "ABC"[("ABC".index(name) + 1) % 3]
        delay = self.interval + (0 if self.blocking else work)  # the fix: wait on the loop
        if self.now() + delay < self.deadline:
            self.loop.call_later(delay, self.callback, nxt, self.now() + delay)
        else:
            self.loop.stop()

    def probe(self, due):
        self.lag_t.append(round(self.now(), 6))
        self.lag_v.append(round(max(0.0, self.now() - due), 6))
        self.loop.call_later(self.probe_every, self.probe, self.now() + self.probe_every)


def run(ctx, deadline, interval, max_work, blocking_sleep, seed):
    loop = asyncio.new_event_loop()
    chain = Chain(loop, deadline, interval, max_work, blocking_sleep, seed)
    loop.call_soon(chain.probe, 0.0)
    loop.call_soon(chain.callback, "A", 0.0)
    try:
        with ctx.timed("work"):
            loop.run_forever()  # until a callback calls loop.stop() at the deadline
    finally:
        loop.close()
    stopped = chain.now()
    max_lag = max(chain.lag_v, default=0.0)
    kind = "blocking time.sleep" if blocking_sleep else "call_later, no blocking"
    return {
        "callbacks": chain.calls,
        "order": "".join(c["callback"] for c in chain.calls),
        "stopped_s": round(stopped, 6),
        "max_lag_s": max_lag,
        "max_work_s": max((c["work_s"] for c in chain.calls), default=0.0),
        "series": {"loop_lag": {"t": chain.lag_t, "v": chain.lag_v}},
        "summary": f"{len(chain.calls)} callbacks ({kind}) until {stopped:.2f} s; "
        f"the loop was up to {1000 * max_lag:.0f} ms late",
    }


if __name__ == "__main__":
    main(__name__)
