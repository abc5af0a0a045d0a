"""Table model over the flat preview columns: one row per event, cells formatted on demand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from rootable.core.flatten import FlatChunk
from rootable.gui import theme

AnyIndex = QModelIndex | QPersistentModelIndex


class FlatTableModel(QAbstractTableModel):
    """Shows a FlatChunk; ``sort`` reorders rows through a permutation, never the data."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._columns: list[np.ndarray] = []
        self._fills: list[Any] = []
        self._order: np.ndarray = np.zeros(0, dtype=np.int64)

    def set_chunk(self, chunk: FlatChunk | None, fills: dict[str, Any] | None = None) -> None:
        """Show ``chunk``; ``fills`` maps a column name to its fill value, drawn in grey."""
        self.beginResetModel()
        columns = chunk.columns if chunk is not None else {}
        self._names = list(columns)
        self._columns = list(columns.values())
        fills = fills or {}
        self._fills = [fills.get(name) for name in self._names]
        self._order = np.arange(chunk.num_rows if chunk is not None else 0, dtype=np.int64)
        self.endResetModel()

    @property
    def column_names(self) -> list[str]:
        return list(self._names)

    def column_values(self, name: str) -> np.ndarray:
        """Return a column in event order, whatever the current sort."""
        return self._columns[self._names.index(name)]

    def column_fill(self, name: str) -> Any:
        """Return the fill value of a padded column, or None for a column that is never padded."""
        return self._fills[self._names.index(name)]

    def cell_value(self, row: int, column: int) -> Any:
        """Return the raw value shown at (``row``, ``column``), whatever the current sort."""
        return self._columns[column][self._order[row]]

    def preview_row(self, row: int) -> int:
        """Return the position in the preview (event order) of the row shown at ``row``."""
        return int(self._order[row])

    def view_row(self, preview_row: int) -> int:
        """Return the shown row of a preview position, which differs from it once sorted."""
        matches = np.flatnonzero(self._order == preview_row)
        return int(matches[0]) if len(matches) else -1

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._names)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return format_value(self._value(index))
        if role == Qt.ItemDataRole.ForegroundRole and self._is_fill(index):
            return QBrush(theme.fill_color())
        if role == Qt.ItemDataRole.TextAlignmentRole and self._columns[index.column()].dtype != object:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self._names[section]
            return str(int(self._order[section]))
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return f"{self._names[section]} ({self._columns[section].dtype})"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        self.layoutAboutToBeChanged.emit()
        self._order = sort_order(self._columns[column], order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()

    def _value(self, index: AnyIndex) -> Any:
        return self._columns[index.column()][self._order[index.row()]]

    def _is_fill(self, index: AnyIndex) -> bool:
        fill = self._fills[index.column()]
        if fill is None:
            return False
        value = self._value(index)
        if isinstance(fill, float) and math.isnan(fill):
            return isinstance(value, (float, np.floating)) and math.isnan(value)
        return bool(value == fill)


def sort_order(values: np.ndarray, descending: bool) -> np.ndarray:
    """Return the row order that sorts ``values``; NaN and missing text go last either way."""
    if values.dtype == object:
        keys = np.array(["" if v is None else str(v) for v in values], dtype=object)
        order = np.argsort(keys, kind="stable")
        return order[::-1].copy() if descending else order
    if values.dtype.kind != "f":
        order = np.argsort(values, kind="stable")
        return order[::-1].copy() if descending else order
    missing = np.isnan(values)
    present = np.flatnonzero(~missing)
    ranked = present[np.argsort(values[present], kind="stable")]
    if descending:
        ranked = ranked[::-1]
    return np.concatenate([ranked, np.flatnonzero(missing)])


def format_value(value: Any) -> str:
    """Format one cell: floats with 6 significant digits, booleans as true/false."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
