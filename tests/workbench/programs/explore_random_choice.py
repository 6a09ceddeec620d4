"""Correct: threads pick at random whether to take the lock or signal an event."""

import random
import threading

lock = threading.Lock()
total = 0


def worker():
    global total
    for _ in range(3):
        if random.random() < 0.5:  # the same choices in every execution under control
            with lock:
                total += 1
        else:
            threading.Event().set()


workers = [threading.Thread(target=worker) for _ in range(2)]
for w in workers:
    w.start()
for w in workers:
    w.join()
