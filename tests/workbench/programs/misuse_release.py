"""Releasing an unlocked lock, over-releasing a BoundedSemaphore, waiting without the lock."""

import threading

lock = threading.Lock()
try:
    lock.release()
except RuntimeError:
    pass
sem = threading.BoundedSemaphore(1)
try:
    sem.release()
except ValueError:
    pass
cond = threading.Condition()
try:
    cond.wait(0.01)
except RuntimeError:
    pass
