"""The MPI dock: where the ranks run, with what, and who talked to whom.

The top says which launcher and MPI library a run uses and takes the hosts (a list or a
hostfile) and extra launcher flags; :meth:`MpiPanel.launch_options` hands them to the run's
spec, checked by the engine like the command line's ``--hosts``/``--hostfile``. After a traced
MPI run it shows the traffic matrices (messages and bytes, rank → rank, point-to-point and the
collectives' logical traffic) as heat-maps, each rank's wait states, and the grid of a
Cartesian communicator with each rank at its coordinates. This process never imports
``mpi4py.MPI``: everything shown comes from the engine's records.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.image_view import ImageView


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


class TopologyView(QWidget):
    """A Cartesian grid: one dot per rank at its coordinates, neighbour links, and dashed
    wrap-around stubs on periodic axes.

    Drawn with QPainter, not pyqtgraph: with a pyqtgraph view in this hidden tab, a later
    window's ``QApplication.allWidgets()`` (theme.apply) met an already deleted widget and
    segfaulted in 3 of 4 runs of tests/ui/test_main_window.py (gdb: QObject::property on a
    null vtable); with this view, 0 of 8. The cause inside pyqtgraph/PySide is not known."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(140)
        self.topo: dict[str, Any] | None = None
        self.labels: list[str] = []
        self.title = ""

    def set_topology(self, topo: dict[str, Any] | None) -> None:
        self.topo = topo if topo and len(topo["dims"]) == 2 else None
        self.labels, self.title = [], ""
        if self.topo:
            rows, cols = self.topo["dims"]
            world_of = {int(v): int(k) for k, v in self.topo.get("cart_rank", {}).items()}
            self.labels = [
                f"{cart}" + (f" (world {world_of[cart]})" if cart in world_of else "")
                for cart in range(rows * cols)
            ]
            periods = [*self.topo["periods"], False, False]
            kind = "torus" if any(periods[:2]) else "mesh"
            self.title = f"{self.topo['name']}: {rows}×{cols} {kind} (dashed: wrap-around)"
        self.update()

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(text)
        if not self.topo:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no Cartesian grid")
            return
        rows, cols = self.topo["dims"]
        periods = [*self.topo["periods"], False, False]
        top, left, right = 40, 50, 130  # room for the wrap stubs and the labels
        dx = (self.width() - left - right) / max(1, cols - 1) if cols > 1 else 0
        dy = (self.height() - top - 40) / max(1, rows - 1) if rows > 1 else 0
        x0 = left if cols > 1 else self.width() / 2
        y0 = top + 10 if rows > 1 else self.height() / 2

        def at(r: int, c: int) -> QPointF:
            return QPointF(x0 + c * dx, y0 + r * dy)

        painter.drawText(QRectF(0, 4, self.width(), 24), Qt.AlignmentFlag.AlignCenter, self.title)
        painter.setPen(QPen(QColor("#495057"), 2))
        for r in range(rows):
            for c in range(cols):
                if c + 1 < cols:
                    painter.drawLine(at(r, c), at(r, c + 1))
                if r + 1 < rows:
                    painter.drawLine(at(r, c), at(r + 1, c))
        painter.setPen(QPen(QColor("#E8590C"), 2, Qt.PenStyle.DashLine))
        stub = 22
        for c in range(cols if periods[0] else 0):
            painter.drawLine(at(0, c), at(0, c) - QPointF(0, stub))
            painter.drawLine(at(rows - 1, c), at(rows - 1, c) + QPointF(0, stub))
        for r in range(rows if periods[1] else 0):
            painter.drawLine(at(r, 0), at(r, 0) - QPointF(stub, 0))
            painter.drawLine(at(r, cols - 1), at(r, cols - 1) + QPointF(stub, 0))
        for cart, label in enumerate(self.labels):
            centre = at(*divmod(cart, cols))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#4DABF7"))
            painter.drawEllipse(centre, 9, 9)
            painter.setPen(text)
            painter.drawText(centre + QPointF(12, 18), label)


MATRIX_MIN_HEIGHT = 190  # title, a readable 2..16-rank matrix with its ticks, hover line


class MpiPanel(QWidget):
    """Launch settings in, communication pictures out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hosts_edit = QLineEdit()
        self.hosts_edit.setPlaceholderText("this machine; or host1,host2")
        self.hostfile_edit = QLineEdit()
        self.hostfile_edit.setPlaceholderText("a hostfile (instead of hosts)")
        self.mpiexec_edit = QLineEdit()
        self.mpiexec_edit.setPlaceholderText("the mpich wheel's mpiexec")
        self.args_edit = QLineEdit()
        self.args_edit.setPlaceholderText('more launcher flags, e.g. "-bind-to core"')
        self.ranks_spin = QSpinBox()
        self.ranks_spin.setRange(0, 64)
        self.ranks_spin.setSpecialValueText("one process")
        self.ranks_spin.setToolTip(
            "File → Trace script… runs your script as this many MPI ranks (0: one process)"
        )
        self.library_label = QLabel(self._library_text())
        self.library_label.setWordWrap(True)
        self.ranks_label = QLabel("ranks: — (run an mpi.* recipe traced)")
        self.ranks_label.setWordWrap(True)
        self.matrix_choice = QComboBox()
        self.matrix_choice.addItems(["point-to-point", "collectives (logical)"])
        self.matrix_choice.currentIndexChanged.connect(self._on_matrix_choice_changed)
        self.messages_view = ImageView()
        self.bytes_view = ImageView()
        for view in (self.messages_view, self.bytes_view):
            # below the launch form the dock left the matrices ~40 px: cells and tick labels
            # ran together. The dock grows instead (its neighbours give way).
            view.setMinimumHeight(MATRIX_MIN_HEIGHT)
        self.topology_view = TopologyView()
        self.waits_label = QLabel("")
        self.waits_label.setWordWrap(True)
        self._mpi: dict[str, Any] | None = None

        form = QGridLayout()
        form.addWidget(QLabel("Library"), 0, 0)
        form.addWidget(self.library_label, 0, 1, 1, 3)
        form.addWidget(QLabel("Hosts"), 1, 0)
        form.addWidget(self.hosts_edit, 1, 1)
        form.addWidget(QLabel("Hostfile"), 1, 2)
        form.addWidget(self.hostfile_edit, 1, 3)
        form.addWidget(QLabel("mpiexec"), 2, 0)
        form.addWidget(self.mpiexec_edit, 2, 1)
        form.addWidget(QLabel("Flags"), 2, 2)
        form.addWidget(self.args_edit, 2, 3)
        form.addWidget(QLabel("Scripts as ranks"), 3, 0)
        form.addWidget(self.ranks_spin, 3, 1)
        traffic = QWidget()
        matrices = QGridLayout(traffic)
        matrices.setContentsMargins(0, 0, 0, 0)
        matrices.addWidget(self.matrix_choice, 0, 0, 1, 2)
        matrices.addWidget(self.messages_view, 1, 0)
        matrices.addWidget(self.bytes_view, 1, 1)
        matrices.setRowStretch(1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.waits_label)
        self.tabs = QTabWidget()
        self.tabs.addTab(traffic, "Traffic")
        self.tabs.addTab(self.topology_view, "Topology")
        self.tabs.addTab(scroll, "Wait states")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.ranks_label)
        layout.addWidget(self.tabs, 1)

    @staticmethod
    def _library_text() -> str:
        """The library from the installed packages, the launcher from its ``--version`` (a
        child process; this one never loads MPI)."""
        from workbench import mpi_launch

        mpich, mpi4py = _version("mpich"), _version("mpi4py")
        lib = f"MPICH {mpich} (mpich wheel)" if mpich else "an installed MPI"
        path = mpi_launch.default_mpiexec()
        try:
            launcher = f"{mpi_launch.flavor(path)[1]} at {path}" if path else "no mpiexec found"
        except mpi_launch.LaunchError as exc:
            launcher = str(exc)
        return f"{lib} · mpi4py {mpi4py or 'not installed'} · launcher: {launcher}"

    def launch_options(self) -> dict[str, str]:
        """``{"hosts", "hostfile", "mpiexec", "mpi_args"}`` as typed (empty ones left out)."""
        values = {
            "hosts": self.hosts_edit.text().strip(),
            "hostfile": self.hostfile_edit.text().strip(),
            "mpiexec": self.mpiexec_edit.text().strip(),
            "mpi_args": self.args_edit.text().strip(),
        }
        return {k: v for k, v in values.items() if v}

    def show_stats(
        self, stats: dict[str, Any] | None, launch: dict[str, Any] | None = None
    ) -> None:
        """A traced run's ``stats["mpi"]`` (from :mod:`workbench.mpi_analysis`)."""
        mpi = (stats or {}).get("mpi")
        self._mpi = mpi
        if not mpi:
            self.ranks_label.setText("ranks: — (this run has no MPI trace)")
            self.topology_view.set_topology(None)
            return
        where = ", ".join(f"{k}={v}" for k, v in (launch or {}).items()) or "this machine"
        self.ranks_label.setText(
            f"ranks: {mpi['ranks']} on {where} · {mpi['calls']} MPI calls · "
            f"{mpi['messages_total']} point-to-point messages · "
            f"{len(mpi['collectives'])} collectives"
        )
        p2p_empty = not any(any(row) for row in mpi["matrix"]["messages"])
        self.matrix_choice.setCurrentIndex(1 if p2p_empty and mpi["collectives"] else 0)
        self._show_matrices()
        topologies = mpi.get("topologies") or []
        self.topology_view.set_topology(topologies[0] if topologies else None)
        self.tabs.setTabEnabled(1, bool(topologies))
        if topologies:
            self.tabs.setCurrentIndex(1)
        rows = mpi.get("wait_states", [])
        self.waits_label.setText(
            "<b>Wait states (seconds per rank)</b><br>"
            + "<br>".join(
                f"rank {r['rank']}: in MPI {r['mpi_s']:.4f} · late sender {r['late_sender_s']:.4f}"
                f" · late receiver {r['late_receiver_s']:.4f} · at collectives "
                f"{r['collective_wait_s']:.4f}"
                for r in rows[:16]
            )
        )

    def _show_matrices(self) -> None:
        if not self._mpi:
            return
        key = "matrix" if self.matrix_choice.currentIndex() == 0 else "collective_matrix"
        matrix = self._mpi[key]
        self.messages_view.set_image(np.array(matrix["messages"]), label="messages rank→rank")
        self.bytes_view.set_image(np.array(matrix["bytes"]), label="bytes rank→rank")

    def _on_matrix_choice_changed(self, _index: int) -> None:
        self._show_matrices()
