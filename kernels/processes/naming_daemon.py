"""Naming processes, and the named daemon child that is killed before it can say anything.

The book starts a child with ``name=`` and ``daemon=True`` next to one with the default name, and
the main program ends without joining the daemon. When a program that uses multiprocessing ends,
it terminates its daemonic children and only then waits for the others, so the daemon is killed,
usually before it prints a line. To watch that without ending the workbench, the scenario runs
as a small "program" of its own: a spawned process starts the two children and returns. Each
child appends its lines to a file in a temporary folder (a file, not a Queue: a child killed in
the middle of a Queue write can leave the Queue's lock held), and the program records each child's
exit code once it has ended. ``background_daemon`` reuses this machinery.
"""

import atexit
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

from kernels.recipe import Param, main

TITLE = "Name a process; the unjoined daemon"
CHAPTER = "3. Process-based parallelism"
BOOK = "E1-3.02, E2-3.03"
SHOWS_BUG = True
LESSON = (
    "current_process().name is the name given with Process(name=...), or a default: "
    "'SpawnProcess-N' here (the book's 'Process-N'), with ':M' for a child of a child. The named "
    "child is a daemon that the program never joins: when the program ends it is terminated "
    "(exit code -15), so its 'Exiting' line is missing, and usually its 'Starting' line too. Turn "
    "join_daemon on, as the second edition does, or daemon off: both children print both lines."
)
PARAMS = [
    Param("name", "str", "my_named_process", help="name given to the first child"),
    Param("daemon", "bool", True, help="make the named child a daemon"),
    Param("join_daemon", "bool", False, help="the program joins the named child before it ends"),
    Param("child_sleep", "float", 1.0, min=0.0, max=10.0, help="pause between a child's lines"),
]
QUICK = {"child_sleep": 0.3}


def child_says(logdir, index, lines, pause_s):
    """A child: print each line and append it to its log file, pausing between lines."""
    name = multiprocessing.current_process().name
    fd = os.open(Path(logdir, f"{index}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    for k, text in enumerate(lines):
        if k:
            time.sleep(pause_s)
        line = text.format(name=name)
        print(line, flush=True)
        os.write(fd, f"{time.perf_counter()}\t{line}\n".encode())
    os.close(fd)


def program(logdir, children, main_runs_s):
    """The scenario's main program: start the children, join those it should, then return."""
    mp = multiprocessing.get_context("spawn")
    procs = []
    for index, spec in enumerate(children):
        p = mp.Process(
            target=child_says,
            name=spec["name"] or None,
            daemon=spec["daemon"],
            args=(logdir, index, spec["lines"], spec["pause_s"]),
        )
        p.start()
        procs.append(p)
    atexit.register(record_exits, logdir, procs)  # runs after the children were ended or joined
    time.sleep(main_runs_s)
    for p, spec in zip(procs, children, strict=True):
        if spec["join"]:
            p.join()
    print("program returns; daemonic children are terminated, the others joined", flush=True)


def record_exits(logdir, procs):
    states = [{"name": p.name, "pid": p.pid, "exitcode": p.exitcode} for p in procs]
    Path(logdir, "exits.json").write_text(json.dumps(states))


def read_log(path):
    """The (time, line) pairs a child wrote; none if it never got as far as its first line."""
    return [ln.split("\t", 1) for ln in path.read_text().splitlines()] if path.exists() else []


def run_scenario(children, main_runs_s=0.0):
    """Run ``program`` in a spawned process and return, per child, what it managed to print."""
    mp = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="daemon-scenario-") as logdir:
        t0 = time.perf_counter()
        scenario = mp.Process(target=program, args=(logdir, children, main_runs_s))
        scenario.start()
        scenario.join()
        exits = json.loads(Path(logdir, "exits.json").read_text())
        rows = []
        for index, (spec, state) in enumerate(zip(children, exits, strict=True)):
            said = read_log(Path(logdir, f"{index}.log"))
            rows.append(
                {
                    **state,
                    "daemon": spec["daemon"],
                    "joined": spec["join"],
                    "lines_expected": len(spec["lines"]),
                    "lines_printed": len(said),
                    "lines": [text for _, text in said],
                    "times": [round(float(t) - t0, 4) for t, _ in said],
                }
            )
    return rows


def run(ctx, name, daemon, join_daemon, child_sleep):
    lines = ["Starting {name}", "Exiting {name}"]
    named_spec = {"name": name, "daemon": daemon, "join": join_daemon}
    default_spec = {"name": "", "daemon": False, "join": False}
    children = [{**c, "lines": lines, "pause_s": child_sleep} for c in (named_spec, default_spec)]
    with ctx.timed("work"):
        rows = run_scenario(children)
    named, other = rows
    return {
        "children": rows,
        "named_printed": named["lines_printed"],
        "other_printed": other["lines_printed"],
        "summary": f"'{named['name']}' (daemon={daemon}, joined={join_daemon}) printed "
        f"{named['lines_printed']} of 2 lines, exit code {named['exitcode']}; "
        f"'{other['name']}' printed {other['lines_printed']} of 2",
    }


if __name__ == "__main__":
    main(__name__)
