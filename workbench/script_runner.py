"""Running a user's own script in the run host, as ``__main__``, so tracing sees it unchanged.

The script's module is installed as ``sys.modules["__main__"]`` while it runs, as ``python
script.py`` would do: ``if __name__ == "__main__"`` blocks run, and multiprocessing's spawn
children can re-import it to find the functions they are asked to run.
"""

from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path
from typing import Any

from kernels.recipe import Param

PARAMS = [
    Param("path", "str", "", help="the script to run"),
    Param("args", "str", "[]", help="its command-line arguments, as a JSON list"),
]
TITLE = "your script"


def check(path: str) -> Path:
    """The script's path, or a one-line error naming the file and line that cannot run."""
    script = Path(path)
    if not script.is_file():
        raise ValueError(f"no such script: {path}")
    source = script.read_bytes()
    try:
        compile(source, str(script), "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise ValueError(f"{script}:{exc.lineno}: SyntaxError: {exc.msg}") from None
    return script.resolve()


def run(ctx: Any, path: str, args: str, workers: int | None = None) -> dict[str, Any]:
    """``workers``: the ranks of ``workbench trace --mpi N`` (mpiexec started them)."""
    script = Path(path)
    # dont_inherit: this module's ``from __future__ import annotations`` is not the script's
    code = compile(script.read_bytes(), str(script), "exec", dont_inherit=True)
    module = types.ModuleType("__main__")
    module.__file__ = str(script)
    module.__builtins__ = __builtins__
    saved_main, saved_argv, saved_path = sys.modules["__main__"], sys.argv, list(sys.path)
    sys.modules["__main__"] = module
    sys.argv = [str(script), *json.loads(args)]
    sys.path.insert(0, str(script.parent))
    exit_code = 0
    try:
        with ctx.timed("work"):
            exec(code, module.__dict__)
    except SystemExit as exc:
        exit_code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    finally:
        sys.modules["__main__"], sys.argv, sys.path[:] = saved_main, saved_argv, saved_path
        sys.stdout.flush()
    return {
        "exit_code": exit_code,
        "script": os.fspath(script),
        "summary": f"{script.name} exited with code {exit_code}",
    }
