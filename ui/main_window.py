"""The workbench window: composes the panels as docks and connects them to the engine.

It does no panel's work: the catalog, the form, the plots and the history draw themselves; the
runner talks to the engine from its worker thread; :class:`LiveFeed` routes what arrives. The
window owns one redraw timer (30 Hz), the layout and theme (QSettings), and the job life cycle:
launch, cancel, finish, and stopping everything when it closes.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QWidget

from ui import theme
from ui.catalog_panel import CatalogPanel
from ui.console_panel import ConsolePanel
from ui.cores_plot import CoresPlot
from ui.history_panel import HistoryPanel
from ui.lesson_panel import LessonPanel
from ui.live import LiveFeed
from ui.mpi_panel import MpiPanel
from ui.opencl_panel import OpenCLPanel
from ui.params_panel import ParamsPanel
from ui.result_panel import ResultPanel
from ui.run_panel import RunPanel
from ui.runner import RooflineJob, RunJob, Runner, SweepJob
from ui.speedup_plot import SpeedupPlot
from ui.trace_script_dialog import TraceScriptDialog
from ui.trace_view import TraceView
from workbench import catalog, compare, export, mpi_cli
from workbench.catalog import CatalogError, Recipe
from workbench.history import History
from workbench.machine import machine_info
from workbench.monitor import CpuMonitor
from workbench.spec import DEFAULT_TIMEOUT_S, RunRecord, RunSpec
from workbench.sweep import Sweep

FRAME_MS = 33  # one redraw timer for every live view: ~30 Hz
LAYOUT_VERSION = 1


class MainWindow(QMainWindow):
    def __init__(self, history: History | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Parallel Workbench")
        self.setAcceptDrops(True)
        self.settings = settings or QSettings()
        self.history = history or History()
        self.recipe: Recipe | None = None
        self.runner = Runner(self.history, self)
        # 25 Hz: the cores chart redraws when a sample arrives, and should move at >= 20 fps;
        # the monitor's own cost at this rate is about 1 % of a core (benchmarks/README.md).
        self.monitor = CpuMonitor(rate_hz=25).start()
        self.live = LiveFeed(self, self.monitor)
        self.timeout_s = DEFAULT_TIMEOUT_S
        self.last_status = self.last_message = ""
        self._roofline_asked = False
        self.last_outcome: dict[str, Any] | list[dict[str, Any]] | None = None
        self._build_panels()
        self._build_docks()
        self._build_menus()
        self._build_status_bar()
        self._connect()
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._on_timer_tick)
        self.timer.start()
        self._restore()

    # -- construction ------------------------------------------------------------------------
    def _build_panels(self) -> None:
        self.catalog_panel = CatalogPanel(catalog.recipes())
        self.params_panel = ParamsPanel(self.settings)
        self.run_panel = RunPanel()
        self.result_panel = ResultPanel()
        self.speedup_plot = SpeedupPlot()
        self.lesson_panel = LessonPanel()
        self.console_panel = ConsolePanel()
        self.cores_plot = CoresPlot()
        self.history_panel = HistoryPanel(self.history)
        self.trace_view = TraceView()
        self.opencl_panel = OpenCLPanel()
        self.mpi_panel = MpiPanel()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower().replace(' ', '-')}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.setDockNestingEnabled(True)
        self.docks = {
            "catalog": self._dock("Catalog", self.catalog_panel, left),
            "params": self._dock("Parameters", self.params_panel, left),
            "run": self._dock("Run", self.run_panel, left),
            "result": self._dock("Result", self.result_panel, right),
            "speedup": self._dock("Speedup", self.speedup_plot, right),
            "lesson": self._dock("Lesson and code", self.lesson_panel, right),
            "cores": self._dock("Cores", self.cores_plot, bottom),
            "console": self._dock("Console", self.console_panel, bottom),
            "history": self._dock("History", self.history_panel, bottom),
            "timeline": self._dock("Timeline", self.trace_view.timeline, right),
            "findings": self._dock("Findings", self.trace_view.findings, right),
            "locks": self._dock("Locks", self.trace_view.locks, right),
            "opencl": self._dock("OpenCL", self.opencl_panel, right),
            "mpi": self._dock("MPI", self.mpi_panel, right),
        }
        # Catalog, form and controls stack on the left for the full height; result, speedup and
        # lesson share the right as tabs; cores, console and history share the bottom right.
        # (splitDockWidget on a tabbed dock adds a tab instead of a neighbour, so it is avoided.)
        self.setCorner(Qt.Corner.BottomLeftCorner, left)
        self.setCorner(Qt.Corner.TopLeftCorner, left)
        d = self.docks
        self.tabifyDockWidget(d["result"], d["speedup"])
        self.tabifyDockWidget(d["result"], d["lesson"])
        for name in ("timeline", "findings", "locks", "opencl", "mpi"):
            self.tabifyDockWidget(d["result"], d[name])
        self.tabifyDockWidget(d["cores"], d["console"])
        self.tabifyDockWidget(d["cores"], d["history"])
        d["result"].raise_()
        d["cores"].raise_()
        self._sized = False
        self._default_state = self.saveState(LAYOUT_VERSION)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, slot in (
            ("Trace script…", self._on_trace_script_requested),
            ("Open trace…", self._on_open_trace_requested),
            ("Export speedup plot (PNG/SVG)…", lambda: self.export_plot(self.speedup_plot)),
            ("Export cores plot (PNG/SVG)…", lambda: self.export_plot(self.cores_plot)),
            ("Export last result (JSON/CSV)…", self.export_result),
        ):
            action = QAction(text, self)
            action.triggered.connect(slot)
            file_menu.addAction(action)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        run_menu = self.menuBar().addMenu("&Run")
        for text, slot, key in (
            ("Run", self._on_run_requested, "Ctrl+R"),
            ("Sweep", self._on_sweep_clicked_menu, "Ctrl+Shift+R"),
            ("Compare backends", self._on_compare_clicked_menu, None),
            ("Cancel", self._on_cancel_requested, None),
        ):
            action = QAction(text, self)
            if key:
                action.setShortcut(QKeySequence(key))
                action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # buttons own them
            action.triggered.connect(slot)
            run_menu.addAction(action)
        view = self.menuBar().addMenu("&View")
        for name in theme.THEMES:
            action = QAction(f"{name.title()} theme", self)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            view.addAction(action)
        reset = QAction("Reset layout", self)
        reset.triggered.connect(self._on_reset_layout)
        view.addAction(reset)
        step_view = QAction("Step through threads (explorer)…", self)
        step_view.triggered.connect(self._on_step_view_requested)
        view.addAction(step_view)
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        find = QAction("Find recipe", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self._on_find_requested)
        self.addAction(find)

    def _on_step_view_requested(self) -> None:
        from ui.step_panel import StepWindow  # the explorer's window, made on first use

        if getattr(self, "step_window", None) is None:
            self.step_window = StepWindow(self.settings)
        self.step_window.show()
        self.step_window.raise_()

    def _on_reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()
        self.default_sizes()

    def _build_status_bar(self) -> None:
        info = machine_info()
        libs = info["libraries"]
        opencl = "OpenCL: " + (f"pyopencl {libs['pyopencl']}" if libs.get("pyopencl") else "none")
        if libs.get("pocl-binary-distribution"):
            opencl += " + PoCL CPU"
        mpi = "MPI: " + (
            f"mpich {libs['mpich']}"
            if libs.get("mpich")
            else f"mpi4py {libs['mpi4py']}"
            if libs.get("mpi4py")
            else "none"
        )
        self.machine_text = (
            f"{info['cores_logical']} cores · {info['cpu_model']} · "
            f"Python {info['python']} · {opencl} · {mpi}"
        )
        self.statusBar().showMessage(self.machine_text)

    def _connect(self) -> None:
        self.catalog_panel.sig_recipe_selected.connect(self._on_catalog_recipe_selected)
        self.params_panel.sig_validity_changed.connect(self._on_params_validity_changed)
        self.run_panel.sig_run_requested.connect(self._on_run_requested)
        self.run_panel.sig_sweep_requested.connect(self._on_sweep_requested)
        self.run_panel.sig_compare_requested.connect(self._on_compare_requested)
        self.run_panel.sig_cancel_requested.connect(self._on_cancel_requested)
        self.runner.sig_job_finished.connect(self._on_runner_job_finished)
        self.cores_plot.set_rate(self.monitor.rate_hz)
        self.cores_plot.sig_rate_changed.connect(self.monitor.set_rate)
        self.history_panel.sig_sweeps_overlaid.connect(self._on_history_sweeps_overlaid)
        self.history_panel.sig_rerun_requested.connect(self._on_history_rerun_requested)
        self.history_panel.sig_run_shown.connect(self._on_history_run_shown)
        self.opencl_panel.sig_device_chosen.connect(self._on_opencl_device_chosen)
        self.opencl_panel.sig_roofline_requested.connect(self._on_opencl_roofline_requested)

    # -- recipes and parameters --------------------------------------------------------------
    def select_recipe(self, recipe_id: str) -> None:
        self.catalog_panel.select(recipe_id)
        self._on_catalog_recipe_selected(recipe_id)

    @Slot(str)
    def _on_catalog_recipe_selected(self, recipe_id: str) -> None:
        self.recipe = catalog.get(recipe_id)
        self.params_panel.set_recipe(self.recipe)
        self.lesson_panel.set_recipe(self.recipe)
        self.settings.setValue("window/recipe", recipe_id)
        self._on_params_validity_changed(self.params_panel.is_valid())

    @Slot(bool)
    def _on_params_validity_changed(self, ok: bool) -> None:
        sweepable = bool(self.recipe and self.recipe.sweepable)
        reason = "" if ok else "fix the parameters before running"
        self.run_panel.set_can_launch(ok and self.recipe is not None, sweepable, reason)

    def _on_find_requested(self) -> None:
        self.docks["catalog"].raise_()
        self.catalog_panel.focus_filter()

    # -- launching ---------------------------------------------------------------------------
    def _launch(self, job: RunJob | SweepJob, what: str, points: int = 0) -> bool:
        if self.runner.busy:
            return False
        self.live.reset(points)
        self.trace_view.clear()
        self.console_panel.clear()
        self.result_panel.clear()
        self.console_panel.append("workbench", what)
        self.run_panel.set_busy(True, what)
        return self.runner.start(job)

    def _checked_values(self) -> dict[str, Any] | None:
        if not self.recipe or not self.params_panel.is_valid():
            return None
        self.params_panel.remember()
        return self.params_panel.values()

    @Slot()
    def _on_run_requested(self) -> None:
        values = self._checked_values()
        if values is None or self.recipe is None:
            return
        mode = self.run_panel.trace_mode()
        spec = RunSpec.make(
            self.recipe.id,
            catalog.resolve(self.recipe, values),
            timeout_s=self.timeout_s,
            trace=mode is not None,
            trace_mode=mode or "sync",
            launch=self.mpi_panel.launch_options() if self.recipe.backend == "mpi" else {},
        )
        traced = f" traced ({mode})" if mode else ""
        self._launch(RunJob(spec), f"run {self.recipe.id}{traced}")
        self.docks["result"].raise_()

    def trace_script(
        self,
        path: str,
        args: list[str] | None = None,
        mode: str = "full",
        timeout_s: float | None = None,
    ) -> bool:
        """Run a user's own script traced (File → Trace script…, drag and drop)."""
        from workbench import script_runner

        try:
            script = script_runner.check(path)
        except ValueError as exc:
            self.statusBar().showMessage(str(exc), 15000)
            self.console_panel.show_traceback(str(exc))
            return False
        recipe = catalog.script_recipe(script)
        params = {"path": str(script), "args": json.dumps(args or [])}
        ranks = self.mpi_panel.ranks_spin.value()  # the MPI dock: scripts as N ranks
        if ranks:
            recipe, params = mpi_cli.script_recipe(script, ranks), params | {"workers": ranks}
        spec = RunSpec.make(
            recipe.id,
            params,
            timeout_s=timeout_s or self.timeout_s,
            trace=True,
            trace_mode=mode,
            launch=self.mpi_panel.launch_options() if ranks else {},
        )
        return self._launch(RunJob(spec, recipe), f"trace {script.name} ({mode})")

    @Slot(list, int)
    def _on_sweep_requested(self, workers: list[int], repeat: int) -> None:
        values = self._checked_values()
        if values is None or self.recipe is None:
            return
        try:
            sweep = Sweep(self.recipe, values, workers, repeat=repeat, timeout_s=self.timeout_s)
            if self.recipe.backend == "mpi":
                sweep.launch = self.mpi_panel.launch_options()
        except CatalogError as exc:
            self.run_panel.error_label.setText(str(exc))
            return
        self.speedup_plot.remove_series(sweep.sweep_id)
        self._launch(
            SweepJob([sweep]),
            f"sweep {self.recipe.id} over workers {','.join(map(str, sweep.workers))} × {repeat}",
            len(sweep.workers),
        )
        self.docks["speedup"].raise_()

    @Slot(list, int)
    def _on_compare_requested(self, workers: list[int], repeat: int) -> None:
        values = {}
        if self.recipe and self.recipe.compare and self.params_panel.is_valid():
            shared = compare.shared_params()
            values = {
                k: v
                for k, v in self.params_panel.values().items()
                if k in shared and k != "workers"
            }
        try:
            sweeps = compare.plan(values, workers, repeat, self.timeout_s)
        except CatalogError as exc:
            self.run_panel.error_label.setText(str(exc))
            return
        self.speedup_plot.clear()
        total = sum(len(s.workers) for s in sweeps)
        self._launch(
            SweepJob(sweeps),
            f"compare backends ({', '.join(s.recipe.id for s in sweeps)})"
            f" over workers {','.join(map(str, sweeps[0].workers))} × {repeat}",
            total,
        )
        self.docks["speedup"].raise_()

    def _on_sweep_clicked_menu(self) -> None:
        self.run_panel.sweep_button.click()

    def _on_compare_clicked_menu(self) -> None:
        self.run_panel.compare_button.click()

    @Slot()
    def _on_cancel_requested(self) -> None:
        if self.runner.busy:
            self.console_panel.append("workbench", "cancelling…")
            self.runner.cancel()

    # -- OpenCL ------------------------------------------------------------------------------
    @Slot(str)
    def _on_opencl_device_chosen(self, device: str) -> None:
        """The picker sets the ``device`` parameter of OpenCL recipes."""
        if self.recipe and "device" in self.recipe.param_names():
            self.params_panel.set_values({"device": device})

    def _start_beside(self, job: RooflineJob, what: str) -> None:
        """Start a job that keeps the last run's result, console and views on screen."""
        if not self.runner.busy:
            self.run_panel.set_busy(True, what)
            self.console_panel.append("workbench", what)
            self.runner.start(job)

    @Slot()
    def _on_opencl_roofline_requested(self) -> None:
        device = self.opencl_panel.current_device()
        self._launch(RooflineJob(device), f"measure the roofline of OpenCL device {device}")

    def _show_opencl(self, record: dict[str, Any]) -> None:
        """Phases, sweep and roofline of an OpenCL run; the device's roofline is measured at
        its first use (a few seconds, once: it is cached)."""
        self.opencl_panel.show_result(record)
        device = (record.get("result") or {}).get("device")
        if not device:
            return
        from workbench import roofline

        roof = roofline.load(roofline.key(device))
        self.opencl_panel.set_roofline(roof)
        if roof is None and not self._roofline_asked:
            self._roofline_asked = True
            params = record.get("params") or {}
            QTimer.singleShot(
                0,
                lambda: self._launch(
                    RooflineJob(str(params.get("device", "auto"))),
                    "first use of this OpenCL device: measuring its roofline",
                ),
            )

    @Slot(object)
    def _on_runner_job_finished(self, outcome: Any) -> None:
        if isinstance(self.runner.last_job, RooflineJob):
            self.opencl_panel.set_roofline(outcome.get("roofline"), outcome.get("error"))
            self.run_panel.set_finished(
                "ok" if "roofline" in outcome else "failed",
                outcome.get("error") or "roofline measured",
            )
            self.docks["opencl"].raise_()
            return
        self.live.drain(self.runner.inbox)
        self.live.state.progress = None
        self.history_panel.reload()
        status, message = _describe(outcome)
        if isinstance(outcome, list) and self.live.state.last_record:
            self.result_panel.show_record(self.live.state.last_record)  # the sweep's last point
        if isinstance(outcome, RunRecord):
            self.result_panel.show_record(outcome.as_dict())
            self.last_outcome = outcome.as_dict()
            if outcome.spec.trace or outcome.backend == "opencl":
                self._show_trace(outcome)
            if outcome.backend == "opencl" and outcome.result:
                self._show_opencl(outcome.as_dict())
            if outcome.backend == "mpi" and outcome.stats:
                self.mpi_panel.show_stats(outcome.stats, dict(outcome.spec.launch))
        elif isinstance(outcome, list) and outcome:
            self.last_outcome = outcome
        self.run_panel.set_finished(status, message)
        self.last_status, self.last_message = status, message
        if status != "ok":
            self.statusBar().showMessage(f"{status}: {message}", 15000)

    def _show_trace(self, record: RunRecord) -> None:
        self.trace_view.follow(None)
        job = self.runner.last_job
        self.trace_view.show(record.findings, record.stats, getattr(job, "timeline", None))
        self.docks["findings" if record.findings else "timeline"].raise_()

    def open_trace(self, path: str) -> None:
        """A saved native trace (.npz): timeline, findings and statistics, as after the run."""
        try:
            findings, _, _ = self.trace_view.load(path)
        except (OSError, ValueError, KeyError) as exc:
            self.statusBar().showMessage(f"cannot open {path}: {exc}", 15000)
            return
        self.statusBar().showMessage(f"opened {path}: {len(findings)} finding(s)", 10000)
        self.docks["findings" if findings else "timeline"].raise_()

    def ask_trace_script(self, path: str = "") -> None:
        """The Trace script dialog (script, arguments, mode, timeout), then the traced run."""
        mode = self.run_panel.trace_mode() or "full"
        dialog = TraceScriptDialog(path, mode, self.timeout_s, self)
        if dialog.exec() and (req := dialog.request()):
            self.trace_script(req.path, req.args, req.mode, req.timeout_s)

    def _on_trace_script_requested(self) -> None:
        self.ask_trace_script()

    def _on_open_trace_requested(self) -> None:
        path = QFileDialog.getOpenFileName(self, "Open a trace", "", "Traces (*.npz)")[0]
        if path:
            self.open_trace(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].toLocalFile().endswith((".py", ".npz")):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Drop a script to trace it, or a saved trace to open it."""
        path = event.mimeData().urls()[0].toLocalFile()
        if path.endswith(".npz"):
            self.open_trace(path)
        else:
            self.ask_trace_script(path)

    # -- export ------------------------------------------------------------------------------
    def ask_path(self, title: str, suggested: str, filters: str) -> str:
        """Where to save; a dialog here, replaced in tests."""
        return QFileDialog.getSaveFileName(self, title, suggested, filters)[0]

    def export_plot(self, plot: Any) -> None:
        path = self.ask_path("Export plot", "plot.png", "PNG image (*.png);;SVG image (*.svg)")
        if path:
            plot.export(path)
            self.statusBar().showMessage(f"saved {path}", 5000)

    def export_result(self) -> None:
        """The last run's record, or the last sweeps' summaries, as JSON or CSV."""
        if self.last_outcome is None:
            self.statusBar().showMessage("nothing to export yet: run or sweep first", 5000)
            return
        path = self.ask_path("Export result", "result.json", "JSON (*.json);;CSV (*.csv)")
        if not path:
            return
        try:
            export.write(path, export.outcome_text(self.last_outcome, path))
        except (OSError, ValueError) as exc:
            self.statusBar().showMessage(f"export failed: {exc}", 10000)
            return
        self.statusBar().showMessage(f"saved {path}", 5000)

    # -- history -----------------------------------------------------------------------------
    @Slot(list)
    def _on_history_sweeps_overlaid(self, summaries: list[dict[str, Any]]) -> None:
        for summary in summaries:
            if summary:
                self.speedup_plot.show_summary(summary, summary["sweep_id"])
        self.docks["speedup"].raise_()

    @Slot(str, dict)
    def _on_history_rerun_requested(self, recipe_id: str, params: dict[str, Any]) -> None:
        self.select_recipe(recipe_id)
        self.params_panel.set_values(params)
        self._on_run_requested()

    @Slot(dict)
    def _on_history_run_shown(self, run: dict[str, Any]) -> None:
        self.result_panel.show_record(_history_row_as_record(run))
        self.console_panel.clear()
        for line in (run.get("log") or "").splitlines():
            stream, _, text = line.partition("\t")
            self.console_panel.append(stream, text)
        self.docks["result"].raise_()

    # -- frame, theme, persistence -----------------------------------------------------------
    @Slot()
    def _on_timer_tick(self) -> None:
        self.live.drain(self.runner.inbox)
        job = self.runner.job
        if isinstance(job, RunJob) and job.spec.trace and job.running is not None:
            self.trace_view.follow(job.running)
        self.trace_view.poll()

    def set_theme(self, name: str) -> None:
        theme.apply(name)
        self.settings.setValue("window/theme", name)

    def _restore(self) -> None:
        self.set_theme(str(self.settings.value("window/theme", "light")))
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1366, 740)
        if isinstance(state, QByteArray):
            self.restoreState(state, LAYOUT_VERSION)
        recipe_id = str(self.settings.value("window/recipe", "threads.lock_counter"))
        try:
            self.select_recipe(recipe_id)
        except CatalogError:
            self.select_recipe(catalog.recipes()[0].id)

    def showEvent(self, event: QShowEvent) -> None:
        """Dock sizes only take once the window has its size: set the defaults on first show."""
        super().showEvent(event)
        if not self._sized and not isinstance(self.settings.value("window/state"), QByteArray):
            self._sized = True
            QTimer.singleShot(0, self.default_sizes)
        if not getattr(self, "_devices_asked", False):
            self._devices_asked = True
            self.opencl_panel.load_devices_async()  # in a child process: OpenCL stays out

    def default_sizes(self) -> None:
        d = self.docks
        width, height = self.width(), self.height()
        left = max(340, min(440, width // 3))
        self.resizeDocks(
            [d["catalog"], d["result"]], [left, width - left], Qt.Orientation.Horizontal
        )
        self.resizeDocks(
            [d["catalog"], d["params"], d["run"]],
            [int(height * 0.38), int(height * 0.34), int(height * 0.28)],
            Qt.Orientation.Vertical,
        )
        self.resizeDocks(
            [d["result"], d["cores"]],
            [int(height * 0.58), int(height * 0.42)],
            Qt.Orientation.Vertical,
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing during a run stops it; nothing is left running."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.timer.stop()
        self.runner.shutdown()
        self.opencl_panel.stop()
        self.monitor.stop()
        if getattr(self, "step_window", None) is not None:
            self.step_window.close()
        super().closeEvent(event)


def _describe(outcome: Any) -> tuple[str, str]:
    """The finished job's status and one line about it."""
    if isinstance(outcome, dict) and "error" in outcome:
        return "failed", outcome["error"]
    if isinstance(outcome, RunRecord):
        line = outcome.error_line() or (f"in {outcome.wall_s:.3f} s" if outcome.wall_s else "")
        return str(outcome.status), line
    if isinstance(outcome, list):  # sweep summaries
        bad = next((s for s in outcome if s["status"] != "ok"), None)
        if bad:
            return bad["status"], f"{bad['id']}: {bad['error'] or bad['status']}"
        return "ok", f"{len(outcome)} sweep(s) finished"
    return "cancelled", "cancelled before it started"


def _history_row_as_record(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": run["run_id"],
        "id": run["recipe"],
        "backend": run["backend"],
        "params": run["params"],
        "workers": run["workers"],
        "status": run["status"],
        "wall_s": run["wall_s"],
        "startup_s": run["startup_s"],
        "repeats": [],
        "result": run["result"],
        "partial": run["partial"],
        "error": run["error"],
        "findings": run["findings"] or [],
    }
