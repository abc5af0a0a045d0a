"""Start the desktop app: the QApplication, the main window and the last-resort error dialog."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence
from types import TracebackType

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from rootable import __version__
from rootable.assets import resource_path
from rootable.core.sample import sample_path
from rootable.gui import dialogs, persistence
from rootable.gui.main_window import APP_NAME, MainWindow

log = logging.getLogger(__name__)


def run_app(files: Sequence[str]) -> int:
    """Open the main window on ``files`` (the built-in sample when empty); return the exit status."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(persistence.ORGANIZATION)
    app.setWindowIcon(app_icon())
    install_excepthook()
    window = MainWindow()
    persistence.install(window)
    window.show()
    window.open_files([str(f) for f in files] or [str(sample_path())])
    return int(app.exec())


ICON_SIZES = (16, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """Return the application icon at every size shipped in ``resources/icons``."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(resource_path(f"icons/rootable-{size}.png")), QSize(size, size))
    return icon


def install_excepthook() -> None:
    """Show uncaught exceptions in a dialog instead of letting them end the event loop."""
    sys.excepthook = show_uncaught


def show_uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    log.error("uncaught exception", exc_info=(kind, error, trace))
    details = "".join(traceback.format_exception(kind, error, trace))
    try:
        parent = QApplication.activeWindow()
        dialogs.show_error(parent, "Unexpected error; the app keeps running", error, details)
    except Exception:
        # Catch everything: an exception raised inside sys.excepthook is only printed to stderr.
        log.exception("could not show the error dialog")
