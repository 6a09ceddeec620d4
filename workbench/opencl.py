"""OpenCL platforms and devices, as plain data, for ``workbench devices`` and the device picker.

pyopencl is imported only inside :func:`discover`. A missing pyopencl, no installed driver
(ICD) or a driver that fails gives an empty list and a one-line reason from
:func:`discover_error`, never a traceback. The GUI asks through :func:`probe`, which runs
``python -m workbench.opencl --json`` in a child process, so the window's process never loads
OpenCL (and a driver that crashes takes down only that child).

The device selection rule is the recipes' (``kernels.opencl._cl.choose``): "auto" is the
first GPU, else the first device; "P:D" is platform P's device D; any other text is a
case-insensitive substring of "platform: device".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from kernels.opencl import _cl
from workbench.paths import project_root

_ERROR: str | None = None


def discover() -> list[dict[str, Any]]:
    """Every platform with its devices and their properties; [] when OpenCL is unavailable."""
    global _ERROR
    _ERROR = None
    try:
        import pyopencl as cl
    except ImportError as exc:
        _ERROR = f"pyopencl is not installed ({exc})"
        return []
    try:
        found = cl.get_platforms()
    except Exception as exc:  # no ICD: pyopencl raises LogicError(PLATFORM_NOT_FOUND_KHR)
        _ERROR = f"no OpenCL platform found: {_one_line(exc)}"
        return []
    platforms = []
    for pi, platform in enumerate(found):
        try:
            devices = platform.get_devices()
        except Exception as exc:  # a platform whose driver has no usable device
            devices, error = [], _one_line(exc)
        else:
            error = None
        entry = {
            "index": pi,
            "name": platform.name.strip(),
            "vendor": platform.vendor.strip(),
            "version": platform.version.strip(),
            "devices": [
                {"key": f"{pi}:{di}", "platform": platform.name.strip(), **_cl.properties(dev)}
                for di, dev in enumerate(devices)
            ],
        }
        if error:
            entry["error"] = error
        platforms.append(entry)
    if not any(p["devices"] for p in platforms):
        _ERROR = "OpenCL platforms found but no devices"
    return platforms


def discover_error() -> str | None:
    """Why the last :func:`discover` found nothing (None when it found devices)."""
    return _ERROR


def devices(platforms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The devices of every platform, flattened, in selection order."""
    return [d for p in platforms for d in p["devices"]]


def select(spec: str = "auto", platforms: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The device that ``spec`` names (the rule the recipes' ``device`` parameter follows).

    Raises LookupError with a one-line message that lists the devices when nothing matches.
    """
    return _cl.choose(devices(discover() if platforms is None else platforms), spec)


def report() -> dict[str, Any]:
    """``{"platforms": [...], "error": str | None}``, discovered in this process."""
    platforms = discover()
    return {"platforms": platforms, "error": discover_error()}


def probe(timeout_s: float = 20.0) -> dict[str, Any]:
    """The same as :func:`report`, discovered in a child process (OpenCL never loads here)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(project_root()), env.get("PYTHONPATH")) if p
    )
    cmd = [sys.executable, "-m", "workbench.opencl", "--json"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        return {"platforms": [], "error": f"OpenCL discovery took over {timeout_s:g} s"}
    except OSError as exc:
        return {"platforms": [], "error": f"OpenCL discovery could not start: {exc}"}
    try:
        return json.loads(done.stdout)
    except ValueError:  # the driver crashed the child, or printed garbage
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        return {"platforms": [], "error": f"OpenCL discovery failed: {tail[0]}"}


def describe(info: dict[str, Any]) -> list[str]:
    """Readable lines for ``workbench devices``."""
    if not info["platforms"]:
        return [f"OpenCL   none: {info.get('error') or 'no platform'}"]
    lines = []
    for p in info["platforms"]:
        lines.append(f"OpenCL   platform {p['index']}: {p['name']} ({p['version']})")
        for d in p["devices"]:
            lines.append(
                f"  {d['key']}  {d['type']:<4} {d['name']}: {d['compute_units']} compute units, "
                f"{d['max_clock_mhz']} MHz, {_mb(d['global_mem_bytes'])} global, "
                f"{d['local_mem_bytes'] // 1024} KiB local, "
                f"max work-group {d['max_work_group_size']}"
            )
    try:
        chosen = _cl.choose(devices(info["platforms"]), "auto")
        lines.append(f"  device=auto picks {chosen['key']} ({_cl.label(chosen)})")
    except LookupError:
        pass
    return lines


def _mb(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n // 2**20} MiB"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.opencl", description=__doc__)
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = parser.parse_args(argv)
    info = report()
    if args.json:
        print(json.dumps(info))
    else:
        print("\n".join(describe(info)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
