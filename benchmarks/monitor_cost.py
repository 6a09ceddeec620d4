"""The CPU monitor's own cost at 20 Hz, tracking a running process tree, vs a bare psutil loop.

Cost is CPU time of the sampling thread per second of wall time (fraction of one core). The bare
baseline is a loop that only calls ``psutil.cpu_times(percpu=True)`` at the same rate.
Target: the monitor <= 1 % of one core.
"""

import subprocess
import sys
import threading
import time

import psutil
from _common import table

from workbench.monitor import CpuMonitor

RATE, SECONDS = 20.0, 10.0


def bare_loop():
    stop, used = threading.Event(), [0.0]

    def loop():
        while not stop.wait(1 / RATE):
            before = time.thread_time()
            psutil.cpu_times(percpu=True)
            used[0] += time.thread_time() - before

    t = threading.Thread(target=loop)
    t.start()
    time.sleep(SECONDS)
    stop.set()
    t.join()
    return used[0] / SECONDS


if __name__ == "__main__":
    tree = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import multiprocessing as m, time\n"
            "if __name__=='__main__':\n ps=[m.Process(target=time.sleep,"
            "args=(60,)) for _ in range(4)]\n [p.start() for p in ps]\n"
            " time.sleep(60)",
        ]
    )
    try:
        monitor = CpuMonitor(rate_hz=RATE)
        monitor.track(tree.pid)
        monitor.start()
        time.sleep(SECONDS)
        monitor.stop()
        ours = monitor.cost()
        base = bare_loop()
    finally:
        tree.kill()
        for child in psutil.Process().children(recursive=True):
            child.kill()
    table(
        f"CPU monitor at {RATE:g} Hz over {SECONDS:g} s (fraction of one core)",
        [("monitor, tracking a 5-process tree", ours, base, ours / base)],
        f"monitor <= 0.01 of one core (measured {100 * ours:.2f} %)",
    )
