"""CoresPlot: real monitor samples become one line per core (or a heat map past 32 cores)."""

import dataclasses
import os
import sys
import threading
import xml.dom.minidom

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDoubleSpinBox, QLabel

from ui.cores_plot import CURVE_OPTS, CoresPlot
from workbench.monitor import CpuMonitor, Sample


@pytest.fixture(scope="module")
def real_samples():
    """A few samples from a real CpuMonitor tracking this process, so the run share is set."""
    got: list[Sample] = []
    enough = threading.Event()

    def on_sample(sample: Sample) -> None:  # runs in the monitor's thread
        got.append(sample)
        if len(got) >= 5:
            enough.set()

    monitor = CpuMonitor(rate_hz=20.0)
    monitor.track(os.getpid())
    monitor.subscribe(on_sample)
    monitor.start()
    try:
        assert enough.wait(timeout=10), "the CPU monitor produced too few samples"
    finally:
        monitor.stop()
    return list(got)


def synthetic(n_cores: int, count: int, dt: float = 0.1, run: float | None = 1.0) -> list[Sample]:
    """Hand-built samples: core k reads (k * 7 + i) % 100 percent at step i."""
    out = []
    for i in range(count):
        per = tuple(float((k * 7 + i) % 100) for k in range(n_cores))
        out.append(Sample(1000.0 + i * dt, per, sum(per) / n_cores, run))
    return out


def make_plot(qtbot, **kwargs) -> CoresPlot:
    w = CoresPlot(**kwargs)
    qtbot.addWidget(w)
    w.resize(900, 600)
    w.show()
    qtbot.waitExposed(w)
    return w


def drawn_curves(w: CoresPlot) -> list[pg.PlotDataItem]:
    """The line items on screen that hold data."""
    view = w.findChild(pg.GraphicsLayoutWidget)
    items = [i for i in view.scene().items() if isinstance(i, pg.PlotDataItem)]
    return [i for i in items if i.getData()[0] is not None]


def header_text(w: CoresPlot) -> str:
    return " | ".join(label.text() for label in w.findChildren(QLabel))


def test_real_samples_draw_one_line_per_core_plus_total_and_run(qtbot, real_samples):
    w = make_plot(qtbot)
    for s in real_samples:
        w.add_sample(s)
    assert drawn_curves(w) == [], "add_sample must not draw"
    w.refresh()
    n = len(real_samples[0].per_core)
    curves = drawn_curves(w)
    assert not w.heatmap or n > 32
    if not w.heatmap:
        assert len(curves) == n + 2  # each core, all cores, this run
    last = real_samples[-1]
    ys = [c.getData()[1] for c in curves]
    xs = [c.getData()[0] for c in curves]
    assert all(x[-1] == 0.0 and x[0] >= -61.0 for x in xs)
    assert any(np.allclose(y, [s.total for s in real_samples]) for y in ys)
    run_pct = [100.0 * s.run_cores / n for s in real_samples]
    assert any(np.allclose(y, run_pct) for y in ys)
    if not w.heatmap:
        for k in range(n):
            assert any(np.allclose(y, [s.per_core[k] for s in real_samples]) for y in ys)
    text = header_text(w)
    assert f"All {n} cores: {last.total:.0f} % busy" in text
    assert f"this run: {last.run_cores:.2f} cores" in text


def test_no_tracked_run_says_so_and_leaves_a_gap(qtbot, real_samples):
    w = make_plot(qtbot)
    for s in real_samples:
        w.add_sample(dataclasses.replace(s, run_cores=None))
    w.refresh()
    assert "this run: none tracked" in header_text(w)
    all_nan = [c for c in drawn_curves(w) if np.isnan(c.getData()[1]).all()]
    assert len(all_nan) == 1  # the run's line is there, empty


def test_refresh_draws_only_when_new_samples_arrived(qtbot):
    w = make_plot(qtbot)
    for s in synthetic(4, 20):
        w.add_sample(s)
    w.refresh()
    changes = []
    for curve in drawn_curves(w):
        curve.sigPlotChanged.connect(lambda item: changes.append(item))
    w.refresh()
    assert changes == []
    w.add_sample(synthetic(4, 21)[-1])
    w.refresh()
    assert len(changes) == 4 + 2


def test_window_keeps_the_last_60_seconds(qtbot):
    w = make_plot(qtbot)
    samples = synthetic(2, 5000, dt=0.05)  # 250 s at 20 Hz: more than the ring holds
    for s in samples:
        w.add_sample(s)
    w.refresh()
    curves = drawn_curves(w)
    assert len(curves) == 2 + 2
    for curve in curves:
        x, _ = curve.getData()
        assert x[-1] == 0.0 and -61.0 <= x[0] <= -60.0
    newest = sorted(float(c.getData()[1][-1]) for c in curves)
    last = samples[-1]
    assert newest == sorted([*last.per_core, last.total, 100.0 * last.run_cores / 2])


def test_64_cores_become_a_heat_map_with_a_colour_bar(qtbot):
    w = make_plot(qtbot)
    samples = synthetic(64, 300)
    for s in samples:
        w.add_sample(s)
    w.refresh()
    assert w.heatmap
    view = w.findChild(pg.GraphicsLayoutWidget)
    images = [i for i in view.scene().items() if isinstance(i, pg.ImageItem)]
    bars = [i for i in view.scene().items() if isinstance(i, pg.ColorBarItem)]
    assert bars and any(img.image is not None and img.image.shape[1] == 64 for img in images)
    heat = next(img for img in images if img.image is not None and img.image.shape[1] == 64)
    np.testing.assert_allclose(heat.image[-1], samples[-1].per_core)  # newest column, x = 0
    assert np.isnan(heat.image[0]).all()  # 30 s of samples: the far left is blank
    assert len(drawn_curves(w)) == 2  # all cores and this run, in the strip below
    assert "All 64 cores" in header_text(w)


def test_heatmap_can_be_forced_and_clear_empties(qtbot):
    w = make_plot(qtbot, heatmap=True)
    for s in synthetic(4, 50):
        w.add_sample(s)
    w.refresh()
    assert w.heatmap
    w.clear()
    assert drawn_curves(w) == []
    assert "waiting" in header_text(w)


def test_rate_spin_box_emits_and_set_rate_does_not(qtbot):
    w = make_plot(qtbot)
    spin = w.findChild(QDoubleSpinBox)
    assert (spin.minimum(), spin.maximum()) == (1.0, 50.0)
    with qtbot.waitSignal(w.sig_rate_changed) as blocker:
        spin.setValue(25.0)
    assert blocker.args == [25.0]
    with qtbot.assertNotEmitted(w.sig_rate_changed):
        w.set_rate(5.0)
    assert spin.value() == 5.0


@pytest.mark.parametrize("cores", [8, 64])
def test_export_png_and_svg(qtbot, tmp_path, cores):
    w = make_plot(qtbot)
    for s in synthetic(cores, 100):
        w.add_sample(s)
    w.refresh()
    png, svg = tmp_path / "cores.png", tmp_path / "cores.svg"
    w.export(str(png))
    w.export(str(svg))
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 800
    doc = xml.dom.minidom.parse(str(svg))
    assert doc.documentElement.tagName == "svg"
    assert doc.getElementsByTagName("path") or doc.getElementsByTagName("polyline")
    with pytest.raises(ValueError, match=r"use \.png or \.svg"):
        w.export(str(tmp_path / "cores.bmp"))


def test_live_plot_soak(qtbot):
    """20,000 setData calls must not eat references to None (nor to True or False).

    PySide6 6.12.0 on Python 3.11 drops a reference to the value on every QObject.property()
    call, which pyqtgraph's setData makes: measured there, about 10 references to None and 2
    to True per setData, and the process aborts ("deallocating True or False") after some
    1,100 calls. pyproject pins PySide6 < 6.12; this guards the pin, checking every 100
    calls so that it fails with a message before the interpreter aborts.
    """
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    widget.show()
    qtbot.waitExposed(widget)
    curve = widget.plot(**CURVE_OPTS)
    x = np.arange(200.0)
    ys = np.random.default_rng(0).random((8, 200))
    app = QApplication.instance()
    app.processEvents()
    before = _singleton_refs()
    for i in range(20_000):
        curve.setData(x, ys[i % 8])
        if i % 250 == 0:
            app.processEvents()
        if i % 100 == 99:
            lost = {k: before[k] - n for k, n in _singleton_refs().items() if before[k] - n > 100}
            assert not lost, f"references lost after {i + 1} setData calls: {lost}"
    app.processEvents()
    assert sys.getrefcount(None) >= before["None"] - 100
    assert np.array_equal(curve.getData()[1], ys[19_999 % 8])


def _singleton_refs() -> dict[str, int]:
    return {"None": sys.getrefcount(None), "True": sys.getrefcount(True),
            "False": sys.getrefcount(False)}  # fmt: skip
