"""Data handed over correctly: start/join, a queue, an event, a lock — no race anywhere."""

import queue
import threading

config = {"size": 0}
result = {"value": 0}
ready = threading.Event()
box = queue.Queue()
lock = threading.Lock()
shared = 0


def worker():
    global shared
    ready.wait()
    n = config["size"]  # written by main before ready.set()
    item = box.get()
    item["n"] = n  # the dict arrived through the queue
    for _ in range(20):
        with lock:
            shared += 1
    result["value"] = n * 2


config["size"] = 21  # before start: start orders it
t = threading.Thread(target=worker)
t.start()
config["size"] = 42
ready.set()
box.put({"n": 0})
for _ in range(20):
    with lock:
        shared += 1
t.join()
assert result["value"] == 84  # after join: join orders it
