"""One producer, several consumers, one queue.Queue; and how the consumers learn to stop.

The producer puts ``items`` items, one every ``producer_delay_s``; ``workers`` consumer threads
``get()`` them, each spending ``consume_s`` on an item. Look at ``per_consumer``: the items are
spread over the consumers, whichever is free takes the next one.

The book's consumers loop on ``get()`` with nothing to tell them the work is over, and the main
thread joins them: after the last item they block in ``get()`` forever and the program never
ends. ``use_sentinel=False`` reproduces that (a hang by design: the engine's timeout stops it,
``ctx.partial`` keeps the per-consumer counts). The default puts one sentinel (None) per
consumer after the items, so every consumer leaves its loop.
"""

import queue
import threading
import time

from kernels.recipe import Param, main

TITLE = "Queue: producer and consumers"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E1-2.11, E2-2.12"
SHOWS_BUG = True
LESSON = (
    "queue.Queue hands items from a producer to whichever consumer is free: per_consumer shows "
    "how the work was shared. A consumer blocked in get() cannot tell 'no item yet' from 'no "
    "item ever'; with use_sentinel off, as in the book, the consumers wait forever and the run "
    "never ends. One sentinel per consumer tells each of them to stop."
)
PARAMS = [
    Param("workers", "int", 3, min=1, max=64, help="consumer threads"),
    Param("items", "int", 10, min=0, max=100_000, help="items the producer puts"),
    Param("producer_delay_s", "float", 0.05, min=0.0, max=5.0, help="pause before each put"),
    Param("consume_s", "float", 0.1, min=0.0, max=5.0, help="time a consumer spends per item"),
    Param("use_sentinel", "bool", True, help="send one None per consumer at the end (fix)"),
]
QUICK = {"items": 12, "producer_delay_s": 0.005, "consume_s": 0.01}


def producer(q, items, delay, sentinels):
    for i in range(items):
        time.sleep(delay)
        q.put(i)
    for _ in range(sentinels):
        q.put(None)
    print(f"producer: {items} items and {sentinels} sentinels put")


def consumer(q, consume_s, t0, taken):
    me = threading.current_thread().name
    while True:
        item = q.get()
        if item is None:
            q.task_done()
            return
        taken.append({"t_s": round(time.perf_counter() - t0, 6), "consumer": me, "item": item})
        print(f"{me}: took item {item}")
        time.sleep(consume_s)
        q.task_done()


def count(names, taken):
    return [{"consumer": n, "items": sum(t["consumer"] == n for t in taken)} for n in names]


def run(ctx, workers, items, producer_delay_s, consume_s, use_sentinel):
    q, taken, t0 = queue.Queue(), [], time.perf_counter()
    names = [f"consumer-{i}" for i in range(workers)]
    sentinels = workers if use_sentinel else 0
    threads = [threading.Thread(target=producer, args=(q, items, producer_delay_s, sentinels))]
    threads += [
        threading.Thread(target=consumer, args=(q, consume_s, t0, taken), name=n, daemon=True)
        for n in names
    ]
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():  # without sentinels the consumers never return
                t.join(0.05)
                ctx.partial(consumed=len(taken), per_consumer=count(names, taken))
    per_consumer = count(names, taken)
    busiest = max((c["items"] for c in per_consumer), default=0)
    return {
        "consumed": len(taken),
        "produced": items,
        "per_consumer": per_consumer,
        "order": taken,
        "summary": f"{len(taken)} of {items} items consumed by {workers} consumer(s); the "
        f"busiest took {busiest}",
    }


if __name__ == "__main__":
    main(__name__)
