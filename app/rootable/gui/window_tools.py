"""Tools around the main window's tree and table: inputs dock, branch details, statistics,
copy and jump shortcuts, the status summary and the output estimate.

``WindowTools`` is created once by the window and connects to its public signals, so the
window's own code stays about browsing, previewing and exporting.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QDockWidget,
    QFrame,
    QLabel,
    QMenu,
    QScrollArea,
    QSplitter,
    QWidget,
)

from rootable.core import pipeline
from rootable.core.catalog import BranchInfo, TreeInfo
from rootable.core.errors import Cancelled, RecipeError
from rootable.core.recipe import Recipe
from rootable.core.report import plural
from rootable.gui import dialogs, recipe_actions, table_tools, theme
from rootable.gui.branch_details import BranchDetails, BranchExtras, extras_task
from rootable.gui.branch_model import NODE_ROLE
from rootable.gui.export_actions import describe
from rootable.gui.inputs_panel import EntryCounts, InputsPanel, entries_task

if TYPE_CHECKING:
    from rootable.gui.main_window import MainWindow
    from rootable.gui.tasks import PreviewResult

log = logging.getLogger(__name__)

#: Format the status bar's size estimate assumes until the user picks an export path.
DEFAULT_ESTIMATE_FORMAT = "parquet"


def estimate_task(
    result: PreviewResult, previewed: int, fmt: str, entry_counts: list[int] | None
) -> Callable[..., pipeline.Estimate]:
    """Return a task function that extrapolates the export's rows and bytes from the preview.

    ``previewed`` is the number of entries the preview requested. The preview reads fewer when
    the recipe's range contains fewer, so the count is clipped to the entries in range.
    ``entry_counts`` are the entries of each input when known; without them every input is
    opened to count its entries.
    """

    def run(cancelled: Callable[[], bool], progress: Callable[[int, int], None]) -> pipeline.Estimate:
        if entry_counts is None:
            entries = pipeline.count_entries(result.job, cancelled)
            return pipeline.estimate_output(result.job, result.chunk, min(previewed, entries), fmt)
        return estimate_from_counts(result, previewed, fmt, entry_counts)

    return run


def estimate_from_counts(result: PreviewResult, previewed: int, fmt: str, entry_counts: list[int]) -> pipeline.Estimate:
    """Estimate the export from known entries per input, without opening the other inputs.

    TODO: ``pipeline.estimate_output`` opens every input to count entries; with an ``entries``
    argument there, this would be one call. Until then the bytes per row come from an estimate
    over the first input alone (whose entry count the catalog holds).
    """
    recipe = result.job.recipe
    first = recipe.entry_start or 0
    total = sum(entry_counts)
    last = total if recipe.entry_stop is None else min(recipe.entry_stop, total)
    entries = max(last - first, 0)
    previewed = min(previewed, entries)
    rows = round(entries * result.chunk.num_rows / previewed) if previewed else entries
    single = dataclasses.replace(recipe, inputs=recipe.inputs[:1], entry_start=None, entry_stop=None)
    job = dataclasses.replace(result.job, recipe=single)
    sample = pipeline.estimate_output(job, result.chunk, max(result.chunk.num_rows, 1), fmt)
    per_row = sample.bytes / sample.rows if sample.rows else 0.0
    return pipeline.Estimate(entries=entries, rows=rows, bytes=round(rows * per_row))


class WindowTools(QObject):
    """Builds the tool widgets into ``window`` and keeps them in step with it."""

    estimate_ready = Signal(object)
    """Emitted with the ``Estimate`` of the export once a worker has computed it."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.estimate: pipeline.Estimate | None = None
        self.estimate_format = DEFAULT_ESTIMATE_FORMAT
        self._counted: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self._pending_estimate: tuple[str, Callable[[pipeline.Estimate], None] | None] | None = None
        self._build_widgets()
        self._place_widgets()
        self._build_actions()
        self._connect()
        self.update_status()

    # -- building -----------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.inputs_panel = InputsPanel()
        self.inputs_dock = QDockWidget("Inputs", self.window)
        self.inputs_dock.setObjectName("inputs dock")
        self.inputs_dock.setWidget(self.inputs_panel)
        self.details = BranchDetails()
        self.statistics_model = table_tools.StatisticsModel(self)
        self.statistics_view = table_tools.make_statistics_view(self.statistics_model)
        self.jump_bar = table_tools.JumpBar()
        self.status_label = QLabel()
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _place_widgets(self) -> None:
        window = self.window
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.inputs_dock)
        window.resizeDocks([self.inputs_dock], [130], Qt.Orientation.Vertical)
        # The details pane shares the left column with the tree, below it.
        left = _box_layout_of(window.tree_view)
        self.branch_splitter = QSplitter(Qt.Orientation.Vertical)
        self.branch_splitter.setObjectName("branch splitter")
        left.replaceWidget(window.tree_view, self.branch_splitter)
        self.branch_splitter.addWidget(window.tree_view)
        # A scroll area lets the user make the pane shorter than its 13 rows and keep the tree tall.
        details_area = QScrollArea()
        details_area.setWidget(self.details)
        details_area.setWidgetResizable(True)
        details_area.setFrameShape(QFrame.Shape.NoFrame)
        self.branch_splitter.addWidget(details_area)
        self.branch_splitter.setStretchFactor(0, 3)
        self.branch_splitter.setStretchFactor(1, 1)
        self.branch_splitter.setSizes([600, 170])
        preview = _box_layout_of(window.table_view)
        preview.insertWidget(preview.indexOf(window.table_view) + 1, self.jump_bar)
        window.side_tabs.addTab(self.statistics_view, "Statistics")
        window.statusBar().insertPermanentWidget(0, self.status_label)

    def _build_actions(self) -> None:
        window = self.window
        self.copy_action = QAction("&Copy Cells", window, shortcut=QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_action.setToolTip("Copy the selected preview cells with their column names as tab-separated text")
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        window.table_view.addAction(self.copy_action)
        self.jump_action = QAction("&Jump to Entry…", window, shortcut=QKeySequence("Ctrl+J"))
        self.jump_action.setToolTip("Scroll the preview to an entry and select its row (Ctrl+J)")
        self.find_action = QAction("&Filter Branches", window, shortcut=QKeySequence("Ctrl+F"))
        self.find_action.setToolTip("Move the focus to the branch filter box (Ctrl+F)")
        self.add_inputs_action = QAction("&Add Input Files…", window)
        self.add_inputs_action.setToolTip("Add files with the same branches to the dataset")
        for action in (self.jump_action, self.find_action):
            window.addAction(action)
        edit = _insert_menu(window, "&Edit")
        edit.addAction(self.copy_action)
        edit.addAction(self.jump_action)
        edit.addAction(self.find_action)
        view = _insert_menu(window, "&View")
        view.addAction(self.inputs_dock.toggleViewAction())
        file_menu(window).insertAction(window.open_recipe_action, self.add_inputs_action)

    def _connect(self) -> None:
        window = self.window
        self.copy_action.triggered.connect(self.copy_selection)
        self.jump_action.triggered.connect(self.open_jump_bar)
        self.find_action.triggered.connect(self.focus_filter)
        self.add_inputs_action.triggered.connect(self.ask_add_inputs)
        self.jump_bar.jump_requested.connect(self.jump_to_entry)
        self.inputs_panel.add_requested.connect(self.ask_add_inputs)
        self.inputs_panel.paths_changed.connect(self._on_inputs_edited)
        self.inputs_panel.labels_changed.connect(window.schedule_preview)
        self.details.request_extras.connect(self._read_extras)
        window.catalog_loaded.connect(self._on_catalog)
        window.recipe_applied.connect(self._on_recipe_applied)
        window.preview_ready.connect(self._on_preview)
        window.preview_failed.connect(self._on_recipe_changed)
        # The timer fires when the user changed the recipe, so the last estimate no longer applies.
        window.preview_timer.timeout.connect(self._on_recipe_changed)
        window.branch_model.selection_changed.connect(self.update_status)
        window.tree_view.selectionModel().currentChanged.connect(self._on_tree_current)
        window.tree_view.viewport().installEventFilter(self)
        window.installEventFilter(self)

    # -- inputs -------------------------------------------------------------------------------

    def labels(self) -> dict[str, float]:
        """Return the label per input for the recipe; raise RecipeError when labels are incomplete."""
        return self.inputs_panel.labels()

    def ask_add_inputs(self) -> None:
        if self.window.catalog is None:
            self.window.ask_open()
            return
        paths = dialogs.ask_open_paths(self.window, str(Path(self.window.inputs[0]).parent))
        if paths:
            self.add_inputs(paths)

    def add_inputs(self, paths: list[str]) -> None:
        """Add files to the dataset of the open file, or open them when no file is open."""
        if self.window.catalog is None:
            self.window.open_files(paths)
            return
        added = self.inputs_panel.add_paths(paths)
        skipped = len(paths) - len(added)
        note = f"; {plural(skipped, 'file')} already listed" if skipped else ""
        self.window.statusBar().showMessage(f"Added {plural(len(added), 'input file')}{note}")
        self.inputs_dock.show()

    def _on_catalog(self, _catalog: object) -> None:
        self.details.clear()
        self.statistics_model.set_summaries([])
        self.estimate = None
        self.inputs_panel.set_paths(self.window.inputs)
        self._count_entries()
        self.update_status()

    def _on_recipe_applied(self, recipe: Recipe) -> None:
        self.inputs_panel.set_paths(self.window.inputs, recipe.labels)
        self._count_entries()

    def _on_inputs_edited(self, paths: list[str]) -> None:
        window = self.window
        first_changed = bool(window.inputs) and str(Path(paths[0]).absolute()) != str(Path(window.inputs[0]).absolute())
        if not first_changed:
            window.inputs = paths
            window.refresh_title()
            self._count_entries()
            window.schedule_preview()
            return
        # The tree shows the first input, so a new first file is opened and the choices reapplied.
        try:
            recipe: Recipe | None = window.recipe()
        except RecipeError:
            recipe = None
        if recipe is not None:
            recipe.inputs = list(paths)
            recipe.labels = {p: v for p, v in recipe.labels.items() if p in paths}

            def reapply() -> None:
                recipe_actions.apply_recipe(window, recipe)

            window.open_files(paths, on_opened=reapply)
        else:
            window.open_files(paths)

    def _count_entries(self) -> None:
        tree = self.window.branch_model.active_tree
        if tree is None or not self.window.inputs:
            return
        key = (tuple(self.window.inputs), tree.path)
        if key == self._counted:
            return
        self._counted = key
        self.window.runner.submit(
            "inputs",
            entries_task(list(self.window.inputs), tree.path, {tree.file_path: tree.entries}),
            self._on_entries,
            lambda error, details: log.warning("counting the entries of the inputs failed: %s", error),
        )

    def _on_entries(self, counts: EntryCounts) -> None:
        self.inputs_panel.set_entries(counts)
        self.update_status()
        if self._pending_estimate is not None:
            self.request_estimate(*self._pending_estimate)

    # -- branch details -----------------------------------------------------------------------

    def _on_tree_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        node = self.window.filter_model.data(current, NODE_ROLE)
        if node is not None and node.kind == "branch" and node.branch is not None and node.tree is not None:
            self.details.show_branch(node.tree, node.branch)
        else:
            self.details.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.ApplicationPaletteChange:
            self.restyle()
            return False
        # Greyed-out branches have no ItemIsEnabled flag, so a click cannot make them current.
        # The click still shows their details, including the reason they cannot be flattened.
        if event.type() == QEvent.Type.MouseButtonPress and watched is self.window.tree_view.viewport():
            assert isinstance(event, QMouseEvent)
            index = self.window.tree_view.indexAt(event.position().toPoint())
            node = self.window.filter_model.data(index, NODE_ROLE)
            if node is not None and node.branch is not None and node.tree is not None and not node.branch.flattenable:
                self.details.show_branch(node.tree, node.branch)
        return False

    def _read_extras(self, tree: TreeInfo, branch: BranchInfo) -> None:
        self.window.runner.submit(
            "details",
            extras_task(tree, branch),
            lambda extras: self._show_extras(branch, extras),
            lambda error, details: self.details.show_extras_error(branch, str(error)),
        )

    def _show_extras(self, branch: BranchInfo, extras: BranchExtras) -> None:
        self.details.show_extras(branch, extras)

    # -- preview: statistics, estimate, copy, jump --------------------------------------------

    def _on_preview(self, result: PreviewResult) -> None:
        self.estimate = None
        self.window.runner.submit(
            "statistics",
            table_tools.statistics_task(result.chunk.columns, result.fills),
            self.statistics_model.set_summaries,
            lambda error, details: log.warning("column statistics failed: %s", error),
        )
        self.request_estimate(DEFAULT_ESTIMATE_FORMAT)
        self._count_entries()
        self.update_status()

    def _on_recipe_changed(self, _message: str = "") -> None:
        self.window.runner.drop("estimate")
        self.estimate = None
        self.update_status()

    def request_estimate(self, fmt: str, on_ready: Callable[[pipeline.Estimate], None] | None = None) -> None:
        """Estimate the export in ``fmt`` from the last preview in the "estimate" lane."""
        result = self.window.preview_result
        if result is None:
            return
        counts = self.inputs_panel.entry_counts()
        if counts is None and len(self.window.inputs) > 1:
            # The inputs lane is still counting entries, and opening every input a second
            # time here would only compete with it. _on_entries requests the estimate again.
            self._pending_estimate = (fmt, on_ready)
            return
        self._pending_estimate = None
        previewed = self.window.settings.preview_box.value()

        def done(estimate: pipeline.Estimate) -> None:
            self.estimate = estimate
            self.estimate_format = fmt
            self.update_status()
            if on_ready is not None:
                on_ready(estimate)
            self.estimate_ready.emit(estimate)

        self.window.runner.submit(
            "estimate",
            estimate_task(result, previewed, fmt, counts),
            done,
            self._on_estimate_failed,
        )

    def _on_estimate_failed(self, error: BaseException, details: str) -> None:
        if not isinstance(error, Cancelled):
            log.warning("estimating the export size failed: %s", error)

    def copy_selection(self) -> str:
        """Copy the selected preview cells to the clipboard as tab-separated text and return it."""
        text = table_tools.selection_as_text(self.window.table_view)
        if text:
            QGuiApplication.clipboard().setText(text)
            rows = text.count("\n") - 1
            self.window.statusBar().showMessage(f"Copied {plural(rows, 'row')} to the clipboard", 4000)
        return text

    def open_jump_bar(self) -> None:
        result = self.window.preview_result
        first = (result.job.recipe.entry_start or 0) if result is not None else 0
        self.jump_bar.entry_box.setMinimum(first)
        self.jump_bar.open()

    def jump_to_entry(self, entry: int) -> bool:
        """Select the preview row of ``entry``; show why not in the jump bar when it is absent."""
        result = self.window.preview_result
        if result is None:
            self.jump_bar.show_message("No preview yet: tick branches first.")
            return False
        recipe = result.job.recipe
        row = table_tools.preview_row_of_entry(
            result.chunk.columns, result.job.entry_name, recipe.entry_start or 0, bool(recipe.cut), entry
        )
        if row is None:
            self.jump_bar.show_message(self._missing_entry_text(entry, result))
            return False
        self.jump_bar.show_message("")
        table_tools.select_row(self.window.table_view, self.window.table_model, row)
        return True

    def _missing_entry_text(self, entry: int, result: PreviewResult) -> str:
        if result.job.recipe.cut and not result.job.entry_name:
            return "Under a cut the rows are not entry numbers: tick Entry number to jump by entry."
        return f"Entry {entry:,} is not in the preview ({plural(result.chunk.num_rows, 'row')})."

    def restyle(self) -> None:
        """Redo the style sheets that carry palette-derived colours, after a theme change."""
        window = self.window
        window.truncation_label.setStyleSheet(theme.warning_style())
        if window.preview_label.styleSheet():
            window.preview_label.setStyleSheet(theme.error_style())
        window.settings.refresh_styles()
        self.inputs_panel.refresh_styles()

    def focus_filter(self) -> None:
        self.window.filter_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.window.filter_box.selectAll()

    # -- status -------------------------------------------------------------------------------

    def update_status(self) -> None:
        """Show entries, ticked branches, output columns and the size estimate in the status bar."""
        self.status_label.setText(self.status_text())

    def status_text(self) -> str:
        model = self.window.branch_model
        tree = model.active_tree
        if tree is None:
            return ""
        parts = [f"{tree.path_string}: {plural(tree.entries, 'entry')}"]
        counts = self.inputs_panel.entry_counts()
        if counts is not None and len(counts) > 1:
            parts[0] += f" ({sum(counts):,} in {plural(len(counts), 'input file')})"
        parts.append(f"{plural(len(model.checked_keys()), 'branch')} ticked")
        result = self.window.preview_result
        if result is not None:
            parts.append(plural(len(result.chunk.columns), "column"))
        if self.estimate is not None:
            parts.append(f"output {describe(self.estimate, self.estimate_format)}")
        return " · ".join(parts)


def file_menu(window: MainWindow) -> QMenu:
    """Return the window's first menu, File."""
    menu = window.menuBar().actions()[0].menu()
    assert isinstance(menu, QMenu)
    return menu


def _box_layout_of(widget: QWidget) -> QBoxLayout:
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    assert isinstance(layout, QBoxLayout), "the window stacks its views in box layouts"
    return layout


def _insert_menu(window: MainWindow, title: str) -> QMenu:
    """Add a menu before the last one (Help), so that Help stays at the end."""
    bar = window.menuBar()
    actions = bar.actions()
    menu = bar.addMenu(title)
    if actions:
        bar.insertMenu(actions[-1], menu)
    return menu
