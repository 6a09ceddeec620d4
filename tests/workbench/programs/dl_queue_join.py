"""queue.join() waits for task_done calls that the worker forgets."""

import queue
import threading

jobs = queue.Queue()


def worker():
    while True:
        item = jobs.get()
        if item is None:
            break
        # forgot jobs.task_done()


t = threading.Thread(target=worker, daemon=True)
t.start()
for i in range(3):
    jobs.put(i)
jobs.join()
