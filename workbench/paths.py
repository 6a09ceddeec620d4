"""Where the workbench keeps its history and traces: the data directory, or WORKBENCH_HOME."""

import os
import sys
from pathlib import Path

APP = "parallel-workbench"


def home() -> Path:
    """The data directory, created on first use."""
    override = os.environ.get("WORKBENCH_HOME")
    if override:
        path = Path(override)
    elif sys.platform == "win32":
        path = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / APP
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / APP
    else:
        path = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / APP
    path.mkdir(parents=True, exist_ok=True)
    return path


def project_root() -> Path:
    """The folder that holds the ``kernels`` package, so run hosts can import it uninstalled."""
    return Path(__file__).resolve().parent.parent
