"""A consumer waits on a condition that nobody will ever notify."""

import threading

ready = threading.Condition()
items = []


def consumer():
    with ready:
        while not items:
            ready.wait()


t = threading.Thread(target=consumer)
t.start()
t.join()
