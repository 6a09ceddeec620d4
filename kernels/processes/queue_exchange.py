"""A producer and a consumer process over a multiprocessing.Queue, and the empty() race.

The book's consumer leaves as soon as ``queue.empty()`` is True. Both processes start together,
and a spawned producer needs as long to boot as the consumer, so about half the time the
consumer looks before the first item has reached the pipe (a put is handed to a feeder thread
first) and leaves with nothing. ``producer_delay_s`` makes the early exit certain, a consumer
faster than the producer makes it happen mid-stream. The fix is a sentinel: the producer puts
None when it is done and the consumer blocks in get() until it sees it. The parent samples
``qsize()`` meanwhile (it raises NotImplementedError on macOS, then there is no series).
"""

import multiprocessing
import queue
import random
import time

from kernels.recipe import Param, main

TITLE = "Exchange objects over a Queue"
CHAPTER = "3. Process-based parallelism"
BOOK = "E1-3.06, E2-3.07"
SHOWS_BUG = True
LESSON = (
    "With consumer_stop 'empty', the consumer quits the first time empty() is True, which can be "
    "before the producer's first item arrives: run it a few times and 'consumed' is often 0, with "
    "every item left in the queue. With 'sentinel' the consumer waits in get() for the producer's "
    "None and consumes every item. The queue_size series shows the backlog over time."
)
PARAMS = [
    Param("consumer_stop", "choice", "empty", choices=("empty", "sentinel"), help="how it ends"),
    Param("items", "int", 10, min=0, max=1000, help="items the producer puts"),
    Param("producer_period_s", "float", 0.1, min=0.0, max=5.0, help="pause after each put"),
    Param("consumer_period_s", "float", 0.2, min=0.0, max=5.0, help="pause before each get"),
    Param("producer_delay_s", "float", 0.0, min=0.0, max=5.0, help="producer waits before its put"),
]
QUICK = {"items": 5, "producer_period_s": 0.02, "consumer_period_s": 0.04}


def produce(data, log, items, period_s, delay_s, sentinel):
    time.sleep(delay_s)
    for _ in range(items):
        item = random.randint(0, 255)
        data.put(item)
        log.put(("producer", time.perf_counter(), "put", item))
        print(f"producer: put {item}", flush=True)
        time.sleep(period_s)
    if sentinel:
        data.put(None)
    log.put(("producer", time.perf_counter(), "done", items))


def consume(data, log, period_s, stop):
    consumed = 0
    while True:
        if stop == "empty" and data.empty():
            print("consumer: the queue is empty, leaving", flush=True)
            log.put(("consumer", time.perf_counter(), "found empty", consumed))
            break
        time.sleep(period_s)
        item = data.get()
        if item is None:
            break
        consumed += 1
        log.put(("consumer", time.perf_counter(), "got", item))
        print(f"consumer: got {item}", flush=True)
    log.put(("consumer", time.perf_counter(), "done", consumed))


def drain(q, into):
    while True:
        try:
            into.append(q.get_nowait())
        except queue.Empty:
            return


def run(ctx, consumer_stop, items, producer_period_s, consumer_period_s, producer_delay_s):
    mp = multiprocessing.get_context("spawn")
    data, log = mp.Queue(), mp.Queue()
    sentinel = consumer_stop == "sentinel"
    args = (data, log, items, producer_period_s, producer_delay_s, sentinel)
    producer = mp.Process(target=produce, args=args, name="producer")
    consumer = mp.Process(target=consume, args=(data, log, consumer_period_s, consumer_stop))
    events, leftover, sizes, has_qsize, reported = [], [], {"t": [], "v": []}, True, 0
    t0 = time.perf_counter()
    with ctx.timed("work"):
        producer.start()
        consumer.start()
        while True:
            running = producer.is_alive() or consumer.is_alive()
            drain(log, events)  # keeps both pipes flowing, so the children can exit
            if not consumer.is_alive():
                drain(data, leftover)
            if has_qsize:
                try:
                    sizes["v"].append(data.qsize())
                    sizes["t"].append(round(time.perf_counter() - t0, 4))
                except NotImplementedError:
                    has_qsize = False
            puts = sum(e[2] == "put" for e in events)
            if puts > reported:
                reported = puts
                ctx.progress(puts, items)
            if not running:
                break
            time.sleep(0.01)
        producer.join()
        consumer.join()
    table = sorted(
        ({"t": round(t - t0, 4), "who": w, "what": what, "value": v} for w, t, what, v in events),
        key=lambda e: e["t"],
    )
    produced = sum(e["what"] == "put" for e in table)
    consumed = sum(e["what"] == "got" for e in table)
    left = [x for x in leftover if x is not None]
    return {
        "produced": produced,
        "consumed": consumed,
        "left_in_queue": len(left),
        "consumer_left_early": consumed < produced,
        "qsize_supported": has_qsize,
        "events": table,
        "series": {"queue_size": sizes} if has_qsize else {},
        "summary": f"consumer ({consumer_stop}) consumed {consumed} of {produced} items; "
        f"{len(left)} left in the queue",
    }


if __name__ == "__main__":
    main(__name__)
