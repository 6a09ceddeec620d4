"""The window: Qt views (PySide6 + pyqtgraph) over the engine.

Views only: everything the window does, it asks of ``workbench``. Data crosses threads, widgets
never do; views redraw from one timer in the main window, never per event.
"""
