"""A plain Lock taken twice by the same thread."""

import threading

lock = threading.Lock()


def update():
    with lock:
        helper()


def helper():
    with lock:
        pass


update()
