"""The OpenCL panel shows real discovery output and real OpenCL runs readably.

Every number comes from a real computation on the machine's OpenCL device (PoCL's CPU device
here, any platform where one is installed): the device list from ``workbench.opencl`` when it
exists (else from pyopencl, the same fields), phase times from profiling events of a vector
add, a work-group sweep of a matrix multiply, and a roofline measured with a triad and an FMA
loop. The results follow the shared OpenCL result conventions (docs/recipes.md).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QTableWidget

from ui.opencl_panel import AUTO, OpenCLPanel, device_string, format_ms

cl = pytest.importorskip("pyopencl", reason="pyopencl is needed to make real OpenCL results")

HAS_DISCOVERY = importlib.util.find_spec("workbench.opencl") is not None

SOURCE = """
__kernel void add(__global const float *a, __global const float *b, __global float *c)
{ int i = get_global_id(0); c[i] = a[i] + b[i]; }

__kernel void matmul(__global const float *A, __global const float *B, __global float *C, int n)
{
    int col = get_global_id(0), row = get_global_id(1);
    float acc = 0.0f;
    for (int k = 0; k < n; k++) acc = fma(A[row * n + k], B[k * n + col], acc);
    C[row * n + col] = acc;
}

__kernel void triad(__global float4 *a, __global const float4 *b, __global const float4 *c)
{ int i = get_global_id(0); a[i] = b[i] + 3.0f * c[i]; }

__kernel void fmas(__global float *out, int iters)
{
    float4 x = (float4)(get_global_id(0) * 1e-7f), y = x + 0.5f;
    for (int i = 0; i < iters; i++) { x = fma(x, 0.999f, 0.5f); y = fma(y, 0.999f, 0.5f); }
    float4 r = x + y;
    out[get_global_id(0)] = r.s0 + r.s1 + r.s2 + r.s3;
}
"""


# -- real OpenCL data ------------------------------------------------------------------------


def _type_name(bits: int) -> str:
    return next((n for b, n in ((4, "GPU"), (2, "CPU"), (8, "ACCELERATOR")) if bits & b), "OTHER")


def _pyopencl_devices() -> list[dict]:
    """The discovery fields, read from pyopencl (used until workbench.opencl exists)."""
    out = []
    for pi, platform in enumerate(cl.get_platforms()):
        for di, dev in enumerate(platform.get_devices()):
            out.append(
                {
                    "key": f"{pi}:{di}",
                    "platform": platform.name.strip(),
                    "name": dev.name.strip(),
                    "type": _type_name(dev.type),
                    "compute_units": dev.max_compute_units,
                    "max_clock_mhz": dev.max_clock_frequency,
                    "global_mem_bytes": dev.global_mem_size,
                    "local_mem_bytes": dev.local_mem_size,
                    "max_alloc_bytes": dev.max_mem_alloc_size,
                    "max_work_group_size": dev.max_work_group_size,
                    "max_work_item_sizes": list(dev.max_work_item_sizes),
                    "extensions": dev.extensions.split(),
                }
            )
    return out


def discovered_devices() -> list[dict]:
    if not HAS_DISCOVERY:
        return _pyopencl_devices()
    out = subprocess.run(
        [sys.executable, "-m", "workbench.opencl", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return [d for platform in json.loads(out)["platforms"] for d in platform["devices"]]


def _ms(event) -> float:
    event.wait()  # profiling times exist once the command is complete
    return (event.profile.end - event.profile.start) * 1e-6


class Device:
    """One context and queue (profiling on) on the first device, with the test kernels built."""

    def __init__(self) -> None:
        self.dev = cl.get_platforms()[0].get_devices()[0]
        self.ctx = cl.Context([self.dev])
        self.queue = cl.CommandQueue(
            self.ctx, properties=cl.command_queue_properties.PROFILING_ENABLE
        )
        self.program = cl.Program(self.ctx, SOURCE).build()
        self.info = {
            "platform": self.dev.platform.name.strip(),
            "name": self.dev.name.strip(),
            "type": _type_name(self.dev.type),
        }

    def buffer(self, nbytes: int):
        return cl.Buffer(self.ctx, cl.mem_flags.READ_WRITE, nbytes)

    def vector_add(self, n: int = 1 << 20) -> dict:
        rng = np.random.default_rng(0)
        a, b = rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)
        c = np.empty_like(a)
        da, db, dc = (self.buffer(a.nbytes) for _ in range(3))
        kernel = cl.Kernel(self.program, "add")
        kernel.set_args(da, db, dc)
        t0 = time.perf_counter_ns()
        up = [cl.enqueue_copy(self.queue, da, a), cl.enqueue_copy(self.queue, db, b)]
        run = cl.enqueue_nd_range_kernel(self.queue, kernel, (n,), None)
        down = cl.enqueue_copy(self.queue, c, dc)
        down.wait()
        host_ms = (time.perf_counter_ns() - t0) * 1e-6
        kernel_s = _ms(run) * 1e-3
        wrong = int(np.count_nonzero(c != a + b))
        return {
            "device": self.info,
            "phases_ms": {"h2d": sum(map(_ms, up)), "kernel": _ms(run), "d2h": _ms(down)},
            "host_ms": host_ms,
            "gflops": n / kernel_s / 1e9,
            "gbps": 12 * n / kernel_s / 1e9,
            "intensity": 1 / 12,
            "check": {"max_abs_err": 0.0, "wrong": wrong, "total": n, "ok": wrong == 0},
            "summary": f"added {n:,} floats on {self.info['name']}",
        }

    def matmul_sweep(self, n: int = 128, sides: tuple[int, ...] = (1, 2, 4, 8, 16)) -> list:
        rng = np.random.default_rng(1)
        a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
        c = np.empty_like(a)
        da, db, dc = (self.buffer(a.nbytes) for _ in range(3))
        cl.enqueue_copy(self.queue, da, a)
        cl.enqueue_copy(self.queue, db, b)
        kernel = cl.Kernel(self.program, "matmul")
        kernel.set_args(da, db, dc, np.int32(n))
        rows = []
        for side in sides:
            event = cl.enqueue_nd_range_kernel(self.queue, kernel, (n, n), (side, side))
            cl.enqueue_copy(self.queue, c, dc).wait()
            ok = bool(np.allclose(c, a @ b, rtol=1e-4))
            ms = _ms(event)
            rows.append(
                {
                    "local_size": f"{side}x{side}",
                    "kernel_ms": ms,
                    "gflops": 2 * n**3 / ms / 1e6,
                    "ok": ok,
                }
            )
        return rows

    def roofline(self) -> dict:
        n4 = 1 << 20  # float4 elements: 16 MiB per array
        a, b, c = (self.buffer(16 * n4) for _ in range(3))
        triad = cl.Kernel(self.program, "triad")
        triad.set_args(a, b, c)
        cl.enqueue_nd_range_kernel(self.queue, triad, (n4,), None).wait()
        best = min(
            _ms(cl.enqueue_nd_range_kernel(self.queue, triad, (n4,), None)) for _ in range(3)
        )
        items, iters = 1 << 14, 2000
        out = self.buffer(4 * items)
        fmas = cl.Kernel(self.program, "fmas")
        fmas.set_args(out, np.int32(iters))
        peak_ms = min(
            _ms(cl.enqueue_nd_range_kernel(self.queue, fmas, (items,), None)) for _ in range(2)
        )
        return {
            "device": f"{self.info['platform']}: {self.info['name']}",
            "gbps_peak": 3 * 16 * n4 / best / 1e6,
            "gflops_peak": items * iters * 2 * 4 * 2 / peak_ms / 1e6,
        }


@pytest.fixture(scope="module")
def device() -> Device:
    return Device()


@pytest.fixture(scope="module")
def vector_add(device) -> dict:
    return device.vector_add()


@pytest.fixture(scope="module")
def sweep(device) -> list[dict]:
    return device.matmul_sweep()


@pytest.fixture(scope="module")
def roof(device) -> dict:
    """The engine's measured roofline (workbench.roofline) when it is there, else our own."""
    if importlib.util.find_spec("workbench.roofline") is None:
        return device.roofline()
    from workbench import roofline

    return roofline.measure("auto")


@pytest.fixture(scope="module")
def devices() -> list[dict]:
    return discovered_devices()


@pytest.fixture
def panel(qtbot) -> OpenCLPanel:
    p = OpenCLPanel()
    qtbot.addWidget(p)
    p.resize(900, 600)
    p.show()
    return p


# -- helpers: what the user sees -------------------------------------------------------------


def plot(panel: OpenCLPanel, name: str) -> pg.PlotItem:
    return panel.findChild(pg.PlotWidget, name).getPlotItem()


def bars(item: pg.PlotItem) -> list[pg.BarGraphItem]:
    return [i for i in item.items if isinstance(i, pg.BarGraphItem)]


def labels(panel: OpenCLPanel) -> str:
    return "\n".join(w.text() for w in panel.findChildren(QLabel) if w.isVisibleTo(panel))


def table_rows(panel: OpenCLPanel) -> dict[str, str]:
    table = panel.findChild(QTableWidget)
    return {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}


# -- tests -----------------------------------------------------------------------------------


def test_set_devices_fills_the_picker_and_the_properties(panel, qtbot, devices):
    picker = panel.findChild(QComboBox)
    assert picker.count() == 1 and panel.current_device() == AUTO
    panel.set_devices(devices)
    assert picker.count() == len(devices) + 1
    assert picker.itemData(0) == AUTO
    assert [picker.itemData(k) for k in range(1, picker.count())] == [
        device_string(d) for d in devices
    ]
    first = devices[0]
    assert first["name"] in picker.itemText(1)
    with qtbot.waitSignal(panel.sig_device_chosen) as chosen:
        picker.setCurrentIndex(1)
    assert chosen.args == [device_string(first)]
    rows = table_rows(panel)
    assert rows["name"] == first["name"]
    assert rows["compute units"] == str(first["compute_units"])
    assert rows["max work item sizes"] == " × ".join(map(str, first["max_work_item_sizes"]))
    assert rows["global mem"].endswith("iB")  # a size a person reads, not a byte count
    assert f"{len(devices)} device" in labels(panel)


def test_an_error_from_discovery_is_shown(panel, devices):
    panel.set_devices([], "no OpenCL platform found (clGetPlatformIDs -1001)")
    assert "OpenCL not available: no OpenCL platform found" in labels(panel)
    assert panel.findChild(QComboBox).count() == 1


def test_phase_bars_show_the_event_times_beside_host_wall(panel, vector_add):
    panel.show_result(vector_add, "vector_add")
    phases, host = vector_add["phases_ms"], vector_add["host_ms"]
    drawn = {}
    for bar in bars(plot(panel, "opencl-phases")):
        for x0, width, y in zip(bar.opts["x0"], bar.opts["width"], bar.opts["y"], strict=True):
            drawn.setdefault(y, []).append((x0, width))
    events = drawn[1]  # stacked in the order h2d, kernel, d2h
    assert [w for _x, w in events] == pytest.approx([phases[k] for k in ("h2d", "kernel", "d2h")])
    assert [x for x, _w in events[1:]] == pytest.approx(
        [phases["h2d"], phases["h2d"] + phases["kernel"]]
    )
    end = events[-1][0] + events[-1][1]
    assert end == pytest.approx(sum(phases.values()))
    assert drawn[0] == [(0.0, pytest.approx(host))]
    text = labels(panel)
    assert f"events <b>{format_ms(sum(phases.values()))}</b>" in text
    assert f"host wall <b>{format_ms(host)}</b>" in text


def test_runs_are_placed_on_the_roofline_at_their_intensity(panel, vector_add, roof):
    roofline = plot(panel, "opencl-roofline")
    assert "No roofline measured" in labels(panel)
    panel.set_roofline(roof)
    panel.show_result(vector_add, "vector_add")
    panel.add_run("vector_add", vector_add)  # the same run again: still one point
    points = next(i for i in roofline.listDataItems() if i.opts["symbol"] == "o")
    x, y = points.getOriginalDataset()
    assert list(x) == pytest.approx([vector_add["intensity"]])
    assert list(y) == pytest.approx([vector_add["gflops"]])
    text = labels(panel)
    ridge = roof["gflops_peak"] / roof["gbps_peak"]
    assert f"ridge at {ridge:.3g} FLOP/byte" in text
    assert "No roofline measured" not in text
    bound = "memory" if vector_add["intensity"] < ridge else "compute"
    assert f"<b>vector_add</b> is {bound}-bound" in text


def test_measure_roofline_button_asks_the_window(panel, qtbot):
    button = next(b for b in panel.findChildren(QPushButton) if b.text() == "Measure roofline")
    with qtbot.waitSignal(panel.sig_roofline_requested):
        button.click()
    assert not button.isEnabled()
    panel.set_roofline(None, "no device")
    assert button.isEnabled()


def test_work_group_sweep_has_one_point_per_row(panel, sweep):
    panel.show_result({"wg_sweep": sweep}, "matmul")
    chart = plot(panel, "opencl-wg-sweep")
    (bar,) = bars(chart)
    assert list(bar.opts["height"]) == pytest.approx([r["kernel_ms"] for r in sweep])
    line = [i for i in chart.scene().items() if isinstance(i, pg.PlotDataItem)]
    x, y = line[0].getOriginalDataset()
    assert len(x) == len(sweep)
    assert list(y) == pytest.approx([r["gflops"] for r in sweep])
    ticks = [label for _pos, label in chart.getAxis("bottom")._tickLevels[0]]
    assert ticks[0].startswith(sweep[0]["local_size"])
    assert f"{len(sweep)} local sizes" in labels(panel)


def test_clear_forgets_the_runs(panel, vector_add, sweep, roof):
    panel.set_roofline(roof)
    panel.show_result({**vector_add, "wg_sweep": sweep}, "vector_add")
    panel.clear()
    assert "no OpenCL run yet" in labels(panel)
    assert "No work-group sweep" in labels(panel)


def test_a_real_recipe_record_fills_the_panel(panel, roof):
    """The recipes' own output (the shared result conventions), through the engine."""
    from workbench import catalog, controller
    from workbench.spec import RunSpec

    if "opencl.matmul" not in {r.id for r in catalog.recipes()}:
        pytest.skip("the opencl.matmul recipe is not there yet")
    recipe = catalog.get("opencl.matmul")
    params = catalog.resolve(recipe, {**recipe.quick, "sweep_local": True})
    record = controller.run(RunSpec.make(recipe.id, params, timeout_s=120.0), recipe=recipe)
    record = record.as_dict()
    assert record["status"] == "ok", record.get("error")
    result = record["result"]
    panel.set_roofline(roof)
    panel.show_result(record)  # a whole record: its id labels the point
    assert bars(plot(panel, "opencl-wg-sweep"))[0].opts["height"] == pytest.approx(
        [r["kernel_ms"] for r in result["wg_sweep"]]
    )
    events = sum(
        w for b in bars(plot(panel, "opencl-phases")) if b.opts["y"] == [1] for w in b.opts["width"]
    )
    assert events == pytest.approx(sum(result["phases_ms"].values()))
    roofline = plot(panel, "opencl-roofline")
    points = next(i for i in roofline.listDataItems() if i.opts["symbol"] == "o")
    assert list(points.getOriginalDataset()[0]) == pytest.approx([result["intensity"]])
    texts = [i for i in roofline.items if isinstance(i, pg.TextItem) and i.isVisible()]
    assert any("opencl.matmul" in t.toPlainText() for t in texts)


def test_load_devices_async_runs_discovery_in_a_child_process(panel, qtbot, devices):
    panel.load_devices_async()
    picker = panel.findChild(QComboBox)
    qtbot.waitUntil(lambda: picker.count() == len(devices) + 1, timeout=60_000)
    assert "device" in labels(panel)


def test_stop_ends_a_running_discovery(panel, qtbot):
    panel.load_devices_async()
    panel.stop()
    qtbot.waitUntil(lambda: "looking for OpenCL devices" not in labels(panel), timeout=5000)
    rescan = next(b for b in panel.findChildren(QPushButton) if b.text() == "Rescan")
    assert rescan.isEnabled()  # discovery can be asked for again
