"""A bounded buffer guarded by one Condition: check with ``while``, not ``if``.

One producer puts ``items`` items into a buffer of ``capacity``; ``workers`` consumers take
them. Everyone shares one ``threading.Condition``: the producer waits while the buffer is full,
a consumer while it is empty, and every change wakes all waiters (``notify_all``). The book
checks the predicate with ``if``: a consumer that wakes up takes an item without looking again,
but another consumer may have taken it first (a stolen wake-up), so ``pop`` raises IndexError.
With one consumer that never happens; with two or more it does, often. ``while`` re-checks
after every wake-up and the errors vanish.

What the default does (chosen to show the bug without hanging): ``check_with="if"`` with 2
consumers, and ``give_up_turn=False``: a consumer that hit IndexError counts it and tries again,
so every item is consumed and the run ends. ``give_up_turn=True`` is the book's behaviour: the
failed attempt uses up one of the consumer's turns, the consumers stop before all items are
taken, and when more than ``capacity`` items are left over the producer waits forever on a full
buffer (the engine's timeout ends it; ``ctx.partial`` keeps what was consumed so far). Look at
``stolen_wakeups``, at the per-consumer table and at the buffer level series.
"""

import threading
import time

from kernels.recipe import Param, main

TITLE = "Condition: bounded buffer"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E1-2.08, E2-2.09"
SHOWS_BUG = True
LESSON = (
    "A Condition lets the producer wait while the buffer is full and consumers wait while it is "
    "empty. Checked with 'if', a woken consumer trusts a condition that another consumer may "
    "already have spoiled: watch stolen_wakeups (IndexErrors) grow with 2 or more consumers. "
    "With give_up_turn on, as in the book, the lost turns leave items behind and the producer can "
    "block forever. Checked with 'while', there are no errors. Make the consumers slower than the "
    "producer to watch the buffer fill up and the producer wait."
)
PARAMS = [
    Param("workers", "int", 2, min=1, max=32, help="consumer threads"),
    Param("items", "int", 40, min=1, max=5000, help="items the producer makes"),
    Param("capacity", "int", 10, min=1, max=1000, help="buffer capacity"),
    Param("producer_period_s", "float", 0.01, min=0.0, max=5.0, help="pause after each put"),
    Param("consumer_period_s", "float", 0.005, min=0.0, max=5.0, help="pause after each take"),
    Param("check_with", "choice", "if", choices=("if", "while"), help="how waiters re-check"),
    Param("give_up_turn", "bool", False, help="an IndexError costs the consumer a turn (book)"),
]
QUICK = {"items": 30, "producer_period_s": 0.003, "consumer_period_s": 0.0}


class Buffer:
    def __init__(self, capacity, recheck, t0):
        self.items, self.capacity, self.recheck, self.t0 = [], capacity, recheck, t0
        self.cond = threading.Condition()
        self.level_t, self.level_v, self.produced, self.producer_waits = [], [], 0, 0

    def wait_until(self, ready):
        """Wait on the condition (held) until ready() or, with 'if', just once."""
        if self.recheck:
            while not ready():
                self.cond.wait()
        elif not ready():
            self.cond.wait()

    def changed(self):
        self.level_t.append(round(time.perf_counter() - self.t0, 6))
        self.level_v.append(len(self.items))
        self.cond.notify_all()

    def put(self, item):
        with self.cond:
            self.producer_waits += len(self.items) >= self.capacity
            self.wait_until(lambda: len(self.items) < self.capacity)
            self.items.append(item)
            self.produced += 1
            self.changed()

    def get(self):
        with self.cond:
            self.wait_until(lambda: self.items)
            item = self.items.pop(0)  # IndexError when another consumer took it first
            self.changed()
            return item


def producer(buffer, items, period):
    for i in range(items):
        buffer.put(i)
        time.sleep(period)


def consumer(buffer, quota, period, give_up_turn, stats):
    while stats["consumed"] < quota and not (give_up_turn and stats["turns"] >= quota):
        stats["turns"] += 1
        try:
            item = buffer.get()
        except IndexError:
            stats["stolen_wakeups"] += 1
            if stats["stolen_wakeups"] <= 3:
                print(f"{stats['consumer']}: woke up to an empty buffer (IndexError)")
            continue
        stats["consumed"] += 1
        print(f"{stats['consumer']}: took item {item}")
        time.sleep(period)


def thin(t, v, limit=2000):
    step = max(1, -(-len(t) // limit))
    return {"t": t[::step], "v": v[::step]}


def run(
    ctx, workers, items, capacity, producer_period_s, consumer_period_s, check_with, give_up_turn
):
    t0 = time.perf_counter()
    buffer = Buffer(capacity, check_with == "while", t0)
    quotas = [items // workers + (i < items % workers) for i in range(workers)]
    stats = [
        {"consumer": f"consumer-{i}", "consumed": 0, "stolen_wakeups": 0, "turns": 0}
        for i in range(workers)
    ]
    threads = [
        threading.Thread(
            target=producer, args=(buffer, items, producer_period_s), name="producer", daemon=True
        )
    ]
    threads += [
        threading.Thread(
            target=consumer,
            args=(buffer, q, consumer_period_s, give_up_turn, s),
            name=s["consumer"],
            daemon=True,
        )
        for q, s in zip(quotas, stats, strict=True)
    ]

    def report():
        consumed = sum(s["consumed"] for s in stats)
        stolen = sum(s["stolen_wakeups"] for s in stats)
        return {"produced": buffer.produced, "consumed": consumed, "stolen_wakeups": stolen}

    shown = 0
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():  # with give_up_turn the producer may never return
                t.join(0.05)
                ctx.partial(
                    **report(), buffer_level=len(buffer.items), consumers=[dict(s) for s in stats]
                )
                if buffer.produced != shown:
                    shown = buffer.produced
                    ctx.progress(shown, items)
    result = report()
    left = len(buffer.items)
    return {
        **result,
        "left_in_buffer": left,
        "producer_waits": buffer.producer_waits,
        "consumers": stats,
        "series": {"buffer level": thin(buffer.level_t, buffer.level_v)},
        "summary": f"check with '{check_with}', {workers} consumer(s): {result['consumed']} of "
        f"{items} items consumed, {result['stolen_wakeups']} stolen wake-ups (IndexError), "
        f"{left} left in the buffer",
    }


if __name__ == "__main__":
    main(__name__)
