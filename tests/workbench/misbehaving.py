"""Deliberately misbehaving programs, run through the real engine to test what it survives."""

import ctypes
import os
import subprocess
import sys
import threading
import time

from kernels.recipe import Param

PARAMS = [Param("seconds", "float", 30.0, min=0, max=3600, help="how long to misbehave")]


def sleep_forever(ctx, seconds):
    ctx.partial(reached="before the hang")
    print("about to hang", flush=True)
    threading.Event().wait(seconds)
    return {"woke": True}


def self_deadlock(ctx, seconds):
    lock = threading.Lock()
    lock.acquire()
    ctx.partial(holding=True)
    lock.acquire()  # never returns
    return {}


def raise_error(ctx, seconds):
    print("a line before the error", file=sys.stderr, flush=True)
    raise ValueError("the recipe failed on purpose")


def segfault(ctx, seconds):
    ctx.partial(before_crash=True)
    time.sleep(0.5)  # let the partial result reach the controller first (slow on a busy machine)
    ctypes.string_at(0)  # reads address 0: SIGSEGV
    return {}


def hard_exit(ctx, seconds):
    os._exit(7)


def leave_children(ctx, seconds):
    """Children that outlive the recipe, one of them in a session of its own (escapes killpg)."""
    code = f"import time; time.sleep({seconds})"
    subprocess.Popen([sys.executable, "-c", code])
    subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    time.sleep(0.3)
    return {"children": 2}


def busy(ctx, seconds):
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return {"loops": n}


def chatty(ctx, seconds):
    for i in range(int(seconds)):
        print(f"line {i}")
        ctx.progress(i + 1, seconds)
    return {"lines": int(seconds)}
