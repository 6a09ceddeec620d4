"""What every OpenCL recipe shares: device choice, cached builds, profiling and result fields.

pyopencl is imported inside the functions that need it, never at module import, so that the
catalog can list these recipes without loading OpenCL. Nothing here imports the engine.

Builds are cached per (context, source hash, options) in a module-level dict, and so are the
Kernel objects: pyopencl's ``program.name`` creates a new Kernel on every attribute access.
Kernels hold their arguments, so each thread gets its own (they are never shared).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
from pathlib import Path
from typing import Any

from kernels.recipe import Param

HERE = Path(__file__).resolve().parent
CHAPTER = "6. GPU programming (OpenCL)"
PHASES = ("h2d", "kernel", "d2h")
MAX_COMMANDS = 500
MAX_IMAGE = 512
_TYPES = ((4, "GPU"), (2, "CPU"), (8, "ACCELERATOR"), (16, "CUSTOM"))

_CONTEXTS: dict[str, Any] = {}
_PROGRAMS: dict[tuple, Built] = {}
_OBJECTS: dict[tuple, Any] = {}
_SOURCES: dict[tuple[str, int], tuple[str, str]] = {}
BUILDS: dict[str, int] = {}  # "file on device" -> real builds in this process
_LOCK = threading.Lock()


class BuildError(RuntimeError):
    """A .cl file did not build; the message holds the compiler's log and the source lines."""


def device_param() -> Param:
    return Param(
        "device",
        "str",
        "auto",
        help="OpenCL device: auto (first GPU, else first device), an index like 0:1, or part "
        "of 'platform: device' (see `workbench devices`)",
    )


# --- devices -------------------------------------------------------------------------------


def type_name(bits: int) -> str:
    """'GPU', 'CPU', ... (pyopencl's to_string gives 'ALL | CPU' for some drivers)."""
    return next((name for bit, name in _TYPES if bits & bit), "OTHER")


def label(entry: dict[str, Any]) -> str:
    return f"{entry['platform']}: {entry['name']}"


def choose(entries: list[dict[str, Any]], spec: str = "auto") -> dict[str, Any]:
    """The device ``spec`` names among ``entries`` (dicts with key, platform, name, type).

    "auto" (or empty) is the first GPU if any, else the first device; "P:D" is platform P's
    device D; anything else is a case-insensitive substring of "platform: device".
    """
    if not entries:
        raise LookupError("no OpenCL device found (is an OpenCL driver / ICD installed?)")
    text = spec.strip()
    if text.lower() in ("", "auto"):
        return next((e for e in entries if e["type"] == "GPU"), entries[0])
    if re.fullmatch(r"\d+:\d+", text):
        found = [e for e in entries if e["key"] == text]
    else:
        found = [e for e in entries if text.lower() in label(e).lower()]
    if not found:
        names = "; ".join(f"{e['key']} {label(e)}" for e in entries)
        raise LookupError(f"no OpenCL device matches {spec!r}; devices: {names}")
    return found[0]


def all_devices() -> list[tuple[dict[str, Any], Any]]:
    """(entry, pyopencl.Device) for every device of every platform."""
    import pyopencl as cl

    out = []
    for pi, platform in enumerate(cl.get_platforms()):
        try:
            devices = platform.get_devices()
        except cl.Error:  # a driver installed without a usable device
            continue
        for di, dev in enumerate(devices):
            entry = {"key": f"{pi}:{di}", "platform": platform.name.strip()}
            out.append(({**entry, "name": dev.name.strip(), "type": type_name(dev.type)}, dev))
    return out


def device_for(spec: str = "auto") -> Any:
    found = all_devices()
    entry = choose([e for e, _ in found], spec)
    return next(d for e, d in found if e["key"] == entry["key"])


def properties(dev: Any) -> dict[str, Any]:
    """What a device says about itself (E1-6.09), in plain JSON types."""
    return {
        "name": dev.name.strip(),
        "vendor": dev.vendor.strip(),
        "version": dev.version.strip(),
        "driver_version": dev.driver_version.strip(),
        "type": type_name(dev.type),
        "compute_units": dev.max_compute_units,
        "max_clock_mhz": dev.max_clock_frequency,
        "global_mem_bytes": dev.global_mem_size,
        "local_mem_bytes": dev.local_mem_size,
        "constant_mem_bytes": dev.max_constant_buffer_size,
        "max_alloc_bytes": dev.max_mem_alloc_size,
        "max_work_group_size": dev.max_work_group_size,
        "max_work_item_sizes": list(dev.max_work_item_sizes),
        "extensions": dev.extensions.split(),
    }


def short(dev: Any) -> dict[str, str]:
    """result["device"]: the device a run used."""
    return {
        "platform": dev.platform.name.strip(),
        "name": dev.name.strip(),
        "type": type_name(dev.type),
    }


def context_for(device: str = "auto") -> Any:
    """One cached context per device, so builds and kernels are re-used across runs."""
    import pyopencl as cl

    dev = device_for(device)
    key = f"{dev.platform.name}|{dev.name}|{dev.int_ptr}"
    with _LOCK:
        if key not in _CONTEXTS:
            _CONTEXTS[key] = cl.Context([dev])
        return _CONTEXTS[key]


def queue(ctx: Any) -> Any:
    """An in-order queue with profiling on, so every command reports its device times."""
    import pyopencl as cl

    return cl.CommandQueue(ctx, properties=cl.command_queue_properties.PROFILING_ENABLE)


def has_fp64(dev: Any) -> bool:
    return "cl_khr_fp64" in dev.extensions.split()


# --- builds --------------------------------------------------------------------------------


class Built:
    """A built program and its Kernel objects, fetched once per name and thread."""

    def __init__(self, program: Any, filename: str, build_ms: float) -> None:
        self.program = program
        self.filename = filename
        self.build_ms = build_ms
        self.reused = False
        self._kernels: dict[tuple[str, int], Any] = {}

    def kernel(self, name: str) -> Any:
        import pyopencl as cl

        key = (name, threading.get_ident())
        if key not in self._kernels:
            self._kernels[key] = cl.Kernel(self.program, name)
        return self._kernels[key]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.kernel(name)

    def info(self) -> dict[str, Any]:
        """result["build"]: which file, how long its build took, and whether it was re-used."""
        return {"file": self.filename, "build_ms": round(self.build_ms, 2), "reused": self.reused}


def source(filename: str) -> str:
    """The .cl file with a #line directive, so compiler messages name the file and its lines."""
    return f'#line 1 "{filename}"\n' + (HERE / filename).read_text(encoding="utf-8")


def _source_hash(filename: str) -> tuple[str, str]:
    """The source and its hash, read again only when the file changes (an edited kernel is
    rebuilt; an unchanged one costs a stat per call)."""
    path = HERE / filename
    stamp = (str(path), path.stat().st_mtime_ns)
    if stamp not in _SOURCES:
        src = source(filename)
        _SOURCES[stamp] = (src, hashlib.sha256(src.encode()).hexdigest())
    return _SOURCES[stamp]


def build(ctx: Any, filename: str, options: tuple[str, ...] | list[str] = ()) -> Built:
    """Build kernels/opencl/<filename> for ``ctx`` once; later calls return the same object."""
    src, digest = _source_hash(filename)
    key = (ctx.int_ptr, digest, tuple(options))
    with _LOCK:
        built = _PROGRAMS.get(key)
        if built is None:
            built = _PROGRAMS[key] = _compile(ctx, src, filename, list(options))
        else:
            built.reused = True
        return built


def _compile(ctx: Any, src: str, filename: str, options: list[str]) -> Built:
    import pyopencl as cl

    dev = ctx.devices[0]
    t0 = time.perf_counter()
    program = cl.Program(ctx, src)
    try:
        program.build(options=options)
    except cl.Error as exc:
        raise BuildError(build_message(filename, src, str(exc), dev.name.strip())) from None
    name = f"{filename} on {dev.name.strip()}"
    BUILDS[name] = BUILDS.get(name, 0) + 1
    return Built(program, filename, (time.perf_counter() - t0) * 1e3)


def build_message(filename: str, src: str, error: str, device: str) -> str:
    """The compiler's log, then each line it points at, numbered as in the .cl file."""
    log = error.split("Build on", 1)[1].split(">:", 1)[-1] if "Build on" in error else error
    lines = src.splitlines()[1:]  # without the #line directive
    cited = sorted({int(n) for n in re.findall(rf"{re.escape(filename)}:(\d+):", log)})
    shown = [f"  {n:4d} | {lines[n - 1]}" for n in cited if 0 < n <= len(lines)]
    parts = [f"{filename} failed to build on {device}:", log.strip()]
    if shown:
        parts += ["source:", *shown]
    return "\n".join(parts)


def cached(ctx: Any, key: tuple, make: Any) -> Any:
    """pyopencl's generated kernels (ElementwiseKernel, ReductionKernel), made once per context
    and thread; counted in BUILDS like the .cl programs."""
    full = (ctx.int_ptr, threading.get_ident(), *key)
    with _LOCK:
        if full not in _OBJECTS:
            _OBJECTS[full] = make()
            name = f"{key[0]} on {ctx.devices[0].name.strip()}"
            BUILDS[name] = BUILDS.get(name, 0) + 1
        return _OBJECTS[full]


def stats() -> dict[str, int]:
    """How much is cached: programs, Kernel objects, generated kernels, and real builds."""
    return {
        "programs": len(_PROGRAMS),
        "kernels": sum(len(b._kernels) for b in _PROGRAMS.values()),
        "generated": len(_OBJECTS),
        "builds": sum(BUILDS.values()),
    }


class Setup:
    """What a run needs: the context, a profiling queue, the device and the built program."""

    def __init__(self, device: str, filename: str | None, options: tuple[str, ...]) -> None:
        self.ctx = context_for(device)
        self.queue = queue(self.ctx)
        self.device = self.ctx.devices[0]
        self.program = build(self.ctx, filename, options) if filename else None
        self.build = self.program.info() if self.program else None


def setup(ctx: Any, device: str, filename: str | None = None, options: tuple = ()) -> Setup:
    """Context, queue and program, timed as the run's start-up (apart from its work)."""
    with ctx.timed("startup"):
        return Setup(device, filename, tuple(options))


# --- profiling -----------------------------------------------------------------------------


class Timeline:
    """The commands of one queue, each with its phase (h2d, kernel, d2h) and profiling event."""

    def __init__(self, queue_name: str = "q0") -> None:
        self.queue_name = queue_name
        self.items: list[tuple[str, str, Any]] = []
        self.host_anchor_ns = 0  # host perf_counter_ns when the first command was queued

    def add(self, phase: str, name: str, event: Any) -> Any:
        if not self.items:
            self.host_anchor_ns = time.perf_counter_ns()
        self.items.append((phase, name, event))
        return event

    def phases_ms(self) -> dict[str, float]:
        return phase_times(self.items)

    def commands(self) -> list[dict[str, Any]]:
        out = commands(self.items, self.queue_name)
        first = self.items[0][2] if self.items else None
        queued = getattr(getattr(first, "profile", None), "queued", None)
        if out and queued is not None and self.host_anchor_ns:
            # The device clock is not the host's: anchor the first command's "queued" time to
            # the host time it was enqueued at, so commands sit beside the host's threads.
            start0 = min(e.profile.start for _, _, e in self.items)
            shift = self.host_anchor_ns - queued + start0
            for c in out:
                c["host_start_ns"], c["host_end_ns"] = c["start_ns"] + shift, c["end_ns"] + shift
        return out


class Span:
    """Stands in for one event where a library enqueues several commands (ReductionKernel's two
    passes): the interval from a marker before them to a marker after them."""

    def __init__(self, before: Any, after: Any) -> None:
        self.before, self.after = before, after

    @property
    def profile(self) -> Any:
        return _Profile(self.before.profile.end, self.after.profile.end)


class _Profile:
    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end


def phase_times(items: list[tuple[str, str, Any]]) -> dict[str, float]:
    """Milliseconds per phase, summed over that phase's finished events."""
    out = dict.fromkeys(PHASES, 0.0)
    for phase, _, event in items:
        out[phase] = out.get(phase, 0.0) + (event.profile.end - event.profile.start) / 1e6
    return {k: round(v, 4) for k, v in out.items()}


def commands(items: list[tuple[str, str, Any]], queue_name: str = "q0") -> list[dict[str, Any]]:
    """Profiling intervals on the device clock, relative to the first command (at most 500)."""
    if not items:
        return []
    spans = [(e.profile.start, e.profile.end, f"{phase} {name}") for phase, name, e in items]
    t0 = min(s for s, _, _ in spans)
    return [
        {"queue": queue_name, "name": name, "start_ns": s - t0, "end_ns": e - t0}
        for s, e, name in spans[:MAX_COMMANDS]
    ]


# --- results -------------------------------------------------------------------------------


def report(
    dev: Any, tl: Timeline, host_ns: int, flops: float | None = None, nbytes: float | None = None
) -> dict[str, Any]:
    """The shared result fields: device, phase times, host time, rates and intensity."""
    phases = tl.phases_ms()
    out: dict[str, Any] = {
        "device": short(dev),
        "phases_ms": phases,
        "host_ms": round(host_ns / 1e6, 4),
        "commands": tl.commands(),
    }
    out.update(rates(phases["kernel"], flops, nbytes))
    return out


def rates(kernel_ms: float, flops: float | None, nbytes: float | None) -> dict[str, float]:
    """GFLOP/s and GB/s of the kernel time, and FLOP per byte, where they make sense."""
    out: dict[str, float] = {}
    seconds = kernel_ms / 1e3
    if flops and seconds > 0:
        out["gflops"] = _sig(flops / seconds / 1e9)
    if nbytes and seconds > 0:
        out["gbps"] = _sig(nbytes / seconds / 1e9)
    if flops and nbytes:
        out["intensity"] = _sig(flops / nbytes)
    return out


def check(actual: Any, expected: Any, atol: float = 0.0, rtol: float = 0.0) -> dict[str, Any]:
    """result["check"]: how far the device's answer is from numpy's on the same data."""
    import numpy as np

    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    err = np.abs(a - b)
    wrong = int(np.count_nonzero(~(err <= atol + rtol * np.abs(b))))
    max_err = float(err.max()) if err.size else 0.0
    return {"max_abs_err": max_err, "wrong": wrong, "total": int(b.size), "ok": wrong == 0}


def image(data: Any, cmap: str, text: str) -> dict[str, Any]:
    """result["images"][name]: a 2-D picture, strided down to at most 512 x 512."""
    import numpy as np

    arr = np.atleast_2d(np.asarray(data))
    step = [max(1, math.ceil(s / MAX_IMAGE)) for s in arr.shape[:2]]
    arr = arr[:: step[0], :: step[1]]
    values = arr.round(4).tolist() if arr.dtype.kind == "f" else arr.astype(int).tolist()
    return {"data": values, "cmap": cmap, "label": text}


def grid(flat: Any) -> Any:
    """A 1-D array laid out row-major in a near-square 2-D picture, padded with zeros."""
    import numpy as np

    flat = np.asarray(flat).ravel()
    cols = max(1, math.ceil(math.sqrt(flat.size)))
    rows = math.ceil(flat.size / cols)
    out = np.zeros(rows * cols, dtype=flat.dtype)
    out[: flat.size] = flat
    return out.reshape(rows, cols)


def aligned_empty(n: int, dtype: Any, align: int = 4096) -> Any:
    """A numpy array whose data starts on an ``align``-byte boundary, so a USE_HOST_PTR buffer
    can use the host memory as it is (drivers copy unaligned host memory)."""
    import numpy as np

    dtype = np.dtype(dtype)
    raw = np.empty(n * dtype.itemsize + align, dtype=np.uint8)
    offset = (-raw.ctypes.data) % align
    return raw[offset : offset + n * dtype.itemsize].view(dtype)


def timer() -> int:
    return time.perf_counter_ns()


def _sig(x: float) -> float:
    """Four significant figures: small rates keep their precision (round() to 4 decimals
    turned 0.00951 GFLOP/s into 0.0095)."""
    return float(f"{x:.4g}")
