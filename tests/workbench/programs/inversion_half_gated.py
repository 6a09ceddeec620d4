"""Buggy: only one side takes the gate before a and b; the other can still invert them."""

import threading

gate = threading.Lock()
a = threading.Lock()
b = threading.Lock()


def forwards():
    with gate:  # noqa: SIM117 (one lock per line, so each has its line)
        with a:
            with b:  # a then b, under the gate
                pass


def backwards():
    with b:  # noqa: SIM117
        with a:  # b then a, without it
            pass


threads = [threading.Thread(target=forwards), threading.Thread(target=backwards)]
for t in threads:
    t.start()
    t.join()
