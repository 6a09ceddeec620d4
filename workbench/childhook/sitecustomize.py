"""Traces a child process of a traced run from its first line.

A traced run host puts this folder first on ``PYTHONPATH`` for its children, so every Python
process it starts (multiprocessing's spawned workers, a ``subprocess`` of Python) imports this
module at start-up and, while ``WORKBENCH_TRACE_CHILD`` is set, connects to the same controller
and installs the same traced primitives. A failure here is reported and never stops the child.
"""

import os
import sys

if os.environ.get("WORKBENCH_TRACE_CHILD"):
    try:
        from workbench import child_trace

        child_trace.start()
    except Exception as exc:  # tracing is an observer: the child runs untraced instead
        print(f"workbench: this child process is not traced: {exc!r}", file=sys.stderr)
