"""A semaphore used as a signal between a producer and a consumer.

The producer makes one item per round after a delay, puts it in a shared slot and calls
``release()``; the consumer calls ``acquire()`` and then reads the slot. With
``Semaphore(0)`` the consumer blocks until each item exists (look at ``waited_s`` per round).
With ``initial_count=1`` the semaphore already holds a permit that no item stands for: the
consumer goes ahead at once, reads an empty slot, and from then on reads each item one round
late; the last item is never read. ``missing``, ``behind`` and ``unread`` count those reads.
"""

import threading
import time

from kernels.recipe import Param, main

TITLE = "Semaphore as a signal"
CHAPTER = "2. Thread-based parallelism"
BOOK = "E1-2.07, E2-2.08"
SHOWS_BUG = True
LESSON = (
    "A semaphore that starts at 0 makes the consumer wait until the producer releases it, once "
    "per item: each round the consumer waits about delay_s and reads a fresh item. Start it at 1 "
    "and a permit exists before any item: the consumer reads an empty slot, then every item one "
    "round late, and the last item is never read."
)
PARAMS = [
    Param("rounds", "int", 5, min=1, max=1000, help="items produced and read"),
    Param("delay_s", "float", 0.3, min=0.0, max=10.0, help="producer delay before each item"),
    Param("initial_count", "int", 0, min=0, max=10, help="permits the semaphore starts with"),
]
QUICK = {"delay_s": 0.02}


def producer(rounds, delay_s, slot, semaphore, t0, made):
    for r in range(rounds):
        time.sleep(delay_s)
        slot["item"] = r
        made.append(round(time.perf_counter() - t0, 6))
        print(f"producer: item {r} ready, release()")
        semaphore.release()


def consumer(rounds, slot, semaphore, t0, reads):
    for r in range(rounds):
        asked = time.perf_counter()
        semaphore.acquire()
        item = slot["item"]
        waited = time.perf_counter() - asked
        reads.append(
            {"round": r, "item": item, "waited_s": round(waited, 6)}
            | {"t_s": round(time.perf_counter() - t0, 6)}
        )
        print(f"consumer: round {r} read item {item} after waiting {waited:.3f} s")


def run(ctx, rounds, delay_s, initial_count):
    semaphore, slot = threading.Semaphore(initial_count), {"item": None}
    made, reads = [], []
    t0 = time.perf_counter()
    threads = [
        threading.Thread(target=producer, args=(rounds, delay_s, slot, semaphore, t0, made)),
        threading.Thread(target=consumer, args=(rounds, slot, semaphore, t0, reads)),
    ]
    with ctx.timed("work"):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    missing = sum(r["item"] is None for r in reads)
    behind = sum(r["item"] is not None and r["item"] < r["round"] for r in reads)
    unread = rounds - len({r["item"] for r in reads} - {None})
    for r, t_made in zip(reads, made, strict=True):
        r["made_t_s"] = t_made  # when the item of this round was produced
    return {
        "initial_count": initial_count,
        "missing": missing,
        "behind": behind,
        "unread": unread,
        "rounds": reads,
        "summary": f"Semaphore({initial_count}): {rounds} reads, {missing} found no item, "
        f"{behind} read an earlier round's item, {unread} item(s) never read",
    }


if __name__ == "__main__":
    main(__name__)
