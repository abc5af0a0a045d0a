"""The main window: the file's tree on the left, the flat preview and its side panels on the right.

Everything the user chooses here maps to one ``Recipe`` (``MainWindow.recipe``), which the
preview and the export both run through the core pipeline.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from rootable.core.catalog import Catalog
from rootable.core.errors import Cancelled, CutError, RecipeError
from rootable.core.recipe import DEFAULT_STEP_SIZE, Recipe
from rootable.core.report import plural, truncation_sentences
from rootable.core.selection import compile_cut
from rootable.gui import dialogs, export_actions, recipe_actions, tasks, theme
from rootable.gui.branch_model import (
    DEPTH,
    ENTRIES,
    NAME,
    NODE_ROLE,
    TYPE,
    BranchFilterModel,
    BranchModel,
    Node,
)
from rootable.gui.code_view import CodeView
from rootable.gui.depth_assistant import DepthAssistant
from rootable.gui.histogram_view import HistogramView
from rootable.gui.selection_panel import SelectionPanel
from rootable.gui.settings_bar import SettingsBar
from rootable.gui.table_model import FlatTableModel
from rootable.gui.view_helpers import (
    WindowShortcutsFirst,
    dropped_root_files,
    fit_header_widths,
    make_table_view,
    make_tree_view,
    single_shot,
    stack_vertically,
)
from rootable.gui.window_tools import WindowTools
from rootable.gui.workers import TaskRunner, collect_replaced_objects

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
    recipe_saved = Signal(str)
    recipe_applied = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = TaskRunner(self)
        self.inputs: list[str] = []
        self.catalog: Catalog | None = None
        self.preview_result: tasks.PreviewResult | None = None
        self.step_size = DEFAULT_STEP_SIZE
        """Entries per chunk on export; the GUI keeps the value of an opened recipe."""
        self._histogram_source: tuple[str, str] = ("", "")
        self._build_widgets()
        self._build_actions()
        self._lay_out()
        self._connect()
        self.tools = WindowTools(self)
        self.shortcuts_first = WindowShortcutsFirst(self, [action.shortcut() for action in self.findChildren(QAction)])
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
        self.tree_view = make_tree_view(self.filter_model)
        self.settings = SettingsBar()
        self.table_model = FlatTableModel(self)
        self.table_view = make_table_view(self.table_model)
        self.preview_label = QLabel()
        # Long messages (a schema problem lists every branch) wrap instead of widening the window.
        self.preview_label.setWordWrap(True)
        self.truncation_label = QLabel()
        self.truncation_label.setWordWrap(True)
        self.truncation_label.setStyleSheet(theme.warning_style())
        self.export_label = QLabel()
        self.export_label.setWordWrap(True)
        self.export_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.histogram_view = HistogramView(self.runner)

        self.selection_panel = SelectionPanel()
        self.depth_assistant = DepthAssistant(self.runner, self.branch_model)
        self.code_view = CodeView()
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.histogram_view, "Histogram")
        self.side_tabs.addTab(self.depth_assistant, "Depth assistant")
        self.side_tabs.addTab(self.code_view, "Code")

        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.cancel_button = QPushButton("Cancel")
        self.preview_timer = single_shot(self, PREVIEW_DELAY_MS, self.start_preview)
        self.filter_timer = single_shot(self, FILTER_DELAY_MS, self._apply_filter)

    def _build_actions(self) -> None:
        self.open_action = QAction("&Open…", self, shortcut=QKeySequence(QKeySequence.StandardKey.Open))
        self.open_action.setToolTip("Open a ROOT file (Ctrl+O)")
        self.export_action = QAction("&Export…", self, shortcut=QKeySequence("Ctrl+E"))
        self.export_action.setToolTip("Write the flat table of all entries to a file (Ctrl+E)")
        self.export_action.setEnabled(False)
        self.open_recipe_action = QAction("Open &Recipe…", self)
        self.open_recipe_action.setToolTip("Open a TOML recipe and restore its file and choices")
        self.save_recipe_action = QAction("&Save Recipe…", self, shortcut=QKeySequence("Ctrl+Shift+S"))
        self.save_recipe_action.setToolTip("Save every choice as a TOML recipe for rootable export --recipe")
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence(QKeySequence.StandardKey.Quit))
        self.about_action = QAction("&About rootable", self)
        menu = self.menuBar().addMenu("&File")
        for action in (self.open_action, self.open_recipe_action, self.save_recipe_action, self.export_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        self.menuBar().addMenu("&Help").addAction(self.about_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main toolbar")
        toolbar.setMovable(False)
        toolbar.addAction(self.open_action)
        toolbar.addAction(self.export_action)
        toolbar.addSeparator()
        toolbar.addWidget(self.settings)

    def _lay_out(self) -> None:
        left = stack_vertically(self.filter_box, self.tree_view)
        preview = stack_vertically(
            self.selection_panel, self.preview_label, self.truncation_label, self.table_view, self.export_label
        )
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(preview)
        right.addWidget(self.side_tabs)
        right.setSizes([500, 320])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([560, 760])
        self.setCentralWidget(splitter)
        status = self.statusBar()
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)
        self.show_export_controls(False)
        self.setAcceptDrops(True)
        self.resize(1380, 860)

    def _connect(self) -> None:
        self.open_action.triggered.connect(self.ask_open)
        self.export_action.triggered.connect(lambda: self.export())
        self.quit_action.triggered.connect(self.close)
        self.save_recipe_action.triggered.connect(lambda: self.save_recipe())
        self.open_recipe_action.triggered.connect(lambda: self.open_recipe())
        self.about_action.triggered.connect(self.show_about)
        self.selection_panel.changed.connect(self.schedule_preview)
        self.depth_assistant.sort_changed.connect(self.schedule_preview)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.filter_box.textChanged.connect(lambda _text: self.filter_timer.start())
        self.branch_model.selection_changed.connect(self.schedule_preview)
        self.settings.changed.connect(self._on_settings_changed)
        self.tree_view.selectionModel().currentChanged.connect(self._on_tree_current)
        self.table_view.selectionModel().currentChanged.connect(self._on_table_current)
        self.histogram_view.attach(self)

    # -- opening ------------------------------------------------------------------------------

    def ask_open(self) -> None:
        folder = str(Path(self.inputs[0]).parent) if self.inputs else ""
        paths = dialogs.ask_open_paths(self, folder)
        if paths:
            self.open_files(paths)

    def open_files(self, paths: list[str], on_opened: Callable[[], None] | None = None) -> None:
        """Open the first file off the GUI thread; all files are read in order on export.

        ``on_opened`` runs once the file's tree is shown, as when a recipe restores its choices.
        """
        paths = [os.fspath(p) for p in paths]
        self.statusBar().showMessage(f"Opening {paths[0]}…")
        self.runner.submit(
            "open",
            tasks.open_task(paths[0]),
            lambda catalog: self._on_catalog(paths, catalog, on_opened),
            lambda error, details: self._on_open_failed(paths[0], error, details),
        )

    def _on_catalog(self, paths: list[str], catalog: Catalog, on_opened: Callable[[], None] | None) -> None:
        replaced = self.catalog is not None
        self.runner.drop("preview")
        self.inputs = paths
        self.catalog = catalog
        self.preview_result = None
        self.step_size = DEFAULT_STEP_SIZE
        self.table_model.set_chunk(None)
        self.code_view.show_script("")
        self.depth_assistant.clear()
        self.selection_panel.show_cut_error("")
        self.histogram_view.show_message("Select a column in the table or a ticked branch in the tree.")
        self.branch_model.set_catalog(catalog)
        self._expand_to_trees()
        self._update_title()
        self.export_action.setEnabled(True)
        count = sum(len(t.branches) for t in catalog.trees)
        trees = plural(len(catalog.trees), "tree")
        self.statusBar().showMessage(f"Opened {catalog.file_path}: {trees}, {plural(count, 'branch')}")
        self._set_preview_message("Tick branches or collections in the tree to preview the flat table.")
        self.catalog_loaded.emit(catalog)
        if on_opened is not None:
            on_opened()
        if replaced:
            # After the new tree is drawn, free the replaced catalog, which the open task froze.
            QTimer.singleShot(0, collect_replaced_objects)

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

    def refresh_title(self) -> None:
        self._update_title()

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
        recipe = Recipe(
            inputs=list(self.inputs),
            tree=tree.path_string if tree is not None else None,
            branches=keys,
            depth=self.settings.depth_box.value(),
            depths=self.branch_model.depths(),
            inner_depths=inner,
            fill=self.settings.fill_values(),
            sort=self.depth_assistant.sort_keys(tree),
            step_size=self.step_size,
        )
        self.selection_panel.apply_to(recipe)
        recipe.labels = self.tools.labels()
        recipe.validate()
        return recipe

    def save_recipe(self, path: str | os.PathLike[str] | None = None) -> bool:
        """Save the recipe as TOML to ``path`` (asked for when None) in a worker."""
        if path is None:
            recipe_actions.ask_save_recipe(self)
            return True
        return recipe_actions.save_recipe(self, path)

    def open_recipe(self, path: str | os.PathLike[str] | None = None) -> None:
        """Open a TOML recipe (asked for when None) and restore its file and choices."""
        if path is None:
            recipe_actions.ask_open_recipe(self)
        else:
            recipe_actions.open_recipe(self, path)

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
            self.code_view.show_script("")
            self._set_preview_message("Tick branches or collections in the tree to preview the flat table.")
            return
        try:
            recipe = self.recipe()
        except RecipeError as exc:
            self._set_preview_message(f"No preview: {exc}", error=True)
            return
        if not self._check_cut(recipe):
            return
        events = self.settings.preview_box.value()
        self.preview_label.setText(f"Reading the first {events:,} events…")
        self.runner.submit(
            "preview",
            tasks.preview_task(recipe, self.catalog, events),
            self._on_preview,
            self._on_preview_failed,
        )

    def _check_cut(self, recipe: Recipe) -> bool:
        """Show an invalid cut under the cut box and return False; the last preview stays."""
        tree = self.branch_model.active_tree
        try:
            if tree is not None:
                compile_cut(recipe.cut, tree)
        except CutError as exc:
            self.runner.drop("preview")
            self.selection_panel.show_cut_error(str(exc))
            self._mark_preview_stale()
            return False
        self.selection_panel.show_cut_error("")
        return True

    def _on_preview(self, result: tasks.PreviewResult) -> None:
        self.preview_result = result
        self.code_view.show_script(result.script)
        self.table_model.set_chunk(result.chunk, result.fills)
        fit_header_widths(self.table_view)
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
        if isinstance(error, CutError):
            # A cut that compiles can still fail on the data (a wrong type); the table stays.
            self.selection_panel.show_cut_error(str(error))
            self._mark_preview_stale()
            self.preview_failed.emit(str(error))
            return
        self._set_preview_message(f"No preview: {error}", error=True)
        self.preview_failed.emit(str(error))

    def _mark_preview_stale(self) -> None:
        """Say that the table, kept on screen, is the preview of the last valid cut."""
        if self.preview_result is not None:
            self._set_preview_message(
                "Preview of the last valid cut: fix the cut to update it, or clear it.", error=True
            )

    def _set_preview_message(self, text: str, error: bool = False) -> None:
        self.preview_label.setText(text)
        self.preview_label.setStyleSheet(theme.error_style() if error else "")
        self.truncation_label.clear()
        self.truncation_label.setVisible(False)

    def _on_settings_changed(self) -> None:
        self.branch_model.set_global_depth(self.settings.depth_box.value())
        self.depth_assistant.show_depth()
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
        if node is None:
            return
        if node.kind == "branch" and node.branch is not None:
            self.show_branch_histogram(node.branch.key)
        self._show_collection_of(node)

    def _show_collection_of(self, node: Node) -> None:
        """Point the depth assistant at the collection of a collection or branch row."""
        if node.tree is None or node.kind not in ("collection", "branch"):
            return
        if node.kind == "collection":
            collection = node.name
        elif node.branch is not None:
            collection = node.branch.collection
        else:
            return
        assistant = self.depth_assistant
        if node.tree is assistant.tree and collection == assistant.collection:
            return
        jagged = any(b.var_dims > 0 for b in node.tree.collections.get(collection, []))
        assistant.show_collection(node.tree, collection if jagged else "")

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
        export_actions.start_export(self, recipe, os.fspath(path))
        return True

    def cancel_export(self) -> None:
        """Stop a running export between chunks; the partial file is removed."""
        self.cancel_button.setEnabled(False)
        self.statusBar().showMessage("Cancelling the export…")
        self.runner.cancel("export")

    def show_export_controls(self, running: bool) -> None:
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.export_action.setEnabled(not running and self.catalog is not None)
        # The progress text needs the width; the line above the table names the output and
        # the estimate while the export runs.
        if hasattr(self, "tools"):
            self.tools.status_label.setVisible(not running)

    # -- filtering and closing ----------------------------------------------------------------

    def _apply_filter(self) -> None:
        text = self.filter_box.text()
        self.filter_model.set_text(text)
        if text.strip():
            self.tree_view.expandAll()
        else:
            self._expand_to_trees()

    # -- drag and drop, about ------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_root_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_root_files(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        # Files dropped on an open file join its dataset; File > Open replaces it.
        self.tools.add_inputs(paths)

    def show_about(self) -> None:
        self.about_box = dialogs.show_about(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.preview_timer.stop()
        self.filter_timer.stop()
        self.runner.close()
        super().closeEvent(event)

