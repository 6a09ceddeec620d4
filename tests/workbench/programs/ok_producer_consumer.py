"""A correct producer/consumer: queue with a sentinel per consumer."""

import queue
import threading

jobs, results = queue.Queue(maxsize=4), []
lock = threading.Lock()


def consumer():
    while (item := jobs.get()) is not None:
        with lock:
            results.append(item * item)
        jobs.task_done()
    jobs.task_done()


workers = [threading.Thread(target=consumer) for _ in range(3)]
for w in workers:
    w.start()
for i in range(30):
    jobs.put(i)
for _ in workers:
    jobs.put(None)
jobs.join()
for w in workers:
    w.join()
assert sorted(results) == [i * i for i in range(30)]
