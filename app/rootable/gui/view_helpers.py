"""Widget factories of the main window: the tree and table views, layouts, timers, drops."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
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


#: Keys that text boxes keep for editing even where a window action has the same shortcut.
EDITING_KEYS = (
    QKeySequence.StandardKey.Copy,
    QKeySequence.StandardKey.Cut,
    QKeySequence.StandardKey.Paste,
    QKeySequence.StandardKey.Undo,
    QKeySequence.StandardKey.Redo,
    QKeySequence.StandardKey.SelectAll,
)


class WindowShortcutsFirst(QObject):
    """Lets the window's menu shortcuts work while a text box has the focus.

    Qt's line edits claim some control keys for editing, such as Ctrl+E ("end of line") on
    Linux, which would keep Ctrl+E from exporting while the cursor is in the cut box. This
    filter hides those keys from the line edits, except the usual editing keys (copy, paste,
    undo, ...).
    """

    def __init__(self, window: QWidget, sequences: list[QKeySequence]) -> None:
        super().__init__(window)
        editing = [key for standard in EDITING_KEYS for key in QKeySequence.keyBindings(standard)]
        self._sequences = [s for s in sequences if not s.isEmpty() and s not in editing]
        for edit in window.findChildren(QLineEdit):
            edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if QKeySequence(event.keyCombination()) in self._sequences:
                # An ignored shortcut override lets the shortcut fire.
                event.ignore()
                return True
        return False
