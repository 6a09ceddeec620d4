"""A roofline per OpenCL device: measured once, cached, and every kernel run placed on it.

:func:`measure` runs the ``opencl.roofline_probe`` recipe through the engine (a run host, like
any run) and keeps ``{"device", "gbps_peak", "gflops_peak", "measured_at"}`` in
``roofline.json`` in the workbench's home, keyed by "platform: device". :func:`place` says
where a run's result sits: its intensity (FLOP per byte), its GFLOP/s, whether the memory or
the compute roof bounds it at that intensity, and what fraction of that roof it reached.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from workbench import catalog, controller, paths
from workbench.spec import RunSpec, Status

PROBE = "opencl.roofline_probe"
FILE = "roofline.json"


class RooflineError(RuntimeError):
    """The probe did not finish; the message is one line for the user."""


def _path() -> Path:
    return paths.home() / FILE


def _all() -> dict[str, Any]:
    try:
        return json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def key(device: dict[str, Any]) -> str:
    """The cache key of a result's ``device`` ({"platform", "name", ...}): "platform: name"."""
    return f"{device['platform']}: {device['name']}"


def load(device_key: str) -> dict[str, Any] | None:
    """The cached roofline of a device ("platform: name"), or None if it was never measured."""
    return _all().get(device_key)


def measure(device: str = "auto", timeout_s: float = 60) -> dict[str, Any]:
    """Run the probe on ``device`` (the recipes' selection rule), cache and return its roof."""
    recipe = catalog.get(PROBE)
    spec = RunSpec.make(PROBE, catalog.resolve(recipe, {"device": device}), timeout_s=timeout_s)
    record = controller.run(spec)
    if record.status is not Status.OK or not record.result:
        raise RooflineError(f"the roofline probe did not finish: {record.error_line()}")
    result = record.result
    roof = {
        "device": key(result["device"]),
        "gbps_peak": result["gbps_peak"],
        "gflops_peak": result["gflops_peak"],
        "measured_at": time.time(),
    }
    cache = _all()
    cache[roof["device"]] = roof
    _path().write_text(json.dumps(cache, indent=1), encoding="utf-8")
    return roof


def get(device: str = "auto", refresh: bool = False, timeout_s: float = 60) -> dict[str, Any]:
    """The cached roofline of ``device``, measured first if it is not cached (or ``refresh``).

    The device is resolved in a child process (:func:`workbench.opencl.probe`), so asking for a
    cached roofline never loads OpenCL here. Raises LookupError for an unknown device.
    """
    from workbench import opencl

    info = opencl.probe()
    if not info["platforms"]:
        raise LookupError(info.get("error") or "no OpenCL device found")
    cached = None if refresh else load(key(opencl.select(device, info["platforms"])))
    return cached or measure(device, timeout_s)


def place(result: dict[str, Any], roof: dict[str, Any]) -> dict[str, Any] | None:
    """Where a run sits under ``roof``; None when the result has no intensity or GFLOP/s.

    At intensity I the attainable rate is min(gflops_peak, I x gbps_peak): below the ridge
    point (gflops_peak / gbps_peak) memory bounds the kernel, above it compute does.
    """
    intensity, gflops = result.get("intensity"), result.get("gflops")
    if not intensity or gflops is None:
        return None
    memory_roof = intensity * roof["gbps_peak"]
    attainable = min(roof["gflops_peak"], memory_roof)
    return {
        "intensity": intensity,
        "gflops": gflops,
        "bound": "memory" if memory_roof < roof["gflops_peak"] else "compute",
        "fraction_of_roof": round(gflops / attainable, 4) if attainable > 0 else None,
    }
