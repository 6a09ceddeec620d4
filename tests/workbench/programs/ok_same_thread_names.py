"""Two threads share a name; the one that wrote is joined after the other one ended: the join
orders the write before the main thread's read (threads are told apart by more than names)."""

import threading
import time

x = 0


def write():
    global x
    x = 1


def idle(seconds):
    time.sleep(seconds)


writer = threading.Thread(target=write, name="worker")
sleeper = threading.Thread(target=idle, args=(0.2,), name="worker")
keeper = threading.Thread(target=idle, args=(0.8,))  # keeps two threads alive: accesses count
for t in (keeper, writer, sleeper):
    t.start()
time.sleep(0.4)  # both workers have ended: the sleeper last
writer.join()
print(x + 1)
sleeper.join()
keeper.join()
