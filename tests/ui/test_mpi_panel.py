"""The MPI dock: launch settings in, real traced MPI runs' traffic and topology out."""

import gc
import sys

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtWidgets import QApplication

from ui.main_window import MainWindow
from ui.mpi_panel import MpiPanel
from workbench import catalog, controller
from workbench.history import History
from workbench.spec import RunSpec, Status


def traced(recipe_id, **values):
    recipe = catalog.get(recipe_id)
    params = catalog.resolve(recipe, {**recipe.quick, **values})
    record = controller.run(RunSpec.make(recipe_id, params, trace=True, timeout_s=60))
    assert record.status is Status.OK, record.error_line()
    return record


@pytest.fixture(autouse=True)
def _windows_really_gone(qtbot):
    """Closed windows are deleted (deferred deletes run) and collected before the next test,
    so no half-gone widget outlives this module."""
    yield
    qtbot.wait(20)  # an event loop: deleteLater() runs
    gc.collect()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def panel(qtbot):
    p = MpiPanel()
    qtbot.addWidget(p)
    p.show()
    return p


def test_launch_options_are_what_was_typed_without_the_empty_ones(panel):
    assert panel.launch_options() == {}
    panel.hosts_edit.setText(" node1,node2 ")
    panel.args_edit.setText("-bind-to core")
    assert panel.launch_options() == {"hosts": "node1,node2", "mpi_args": "-bind-to core"}
    assert "MPICH" in panel.library_label.text() and "Hydra" in panel.library_label.text()


def test_a_cartesian_run_shows_its_torus_and_its_traffic(panel):
    record = traced("mpi.cartesian", topology="torus", rows=2)
    panel.show_stats(record.stats)
    assert panel.tabs.currentIndex() == 1 and panel.tabs.isTabEnabled(1)
    assert len(panel.topology_view.labels) == 4 and panel.topology_view.labels[0].startswith("0")
    shown = panel.messages_view._data
    assert shown.shape == (4, 4) and shown.sum() == 4  # one Sendrecv message per rank
    assert "rank 3" in panel.waits_label.text()


def test_alltoall_without_point_to_point_shows_the_collective_traffic(panel):
    record = traced("mpi.alltoall", workers=3)
    panel.show_stats(record.stats)
    assert panel.matrix_choice.currentIndex() == 1
    # Alltoall: one message each way between every pair; then two gathers to rank 0
    assert panel.messages_view._data.tolist() == [[0, 1, 1], [3, 0, 1], [3, 1, 0]]
    assert not panel.tabs.isTabEnabled(1)  # no Cartesian communicator


def test_the_window_runs_an_mpi_recipe_traced_and_never_loads_mpi_itself(qtbot, tmp_path):
    w = MainWindow(
        History(tmp_path / "history.sqlite"),
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
    )
    qtbot.addWidget(w)
    w.show()
    w.select_recipe("mpi.p2p")
    w.params_panel.set_values({"workers": 2, "items": 10})
    w.run_panel.trace_combo.setCurrentIndex(1)
    w.mpi_panel.hosts_edit.setText("localhost")
    with qtbot.waitSignal(w.runner.sig_job_finished, timeout=90000):
        qtbot.mouseClick(w.run_panel.run_button, Qt.MouseButton.LeftButton)
    assert w.last_status == "ok"
    assert w.mpi_panel.ranks_label.text().startswith("ranks: 2 on hosts=localhost")
    assert w.mpi_panel.messages_view._data[0, 1] == 1
    assert "mpi4py.MPI" not in sys.modules
    w.close()


def test_the_timeline_labels_mpi_messages_and_bands_collectives(qtbot):
    from ui.timeline_plot import TimelinePlot

    recipe = catalog.get("mpi.p2p")
    params = catalog.resolve(recipe, {"workers": 2, "payload": "buffer", "items": 1000})
    run = controller.start(RunSpec.make(recipe.id, params, trace=True, timeout_s=60))
    run.wait()
    plot = TimelinePlot()
    qtbot.addWidget(plot)
    plot.set_timeline(run.analysis.timeline)
    assert [label.toPlainText() for label in plot._message_labels] == ["7.8 KiB"]
    assert sorted(plot.lane_names) == ["rank 0", "rank 1"]
    assert len(plot._collective_bands) == 1  # the gather of the results, across both lanes
    assert plot._collective_bands[0].toolTip() == "gather on COMM_WORLD"
    plot.set_timeline(None)
    assert plot._message_labels == [] and plot._collective_bands == []


def test_a_bad_launcher_fails_the_run_with_one_line_and_the_window_goes_on(qtbot, tmp_path):
    w = MainWindow(
        History(tmp_path / "history.sqlite"),
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
    )
    qtbot.addWidget(w)
    w.show()
    w.select_recipe("mpi.hello")
    w.mpi_panel.mpiexec_edit.setText("/no/such/mpiexec")
    with qtbot.waitSignal(w.runner.sig_job_finished, timeout=30000):
        qtbot.mouseClick(w.run_panel.run_button, Qt.MouseButton.LeftButton)
    assert w.last_status == "failed"
    assert "--mpiexec /no/such/mpiexec: not an executable file" in w.last_message
    w.close()


def test_a_script_traced_from_the_window_runs_as_the_ranks_the_dock_asks_for(qtbot, tmp_path):
    script = tmp_path / "ring.py"
    script.write_text(
        "from mpi4py import MPI\n"
        "comm = MPI.COMM_WORLD\n"
        "r, n = comm.Get_rank(), comm.Get_size()\n"
        "comm.sendrecv(r, dest=(r + 1) % n, source=(r - 1) % n)\n"
    )
    w = MainWindow(
        History(tmp_path / "history.sqlite"),
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
    )
    qtbot.addWidget(w)
    w.show()
    w.mpi_panel.ranks_spin.setValue(3)
    with qtbot.waitSignal(w.runner.sig_job_finished, timeout=90000):
        assert w.trace_script(str(script), mode="sync")
    assert w.last_status == "ok", w.last_message
    assert w.mpi_panel.ranks_label.text().startswith("ranks: 3")
    assert w.mpi_panel.messages_view._data.tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
    w.close()
