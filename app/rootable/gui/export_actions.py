"""Export of the window's recipe: the worker, its progress bar, and the outcome in the status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rootable.core.errors import Cancelled
from rootable.core.pipeline import ExportResult
from rootable.core.recipe import Recipe
from rootable.core.report import human_bytes
from rootable.gui import dialogs, tasks

if TYPE_CHECKING:
    from rootable.gui.main_window import MainWindow


def start_export(window: MainWindow, recipe: Recipe, path: str) -> None:
    """Run the export of ``recipe`` to ``path`` in the "export" lane, showing progress and Cancel."""
    assert window.catalog is not None
    window.export_label.clear()
    window.progress_bar.setRange(0, 0)
    window.show_export_controls(True)
    window.statusBar().showMessage(f"Exporting to {path}…")
    window.runner.submit(
        "export",
        tasks.export_task(recipe, window.catalog, path),
        lambda result: _on_export_done(window, result),
        lambda error, details: _on_export_failed(window, path, error, details),
        lambda done, total: _on_export_progress(window, done, total),
    )


def _on_export_progress(window: MainWindow, done: int, total: int) -> None:
    window.progress_bar.setRange(0, max(total, 1))
    window.progress_bar.setValue(done)


def _on_export_done(window: MainWindow, result: ExportResult) -> None:
    window.show_export_controls(False)
    summary = (
        f"Wrote {result.path}: {result.rows:,} rows, {result.columns:,} columns, "
        f"{human_bytes(result.bytes)} in {result.seconds:.2f} s"
    )
    window.statusBar().showMessage(summary)
    window.export_label.setText(summary)
    window.export_finished.emit(result)


def _on_export_failed(window: MainWindow, path: str, error: BaseException, details: str) -> None:
    window.show_export_controls(False)
    if isinstance(error, Cancelled):
        window.statusBar().showMessage(f"Export cancelled; {path} was not written")
        window.export_stopped.emit("cancelled")
        return
    window.statusBar().showMessage(f"Export to {path} failed")
    window.export_stopped.emit(str(error))
    dialogs.show_error(window, "Export failed", error, details)
