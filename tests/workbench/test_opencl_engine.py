"""OpenCL discovery, the device selection rule, ``python -m workbench.opencl`` and the roofline."""

import json
import os
import subprocess
import sys
from importlib import metadata

import pytest

from kernels.opencl._cl import choose
from workbench import opencl, roofline

PROPERTIES = {
    "key",
    "platform",
    "name",
    "vendor",
    "version",
    "driver_version",
    "type",
    "compute_units",
    "max_clock_mhz",
    "global_mem_bytes",
    "local_mem_bytes",
    "constant_mem_bytes",
    "max_alloc_bytes",
    "max_work_group_size",
    "max_work_item_sizes",
    "extensions",
}
FAKE = [
    {
        "key": "0:0",
        "platform": "Portable Computing Language",
        "name": "pthread-EPYC",
        "type": "CPU",
    },
    {"key": "1:0", "platform": "NVIDIA CUDA", "name": "NVIDIA H100", "type": "GPU"},
    {"key": "1:1", "platform": "NVIDIA CUDA", "name": "NVIDIA A10", "type": "GPU"},
]


def _has_pocl():
    try:
        metadata.version("pocl-binary-distribution")
        import pyopencl  # noqa: F401
    except (metadata.PackageNotFoundError, ImportError):
        return False
    return True


needs_pocl = pytest.mark.skipif(not _has_pocl(), reason="pyopencl + PoCL not installed")


def _python(code, **env):
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, **env),
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_auto_picks_the_first_gpu_else_the_first_device():
    assert choose(FAKE, "auto")["key"] == "1:0"
    assert choose(FAKE, "")["key"] == "1:0"
    assert choose(FAKE[:1], "auto")["key"] == "0:0"


def test_a_device_is_named_by_index_or_by_part_of_its_name():
    assert choose(FAKE, "1:1")["name"] == "NVIDIA A10"
    assert choose(FAKE, "a10")["key"] == "1:1"
    assert choose(FAKE, "portable computing")["key"] == "0:0"
    assert choose(FAKE, "nvidia cuda: nvidia h100")["key"] == "1:0"


def test_an_unknown_device_is_a_one_line_error_that_lists_the_devices():
    with pytest.raises(LookupError, match=r"no OpenCL device matches '2:0'; devices: 0:0 Portable"):
        choose(FAKE, "2:0")
    with pytest.raises(LookupError, match="no OpenCL device found"):
        choose([], "auto")


@needs_pocl
def test_discover_lists_pocl_with_its_properties():
    platforms = opencl.discover()
    assert opencl.discover_error() is None
    pocl = next(p for p in platforms if p["name"] == "Portable Computing Language")
    device = pocl["devices"][0]
    assert set(device) == PROPERTIES
    assert device["type"] == "CPU" and device["compute_units"] >= 1
    assert device["max_work_group_size"] >= 1 and len(device["max_work_item_sizes"]) >= 3
    assert device["global_mem_bytes"] >= device["max_alloc_bytes"] > 0
    assert all(isinstance(e, str) and e.startswith("cl_") for e in device["extensions"])
    assert opencl.select("auto", platforms)["key"] in {d["key"] for d in opencl.devices(platforms)}
    assert opencl.select(device["key"], platforms)["name"] == device["name"]


@needs_pocl
def test_discover_without_a_driver_gives_a_reason_not_a_traceback():
    code = "from workbench import opencl; print(repr((opencl.discover(), opencl.discover_error())))"
    out = _python(code, OCL_ICD_VENDORS="/nonexistent", OCL_ICD_FILENAMES="")
    assert out.startswith("([], ") and "no OpenCL platform found" in out


def test_discover_without_pyopencl_gives_a_reason():
    code = (
        "import sys; sys.modules['pyopencl'] = None; from workbench import opencl; "
        "print(opencl.discover(), opencl.discover_error())"
    )
    assert _python(code).startswith("[] pyopencl is not installed")


def test_the_engine_modules_do_not_load_opencl():
    code = "import sys, workbench.opencl, workbench.roofline; print('pyopencl' in sys.modules)"
    assert _python(code) == "False"


@needs_pocl
def test_python_m_workbench_opencl_prints_json_and_text():
    out = _python("from workbench.opencl import main; main(['--json'])")
    info = json.loads(out)
    assert info["error"] is None and info["platforms"][0]["devices"]
    assert info == opencl.probe()
    text = subprocess.run(
        [sys.executable, "-m", "workbench.opencl"], capture_output=True, text=True, check=True
    ).stdout
    assert "OpenCL   platform 0:" in text and "device=auto picks" in text


@needs_pocl
def test_the_roofline_is_measured_once_cached_and_places_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    roof = roofline.measure("auto", timeout_s=60)
    assert roof["gbps_peak"] > 0 and roof["gflops_peak"] > 0
    stored = json.loads((tmp_path / "roofline.json").read_text())
    assert stored[roof["device"]] == roof == roofline.load(roof["device"])
    assert roofline.get("auto") == roof  # cached: not measured again
    assert roofline.load("no such device") is None
    ridge = roof["gflops_peak"] / roof["gbps_peak"]
    low = roofline.place({"intensity": ridge / 10, "gflops": 0.1}, roof)
    high = roofline.place({"intensity": ridge * 10, "gflops": roof["gflops_peak"] / 2}, roof)
    assert low["bound"] == "memory" and high["bound"] == "compute"
    assert high["fraction_of_roof"] == pytest.approx(0.5, rel=0.01)
    assert low["fraction_of_roof"] == pytest.approx(
        0.1 / (ridge / 10 * roof["gbps_peak"]), rel=0.01
    )
    assert roofline.place({"gbps": 3.0}, roof) is None


def test_place_uses_the_ridge_point():
    roof = {"gbps_peak": 10.0, "gflops_peak": 100.0}  # ridge at 10 FLOP/byte
    assert roofline.place({"intensity": 1.0, "gflops": 5.0}, roof) == {
        "intensity": 1.0,
        "gflops": 5.0,
        "bound": "memory",
        "fraction_of_roof": 0.5,
    }
    assert roofline.place({"intensity": 50.0, "gflops": 25.0}, roof)["bound"] == "compute"
