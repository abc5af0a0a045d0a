"""The main window: the file's tree on the left, the flat preview and a histogram on the right.

Everything the user chooses here maps to one ``Recipe`` (``MainWindow.recipe``), which the
preview and the export both run through the core pipeline.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from rootable.core.catalog import Catalog
from rootable.core.errors import Cancelled, RecipeError
from rootable.core.pipeline import ExportResult
from rootable.core.recipe import Recipe
from rootable.core.report import human_bytes, truncation_sentences
from rootable.gui import dialogs, tasks
from rootable.gui.branch_model import (
    DEPTH,
    ENTRIES,
    NAME,
    NODE_ROLE,
    TITLE,
    TYPE,
    BranchFilterModel,
    BranchModel,
    DepthDelegate,
    Node,
)
from rootable.gui.histogram_view import HistogramView
from rootable.gui.settings_bar import SettingsBar
from rootable.gui.table_model import FlatTableModel
from rootable.gui.workers import TaskRunner

log = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 250
FILTER_DELAY_MS = 120
APP_NAME = "rootable"


class MainWindow(QMainWindow):
    """Browse a ROOT file, choose branches and depths, preview the flat table and export it."""

    catalog_loaded = Signal(object)
    open_failed = Signal(str)
    preview_ready = Signal(object)
    preview_failed = Signal(str)
    export_finished = Signal(object)
    export_stopped = Signal(str)
    """Emitted with the reason when an export is cancelled or fails; no file is left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = TaskRunner(self)
        self.inputs: list[str] = []
        self.catalog: Catalog | None = None
        self.preview_result: tasks.PreviewResult | None = None
        self._histogram_source: tuple[str, str] = ("", "")
        self._build_widgets()
        self._build_actions()
        self._lay_out()
        self._connect()
        self._update_title()
        self._set_preview_message("Open a ROOT file and tick branches to preview the flat table.")

    # -- building -----------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.branch_model = BranchModel(self)
        self.filter_model = BranchFilterModel(self)
        self.filter_model.setSourceModel(self.branch_model)
        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText("Filter branches by name or title")
        self.filter_box.setClearButtonEnabled(True)
        self.tree_view = _make_tree_view(self.filter_model)
        self.settings = SettingsBar()
        self.table_model = FlatTableModel(self)
        self.table_view = _make_table_view(self.table_model)
        self.preview_label = QLabel()
        self.truncation_label = QLabel()
        self.truncation_label.setWordWrap(True)
        self.truncation_label.setStyleSheet("color: #8a5a00;")
        self.export_label = QLabel()
        self.export_label.setWordWrap(True)
        self.export_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.histogram_view = HistogramView()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.cancel_button = QPushButton("Cancel")
        self.preview_timer = _single_shot(self, PREVIEW_DELAY_MS, self.start_preview)
        self.filter_timer = _single_shot(self, FILTER_DELAY_MS, self._apply_filter)

    def _build_actions(self) -> None:
        self.open_action = QAction("&Open…", self, shortcut=QKeySequence(QKeySequence.StandardKey.Open))
        self.open_action.setToolTip("Open a ROOT file (Ctrl+O)")
        self.export_action = QAction("&Export…", self, shortcut=QKeySequence("Ctrl+E"))
        self.export_action.setToolTip("Write the flat table of all entries to a file (Ctrl+E)")
        self.export_action.setEnabled(False)
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence(QKeySequence.StandardKey.Quit))
        menu = self.menuBar().addMenu("&File")
        for action in (self.open_action, self.export_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main toolbar")
        toolbar.setMovable(False)
        toolbar.addAction(self.open_action)
        toolbar.addAction(self.export_action)
        toolbar.addSeparator()
        toolbar.addWidget(self.settings)

    def _lay_out(self) -> None:
        left = _column(self.filter_box, self.tree_view)
        preview = _column(self.preview_label, self.truncation_label, self.table_view, self.export_label)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(preview)
        right.addWidget(self.histogram_view)
        right.setSizes([520, 300])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([560, 760])
        self.setCentralWidget(splitter)
        status = self.statusBar()
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)
        self._show_export_controls(False)
        self.resize(1380, 860)

    def _connect(self) -> None:
        self.open_action.triggered.connect(self.ask_open)
        self.export_action.triggered.connect(lambda: self.export())
        self.quit_action.triggered.connect(self.close)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.filter_box.textChanged.connect(lambda _text: self.filter_timer.start())
        self.branch_model.selection_changed.connect(self.schedule_preview)
        self.settings.changed.connect(self._on_settings_changed)
        self.tree_view.selectionModel().currentChanged.connect(self._on_tree_current)
        self.table_view.selectionModel().currentChanged.connect(self._on_table_current)

    # -- opening ------------------------------------------------------------------------------

    def ask_open(self) -> None:
        folder = str(Path(self.inputs[0]).parent) if self.inputs else ""
        paths = dialogs.ask_open_paths(self, folder)
        if paths:
            self.open_files(paths)

    def open_files(self, paths: list[str]) -> None:
        """Open the first file off the GUI thread; all files are read in order on export."""
        paths = [os.fspath(p) for p in paths]
        self.statusBar().showMessage(f"Opening {paths[0]}…")
        self.runner.submit(
            "open",
            tasks.open_task(paths[0]),
            lambda catalog: self._on_catalog(paths, catalog),
            lambda error, details: self._on_open_failed(paths[0], error, details),
        )

    def _on_catalog(self, paths: list[str], catalog: Catalog) -> None:
        self.runner.drop("preview")
        self.inputs = paths
        self.catalog = catalog
        self.preview_result = None
        self.table_model.set_chunk(None)
        self.histogram_view.show_message("Select a column in the table or a ticked branch in the tree.")
        self.branch_model.set_catalog(catalog)
        self._expand_to_trees()
        self._update_title()
        self.export_action.setEnabled(True)
        count = sum(len(t.branches) for t in catalog.trees)
        self.statusBar().showMessage(f"Opened {catalog.file_path}: {len(catalog.trees)} trees, {count:,} branches")
        self._set_preview_message("Tick branches or collections in the tree to preview the flat table.")
        self.catalog_loaded.emit(catalog)

    def _on_open_failed(self, path: str, error: BaseException, details: str) -> None:
        self.statusBar().showMessage(f"Cannot open {path}")
        self.open_failed.emit(str(error))
        dialogs.show_error(self, f"Cannot open {Path(path).name}", error, details)

    def _expand_to_trees(self) -> None:
        self.tree_view.collapseAll()
        self._expand_below(QModelIndex())
        for column, width in ((NAME, 220), (TYPE, 90), (DEPTH, 48), (ENTRIES, 56)):
            self.tree_view.setColumnWidth(column, width)

    def _expand_below(self, parent: QModelIndex) -> None:
        for row in range(self.filter_model.rowCount(parent)):
            index = self.filter_model.index(row, NAME, parent)
            node = self.filter_model.data(index, NODE_ROLE)
            if node is not None and node.kind in ("file", "directory", "tree"):
                self.tree_view.expand(index)
                self._expand_below(index)

    def _update_title(self) -> None:
        if not self.inputs:
            self.setWindowTitle(APP_NAME)
            return
        name = Path(self.inputs[0]).name
        more = f" (+{len(self.inputs) - 1} more)" if len(self.inputs) > 1 else ""
        self.setWindowTitle(f"{name}{more} — {APP_NAME}")

    # -- the recipe ---------------------------------------------------------------------------

    def recipe(self) -> Recipe:
        """Return the recipe of what the window shows; raise RecipeError for an invalid setting."""
        tree = self.branch_model.active_tree
        keys = self.branch_model.checked_keys()
        inner = {}
        if tree is not None:
            inner = {k: self.branch_model.inner_depth(k) for k in keys if tree.by_key[k].var_dims == 2}
        return Recipe(
            inputs=list(self.inputs),
            tree=tree.path_string if tree is not None else None,
            branches=keys,
            depth=self.settings.depth_box.value(),
            depths=self.branch_model.depths(),
            inner_depths=inner,
            fill=self.settings.fill_values(),
        )

    # -- preview ------------------------------------------------------------------------------

    def schedule_preview(self) -> None:
        """Refresh the preview once the user pauses; each change restarts the delay."""
        self.preview_timer.start()

    def start_preview(self) -> None:
        if self.catalog is None:
            return
        if not self.branch_model.checked_keys():
            self.runner.drop("preview")
            self.preview_result = None
            self.table_model.set_chunk(None)
            self._set_preview_message("Tick branches or collections in the tree to preview the flat table.")
            return
        try:
            recipe = self.recipe()
        except RecipeError as exc:
            self._set_preview_message(f"No preview: {exc}", error=True)
            return
        events = self.settings.preview_box.value()
        self.preview_label.setText(f"Reading the first {events:,} events…")
        self.runner.submit(
            "preview",
            tasks.preview_task(recipe, self.catalog, events),
            self._on_preview,
            self._on_preview_failed,
        )

    def _on_preview(self, result: tasks.PreviewResult) -> None:
        self.preview_result = result
        self.table_model.set_chunk(result.chunk, result.fills)
        self._keep_sort()
        chunk = result.chunk
        self.preview_label.setText(
            f"Preview: {chunk.num_rows:,} events, {len(chunk.columns):,} columns ({result.seconds:.2f} s)"
        )
        self.preview_label.setStyleSheet("")
        depths = {c.name: c.depth for c in result.job.plan.collections}
        sentences = truncation_sentences(chunk.truncated, chunk.num_rows, depths)
        self.truncation_label.setText("\n".join(sentences))
        self.truncation_label.setVisible(bool(sentences))
        self._redraw_histogram()
        self.preview_ready.emit(result)

    def _keep_sort(self) -> None:
        header = self.table_view.horizontalHeader()
        section = header.sortIndicatorSection()
        if 0 <= section < self.table_model.columnCount():
            self.table_model.sort(section, header.sortIndicatorOrder())

    def _on_preview_failed(self, error: BaseException, details: str) -> None:
        if isinstance(error, Cancelled):
            return
        self._set_preview_message(f"No preview: {error}", error=True)
        self.preview_failed.emit(str(error))

    def _set_preview_message(self, text: str, error: bool = False) -> None:
        self.preview_label.setText(text)
        self.preview_label.setStyleSheet("color: #b00020;" if error else "")
        self.truncation_label.clear()
        self.truncation_label.setVisible(False)

    def _on_settings_changed(self) -> None:
        self.branch_model.set_global_depth(self.settings.depth_box.value())
        self.schedule_preview()

    # -- histograms ---------------------------------------------------------------------------

    def show_histogram(self, column: str) -> None:
        """Draw the histogram of a preview column over the previewed events."""
        self._histogram_source = ("column", column)
        self._redraw_histogram()

    def show_branch_histogram(self, key: str) -> None:
        """Draw the histogram of a branch's first column, e.g. ``Jet_pt_0`` for ``Jet_pt``."""
        self._histogram_source = ("branch", key)
        self._redraw_histogram()

    def _redraw_histogram(self) -> None:
        kind, name = self._histogram_source
        if not name:
            return
        result = self.preview_result
        column = name
        if kind == "branch":
            columns = result.branch_columns.get(name) if result is not None else None
            if not columns:
                self.histogram_view.show_message(f"Tick {name} to see its histogram over the preview.")
                return
            column = columns[0]
        if result is None or column not in result.chunk.columns:
            self.histogram_view.show_message(f"{column} is not in the preview.")
            return
        self.histogram_view.show_column(column, result.chunk.columns[column], result.fills.get(column))

    def _on_tree_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        node: Node | None = self.filter_model.data(current, NODE_ROLE)
        if node is not None and node.kind == "branch" and node.branch is not None:
            self.show_branch_histogram(node.branch.key)

    def _on_table_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.show_histogram(self.table_model.column_names[current.column()])

    # -- export -------------------------------------------------------------------------------

    def export(self, path: str | None = None) -> bool:
        """Export all entries to ``path`` (asked for when None); return True when it started."""
        if self.catalog is None or self.runner.is_busy("export"):
            return False
        try:
            recipe = self.recipe()
            if not recipe.branches:
                raise RecipeError("no branches ticked; tick at least one branch to export")
        except RecipeError as exc:
            dialogs.show_error(self, "Cannot export", exc)
            return False
        if path is None:
            path = dialogs.ask_export_path(self, str(Path(self.inputs[0]).parent))
            if path is None:
                return False
        self._start_export(recipe, os.fspath(path))
        return True

    def _start_export(self, recipe: Recipe, path: str) -> None:
        assert self.catalog is not None
        self.export_label.clear()
        self.progress_bar.setRange(0, 0)
        self._show_export_controls(True)
        self.statusBar().showMessage(f"Exporting to {path}…")
        self.runner.submit(
            "export",
            tasks.export_task(recipe, self.catalog, path),
            self._on_export_done,
            lambda error, details: self._on_export_failed(path, error, details),
            self._on_export_progress,
        )

    def cancel_export(self) -> None:
        """Stop a running export between chunks; the partial file is removed."""
        self.cancel_button.setEnabled(False)
        self.statusBar().showMessage("Cancelling the export…")
        self.runner.cancel("export")

    def _on_export_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    def _on_export_done(self, result: ExportResult) -> None:
        self._show_export_controls(False)
        summary = (
            f"Wrote {result.path}: {result.rows:,} rows, {result.columns:,} columns, "
            f"{human_bytes(result.bytes)} in {result.seconds:.2f} s"
        )
        self.statusBar().showMessage(summary)
        self.export_label.setText(summary)
        self.export_finished.emit(result)

    def _on_export_failed(self, path: str, error: BaseException, details: str) -> None:
        self._show_export_controls(False)
        if isinstance(error, Cancelled):
            self.statusBar().showMessage(f"Export cancelled; {path} was not written")
            self.export_stopped.emit("cancelled")
            return
        self.statusBar().showMessage(f"Export to {path} failed")
        self.export_stopped.emit(str(error))
        dialogs.show_error(self, "Export failed", error, details)

    def _show_export_controls(self, running: bool) -> None:
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.export_action.setEnabled(not running and self.catalog is not None)

    # -- filtering and closing ----------------------------------------------------------------

    def _apply_filter(self) -> None:
        text = self.filter_box.text()
        self.filter_model.set_text(text)
        if text.strip():
            self.tree_view.expandAll()
        else:
            self._expand_to_trees()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.preview_timer.stop()
        self.filter_timer.stop()
        self.runner.close()
        super().closeEvent(event)


def _make_tree_view(model: Any) -> QTreeView:
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


def _make_table_view(model: FlatTableModel) -> QTableView:
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


def _column(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(2, 2, 2, 2)
    for widget in widgets:
        layout.addWidget(widget)
    return holder


def _single_shot(parent: QWidget, delay_ms: int, slot: Any) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(delay_ms)
    timer.timeout.connect(slot)
    return timer
