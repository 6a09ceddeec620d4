"""A finite-state machine made of coroutines, and a heartbeat that shows when the loop is frozen.

Each state is a coroutine: it works for ``step`` seconds, reads a random input bit, and awaits
the coroutine of the next state (start → state 1/2/3 → end), as the book's machine does with
``yield from``, the generator form removed in 3.11. The book's states work with a blocking
``time.sleep``. Beside the machine runs a heartbeat task that wants to beat every ``beat``
seconds. With ``blocking`` on, the machine holds the loop during every step and the heartbeat
misses its beats (its gaps last a step or more); with ``await asyncio.sleep`` the loop runs the
heartbeat during the steps and it keeps time. The seeded inputs give the same path either way.
"""

import asyncio
import itertools
import random
import time

from kernels.recipe import Param, main

TITLE = "Coroutines as a state machine, with a heartbeat"
CHAPTER = "4. Asynchronous programming"
BOOK = "E1-4.03, E2-5.03"
SHOWS_BUG = True
LESSON = (
    "The states visited depend only on the seeded inputs, so both variants take the same path. "
    "Look at the heartbeat gaps: with blocking on (time.sleep, as in the book) every state step "
    "freezes the event loop, the heartbeat misses beats and its gaps grow to a step or more. "
    "With blocking off (await asyncio.sleep) the gaps stay at the beat interval."
)
PARAMS = [
    Param("step", "float", 0.2, min=0.0, max=10, help="work in each state (s)"),
    Param("p_one", "float", 0.5, min=0.0, max=1.0, help="probability that an input bit is 1"),
    Param("max_steps", "int", 20, min=1, max=1000, help="force the end after this many states"),
    Param("blocking", "bool", True, help="work with time.sleep instead of await asyncio.sleep"),
    Param("beat", "float", 0.02, min=0.005, max=1.0, help="heartbeat interval (s)"),
    Param("seed", "int", 1, min=0, max=2**31 - 1, help="seed for the inputs"),
]
QUICK = {"step": 0.03, "max_steps": 8, "beat": 0.01}
# state -> (next state on input 0, next state on input 1)
TRANSITIONS = {
    "start": ("state1", "state2"),
    "state1": ("state2", "state3"),
    "state2": ("state1", "state3"),
    "state3": ("state1", "end"),
}


class Machine:
    def __init__(self, ctx, step, p_one, max_steps, blocking, seed):
        self.ctx, self.step, self.p_one, self.max_steps = ctx, step, p_one, max_steps
        self.blocking, self.rng = blocking, random.Random(seed)
        self.path, self.inputs = [], []

    async def read_input(self):
        await asyncio.sleep(0)  # inputs arrive through the loop: the one point the loop runs
        bit = int(self.rng.random() < self.p_one)
        self.inputs.append(bit)
        return bit

    async def state(self, name):
        self.path.append(name)
        self.ctx.partial(states=list(self.path))
        print(f"state {name}")
        if name == "end":
            return self.path
        if self.blocking:
            time.sleep(self.step)  # the book's bug: the loop can run nothing else now
        else:
            await asyncio.sleep(self.step)
        bit = await self.read_input()
        following = TRANSITIONS[name][bit] if len(self.path) < self.max_steps else "end"
        return await self.state(following)  # a coroutine awaiting the next one, as `yield from`


async def heartbeat(beat, beats):
    loop = asyncio.get_running_loop()
    while True:
        beats.append(loop.time())
        await asyncio.sleep(beat)


async def run_machine(machine, beat):
    beats = []
    pulse = asyncio.create_task(heartbeat(beat, beats))
    await asyncio.sleep(0)  # let the heartbeat take its first beat
    path = await machine.state("start")
    pulse.cancel()
    return path, beats


def run(ctx, step, p_one, max_steps, blocking, beat, seed):
    machine = Machine(ctx, step, p_one, max_steps, blocking, seed)
    with ctx.timed("work"):
        path, beats = asyncio.run(run_machine(machine, beat))
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    missed = sum(max(0, round(gap / beat) - 1) for gap in gaps)
    max_gap = max(gaps, default=0.0)
    t = [round(b - beats[0], 6) for b in beats[1:]]
    return {
        "states": path,
        "inputs": machine.inputs,
        "beats": len(beats),
        "missed_beats": missed,
        "max_gap_s": round(max_gap, 6),
        "series": {"heartbeat_gap": {"t": t[:2000], "v": [round(g, 6) for g in gaps[:2000]]}},
        "summary": f"{len(path)} states ({' -> '.join(path)}); the heartbeat missed {missed} "
        f"beats, longest gap {1000 * max_gap:.0f} ms",
    }


if __name__ == "__main__":
    main(__name__)
