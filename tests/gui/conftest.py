"""Fixtures for the app tests: a headless Qt platform, the shared data folder, an open window."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from rootable.gui import dialogs
from rootable.gui.main_window import MainWindow

REPO = Path(__file__).resolve().parents[2]
OPEN_TIMEOUT_MS = 30_000


@pytest.fixture
def gui_data_dir() -> Path:
    """Folder of the real ROOT files: $ROOTABLE_TEST_DATA, else shared/data beside the repository."""
    folder = Path(os.environ.get("ROOTABLE_TEST_DATA", REPO.parent / "shared" / "data"))
    if not folder.is_dir():
        pytest.skip(f"test data folder {folder} not found; set ROOTABLE_TEST_DATA")
    return folder


@pytest.fixture
def errors_shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record error dialogs as (headline, message) instead of opening them."""
    calls: list[tuple[str, str]] = []

    def record(parent: object, headline: str, error: object, details: str = "") -> None:
        calls.append((headline, str(error)))

    monkeypatch.setattr(dialogs, "show_error", record)
    return calls


@pytest.fixture
def window(qtbot, errors_shown):
    """A shown main window with no file; closed (and its workers stopped) after the test."""
    main = MainWindow()
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()


@pytest.fixture
def open_window(window, qtbot):
    """Return a function that opens a file in the window and waits until its tree is shown."""

    def open_path(path: Path) -> MainWindow:
        with qtbot.waitSignal(window.catalog_loaded, timeout=OPEN_TIMEOUT_MS):
            window.open_files([str(path)])
        return window

    return open_path
