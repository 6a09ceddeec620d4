"""The CPU monitor against real load."""

import subprocess
import sys
import time

from workbench.monitor import CpuMonitor


def test_first_reading_is_discarded_and_values_are_percentages():
    monitor = CpuMonitor(rate_hz=20)
    assert monitor.sample() is None
    time.sleep(0.3)
    sample = monitor.sample()
    assert sample is not None
    assert all(0 <= v <= 100 for v in sample.per_core)
    assert 0 <= sample.total <= 100
    assert sample.run_cores is None


def test_run_share_sees_a_busy_child():
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        monitor = CpuMonitor(rate_hz=10)
        monitor.track(busy.pid)
        got = []
        monitor.subscribe(got.append)
        monitor.start()
        deadline = time.monotonic() + 10
        while len(got) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        monitor.stop()
    finally:
        busy.kill()
        busy.wait()
    shares = [s.run_cores for s in got[2:]]
    assert shares and max(shares) > 0.5  # about one core, generously
    assert max(s.total for s in got) > 20
    assert monitor.cost() < 0.2
