"""Threads that sleep in a loop while the main thread polls join: slow, not deadlocked."""

import threading
import time


def napper():
    for _ in range(8):
        time.sleep(0.15)


threads = [threading.Thread(target=napper) for _ in range(2)]
for t in threads:
    t.start()
while any(t.is_alive() for t in threads):
    for t in threads:
        t.join(0.05)
