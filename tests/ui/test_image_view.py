"""Result pictures: the ownership map counts its cells, "diverging" is centred on 0, hovering
names the cell, and the result panel draws a run's ``images``.

The pictures come from real OpenCL runs on the machine's device: the book's matrix-doubling
kernel with its row-stride bug (E1-6.02: stride 4 on a 5-wide block) counting each cell's
writes with atomics, and the signed rounding error of a float32 dot product against numpy's
float64 one.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ui.image_view import OWNERSHIP, ImageView
from ui.result_panel import ResultPanel
from workbench import catalog, controller
from workbench.spec import RunSpec

cl = pytest.importorskip("pyopencl", reason="pyopencl is needed to make real OpenCL pictures")

SOURCE = """
__kernel void doublify(__global float *a, __global int *writes, const int stride)
{
    int idx = get_local_id(0) + get_local_id(1) * stride;
    a[idx] *= 2;
    atomic_inc(&writes[idx]);
}

__kernel void rowdot(__global const float *a, __global float *out, const int n)
{
    int row = get_global_id(0);
    float acc = 0.0f;
    for (int k = 0; k < n; k++) acc += a[row * n + k] * a[row * n + k];
    out[row] = acc;
}
"""
SIDE = 5  # the book's 5x5 block
STRIDE = 4  # the book's bug: should be 5


@pytest.fixture(scope="module")
def opencl():
    dev = cl.get_platforms()[0].get_devices()[0]
    ctx = cl.Context([dev])
    queue = cl.CommandQueue(ctx)
    return ctx, queue, cl.Program(ctx, SOURCE).build()


@pytest.fixture(scope="module")
def ownership(opencl) -> np.ndarray:
    """Writes per cell of the buggy doubling kernel: 0, 1 or 2."""
    ctx, queue, program = opencl
    a = np.ones(SIDE * SIDE, dtype=np.float32)
    writes = np.zeros(SIDE * SIDE, dtype=np.int32)
    mf = cl.mem_flags
    da = cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=a)
    dw = cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=writes)
    kernel = cl.Kernel(program, "doublify")
    kernel.set_args(da, dw, np.int32(STRIDE))
    cl.enqueue_nd_range_kernel(queue, kernel, (SIDE, SIDE), (SIDE, SIDE))
    cl.enqueue_copy(queue, writes, dw).wait()
    return writes.reshape(SIDE, SIDE)


@pytest.fixture(scope="module")
def signed_error(opencl) -> np.ndarray:
    """float32 row sums of squares on the device minus numpy's float64 ones, as a 16x16 map."""
    ctx, queue, program = opencl
    rows, n = 256, 4096
    a = np.random.default_rng(3).random((rows, n), dtype=np.float32)
    out = np.empty(rows, dtype=np.float32)
    mf = cl.mem_flags
    da = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=a)
    dout = cl.Buffer(ctx, mf.WRITE_ONLY, out.nbytes)
    kernel = cl.Kernel(program, "rowdot")
    kernel.set_args(da, dout, np.int32(n))
    cl.enqueue_nd_range_kernel(queue, kernel, (rows,), None)
    cl.enqueue_copy(queue, out, dout).wait()
    exact = (a.astype(np.float64) ** 2).sum(axis=1)
    return (out - exact).reshape(16, 16)


@pytest.fixture
def view(qtbot) -> ImageView:
    v = ImageView()
    qtbot.addWidget(v)
    v.resize(500, 450)
    v.show()
    return v


def shown_text(widget) -> str:
    return "\n".join(w.text() for w in widget.findChildren(QLabel) if w.isVisibleTo(widget))


def image_item(view: ImageView) -> pg.ImageItem:
    scene = view.findChild(pg.GraphicsLayoutWidget).scene()
    return next(i for i in scene.items() if isinstance(i, pg.ImageItem))


def test_ownership_map_counts_the_cells_of_each_value(view, ownership):
    assert set(np.unique(ownership)) == {0, 1, 2}  # the stride bug: gaps and double writes
    view.set_image(ownership.tolist(), "ownership", "writes per cell")
    expected = {v: int(np.count_nonzero(ownership == v)) for v in (0, 1, 2)}
    assert view.counts() == expected
    text = shown_text(view)
    assert "writes per cell" in text
    for value, _colour, name in OWNERSHIP:
        assert f"{value} {name}: <b>{expected[value]}</b>" in text
    assert image_item(view).image.shape == (SIDE, SIDE)


def test_diverging_colours_are_centred_on_zero(view, signed_error):
    assert signed_error.min() < 0 < signed_error.max()
    view.set_image(signed_error.tolist(), "diverging", "float32 − float64")
    top = float(np.abs(signed_error).max())
    assert view.levels() == pytest.approx((-top, top))
    assert tuple(image_item(view).levels) == pytest.approx((-top, top))
    view.set_image(signed_error.tolist(), "viridis", "float32 − float64")
    assert view.levels() == pytest.approx((signed_error.min(), signed_error.max()))


def test_hovering_names_the_cell_and_its_value(view, qtbot: QtBot, ownership):
    view.set_image(ownership.tolist(), "ownership", "writes per cell")
    qtbot.waitExposed(view)
    widget = view.findChild(pg.GraphicsLayoutWidget)
    plot = widget.ci.getItem(0, 0)
    row, col = 4, 3
    scene_point = plot.vb.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    QTest.mouseMove(widget.viewport(), widget.mapFromScene(scene_point))
    expected = view.cell_text(row, col)
    assert expected.startswith(f"row {row}, col {col}: {ownership[row, col]}")
    qtbot.waitUntil(lambda: expected in shown_text(view), timeout=2000)
    QTest.mouseMove(widget.viewport(), QPoint(1, 1))  # leave the cursor off others' targets


def _images_record(ownership: np.ndarray, signed_error: np.ndarray) -> dict:
    """A real run record with pictures: an OpenCL recipe's when there is one, else a small real
    run whose result carries the pictures made above (same result fields)."""
    ids = {r.id for r in catalog.recipes()}
    for recipe_id in ("opencl.matrix_doubling", "opencl.mandelbrot"):
        if recipe_id in ids:
            record = _run(recipe_id)
            if record["status"] == "ok" and record["result"].get("images"):
                return record
    record = _run("threads.lock_counter")
    record["result"]["images"] = {
        "ownership": {"data": ownership.tolist(), "cmap": "ownership", "label": "writes"},
        "error": {"data": signed_error.tolist(), "cmap": "diverging", "label": "error"},
    }
    return record


def _run(recipe_id: str) -> dict:
    recipe = catalog.get(recipe_id)
    params = catalog.resolve(recipe, dict(recipe.quick))
    return controller.run(RunSpec.make(recipe_id, params, timeout_s=60.0), recipe=recipe).as_dict()


def test_result_panel_draws_each_image(qtbot, ownership, signed_error):
    panel = ResultPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    record = _images_record(ownership, signed_error)
    images = record["result"]["images"]
    panel.show_record(record)
    views = [v for v in panel.findChildren(ImageView) if v.isVisibleTo(panel)]
    assert len(views) == len(images)
    for view, (name, image) in zip(views, images.items(), strict=True):
        assert image_item(view).image.shape == np.asarray(image["data"]).shape
        assert (image.get("label") or name) in shown_text(view)
    panel.show_record(record)  # the same record again: the same views, updated in place
    assert [v for v in panel.findChildren(ImageView) if v.isVisibleTo(panel)] == views
    panel.clear()
    assert not [v for v in panel.findChildren(ImageView) if v.isVisibleTo(panel)]
