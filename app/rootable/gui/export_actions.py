"""Export of the window's recipe: the worker, its progress bar, and the outcome in the status bar.

While the export runs, the progress bar shows the rate in entries per second, the time left
and the input file being read. When it starts, the export area shows the size estimated
from the last preview.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rootable.core.errors import Cancelled, RecipeError
from rootable.core.pipeline import Estimate, ExportResult
from rootable.core.recipe import Recipe
from rootable.core.report import ProgressText, human_bytes
from rootable.core.writers import format_for
from rootable.gui import dialogs, tasks

if TYPE_CHECKING:
    from rootable.gui.main_window import MainWindow

#: Width of the progress bar while an export runs, wide enough for its rate and file text.
PROGRESS_BAR_WIDTH = 460


def start_export(window: MainWindow, recipe: Recipe, path: str) -> None:
    """Run the export of ``recipe`` to ``path`` in the "export" lane, showing progress and Cancel."""
    assert window.catalog is not None
    progress = ProgressText(
        inputs=list(recipe.inputs),
        entry_counts=window.tools.inputs_panel.entry_counts(),
        entry_start=recipe.entry_start or 0,
    )
    window.export_label.setText(f"Exporting to {path}…")
    _show_estimate(window, recipe, path)
    window.progress_bar.setRange(0, 0)
    window.progress_bar.setMaximumWidth(PROGRESS_BAR_WIDTH)
    window.progress_bar.setMinimumWidth(PROGRESS_BAR_WIDTH // 2)
    window.progress_bar.setFormat("starting…")
    window.show_export_controls(True)
    window.statusBar().clearMessage()
    window.runner.submit(
        "export",
        tasks.export_task(recipe, window.catalog, path, progress),
        lambda result: _on_export_done(window, result),
        lambda error, details: _on_export_failed(window, path, error, details),
        lambda done, total: _on_export_progress(window, progress, done, total),
    )


def _show_estimate(window: MainWindow, recipe: Recipe, path: str) -> None:
    """Show the output estimate in the chosen format beside "Exporting to …" once it is ready."""
    try:
        fmt = format_for(path, recipe.format)
    except RecipeError:
        return

    def show(estimate: Estimate) -> None:
        if window.runner.is_busy("export"):
            window.export_label.setText(f"Exporting to {path}: {describe(estimate, fmt)}")

    window.tools.request_estimate(fmt, on_ready=show)


def describe(estimate: Estimate, fmt: str) -> str:
    return f"about {estimate.rows:,} rows, {human_bytes(estimate.bytes)} as {fmt} (estimate)"


def _on_export_progress(window: MainWindow, progress: ProgressText, done: int, total: int) -> None:
    text = progress.text(done, total)
    window.progress_bar.setFormat(text)
    window.progress_bar.setToolTip(text)
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
        window.export_label.setText(f"Export cancelled; {path} was not written")
        window.export_stopped.emit("cancelled")
        return
    window.statusBar().showMessage(f"Export to {path} failed")
    window.export_label.setText(f"Export to {path} failed: {error}")
    window.export_stopped.emit(str(error))
    dialogs.show_error(window, "Export failed", error, details)
