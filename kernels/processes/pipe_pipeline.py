"""A pipeline of processes joined by Pipes, ended by EOFError, and the ends that must be closed.

A source process sends the numbers 0..items-1 down a pipe, each squarer stage reads from one
pipe and sends the square down the next, and the main process reads the last pipe. A reader
learns that nothing more will come (``recv()`` raises EOFError) only when every copy of the
pipe's writing end is closed, and under spawn every process that was handed a pipe holds its
own copies. With ``close_unused_ends`` off, a stage and the main process keep copies they never
use, so EOF never comes: the results arrive, then the reader waits forever (by design; the
engine's timeout ends it, and the results seen so far are kept as a partial result).
"""

import multiprocessing

from kernels.recipe import Param, main

TITLE = "Pipe pipeline: squares and EOF"
CHAPTER = "3. Process-based parallelism"
BOOK = "E1-3.06, E2-3.08"
SHOWS_BUG = True
LESSON = (
    "Each stage loops on recv() until EOFError, which only comes once all copies of the pipe's "
    "writing end are closed. With close_unused_ends on, every process closes the ends it does "
    "not use and the run ends with the squares and 'End'. Off, the squares still arrive but the "
    "readers wait forever for an EOF that the forgotten copies hold back."
)
PARAMS = [
    Param("items", "int", 10, min=0, max=100_000, help="numbers the source sends"),
    Param("stages", "int", 1, min=1, max=4, help="squarer processes in the chain"),
    Param("close_unused_ends", "bool", True, help="close the pipe ends a process does not use"),
]
QUICK = {"items": 10}


def source(pipe, items, close_unused):
    reader, writer = pipe
    if close_unused:
        reader.close()
    for i in range(items):
        writer.send(i)
    writer.close()


def squarer(inbound, outbound, close_unused):
    in_reader, in_writer = inbound
    out_reader, out_writer = outbound
    if close_unused:
        in_writer.close()
        out_reader.close()
    try:
        while True:
            out_writer.send(in_reader.recv() ** 2)
    except EOFError:
        out_writer.close()


def run(ctx, items, stages, close_unused_ends):
    mp = multiprocessing.get_context("spawn")
    pipes = [mp.Pipe(duplex=False) for _ in range(stages + 1)]  # (reader, writer) pairs
    procs = [mp.Process(target=source, args=(pipes[0], items, close_unused_ends), name="source")]
    for k in range(stages):
        args = (pipes[k], pipes[k + 1], close_unused_ends)
        procs.append(mp.Process(target=squarer, args=args, name=f"squarer-{k + 1}"))
    with ctx.timed("startup"):
        for p in procs:
            p.start()
    final = pipes[-1][0]
    if close_unused_ends:
        for reader, writer in pipes:
            writer.close()
            if reader is not final:
                reader.close()
    results = []
    with ctx.timed("work"):
        try:
            while True:
                if not final.poll():  # about to wait: record what came so far, in case of a hang
                    ctx.partial(results=results[:1000], received=len(results))
                results.append(final.recv())
                if len(results) <= 100:
                    print(results[-1], flush=True)
        except EOFError:
            print("End", flush=True)
        for p in procs:
            p.join()
    expected = [i ** (2**stages) for i in range(items)]
    return {
        "results": results[:1000],
        "received": len(results),
        "correct": results == expected,
        "exitcodes": [p.exitcode for p in procs],
        "summary": f"{len(results)} results through {stages} squarer stage(s), then EOF; "
        f"{'all' if results == expected else 'NOT all'} as expected",
    }


if __name__ == "__main__":
    main(__name__)
