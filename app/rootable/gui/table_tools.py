"""Tools for the preview table: per-column statistics, copying cells, and jumping to an entry."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTableView,
    QToolButton,
    QWidget,
)

from rootable.gui.table_model import FlatTableModel, format_value

AnyIndex = QModelIndex | QPersistentModelIndex
STATISTICS_HEADERS = ("Column", "Type", "Min", "Max", "Mean", "Std", "Fill fraction")


@dataclass(frozen=True)
class ColumnSummary:
    """Statistics of one preview column; fill values and NaN are left out of the numbers."""

    name: str
    dtype: str
    rows: int
    fill_fraction: float | None
    """Fraction of rows holding the fill value; None for a column that is never padded."""
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    std: float | None = None
    """Population standard deviation (ddof=0), as ``numpy.std`` computes by default."""


def summarize_column(name: str, values: np.ndarray, fill: Any) -> ColumnSummary:
    """Compute min, max, mean, std and the fill fraction of one column.

    Rows equal to ``fill`` (NaN matches NaN) count towards the fill fraction and are left out of
    the other numbers, as are NaN values. Text columns get only the row count.
    """
    rows = len(values)
    if values.dtype == object:
        return ColumnSummary(name, "text", rows, None)
    is_fill = _fill_mask(values, fill)
    fraction: float | None = None
    if fill is not None:
        fraction = float(is_fill.mean()) if rows else 0.0
    numbers = values[~is_fill].astype(np.float64)
    numbers = numbers[~np.isnan(numbers)]
    if len(numbers) == 0:
        return ColumnSummary(name, str(values.dtype), rows, fraction)
    return ColumnSummary(
        name,
        str(values.dtype),
        rows,
        fraction,
        minimum=float(numbers.min()),
        maximum=float(numbers.max()),
        mean=float(numbers.mean()),
        std=float(numbers.std()),
    )


def _fill_mask(values: np.ndarray, fill: Any) -> np.ndarray:
    if fill is None:
        return np.zeros(len(values), dtype=bool)
    if isinstance(fill, float) and math.isnan(fill):
        if values.dtype.kind != "f":
            return np.zeros(len(values), dtype=bool)
        return np.isnan(values)
    return np.asarray(values == fill, dtype=bool)


def summarize_columns(columns: dict[str, np.ndarray], fills: dict[str, Any]) -> list[ColumnSummary]:
    """Summarize every column of a preview, in column order."""
    return [summarize_column(name, values, fills.get(name)) for name, values in columns.items()]


def statistics_task(columns: dict[str, np.ndarray], fills: dict[str, Any]) -> Callable[..., list[ColumnSummary]]:
    """Return a task function for ``TaskRunner`` that summarizes the preview off the GUI thread."""

    def run(cancelled: Callable[[], bool], progress: Callable[[int, int], None]) -> list[ColumnSummary]:
        return summarize_columns(columns, fills)

    return run


class StatisticsModel(QAbstractTableModel):
    """One row per preview column with its statistics."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.summaries: list[ColumnSummary] = []

    def set_summaries(self, summaries: list[ColumnSummary]) -> None:
        self.beginResetModel()
        self.summaries = list(summaries)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.summaries)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(STATISTICS_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return STATISTICS_HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(STATISTICS_HEADERS[section])
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        summary = self.summaries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _statistics_cell(summary, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


_HEADER_TIPS = {
    "Min": "Smallest value over the previewed rows; fill values and NaN are left out",
    "Max": "Largest value over the previewed rows; fill values and NaN are left out",
    "Mean": "Mean over the previewed rows; fill values and NaN are left out",
    "Std": "Population standard deviation (ddof=0); fill values and NaN are left out",
    "Fill fraction": "Fraction of previewed rows holding the fill value; empty for unpadded columns",
}


def _statistics_cell(summary: ColumnSummary, column: int) -> str:
    if column == 0:
        return summary.name
    if column == 1:
        return summary.dtype
    if column == 6:
        return "" if summary.fill_fraction is None else f"{summary.fill_fraction:.1%}"
    value = (summary.minimum, summary.maximum, summary.mean, summary.std)[column - 2]
    return "" if value is None else f"{value:.6g}"


def make_statistics_view(model: StatisticsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    view.horizontalHeader().setStretchLastSection(True)
    view.setColumnWidth(0, 160)
    return view


# -- copying --------------------------------------------------------------------------------


def selection_as_text(view: QTableView) -> str:
    """Return the selected cells as tab-separated text: a header row, then one line per row.

    Rows and columns keep the order shown (a sorted table copies in sorted order). In a
    selection that is not a rectangle, unselected cells inside its bounds stay empty.
    Values are written at full precision, not in the 6 digits the table shows.
    """
    model = view.model()
    indexes = view.selectionModel().selectedIndexes()
    if not indexes or not isinstance(model, FlatTableModel):
        return ""
    rows = sorted({index.row() for index in indexes})
    columns = sorted({index.column() for index in indexes})
    selected = {(index.row(), index.column()) for index in indexes}
    names = model.column_names
    lines = ["\t".join(names[column] for column in columns)]
    for row in rows:
        cells = [
            exact_text(model.cell_value(row, column)) if (row, column) in selected else ""
            for column in columns
        ]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def exact_text(value: Any) -> str:
    """Format a cell so that reading the text back gives the same value."""
    if isinstance(value, (float, np.floating)):
        # str() of NumPy 1.14+ floats is the shortest text that reads back as the same value.
        return str(value)
    return format_value(value)


# -- jump to entry --------------------------------------------------------------------------


class JumpBar(QWidget):
    """A small bar under the table: "Jump to entry [N]"; Enter jumps, Escape closes it."""

    jump_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry_box = QSpinBox()
        self.entry_box.setRange(0, 2**31 - 1)
        self.entry_box.setGroupSeparatorShown(True)
        self.entry_box.setMinimumWidth(120)
        self.entry_box.setToolTip("Entry number of the event; Enter jumps to its row, Escape closes")
        self.message = QLabel()
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close (Escape)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Jump to &entry")
        label.setBuddy(self.entry_box)
        layout.addWidget(label)
        layout.addWidget(self.entry_box)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.close_button)
        self.entry_box.lineEdit().returnPressed.connect(self._request)
        self.close_button.clicked.connect(self.hide)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.hide)
        self.hide()

    def open(self) -> None:
        self.message.clear()
        self.show()
        self.entry_box.setFocus()
        self.entry_box.selectAll()

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def _request(self) -> None:
        self.entry_box.interpretText()
        self.jump_requested.emit(self.entry_box.value())


def preview_row_of_entry(chunk_columns: dict[str, np.ndarray], entry_column: str, entry_start: int, has_cut: bool, entry: int) -> int | None:
    """Return the preview row (event order) of ``entry``, or None when the preview lacks it.

    With an entry column in the preview the row is looked up there. Without one, row N is
    entry ``entry_start + N``, which holds only when no cut removed rows, so under a cut the
    entry number cannot be found and None is returned.
    """
    if entry_column and entry_column in chunk_columns:
        matches = np.flatnonzero(chunk_columns[entry_column] == entry)
        return int(matches[0]) if len(matches) else None
    if has_cut:
        return None
    row = entry - entry_start
    rows = len(next(iter(chunk_columns.values()))) if chunk_columns else 0
    return row if 0 <= row < rows else None


def select_row(view: QTableView, model: FlatTableModel, preview_row: int) -> None:
    """Select the shown row of a preview row and scroll it to the middle of the view."""
    row = model.view_row(preview_row)
    if row < 0:
        return
    index = model.index(row, max(view.currentIndex().column(), 0))
    view.setCurrentIndex(index)
    view.selectRow(row)
    view.scrollTo(index, QTableView.ScrollHint.PositionAtCenter)
