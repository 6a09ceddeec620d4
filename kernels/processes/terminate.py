"""Killing a process with terminate(), and what is_alive() and exitcode say around it.

The child would print a line per step; the parent terminates it after ``delay_s``. Terminated
at once, as in the book, the child is still starting its interpreter, so its body never prints.
``terminate()`` only sends SIGTERM: ``is_alive()`` read right after it is usually still True, and
only ``join()`` waits for the process to be gone; then ``exitcode`` is -15 (minus the signal
number, on Linux and macOS). The child reports through a one-way Pipe read after the join; a
process killed in the middle of a Queue put can leave the Queue's lock held, which the Python
docs warn about.
"""

import multiprocessing
import time

from kernels.recipe import Param, main

TITLE = "Terminate a process"
CHAPTER = "3. Process-based parallelism"
BOOK = "E1-3.04, E2-3.05"
SHOWS_BUG = True
LESSON = (
    "terminate() kills the child where it stands: with delay_s 0 its body never prints a line. "
    "Look at the states table: is_alive() is usually still True right after terminate(), because "
    "the signal is only sent; after join() it is False and exitcode is -15 (SIGTERM). Raise "
    "delay_s to see some of the body's lines before it is cut off, or past the body's length to "
    "see a normal exit code 0."
)
PARAMS = [
    Param("delay_s", "float", 0.0, min=0.0, max=30.0, help="wait this long before terminate()"),
    Param("steps", "int", 10, min=1, max=100, help="lines the child's body would print"),
    Param("step_s", "float", 0.2, min=0.0, max=5.0, help="pause after each line"),
]
QUICK = {"steps": 5, "step_s": 0.05}


def body(steps, step_s, report):
    report.send("starting body")
    print("child: starting body", flush=True)
    for i in range(steps):
        report.send(f"step {i}")
        print(f"child: step {i}", flush=True)
        time.sleep(step_s)
    report.send("finished body")
    print("child: finished body", flush=True)


def run(ctx, delay_s, steps, step_s):
    mp = multiprocessing.get_context("spawn")
    reader, writer = mp.Pipe(duplex=False)
    child = mp.Process(target=body, args=(steps, step_s, writer))
    states = []

    def note(moment):
        state = {"moment": moment, "is_alive": child.is_alive(), "exitcode": child.exitcode}
        states.append(state)
        print(f"parent: {moment}: is_alive={state['is_alive']} exitcode={state['exitcode']}")

    note("before start")
    with ctx.timed("work"):
        child.start()
        writer.close()  # the parent keeps only the reading end
        note("after start")
        time.sleep(delay_s)
        child.terminate()
        note("right after terminate")
        child.join()
        note("after join")
    said = []
    while reader.poll():
        try:
            said.append(reader.recv())
        except EOFError:
            break
    alive_after = states[2]["is_alive"]
    return {
        "exitcode": child.exitcode,
        "alive_right_after_terminate": alive_after,
        "body_lines": said,
        "body_finished": "finished body" in said,
        "states": states,
        "summary": f"terminated after {delay_s} s: the body printed {len(said)} of {steps + 2} "
        f"lines, is_alive() right after terminate() was {alive_after}, exitcode {child.exitcode}",
    }


if __name__ == "__main__":
    main(__name__)
