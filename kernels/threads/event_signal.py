"""An Event pulsed with set() and an immediate clear(): consumers miss the signal.

The producer appends an item, calls ``event.set()`` and at once ``event.clear()``. A consumer
that is inside ``event.wait()`` at that instant wakes up and takes one item; a consumer that is
still busy (sleeping ``consumer_period_s``) finds the event clear again and waits for the next
pulse, so that item stays in the list. Look at produced vs consumed, at ``pulses`` against the
consumer's ``waits``, and at the "items waiting" series that climbs.

``fix`` chooses how the consumer ends:
  * ``book``: as in the book, it loops on ``event.wait()`` forever; the run never ends (the
    engine's timeout stops it; ``ctx.partial`` keeps the counts).
  * ``bounded`` (default): when the producer is done it sets a flag and leaves the event set,
    so the consumer wakes, stops, and the result reports the items left behind.
  * ``fixed``: a ``queue.Queue`` hand-off with a sentinel; every item is consumed.
"""

import queue
import threading
import time

from kernels.recipe import Param, main

TITLE = "Event: missed set/clear pulses"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E1-2.09, E2-2.10"
SHOWS_BUG = True
LESSON = (
    "An Event is a flag, not a message: set() followed at once by clear() only wakes threads "
    "that are already waiting. Here the consumer is busy for consumer_period_s after each item, "
    "so pulses that arrive meanwhile are lost and items pile up (left_behind). With fix=book the "
    "consumer then waits forever; fix=fixed hands items over through a Queue and loses none."
)
PARAMS = [
    Param("items", "int", 20, min=1, max=2000, help="items the producer makes"),
    Param("producer_period_s", "float", 0.05, min=0.0, max=5.0, help="pause before each item"),
    Param("consumer_period_s", "float", 0.06, min=0.0, max=5.0, help="consumer busy per item"),
    Param("fix", "choice", "bounded", choices=("book", "bounded", "fixed"), help="see docstring"),
]
QUICK = {"items": 12, "producer_period_s": 0.01, "consumer_period_s": 0.02}


class Shared:
    def __init__(self):
        self.t0 = time.perf_counter()
        self.items, self.event, self.handoff = [], threading.Event(), queue.Queue()
        self.done, self.consumed, self.pulses, self.waits, self.level = False, 0, [], [], []

    def now(self):
        return round(time.perf_counter() - self.t0, 6)

    def note_level(self):
        self.level.append((self.now(), len(self.items)))


def producer(sh, items, period, fix):
    for i in range(items):
        time.sleep(period)
        if fix == "fixed":
            sh.handoff.put(i)
            continue
        sh.items.append(i)
        sh.note_level()
        sh.pulses.append(sh.now())
        sh.event.set()
        sh.event.clear()  # the pulse is over before a busy consumer looks
    sh.done = True
    if fix == "fixed":
        sh.handoff.put(None)
    elif fix == "bounded":
        sh.event.set()  # left set: the consumer wakes once more and sees `done`


def consumer(sh, period, fix):
    while True:
        if fix == "fixed":
            if sh.handoff.get() is None:
                return
        else:
            start = sh.now()
            sh.event.wait()
            sh.waits.append({"start_s": start, "end_s": sh.now()})
            if fix == "bounded" and sh.done:
                return
            sh.items.pop(0)
            sh.note_level()
        sh.consumed += 1
        print(f"consumer: took an item, {sh.consumed} so far")
        time.sleep(period)


def run(ctx, items, producer_period_s, consumer_period_s, fix):
    sh = Shared()
    prod = threading.Thread(target=producer, args=(sh, items, producer_period_s, fix), daemon=True)
    cons = threading.Thread(target=consumer, args=(sh, consumer_period_s, fix), daemon=True)
    with ctx.timed("work"):
        prod.start()
        cons.start()
        for t in (prod, cons):
            while t.is_alive():  # with fix=book the consumer never returns
                t.join(0.05)
                ctx.partial(produced=len(sh.pulses), consumed=sh.consumed, waiting=len(sh.items))
    produced = items
    left = produced - sh.consumed
    level = sorted(sh.level)
    return {
        "fix": fix,
        "produced": produced,
        "consumed": sh.consumed,
        "left_behind": left,
        "pulses": [{"t_s": t} for t in sh.pulses],
        "waits": sh.waits,
        "series": {"items waiting": {"t": [t for t, _ in level], "v": [v for _, v in level]}},
        "summary": f"fix={fix}: {sh.consumed} of {produced} items consumed, {left} left behind "
        f"({'missed pulses' if fix != 'fixed' else 'queue hand-off'})",
    }


if __name__ == "__main__":
    main(__name__)
