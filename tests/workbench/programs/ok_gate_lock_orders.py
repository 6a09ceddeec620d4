"""Correct: a and b are taken in both orders, but always under the gate lock, so the two
orders can never wait for each other (a "gate" or "guard" lock)."""

import threading

gate = threading.Lock()
a = threading.Lock()
b = threading.Lock()


def forwards():
    with gate:  # noqa: SIM117 (one lock per line, so each has its line)
        with a:
            with b:
                pass


def backwards():
    with gate:  # noqa: SIM117 (one lock per line, so each has its line)
        with b:
            with a:
                pass


threads = [threading.Thread(target=forwards), threading.Thread(target=backwards)]
for t in threads:
    t.start()
for t in threads:
    t.join()
