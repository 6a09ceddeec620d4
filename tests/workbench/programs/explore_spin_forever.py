"""Buggy: the main thread spins on a flag the worker forgot to set; the program never ends."""

import threading

ready = False


def worker():
    pass  # the bug: never sets ready


t = threading.Thread(target=worker)
t.start()
t.join()
while not ready:
    pass
