"""The engine never imports Qt, and loads pyopencl and mpi4py only when a backend needs them."""

import subprocess
import sys

HEAVY = ("PySide6", "shiboken6", "pyqtgraph", "pyopencl", "mpi4py")


def test_engine_imports_no_qt_opencl_or_mpi():
    code = (
        "import sys, workbench, workbench.cli, workbench.controller, workbench.sweep, "
        "workbench.monitor, workbench.history, workbench.host, workbench.catalog;"
        "workbench.catalog.recipes();"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_kernels_import_nothing_from_the_engine_or_qt():
    code = (
        "import sys, pkgutil, importlib, kernels;"
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(kernels.__path__, "
        "'kernels.') if '.opencl' not in m.name and '.mpi' not in m.name];"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in "
        f"('workbench', 'ui') or m in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
