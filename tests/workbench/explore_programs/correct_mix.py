"""A correct program that touches many stand-ins: no schedule may report a failure.

threading.local, a Thread subclass, current_thread and main_thread, a re-entrant Condition wait
that times out (virtual time), an Event wait that times out, a Barrier with an action, a Queue.
"""

import queue
import threading

local = threading.local()
names = []
cond = threading.Condition(threading.RLock())
ev = threading.Event()
barrier = threading.Barrier(2, action=lambda: names.append("action"))
q = queue.Queue()


class Worker(threading.Thread):
    def run(self):
        local.x = self.name
        names.append(threading.current_thread().name)
        with cond, cond:  # re-entrant
            got = cond.wait(timeout=0.1)  # nobody notifies: a virtual time-out
            assert got is False
        assert ev.wait(0.05) is False
        barrier.wait()
        q.put(local.x)


def main():
    ws = [Worker(name=f"w{i}") for i in range(2)]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    assert sorted([q.get(), q.get()]) == ["w0", "w1"]
    assert "action" in names and "w0" in names, names
    assert threading.main_thread().name == "MainThread"
