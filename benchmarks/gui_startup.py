"""How long from launching the workbench until its window is on screen, against a bare window.

Timing ``workbench gui --screenshot F --exit`` from outside would mostly time its 400 ms settle,
the PNG and the teardown, so the start-up is measured inside a child interpreter instead:

- the child's first statement reads ``time.perf_counter()``; it then imports what the
  ``workbench`` command imports (``workbench.cli``), makes the application
  (``ui.app.application()``) and the ``MainWindow``, and shows it, as ``ui.app.main`` does;
- "shown" is the first ``QTimer.singleShot(0)`` after ``show()``: the event loop has processed
  the show; "painted" is the first ``singleShot(0)`` after the window's first paint event, when
  the first frame is complete (on the offscreen platform it comes a few ms after "shown");
- to both is added the interpreter's own start-up, the wall time of ``python -c pass``.

Medians of 5 runs after one warm-up run (whose time is printed too: it compiles the bytecode).
The children cache bytecode under a temporary PYTHONPYCACHEPREFIX, as an installed workbench
would have it, and keep history and settings in a temporary directory. The baseline is a bare
PySide6 QMainWindow with one QLabel, started and timed the same way. The scripted command's
whole run (``--screenshot --exit``, settle and teardown included) is printed for reference.

Target: window shown < 2 s. Run from the repository root: ``python benchmarks/gui_startup.py``
(offscreen unless a DISPLAY is set).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
TARGET_S = 2.0

CHILD = r"""
import time
t0 = time.perf_counter()
import sys
sys.path.insert(0, sys.argv[2])
kind = sys.argv[1]
if kind == "workbench":
    import workbench.cli  # what the command imports before it opens the window
    from ui.app import application
    app = application()
    from ui.main_window import MainWindow  # after the QApplication exists, as ui.app.main
    window = MainWindow()
    app.aboutToQuit.connect(window.runner.shutdown)
else:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("Parallel Workbench"))
    window.resize(1366, 740)
from PySide6.QtCore import QEvent, QObject, QTimer
built = time.perf_counter() - t0
times = {}

def done():
    if "shown" in times and "painted" in times:
        print(f"{built:.6f} {times['shown']:.6f} {times['painted']:.6f}", flush=True)
        window.close()
        app.quit()

def mark(name):
    times[name] = time.perf_counter() - t0
    done()

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is window and "seen" not in times:
            times["seen"] = 0.0
            QTimer.singleShot(0, lambda: mark("painted"))
        return False

first_paint = FirstPaint()
window.installEventFilter(first_paint)
window.show()
QTimer.singleShot(0, lambda: mark("shown"))
QTimer.singleShot(20000, lambda: app.exit(3))  # never hang a benchmark
sys.exit(app.exec())
"""


def environment(home: str) -> dict[str, str]:
    env = dict(os.environ, WORKBENCH_HOME=home, XDG_CONFIG_HOME=home)
    env["PYTHONPYCACHEPREFIX"] = str(Path(home) / "pycache")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def child(kind: str, env: dict[str, str]) -> tuple[float, float, float]:
    """(built, shown, painted) seconds since the child's first statement."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{kind} child exited {out.returncode}: {out.stderr[-2000:]}")
    built, shown, painted = map(float, out.stdout.split()[-3:])
    return built, shown, painted


def wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env, cwd=ROOT, timeout=60)
    return time.perf_counter() - start


def machine_busy() -> float:
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq


def children_cpu() -> float:
    """CPU seconds of this script's finished children (the timed interpreters)."""
    t = psutil.Process().cpu_times()
    return t.children_user + t.children_system


def main() -> int:
    home = tempfile.mkdtemp(prefix="wb-bench-startup-")
    env = environment(home)
    shot = str(Path(home) / "window.png")
    scripted = [sys.executable, "-m", "workbench", "gui", "--screenshot", shot, "--exit"]
    load_before = os.getloadavg()
    # Warm-up: compiles bytecode into the cache, creates the history database and settings.
    first = {kind: child(kind, env) for kind in ("workbench", "bare")}
    wall(scripted, env)
    interp, ours, bare, whole = [], [], [], []
    start, busy0, kids0 = time.perf_counter(), machine_busy(), children_cpu()
    for _ in range(RUNS):  # interleaved, so a burst of other load hits both alike
        interp.append(wall([sys.executable, "-c", "pass"], env))
        ours.append(child("workbench", env))
        bare.append(child("bare", env))
        whole.append(wall(scripted, env))
    py = statistics.median(interp)
    elapsed = time.perf_counter() - start
    other = ((machine_busy() - busy0) - (children_cpu() - kids0)) / elapsed

    def med(runs, i):
        return statistics.median(r[i] for r in runs)

    print(
        f"platform {env.get('QT_QPA_PLATFORM') or 'display'}, {os.cpu_count()} cores, median of "
        f"{RUNS} after a warm-up; load average before "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + f"; other processes used {other:.2f} cores meanwhile (interference; ~0 is quiet)"
    )
    header = f"  {'seconds':46} {'workbench':>9} {'bare':>9} {'ratio':>7}  {'target':>7}  verdict"
    print("\nGUI start-up: launch to window on screen (bare: QMainWindow + one QLabel)")
    print(header)
    print("  " + "-" * (len(header) - 2))

    def line(label, o, b, target=None):
        verdict = "" if target is None else ("ok" if o < target else "MISSED")
        t = "" if target is None else f"< {target:g}"
        b_text = "—" if b is None else f"{b:.3f}"
        ratio = "" if b is None else f"{o / b:.2f}"
        print(f"  {label:46} {o:>9.3f} {b_text:>9} {ratio:>7}  {t:>7}  {verdict}")

    line("interpreter start-up (python -c pass)", py, py)
    line("imports, QApplication, window built", med(ours, 0), med(bare, 0))
    line("window shown (singleShot 0 after show)", py + med(ours, 1), py + med(bare, 1), TARGET_S)
    line("first frame painted", py + med(ours, 2), py + med(bare, 2), TARGET_S)
    warm_ours, warm_bare = py + first["workbench"][2], py + first["bare"][2]
    line("warm-up run (compiling all bytecode): painted", warm_ours, warm_bare)
    line("`gui --screenshot F --exit`, whole process", statistics.median(whole), None)
    spread = [py + r[1] for r in ours]
    print(f"  window shown, all runs: {', '.join(f'{s:.3f}' for s in spread)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
