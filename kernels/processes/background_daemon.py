"""Daemon and non-daemon children when their parent program ends.

Two children count out loud, one line per step. The program that started them does not join
either: when it ends, multiprocessing terminates the daemonic child and waits for the other. The
daemon's output stops where the program ended (its "Exiting" line never shows), the non-daemon
finishes. The scenario runs as a program of its own in a spawned process (see ``naming_daemon``
for the machinery), so the lines each child managed to print can be collected and shown.
"""

from kernels.processes.naming_daemon import run_scenario
from kernels.recipe import Param, main

TITLE = "Background (daemon) processes at exit"
CHAPTER = "3. Process-based parallelism"
BOOK = "E1-3.03, E2-3.04"
SHOWS_BUG = True
LESSON = (
    "A daemonic child is terminated the moment its parent program ends; a non-daemon child is "
    "waited for. Compare lines_printed with lines_expected: the daemon's output is cut off where "
    "the program ended (main_runs_s), and its 'Exiting' line never appears. With daemons 'none' "
    "(the second edition's comparison) both children print everything."
)
PARAMS = [
    Param("daemons", "choice", "first", choices=("first", "none", "both"), help="daemon children"),
    Param("steps", "int", 5, min=0, max=50, help="lines each child counts between start and exit"),
    Param("step_s", "float", 0.2, min=0.0, max=5.0, help="pause between a child's lines"),
    Param("main_runs_s", "float", 0.0, min=0.0, max=10.0, help="the program works this long"),
]
QUICK = {"steps": 3, "step_s": 0.1}


def run(ctx, daemons, steps, step_s, main_runs_s):
    flags = {"first": (True, False), "none": (False, False), "both": (True, True)}[daemons]
    children = []
    for k, (first, is_daemon) in enumerate(zip((0, steps), flags, strict=True)):
        lines = ["Starting {name}", *(f"---> {first + i}" for i in range(steps)), "Exiting {name}"]
        name = f"{'' if is_daemon else 'no_'}background_{k + 1}"
        children.append(
            {"name": name, "daemon": is_daemon, "join": False, "lines": lines, "pause_s": step_s}
        )
    with ctx.timed("work"):
        rows = run_scenario(children, main_runs_s)
    cut = [r["name"] for r in rows if r["lines_printed"] < r["lines_expected"]]
    said = "; ".join(f"{r['name']} {r['lines_printed']}/{r['lines_expected']}" for r in rows)
    return {
        "children": rows,
        "cut_off": cut,
        "summary": f"lines printed: {said}; cut off at exit: {', '.join(cut) or 'none'}",
    }


if __name__ == "__main__":
    main(__name__)
