"""Histogram panel: draws what ``rootable.core.histogram`` bins, or a message instead.

The panel shows one preview column, an overlay of several selected columns, the same columns
without the recipe's cut, a 2-D histogram of two columns, one column over all entries, or a
TH1, TH2 or TProfile stored in the file. Reading runs in the window's ``TaskRunner``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionRange, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QStackedWidget, QVBoxLayout, QWidget

from rootable.core.errors import Cancelled, RootableError
from rootable.core.flatten import FlatChunk
from rootable.core.histogram import (
    Histogram,
    Histogram2D,
    StoredHistogram,
    histogram2d,
    histograms,
    stored_reader,
)
from rootable.gui import dialogs, plot_tasks
from rootable.gui.branch_model import NODE_ROLE
from rootable.gui.plot_controls import PlotControls
from rootable.gui.plot_drawing import (
    ImagePlot,
    Series,
    draw_errors,
    draw_points,
    draw_series,
    draw_steps,
    finish_plot,
    render_png,
    render_svg,
    start_plot,
)
from rootable.gui.workers import TaskRunner

if TYPE_CHECKING:
    from rootable.gui.main_window import MainWindow
    from rootable.gui.tasks import PreviewResult

log = logging.getLogger(__name__)

UNCUT_LANE = "uncut preview"
FULL_LANE = "full histogram"
STORED_LANE = "stored histogram"
SAVE_LANE = "save plot"
PLOT_FORMATS = {".png": "PNG", ".svg": "SVG"}
_FILE_FILTERS = "PNG image (*.png);;SVG image (*.svg)"
_STORED_PREFIXES = ("TH1", "TH2", "TH3", "TProfile")

ColumnData = tuple[np.ndarray, Any]


class HistogramView(QWidget):
    """Histograms of preview columns and of stored ROOT histograms, with their controls."""

    uncut_ready = Signal()
    full_finished = Signal(object)
    full_stopped = Signal(str)
    """Emitted with the reason when a full-data histogram is cancelled or fails."""
    stored_ready = Signal(object)
    stored_failed = Signal(str)
    plot_saved = Signal(str)

    def __init__(self, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner if runner is not None else TaskRunner(self)
        self.main_window: MainWindow | None = None
        self.column = ""
        self.histogram: Histogram | None = None
        """The drawn histogram of ``column`` (the full-data one once computed)."""
        self.histograms: list[Histogram] = []
        self.uncut_histograms: list[Histogram] = []
        self.histogram2d: Histogram2D | None = None
        self.stored: StoredHistogram | None = None
        self.full: Histogram | None = None
        """The histogram of ``column`` over all entries, drawn while the bins and fill choice match."""
        self._full_exclude = True
        self._values: dict[str, ColumnData] = {}
        self._uncut: FlatChunk | None = None
        self._mode = "columns"
        self._build_widgets()
        self.show_message(
            "Select a column in the table or a ticked branch in the tree to see its histogram."
        )

    def _build_widgets(self) -> None:
        self.controls = PlotControls()
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("left", "events")
        # pyqtgraph rescales axes with SI prefixes by default ("x0.001"), which misreads
        # physics quantities that carry their own units, so the ticks show plain values.
        for side in ("bottom", "left"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.image_plot = ImagePlot()
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self._stack = QStackedWidget()
        for widget in (self.message, self.plot, self.image_plot):
            self._stack.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.controls)
        layout.addWidget(self._stack, 1)
        self.controls.changed.connect(self.redraw)
        self.controls.uncut_box.toggled.connect(lambda _on: self.request_uncut())
        self.controls.full_button.clicked.connect(lambda: self.compute_full_data())
        self.controls.cancel_button.clicked.connect(self.cancel_full_data)
        self.controls.save_button.clicked.connect(lambda: self.save_plot())

    def attach(self, window: MainWindow) -> None:
        """Follow the window's previews, table selection and tree selection."""
        self.main_window = window
        window.preview_ready.connect(self._on_preview)
        window.catalog_loaded.connect(self._on_catalog)
        window.table_view.selectionModel().selectionChanged.connect(
            lambda *_: self._on_table_selection()
        )
        window.tree_view.selectionModel().currentChanged.connect(self._on_tree_current)

    # -- what to show -------------------------------------------------------------------------

    def show_column(self, name: str, values: np.ndarray, fill_value: Any) -> None:
        """Bin and draw a column; text columns and binning errors show a message instead."""
        self.runner.drop(STORED_LANE)
        self._set_mode("columns")
        self.column = name
        self._values = {name: (values, fill_value)}
        self.redraw()

    def show_message(self, text: str) -> None:
        self.histogram = None
        self.histograms = []
        self.histogram2d = None
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def show_stored(self, file_path: str, key_path: tuple[str, ...]) -> None:
        """Read a TH1, TH2 or TProfile in a worker and draw it."""
        self._set_mode("stored")
        self.stored = None
        self.show_message(f"Reading {'/'.join(key_path)}…")
        self.runner.submit(
            STORED_LANE,
            plot_tasks.stored_histogram_task(file_path, key_path),
            self._on_stored,
            self._on_stored_failed,
        )

    def _set_mode(self, mode: str) -> None:
        self._mode = mode
        self.controls.set_stored_mode(mode == "stored")

    def selected_columns(self) -> list[str]:
        """Return the table columns selected together with ``column``, or just ``column``."""
        if not self.column:
            return []
        if self.main_window is None:
            return [self.column]
        names = self.main_window.table_model.column_names
        picked: set[int] = set()
        selection = self.main_window.table_view.selectionModel().selection()
        for selected in cast(Iterable[QItemSelectionRange], selection):
            picked.update(range(selected.left(), selected.right() + 1))
        chosen = [names[c] for c in sorted(picked) if c < len(names)]
        if self.column not in chosen:
            return [self.column]
        numeric = [name for name in chosen if self._is_numeric(name)]
        return numeric if len(numeric) > 1 else [self.column]

    def _is_numeric(self, name: str) -> bool:
        data = self._column_data(name)
        return data is not None and data[0].dtype != object

    def _column_data(self, name: str) -> ColumnData | None:
        if name in self._values:
            return self._values[name]
        result = self.main_window.preview_result if self.main_window is not None else None
        if result is None or name not in result.chunk.columns:
            return None
        return result.chunk.columns[name], result.fills.get(name)

    # -- drawing ------------------------------------------------------------------------------

    def redraw(self) -> None:
        """Draw the current choice again with the current controls."""
        self.controls.show_status("")
        if self._mode == "stored":
            if self.stored is not None:
                self._draw_stored(self.stored)
            return
        if not self.column:
            return
        try:
            bins, value_range = self.controls.binning()
        except RootableError as exc:
            self.controls.show_status(f"{exc}; the plot keeps the last valid setting")
            return
        try:
            if self.controls.two_d_box.isChecked():
                self._draw_2d(bins, value_range)
            else:
                self._draw_1d(self.selected_columns(), bins, value_range)
        except RootableError as exc:
            self.show_message(str(exc))

    def _draw_1d(
        self, columns: list[str], bins: int, value_range: tuple[float, float] | None
    ) -> None:
        data = [(name, *self._data_or_raise(name)) for name in columns]
        uncut = self._uncut_columns(columns)
        exclude = self.controls.exclude_box.isChecked()
        binned = histograms(data + uncut, bins, value_range, exclude)
        cut_part, uncut_part = binned[: len(data)], binned[len(data) :]
        full = self.full
        if (
            len(cut_part) == 1
            and not uncut_part
            and full is not None
            and self._full_matches(full, cut_part[0])
        ):
            cut_part = [full]
        self.histogram, self.histograms, self.uncut_histograms = cut_part[0], cut_part, uncut_part
        self.histogram2d = None
        series = self._series(cut_part, uncut_part)
        x_label = columns[0] if len(columns) == 1 else "value"
        draw_series(
            self.plot,
            series,
            self.controls.log_box.isChecked(),
            self._title(cut_part, uncut_part),
            x_label,
        )
        self._stack.setCurrentWidget(self.plot)

    def _data_or_raise(self, name: str) -> ColumnData:
        data = self._column_data(name)
        if data is None:
            raise RootableError(f"{name} is not in the preview.")
        return data

    def _full_matches(self, full: Histogram, preview: Histogram) -> bool:
        same_fills = self._full_exclude == self.controls.exclude_box.isChecked()
        return (
            full.name == preview.name and np.array_equal(full.edges, preview.edges) and same_fills
        )

    def _series(self, cut_part: list[Histogram], uncut_part: list[Histogram]) -> list[Series]:
        single = len(cut_part) == 1 and not uncut_part
        suffix = " (cut)" if uncut_part else ""
        series = [
            Series(h.edges, h.counts, f"{h.name}{suffix}", colour=i, filled=single)
            for i, h in enumerate(cut_part)
        ]
        series += [
            Series(h.edges, h.counts, f"{h.name} (no cut)", colour=i, dashed=True)
            for i, h in enumerate(uncut_part)
        ]
        return series

    def _title(self, cut_part: list[Histogram], uncut_part: list[Histogram]) -> str:
        if len(cut_part) == 1:
            title = cut_part[0].title
        else:
            rows = max(h.entries + h.fills for h in cut_part)
            title = f"{len(cut_part)} columns over {rows:,} preview events"
        if uncut_part and self._uncut is not None:
            title += f"; dashed: without the cut, {self._uncut.num_rows:,} events"
        return title

    def _draw_2d(self, bins: int, value_range: tuple[float, float] | None) -> None:
        chosen = self.selected_columns()
        if len(chosen) >= 2:
            self.controls.set_axes(chosen[0], chosen[1])
        x_name, y_name = self.controls.x_box.currentText(), self.controls.y_box.currentText()
        if not x_name or not y_name:
            x_name, y_name = self.column, self.column
        result = histogram2d(
            (x_name, *self._data_or_raise(x_name)),
            (y_name, *self._data_or_raise(y_name)),
            bins=bins,
            x_range=value_range,
            exclude_fills=self.controls.exclude_box.isChecked(),
        )
        self.image_plot.show_counts(result.x_edges, result.y_edges, result.counts)
        finish_plot(self.image_plot, result.title, x_name, y_name)
        self.histogram2d = result
        self.histogram = None
        self._stack.setCurrentWidget(self.image_plot)

    def _draw_stored(self, stored: StoredHistogram) -> None:
        label = f"{stored.name}: {stored.title}" if stored.title else stored.name
        x_title = stored.axis_titles[0] or stored.name
        if stored.kind == "2d":
            self.image_plot.show_counts(stored.edges[0], stored.edges[1], stored.values)
            finish_plot(
                self.image_plot, f"{label} ({stored.classname})", x_title, stored.axis_titles[1]
            )
            self._stack.setCurrentWidget(self.image_plot)
            return
        log_y = self.controls.log_box.isChecked() and stored.kind == "1d"
        start_plot(self.plot, log_y, legend=False)
        edges = stored.edges[0]
        centres = (edges[:-1] + edges[1:]) / 2
        if stored.kind == "profile":
            # A profile bin without entries has no mean, so it gets no point.
            keep = (
                stored.bin_entries > 0
                if stored.bin_entries is not None
                else np.isfinite(stored.values)
            )
            draw_points(self.plot, centres[keep], stored.values[keep], stored.name)
            draw_errors(
                self.plot, centres[keep], stored.values[keep], stored.errors[keep], log_y=False
            )
            y_title = stored.axis_titles[1] or "mean"
        else:
            draw_steps(self.plot, Series(edges, stored.values, stored.name, filled=True), log_y)
            draw_errors(self.plot, centres, stored.values, stored.errors, log_y)
            y_title = stored.axis_titles[1] or "entries"
        finish_plot(self.plot, f"{label} ({stored.classname})", x_title, y_title)
        self._stack.setCurrentWidget(self.plot)

    # -- before and after the cut ---------------------------------------------------------------

    def request_uncut(self) -> None:
        """Read the preview entries again without the cut, when the option is on and a cut is set."""
        self._uncut = None
        window = self.main_window
        result = window.preview_result if window is not None else None
        if (
            window is None
            or result is None
            or window.catalog is None
            or not self.controls.uncut_box.isChecked()
        ):
            self.runner.drop(UNCUT_LANE)
            return
        recipe = result.job.recipe
        if not recipe.cut.strip():
            self.runner.drop(UNCUT_LANE)
            self.controls.show_status("The recipe has no cut; the plot shows the preview as it is.")
            return
        uncut = dataclasses.replace(recipe, cut="")
        events = window.settings.preview_box.value()
        self.runner.submit(
            UNCUT_LANE,
            plot_tasks.preview_chunk_task(uncut, window.catalog, events),
            self._on_uncut,
            self._on_uncut_failed,
        )

    def _uncut_columns(self, columns: list[str]) -> list[tuple[str, np.ndarray, Any]]:
        if self._uncut is None or not self.controls.uncut_box.isChecked():
            return []
        result = []
        for name in columns:
            data = self._column_data(name)
            if name in self._uncut.columns and data is not None:
                result.append((name, self._uncut.columns[name], data[1]))
        return result

    def _on_uncut(self, chunk: FlatChunk) -> None:
        self._uncut = chunk
        self.redraw()
        self.uncut_ready.emit()

    def _on_uncut_failed(self, error: BaseException, details: str) -> None:
        if not isinstance(error, Cancelled):
            self.controls.show_status(f"No comparison without the cut: {error}")

    # -- all entries ----------------------------------------------------------------------------

    def compute_full_data(self) -> bool:
        """Count the drawn column over all entries of the recipe; return True when it started."""
        window = self.main_window
        preview = self.histogram
        if window is None or window.catalog is None or preview is None or self._mode != "columns":
            self.controls.show_status("Select one column of the preview table first.")
            return False
        if len(self.histograms) > 1 or self.controls.two_d_box.isChecked():
            self.controls.show_status("Full data works on one column; select a single column.")
            return False
        if self.uncut_histograms:
            self.controls.show_status("Untick Compare without cut first: that comparison covers the preview only.")
            return False

        try:
            recipe = window.recipe()
        except RootableError as exc:
            self.controls.show_status(f"Cannot read all entries: {exc}")
            return False

        data = self._column_data(preview.name)
        fill = data[1] if data is not None else None
        task = plot_tasks.full_histogram_task(
            recipe,
            window.catalog,
            preview.name,
            preview.edges,
            fill,
            self.controls.exclude_box.isChecked(),
        )

        self.full = None
        self._full_exclude = self.controls.exclude_box.isChecked()
        self.controls.progress_bar.setRange(0, 0)
        self.controls.show_running(True)
        self.runner.submit(
            FULL_LANE, task, self._on_full, self._on_full_failed, self._on_full_progress
        )
        return True

    def cancel_full_data(self) -> None:
        """Stop the full-data histogram between chunks; the preview histogram stays."""
        self.controls.cancel_button.setEnabled(False)
        self.runner.cancel(FULL_LANE)

    def _on_full_progress(self, done: int, total: int) -> None:
        self.controls.progress_bar.setRange(0, max(total, 1))
        self.controls.progress_bar.setValue(done)

    def _on_full(self, result: Histogram) -> None:
        self.controls.show_running(False)
        self.full = result
        self.redraw()
        self.full_finished.emit(result)

    def _on_full_failed(self, error: BaseException, details: str) -> None:
        self.controls.show_running(False)
        if isinstance(error, Cancelled):
            self.controls.show_status("Full data cancelled; the plot shows the preview.")
        else:
            self.controls.show_status(f"Full data failed: {error}")
            dialogs.show_error(self, "Cannot histogram all entries", error, details)
        self.full_stopped.emit(str(error))

    # -- stored histograms ----------------------------------------------------------------------

    def _on_stored(self, stored: StoredHistogram) -> None:
        self.stored = stored
        try:
            self._draw_stored(stored)
        except RootableError as exc:
            self.show_message(str(exc))
        self.stored_ready.emit(stored)

    def _on_stored_failed(self, error: BaseException, details: str) -> None:
        if isinstance(error, Cancelled):
            return
        self.show_message(f"Cannot draw the histogram: {error}")
        self.stored_failed.emit(str(error))

    # -- saving ---------------------------------------------------------------------------------

    def save_plot(self, path: str | os.PathLike[str] | None = None) -> bool:
        """Save the shown plot as PNG or SVG by the suffix of ``path`` (asked for when None).

        The image is rendered here and written to the file in a worker; ``plot_saved``
        follows with the path. Return True when the write started.
        """
        shown = self._stack.currentWidget()
        if shown is self.message:
            self.controls.show_status("Nothing to save: draw a histogram first.")
            return False
        if path is None:
            path = self._ask_plot_path()
            if not path:
                return False
        target = Path(path)
        kind = PLOT_FORMATS.get(target.suffix.lower())
        if kind is None:
            self.controls.show_status(f"Cannot save {target.name}: use the suffix .png or .svg")
            return False
        data = render_png(shown) if kind == "PNG" else render_svg(shown, self._plot_title(shown))
        self.runner.submit(
            SAVE_LANE,
            plot_tasks.write_bytes_task(os.fspath(target), data),
            self.plot_saved.emit,
            lambda error, details: dialogs.show_error(self, "Cannot save the plot", error, details),
        )
        return True

    def _ask_plot_path(self) -> str:
        folder = (
            str(Path(self.main_window.inputs[0]).parent)
            if self.main_window is not None and self.main_window.inputs
            else ""
        )
        name = (self.column or (self.stored.name if self.stored else "plot")) + ".png"
        path, chosen = QFileDialog.getSaveFileName(
            self, "Save Plot", str(Path(folder) / name), _FILE_FILTERS
        )
        if path and not Path(path).suffix:
            path += ".svg" if chosen.startswith("SVG") else ".png"
        return path

    @staticmethod
    def _plot_title(plot: pg.PlotWidget) -> str:
        return str(plot.getPlotItem().titleLabel.text or "rootable plot")

    # -- window events --------------------------------------------------------------------------

    def _on_preview(self, result: PreviewResult) -> None:
        self.full = None
        names = [name for name, values in result.chunk.columns.items() if values.dtype != object]
        self.controls.set_columns(names)
        self.request_uncut()

    def _on_catalog(self, _catalog: object) -> None:
        for lane in (UNCUT_LANE, FULL_LANE, STORED_LANE):
            self.runner.drop(lane)
        self.controls.show_running(False)
        self.controls.show_status("")
        self.controls.set_columns([])
        self._set_mode("columns")
        self.column = ""
        self._values = {}
        self._uncut = None
        self.full = None
        self.stored = None

    def _on_table_selection(self) -> None:
        if self._mode == "columns" and self.column:
            self.redraw()

    def _on_tree_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        window = self.main_window
        if window is None or window.catalog is None:
            return
        node = window.filter_model.data(current, NODE_ROLE)
        entry = node.catalog_node if node is not None and node.kind == "object" else None
        if entry is None or not entry.classname.startswith(_STORED_PREFIXES):
            return
        if stored_reader(entry.classname) is None:
            self._set_mode("stored")
            self.stored = None
            self.show_message(
                f"{entry.name} is a {entry.classname}: not supported yet (the panel draws TH1, TH2 and TProfile)."
            )
            return
        self.show_stored(window.catalog.file_path, entry.path)
