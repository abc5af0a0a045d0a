"""Starting the app: with no file it opens the built-in sample."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from rootable.gui import app
from rootable.gui.main_window import MainWindow

POLL_MS = 50
GIVE_UP_MS = 30_000


def close_when_loaded(titles):
    """Record the title of the first main window with a file, then close it, which quits."""
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.catalog]
    if not windows:
        QTimer.singleShot(POLL_MS, lambda: close_when_loaded(titles))
        return
    titles.append(windows[0].windowTitle())
    windows[0].close()


def test_app_opens_sample_without_files(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    titles = []
    QTimer.singleShot(0, lambda: close_when_loaded(titles))
    QTimer.singleShot(GIVE_UP_MS, QApplication.quit)

    status = app.run_app([])

    assert status == 0
    assert len(titles) == 1
    assert titles[0] == "rootable-sample-v1.root — rootable"
    assert sys.excepthook is app.show_uncaught
