"""Widget factories of the main window: the tree and table views, layouts, timers, drops."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from rootable.gui.branch_model import DEPTH, TITLE, DepthDelegate
from rootable.gui.table_model import FlatTableModel


def make_tree_view(model: Any) -> QTreeView:
    view = QTreeView()
    view.setModel(model)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setItemDelegateForColumn(DEPTH, DepthDelegate(view))
    view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.SelectedClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
    )
    view.header().setStretchLastSection(True)
    view.header().setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
    return view


def make_table_view(model: FlatTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    # The table opens in event order; sorting starts with the first header click.
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)
    view.verticalHeader().setDefaultSectionSize(22)
    view.horizontalHeader().setDefaultSectionSize(90)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    return view


def fit_header_widths(view: QTableView, minimum: int = 90) -> None:
    """Widen each column to its header text, so names such as Jet_btagDeepB_0 show whole.

    Measuring the header alone avoids formatting every cell, which
    QHeaderView.ResizeToContents would do for hundreds of columns.
    """
    header = view.horizontalHeader()
    metrics = header.fontMetrics()
    model = view.model()
    for column in range(model.columnCount()):
        text = str(model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        header.resizeSection(column, max(minimum, metrics.horizontalAdvance(text) + 24))


def stack_vertically(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(2, 2, 2, 2)
    for widget in widgets:
        layout.addWidget(widget)
    return holder


def single_shot(parent: QWidget, delay_ms: int, slot: Any) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(delay_ms)
    timer.timeout.connect(slot)
    return timer


def dropped_root_files(mime: Any) -> list[str]:
    """Return the local ``.root`` files among dropped URLs, in drop order."""
    if not mime.hasUrls():
        return []
    paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.lower().endswith(".root")]
