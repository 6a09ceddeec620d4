"""Qt test set-up: offscreen (set in the top conftest), private settings, no dangling QThread."""

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QThread


@pytest.fixture(autouse=True)
def _private_settings(tmp_path, monkeypatch):
    """QSettings go to a throw-away folder, never the user's."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QCoreApplication.setOrganizationName("parallel-workbench-tests")
    QCoreApplication.setApplicationName("workbench-tests")


@pytest.fixture(autouse=True)
def no_dangling_qthreads(qtbot):
    """Fail a test that leaves a QThread running (it would abort the process at exit)."""
    before = set(_threads())
    yield
    qtbot.waitUntil(
        lambda: not [t for t in _threads() if t not in before and t.isRunning()], timeout=5000
    )


def _threads():
    import gc

    return [o for o in gc.get_objects() if isinstance(o, QThread)]
