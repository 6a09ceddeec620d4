"""Queue done too soon: the main thread trusts ``q.empty()``; make it count too few results.

``empty()`` is true as soon as the worker has *taken* the last item, before it has processed it.
``q.join()`` waits until every item is marked done.
"""

import queue
import threading
import time

GOAL = "assertion"
GRANULARITY = "line"
HINT = "Let the worker take the last item, then let the main thread check empty()."

results = []
q = queue.Queue()


def worker():
    while True:
        item = q.get()
        results.append(item * item)
        q.task_done()


def main(fixed=False):
    threading.Thread(target=worker, name="worker", daemon=True).start()
    for item in (1, 2):
        q.put(item)
    if fixed:
        q.join()  # the fix: wait for task_done of every item
    else:
        while not q.empty():
            time.sleep(0)  # a yield: let the worker run
    assert len(results) == 2, f"only {len(results)} of 2 results"


if __name__ == "__main__":
    main()
    print("results:", results)
