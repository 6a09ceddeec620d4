"""The whole window with real runs: click to result, sweep, compare, cancel, failure, close."""

import subprocess
import sys

import psutil
import pytest
from PySide6.QtCore import QSettings, Qt

from tests.workbench.test_tracing import PROGRAMS
from ui.main_window import MainWindow
from workbench.history import History


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(
        History(tmp_path / "history.sqlite"),
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
    )
    w.timeout_s = 20
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def finish(qtbot, window, timeout=60000):
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=timeout)


def start(qtbot, window, button):
    with qtbot.waitSignal(window.runner.sig_job_finished, timeout=90000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_click_runs_the_recipe_and_shows_its_result(qtbot, window):
    window.select_recipe("threads.lock_counter")
    window.params_panel.set_values({"iterations": 300, "use_lock": True})
    start(qtbot, window, window.run_panel.run_button)
    assert window.last_status == "ok"
    text = " ".join(
        label.text()
        for label in window.result_panel.findChildren(type(window.run_panel.status_label))
    )
    assert "0 updates lost" in text
    assert window.history.runs()[0]["recipe"] == "threads.lock_counter"
    window.history_panel.reload()


def test_a_sweep_fills_the_speedup_chart(qtbot, window):
    window.select_recipe("threads.compare")
    window.params_panel.set_values({"workload": "sleep", "size": 200})
    window.run_panel.workers_edit.setText("1,2")
    window.run_panel.repeat_spin.setValue(1)
    start(qtbot, window, window.run_panel.sweep_button)
    assert window.last_status == "ok"
    keys = window.speedup_plot.series_keys()
    assert len(keys) == 1
    summary = window.history.sweeps()[0]["summary"]
    assert [p["workers"] for p in summary["points"]] == [1, 2]


def test_compare_backends_draws_one_curve_per_backend(qtbot, window):
    window.select_recipe("threads.compare")
    window.params_panel.set_values({"workload": "sleep", "size": 100})
    window.run_panel.workers_edit.setText("1,2")
    window.run_panel.repeat_spin.setValue(1)
    start(qtbot, window, window.run_panel.compare_button)
    assert window.last_status == "ok"
    assert len(window.speedup_plot.series_keys()) == 4
    assert {s["recipe"] for s in window.history.sweeps()} == {
        "threads.compare",
        "processes.compare",
        "asyncio.compare",
        "mpi.compare",
    }


def test_cancel_ends_a_deadlocked_recipe(qtbot, window):
    window.select_recipe("threads.rlock")
    window.params_panel.set_values({"lock_kind": "lock"})
    qtbot.mouseClick(window.run_panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.live.state.host_pid is not None, timeout=20000)
    host = window.live.state.host_pid
    with qtbot.waitSignal(window.runner.sig_job_finished, timeout=5000):
        qtbot.keyClick(window.run_panel.cancel_button, Qt.Key.Key_Escape)
        window.run_panel.cancel_button.click()
    assert window.last_status == "cancelled"
    assert not psutil.pid_exists(host) or psutil.Process(host).status() == "zombie"


def test_a_failing_run_shows_its_error_and_the_window_stays_usable(qtbot, window):
    window.select_recipe("threads.rlock")
    window.params_panel.set_values({"lock_kind": "lock"})
    window.timeout_s = 1.0
    start(qtbot, window, window.run_panel.run_button)
    assert window.last_status == "timeout"
    assert "timeout" in window.statusBar().currentMessage()
    assert window.run_panel.run_button.isEnabled()
    window.timeout_s = 20
    window.params_panel.set_values({"lock_kind": "rlock"})
    start(qtbot, window, window.run_panel.run_button)
    assert window.last_status == "ok"


def test_invalid_parameters_cannot_be_launched(qtbot, window):
    window.select_recipe("threads.compare")
    window.params_panel.set_values({"size": -5})
    assert not window.params_panel.is_valid()
    assert not window.run_panel.run_button.isEnabled()


def test_closing_during_a_run_leaves_no_process(qtbot, window):
    window.select_recipe("threads.rlock")
    window.params_panel.set_values({"lock_kind": "lock"})
    qtbot.mouseClick(window.run_panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.live.state.host_pid is not None, timeout=20000)
    host = window.live.state.host_pid
    window.close()
    assert not window.runner.busy
    assert not psutil.pid_exists(host) or psutil.Process(host).status() == "zombie"


def test_layout_and_choices_persist(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    first = MainWindow(History(tmp_path / "h.sqlite"), settings)
    qtbot.addWidget(first)
    first.select_recipe("threads.barrier")
    first.set_theme("dark")
    first.close()
    second = MainWindow(History(tmp_path / "h.sqlite"), settings)
    qtbot.addWidget(second)
    assert second.recipe.id == "threads.barrier"
    assert settings.value("window/theme") == "dark"
    second.set_theme("light")
    second.close()


@pytest.mark.parametrize(
    "args, code",
    [
        (["--run", "threads.lock_counter", "-p", "iterations=100"], 0),
        (["--run", "threads.rlock", "-p", "lock_kind=lock", "--timeout", "1.5"], 1),
        (["--run", "threads.nope"], 2),
        (["--trace-script", str(PROGRAMS / "dl_aio_locks.py"), "--trace", "sync"], 1),
        (["--trace-script", str(PROGRAMS / "no_such_script.py")], 2),
    ],
)
def test_scripted_mode_screenshots_and_exit_codes(tmp_path, args, code):
    shot = tmp_path / "shot.png"
    env = {
        **__import__("os").environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "gui", *args, "--screenshot", str(shot), "--exit"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == code, out.stderr
    assert shot.exists() == (code != 2)


def test_export_of_the_last_result_and_a_plot(qtbot, window, tmp_path):
    window.select_recipe("threads.lock_counter")
    window.params_panel.set_values({"iterations": 100})
    start(qtbot, window, window.run_panel.run_button)
    target = tmp_path / "result.csv"
    window.ask_path = lambda *_: str(target)
    window.export_result()
    assert "result.lost" in target.read_text()
    plot = tmp_path / "cores.svg"
    window.ask_path = lambda *_: str(plot)
    window.export_plot(window.cores_plot)
    assert plot.read_text().lstrip().startswith("<?xml")


def test_a_traced_deadlock_fills_findings_timeline_and_locks(qtbot, window, tmp_path):
    window.select_recipe("threads.lock_inversion")
    window.params_panel.set_values({"overlap": True})
    combo = window.run_panel.trace_combo
    combo.setCurrentIndex(combo.findData("sync"))
    start(qtbot, window, window.run_panel.run_button)
    assert window.last_status == "deadlock"
    view = window.trace_view
    assert view.findings.current_finding["kind"] == "deadlock"
    assert sorted(view.timeline.lane_names) == ["MainThread", "one", "two"]
    saved = window.history.runs()[0]["trace_path"]
    window.trace_view.clear()
    window.open_trace(saved)
    assert window.trace_view.findings.current_finding["kind"] == "deadlock"


def test_trace_script_runs_a_users_file_and_refuses_a_broken_one(qtbot, window, tmp_path):
    script = tmp_path / "race.py"
    script.write_text(
        "import threading\nx = 0\n\ndef f():\n    global x\n    for _ in range(50):\n"
        "        x += 1\n\nts = [threading.Thread(target=f) for _ in range(2)]\n"
        "[t.start() for t in ts]\n[t.join() for t in ts]\n"
    )
    with qtbot.waitSignal(window.runner.sig_job_finished, timeout=60000):
        assert window.trace_script(str(script))
    kinds = {f["kind"] for f in window.last_outcome["findings"]}
    assert kinds == {"data_race"}
    broken = tmp_path / "broken.py"
    broken.write_text("def (:\n")
    assert not window.trace_script(str(broken))
    assert "SyntaxError" in window.statusBar().currentMessage()


def test_the_timeline_follows_a_traced_run_while_it_goes(qtbot, window):
    window.select_recipe("threads.lock_scope")  # ~1.5 s of lock convoy at its defaults
    combo = window.run_panel.trace_combo
    combo.setCurrentIndex(combo.findData("sync"))
    qtbot.mouseClick(window.run_panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.trace_view.timeline.lane_names) >= 3, timeout=20000)
    assert window.runner.busy  # drawn before the run ended
    finish(qtbot, window)
    assert window.last_status == "ok"


def test_an_opencl_run_fills_the_opencl_panel_and_measures_the_roofline_once(qtbot, window):
    window.select_recipe("opencl.saxpy")
    start(qtbot, window, window.run_panel.run_button)
    assert window.last_status == "ok"
    assert window.trace_view.timeline.lane_names == ["OpenCL queue q0"]
    from ui.runner import RooflineJob
    from workbench import roofline

    def measured():  # the first-use roofline job started and ended
        return isinstance(window.runner.last_job, RooflineJob) and not window.runner.busy

    qtbot.waitUntil(measured, timeout=60000)

    device = window.last_outcome["result"]["device"]
    assert roofline.load(roofline.key(device)) is not None
