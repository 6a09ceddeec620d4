"""Correct: workers poll a queue with ``get(timeout=…)`` until told to stop."""

import queue
import threading

jobs = queue.Queue()
stop = threading.Event()
done = []


def worker():
    while not stop.is_set() or not jobs.empty():
        try:
            job = jobs.get(timeout=0.01)  # measures time left: must be virtual under control
        except queue.Empty:
            continue
        done.append(job)
        jobs.task_done()


workers = [threading.Thread(target=worker) for _ in range(2)]
for w in workers:
    w.start()
for job in range(3):
    jobs.put(job)
jobs.join()
stop.set()
for w in workers:
    w.join()
assert sorted(done) == [0, 1, 2], done
