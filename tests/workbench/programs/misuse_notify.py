"""Lock misuse: notify() on a condition whose lock the thread does not hold."""

import threading

ready = threading.Condition()
try:
    ready.notify()  # RuntimeError: cannot notify on un-acquired lock
except RuntimeError:
    pass
