"""Light and dark themes: a Fusion palette for the widgets and matching pyqtgraph colours.

Plots created after a switch pick up pyqtgraph's config; existing ones are told through
:func:`apply`, which sets every PlotWidget's background and axis pens.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")
_COLOURS = {
    "light": {
        "window": "#f5f5f5",
        "base": "#ffffff",
        "text": "#1a1a1a",
        "button": "#e8e8e8",
        "highlight": "#1565c0",
        "plot_bg": "#ffffff",
        "plot_fg": "#303030",
        "mid": "#bdbdbd",
        "alt": "#f0f0f0",
    },
    "dark": {
        "window": "#2b2b2b",
        "base": "#1e1e1e",
        "text": "#e6e6e6",
        "button": "#3a3a3a",
        "highlight": "#64b5f6",
        "plot_bg": "#1e1e1e",
        "plot_fg": "#d0d0d0",
        "mid": "#555555",
        "alt": "#262626",
    },
}


def palette(name: str) -> QPalette:
    c = _COLOURS[name]
    pal = QPalette()
    role = QPalette.ColorRole
    for r, key in (
        (role.Window, "window"),
        (role.Base, "base"),
        (role.AlternateBase, "alt"),
        (role.Text, "text"),
        (role.WindowText, "text"),
        (role.ButtonText, "text"),
        (role.Button, "button"),
        (role.Highlight, "highlight"),
        (role.Mid, "mid"),
        (role.ToolTipBase, "base"),
        (role.ToolTipText, "text"),
        (role.PlaceholderText, "mid"),
    ):
        pal.setColor(r, QColor(c[key]))
    pal.setColor(role.HighlightedText, QColor(c["base"]))
    pal.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(c["mid"]))
    pal.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(c["mid"]))
    return pal


def apply(name: str) -> None:
    if name not in THEMES:
        name = "light"
    app = QApplication.instance()
    c = _COLOURS[name]
    pg.setConfigOptions(background=c["plot_bg"], foreground=c["plot_fg"], antialias=False)
    if app is None:
        return
    app.setStyle("Fusion")
    app.setPalette(palette(name))
    # Through each window's children, not QApplication.allWidgets(): that list can hold a
    # widget whose deletion is under way, and wrapping it crashed the test suite once.
    for top in app.topLevelWidgets():
        for widget in top.findChildren(pg.PlotWidget):
            widget.setBackground(c["plot_bg"])
            for axis in ("left", "bottom", "right"):
                item = widget.getPlotItem().getAxis(axis)
                item.setPen(c["plot_fg"])
                item.setTextPen(c["plot_fg"])
