"""Regenerate docs/screenshot.png: the app on nano_dy.root with the Jet collection ticked.

The script drives a real MainWindow in this process: it opens the file, ticks the Jet
collection, waits for the preview, selects the Jet_pt_0 column so that the histogram shows
it, and saves ``QWidget.grab()`` of the window. Without a DISPLAY it starts Xvfb on a free
display number and stops it at the end.

    python scripts/screenshot.py                              # $ROOTABLE_TEST_DATA/nano_dy.root
    python scripts/screenshot.py FILE.root -o /tmp/shot.png
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO / "docs" / "screenshot.png"
COLLECTION = "Jet"
HISTOGRAM_COLUMN = "Jet_pt_0"
XVFB_SCREEN = "1600x1000x24"
XVFB_START_TIMEOUT_S = 10.0
POLL_MS = 50
REPAINT_MS = 300

log = logging.getLogger("screenshot")


class ScreenshotError(Exception):
    """A step of the screenshot failed. The message names the step and the cause."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data = os.environ.get("ROOTABLE_TEST_DATA", str(REPO.parent / "shared" / "data"))
    parser.add_argument(
        "file",
        nargs="?",
        type=Path,
        default=Path(data) / "nano_dy.root",
        help="ROOT file to show (default: $ROOTABLE_TEST_DATA/nano_dy.root)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"PNG file to write (default: {DEFAULT_OUTPUT.relative_to(REPO)})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds to wait for the file to open and for the preview (default 60)",
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def display() -> Iterator[None]:
    """Use the current DISPLAY, or run Xvfb on a free display number for the duration."""
    if os.environ.get("DISPLAY"):
        yield
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise ScreenshotError(
            "DISPLAY is not set and Xvfb was not found. Install Xvfb (apt-get install xvfb)"
        )

    # -displayfd makes Xvfb choose a free display number and write it to the pipe once it
    # accepts connections, so there is no race over /tmp/.X*-lock files.
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_end), "-screen", "0", XVFB_SCREEN, "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        number = _read_display_number(read_end, server)
        os.environ["DISPLAY"] = f":{number}"
        log.info("started Xvfb (pid %d) on display :%s", server.pid, number)
        yield
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(timeout=10)
        os.environ.pop("DISPLAY", None)


def _read_display_number(read_end: int, server: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + XVFB_START_TIMEOUT_S
    text = b""
    while not text.endswith(b"\n"):
        if server.poll() is not None:
            raise ScreenshotError(f"Xvfb exited with status {server.returncode} before it started")
        if time.monotonic() > deadline:
            raise ScreenshotError(f"Xvfb did not start within {XVFB_START_TIMEOUT_S:.0f} s")
        chunk = os.read(read_end, 16)
        if not chunk:
            raise ScreenshotError("Xvfb closed its display pipe without a display number")
        text += chunk
    return text.decode().strip()


def wait_until(
    condition: Callable[[], bool], timeout_s: float, what: str, errors: list[str]
) -> None:
    """Process Qt events until ``condition()`` is true, and raise on timeout or a reported error."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if errors:
            raise ScreenshotError(f"{what} failed: {errors[0]}")
        if time.monotonic() > deadline:
            raise ScreenshotError(f"{what} timed out after {timeout_s:.0f} s")
        run_event_loop(POLL_MS)


def run_event_loop(milliseconds: int) -> None:
    """Process Qt events for ``milliseconds``."""
    from PySide6.QtCore import QEventLoop, QTimer

    # NOTE: with QTest.qWait in place of this loop (PySide6 6.12), the window's worker threads
    # barely ran and a 0.05 s preview took 20 s, probably because qWait keeps the GIL.
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def take_screenshot(path: Path, output: Path, timeout_s: float) -> None:
    """Open ``path`` in a MainWindow, tick the Jet collection, show Jet_pt_0 and save the PNG."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from rootable.gui import dialogs
    from rootable.gui.main_window import MainWindow

    if QApplication.instance() is None:
        QApplication([sys.argv[0]])
    errors: list[str] = []

    # An error dialog is modal and would block the script, so record its text and fail instead.
    def record_error(parent: object, headline: str, error: object, details: str = "") -> None:
        errors.append(f"{headline}: {error}")

    dialogs.show_error = record_error
    window = MainWindow()
    window.show()
    previews: list[object] = []
    window.preview_ready.connect(previews.append)
    window.preview_failed.connect(errors.append)
    window.open_failed.connect(errors.append)

    window.open_files([str(path)])
    wait_until(lambda: window.catalog is not None, timeout_s, f"opening {path}", errors)

    collection = window.branch_model.find("Events", COLLECTION)
    if not collection.isValid():
        raise ScreenshotError(f"{path} has no {COLLECTION} collection in its Events tree")
    window.branch_model.setData(
        collection, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole
    )
    collection_row = window.filter_model.mapFromSource(collection)
    window.tree_view.expand(collection_row)
    window.tree_view.scrollTo(collection_row, window.tree_view.ScrollHint.PositionAtTop)
    wait_until(lambda: bool(previews), timeout_s, "the preview", errors)

    select_column(window, HISTOGRAM_COLUMN)
    # Let the histogram and the table repaint before grabbing.
    run_event_loop(REPAINT_MS)
    output.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(output), "PNG"):
        raise ScreenshotError(f"failed to write {output}")
    window.close()


def select_column(window: object, column: str) -> None:
    """Select ``column`` in the preview table, which makes the window draw its histogram."""
    names = list(window.table_model.column_names)  # type: ignore[attr-defined]
    if column not in names:
        raise ScreenshotError(f"the preview has no column {column}; it has {names[:8]} ...")
    index = window.table_model.index(0, names.index(column))  # type: ignore[attr-defined]
    window.table_view.setCurrentIndex(index)  # type: ignore[attr-defined]
    window.table_view.selectColumn(index.column())  # type: ignore[attr-defined]
    window.table_view.scrollTo(index)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.file.is_file():
        print(
            f"screenshot: error: {args.file} not found; give a ROOT file or set ROOTABLE_TEST_DATA",
            file=sys.stderr,
        )
        return 2
    # A fresh settings folder, so that the window looks the same whatever the user saved before.
    with tempfile.TemporaryDirectory(prefix="rootable-screenshot-") as config:
        os.environ["XDG_CONFIG_HOME"] = config
        # The window is drawn through X (the desktop or Xvfb) as a user sees it, so an
        # offscreen platform set for the tests is dropped.
        os.environ.pop("QT_QPA_PLATFORM", None)
        try:
            with display():
                take_screenshot(args.file.resolve(), args.output, args.timeout)
        except ScreenshotError as exc:
            print(f"screenshot: error: {exc}", file=sys.stderr)
            return 1
    log.info("wrote %s", args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
