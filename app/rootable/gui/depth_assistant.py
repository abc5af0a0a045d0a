"""Depth assistant: the number of objects per event in a collection, and a depth that suits it.

The panel draws the multiplicity distribution over all entries with the chosen depth marked,
states what that depth keeps and loses, suggests a depth for a share of events, and keeps
the collection's sort key.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rootable.core.catalog import TreeInfo
from rootable.core.errors import Cancelled
from rootable.core.multiplicity import (
    DEFAULT_FRACTION,
    describe_depth,
    multiplicity_distribution,
    suggest_depth,
)
from rootable.core.recipe import SortKey
from rootable.gui import tasks
from rootable.gui.branch_model import BranchModel
from rootable.gui.workers import TaskRunner

NO_SORTING = "no sorting"
_BAR_BRUSH = pg.mkBrush(70, 130, 200, 160)
_DEPTH_PEN = pg.mkPen(200, 40, 40, width=2)


class DepthAssistant(QWidget):
    """Multiplicity plot, depth sentence, depth suggestion and sort key of one collection."""

    counts_ready = Signal(str)
    """Emitted with the collection name once its counts are shown."""
    sort_changed = Signal()

    def __init__(self, runner: TaskRunner, branch_model: BranchModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.branch_model = branch_model
        self.tree: TreeInfo | None = None
        self.collection = ""
        self.counts: np.ndarray | None = None
        self._cache: dict[tuple[str, str, str], np.ndarray] = {}
        self._sorts: dict[tuple[str, str], SortKey] = {}
        self._build_widgets()
        self._lay_out()
        self._connect()
        self.show_collection(None, "")

    # -- building -----------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.plot.setLabel("left", "events")
        self.plot.setLabel("bottom", "objects per event")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=_BAR_BRUSH)
        # The line sits between bar ``depth`` and bar ``depth + 1``: events left of it lose nothing.
        self.depth_line = pg.InfiniteLine(angle=90, pen=_DEPTH_PEN, movable=False)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.depth_line)

        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fraction_box = QDoubleSpinBox()
        self.fraction_box.setRange(1.0, 100.0)
        self.fraction_box.setDecimals(1)
        self.fraction_box.setSuffix(" %")
        self.fraction_box.setValue(DEFAULT_FRACTION * 100)
        self.fraction_box.setToolTip("Share of events in which the suggested depth keeps every object")

        self.suggest_button = QPushButton("Suggest")
        self.suggest_button.setToolTip("Set this collection's depth to the smallest one that keeps "
                                       "every object in the chosen share of events")

        self.sort_box = QComboBox()
        self.sort_box.setToolTip("Order each event's objects by this member before clipping to the depth")
        self.descending_box = QCheckBox("Descending")
        self.descending_box.setChecked(True)
        self.descending_box.setToolTip("Highest value first; untick for lowest first")

    def _lay_out(self) -> None:
        suggest_row = QHBoxLayout()
        suggest_row.addWidget(QLabel("Keep every object in"))
        suggest_row.addWidget(self.fraction_box)
        suggest_row.addWidget(QLabel("of events:"))
        suggest_row.addWidget(self.suggest_button)
        suggest_row.addStretch(1)
        sort_row = QHBoxLayout()
        sort_label = QLabel("Sort by")
        sort_label.setBuddy(self.sort_box)
        sort_row.addWidget(sort_label)
        sort_row.addWidget(self.sort_box, 1)
        sort_row.addWidget(self.descending_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.sentence)
        layout.addLayout(suggest_row)
        layout.addLayout(sort_row)

    def _connect(self) -> None:
        self.suggest_button.clicked.connect(self.apply_suggestion)
        self.branch_model.selection_changed.connect(self.show_depth)
        self.sort_box.currentIndexChanged.connect(self._on_sort_edited)
        self.descending_box.toggled.connect(self._on_sort_edited)

    # -- the collection -----------------------------------------------------------------------

    def show_collection(self, tree: TreeInfo | None, collection: str) -> None:
        """Show ``collection`` of ``tree``, reading its counts in a worker unless cached."""
        self.tree = tree
        self.collection = collection
        self.counts = None
        self._fill_sort_box()
        enabled = tree is not None and bool(collection)
        for widget in (self.suggest_button, self.fraction_box, self.sort_box):
            widget.setEnabled(enabled)
        self._enable_descending()
        if tree is None or not collection:
            self.title.setText("Depth assistant")
            self._show_text("Select a collection of objects (Jet, Muon, …) in the tree to see "
                            "how many objects its events hold.")
            return
        self.title.setText(f"{collection} in {tree.path_string}")
        cached = self._cache.get(self._cache_key())
        if cached is not None:
            self._on_counts(cached)
            return
        self._show_text(f"Reading the number of {collection} objects in all {tree.entries:,} entries…")
        key = self._cache_key()
        self.runner.submit(
            "counts",
            tasks.counts_task(tree, collection),
            lambda counts: self._on_counts_read(key, counts),
            self._on_counts_failed,
        )

    def clear(self) -> None:
        """Forget cached counts and sort keys, for a newly opened file."""
        self.runner.drop("counts")
        self._cache.clear()
        self._sorts.clear()
        self.show_collection(None, "")

    def depth(self) -> int:
        return self.branch_model.collection_depth(self.collection)

    def apply_suggestion(self) -> None:
        """Set the collection's depth to ``suggest_depth`` for the chosen share of events."""
        if self.counts is None or not self.collection:
            return
        depth = suggest_depth(self.counts, self.fraction_box.value() / 100)
        self.branch_model.set_collection_depth(self.collection, depth)

    def _cache_key(self) -> tuple[str, str, str]:
        assert self.tree is not None
        return (self.tree.file_path, self.tree.path_string, self.collection)

    def _on_counts_read(self, key: tuple[str, str, str], counts: np.ndarray) -> None:
        self._cache[key] = counts
        if self.tree is not None and key == self._cache_key():
            self._on_counts(counts)

    def _on_counts(self, counts: np.ndarray) -> None:
        self.counts = counts
        distribution = multiplicity_distribution(counts)
        self.bars.setOpts(x=np.arange(len(distribution)), height=distribution, width=0.8)
        self.plot.setXRange(-0.6, max(len(distribution), 1) - 0.4 + 1, padding=0.02)
        self.plot.setYRange(0, max(int(distribution.max(initial=0)), 1) * 1.05, padding=0)
        self.show_depth()
        self.plot.setVisible(True)
        self.counts_ready.emit(self.collection)

    def _on_counts_failed(self, error: BaseException, details: str) -> None:
        if not isinstance(error, Cancelled):
            self._show_text(f"Cannot count {self.collection}: {error}")

    def show_depth(self) -> None:
        """Redraw the depth line and the sentence for the collection's current depth."""
        if self.counts is None:
            return
        depth = self.depth()
        self.depth_line.setValue(depth + 0.5)
        self.sentence.setText(describe_depth(self.counts, depth, self.collection))

    def _show_text(self, text: str) -> None:
        self.plot.setVisible(False)
        self.sentence.setText(text)

    # -- sorting ------------------------------------------------------------------------------

    def sort_keys(self, tree: TreeInfo | None) -> dict[str, SortKey]:
        """Return the sort key of every collection of ``tree`` that has one."""
        if tree is None:
            return {}
        return {name: key for (path, name), key in self._sorts.items() if path == tree.path_string}

    def set_sort_keys(self, tree: TreeInfo, sorts: dict[str, SortKey]) -> None:
        """Replace the sort keys of ``tree``'s collections, as when opening a recipe."""
        self._sorts = {k: v for k, v in self._sorts.items() if k[0] != tree.path_string}
        for name, key in sorts.items():
            self._sorts[(tree.path_string, name)] = SortKey(key.member, key.descending)
        self._fill_sort_box()
        self.sort_changed.emit()

    def set_sort(self, member: str, descending: bool = True) -> None:
        """Sort the shown collection by ``member`` (a key such as ``Jet_pt``, or NO_SORTING)."""
        self.descending_box.setChecked(descending)
        index = self.sort_box.findData(member)
        self.sort_box.setCurrentIndex(max(index, 0))

    def _fill_sort_box(self) -> None:
        self.sort_box.blockSignals(True)
        self.descending_box.blockSignals(True)
        self.sort_box.clear()
        self.sort_box.addItem(NO_SORTING, NO_SORTING)
        for key, label in self._sort_members():
            self.sort_box.addItem(label, key)
        current = self._sorts.get(self._sort_key_of_view()) if self.tree is not None else None
        if current is not None:
            index = self.sort_box.findData(current.member)
            if index < 0:
                index = self.sort_box.findData(f"{self.collection}_{current.member}")
            self.sort_box.setCurrentIndex(max(index, 0))
            self.descending_box.setChecked(current.descending)
        else:
            self.descending_box.setChecked(True)
        self.sort_box.blockSignals(False)
        self.descending_box.blockSignals(False)
        self._enable_descending()

    def _sort_members(self) -> list[tuple[str, str]]:
        if self.tree is None or self.collection not in self.tree.collections:
            return []
        prefix = f"{self.collection}_"
        members = [b for b in self.tree.collections[self.collection] if b.flattenable and b.var_dims == 1]
        return [(b.key, b.key.removeprefix(prefix)) for b in members]

    def _sort_key_of_view(self) -> tuple[str, str]:
        assert self.tree is not None
        return (self.tree.path_string, self.collection)

    def _on_sort_edited(self) -> None:
        if self.tree is None or not self.collection:
            return
        member = self.sort_box.currentData()
        if member in (None, NO_SORTING):
            self._sorts.pop(self._sort_key_of_view(), None)
        else:
            self._sorts[self._sort_key_of_view()] = SortKey(member, self.descending_box.isChecked())
        self.sort_changed.emit()
        self._enable_descending()

    def _enable_descending(self) -> None:
        self.descending_box.setEnabled(self.sort_box.currentData() not in (None, NO_SORTING))

