"""The MPI dock in the window at its default size: the traffic matrices are readable."""

import gc

import pytest
from PySide6.QtCore import QEvent, QRectF, QSettings
from PySide6.QtWidgets import QApplication

from ui.main_window import MainWindow
from workbench import catalog, controller
from workbench.history import History
from workbench.spec import RunSpec, Status


@pytest.fixture(autouse=True)
def _windows_really_gone(qtbot):
    yield
    qtbot.wait(20)
    gc.collect()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_the_traffic_matrices_get_room_below_the_launch_form(qtbot, tmp_path):
    # In the default 1366x740 window the matrices were ~40 px high: cells and ticks ran together.
    recipe = catalog.get("mpi.alltoall")
    params = catalog.resolve(recipe, {"workers": 2})
    record = controller.run(RunSpec.make(recipe.id, params, trace=True, timeout_s=60))
    assert record.status is Status.OK, record.error_line()
    w = MainWindow(
        History(tmp_path / "history.sqlite"),
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
    )
    qtbot.addWidget(w)
    w.show()
    qtbot.wait(50)  # the default dock sizes are set once the window has its size
    w.mpi_panel.show_stats(record.stats)
    w.docks["mpi"].raise_()
    qtbot.wait(50)
    view = w.mpi_panel.messages_view
    assert view.isVisible() and view._data.shape == (2, 2)
    drawn = view._plot.vb.mapViewToDevice(QRectF(0, 0, 2, 2)).boundingRect()
    assert drawn.height() >= 75, drawn  # was 59 here (22 under xvfb), 85 with room
    w.close()
