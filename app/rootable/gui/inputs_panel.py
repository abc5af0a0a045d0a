"""The inputs list: the files that form one dataset, their order, entries and optional labels.

The first file is the one browsed in the tree; the export reads every file in list order. A
label gives each file the value of a ``label`` column (signal 1, background 0); once any file
has a label, every file needs one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rootable.core.catalog import child, open_file
from rootable.core.errors import Cancelled, RecipeError
from rootable.gui import theme

FILE, ENTRIES, LABEL = range(3)
HEADERS = ("File", "Entries", "Label")

#: Entries per input path: a count, or the message of why the file could not be read.
EntryCounts = dict[str, "int | str"]


def entries_task(paths: list[str], tree_path: tuple[str, ...], known: EntryCounts | None = None) -> Callable[..., EntryCounts]:
    """Return a task function that reads the entries of the tree in every input.

    Inputs in ``known`` (the browsed file, whose catalog has its entries) are not opened again.
    """

    def run(cancelled: Callable[[], bool], progress: Callable[[int, int], None]) -> EntryCounts:
        counts: EntryCounts = dict(known or {})
        for done, path in enumerate(paths):
            if cancelled():
                raise Cancelled("counting cancelled")
            if path not in counts:
                counts[path] = count_tree_entries(path, tree_path)
            progress(done + 1, len(paths))
        return counts

    return run


def count_tree_entries(path: str, tree_path: tuple[str, ...]) -> int | str:
    """Return the entries of the tree at ``tree_path`` in ``path``, or why they cannot be read."""
    try:
        obj = open_file(path)
        for part in tree_path:
            obj = child(obj, part)
        return int(obj.num_entries)
    except Exception as exc:  # noqa: BLE001 - uproot raises many types; each becomes a message
        return str(exc) or type(exc).__name__


def parse_label(text: str) -> float | None:
    """Return the label value of ``text``; None for an empty text. Raise ValueError when invalid."""
    text = text.strip()
    if not text:
        return None
    value = float(text)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    return int(value) if value.is_integer() else value


class InputsPanel(QWidget):
    """Table of input files with Add, Remove and move buttons and an editable label per file."""

    paths_changed = Signal(list)
    """Emitted with the new list after the user adds, removes or moves files."""
    labels_changed = Signal()
    entries_shown = Signal()
    """Emitted after the entry counts of a worker are shown."""
    add_requested = Signal()
    """Emitted by the Add button; the window opens a file dialog and calls ``add_paths``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._paths: list[str] = []
        self._labels: dict[str, str] = {}
        self._entries: EntryCounts = {}
        self._filling = False
        self.table = _make_table()
        self._build_buttons()
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.hide()
        self._lay_out()
        self._connect()

    def _build_buttons(self) -> None:
        self.add_button = QPushButton("&Add Files…")
        self.add_button.setToolTip("Add ROOT files with the same branches to the dataset")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Move Up")
        self.down_button = QPushButton("Move Down")

    def _connect(self) -> None:
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._update_buttons()

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.warning)
        layout.addLayout(buttons)

    # -- contents -----------------------------------------------------------------------------

    def paths(self) -> list[str]:
        return list(self._paths)

    def set_paths(self, paths: list[str], labels: dict[str, float] | None = None) -> None:
        """Show ``paths``; labels of paths still listed are kept unless ``labels`` replaces them."""
        if labels is not None:
            self._labels = {p: _label_text(v) for p, v in labels.items()}
        self._paths = list(paths)
        self._labels = {p: t for p, t in self._labels.items() if p in self._paths}
        self._entries = {p: n for p, n in self._entries.items() if p in self._paths}
        self._refill()

    def set_entries(self, counts: EntryCounts) -> None:
        """Show the entries of each input; a text is the reason a file could not be read."""
        self._entries = {p: n for p, n in counts.items() if p in self._paths}
        self._refill()
        self.entries_shown.emit()

    def entry_counts(self) -> list[int] | None:
        """Return the entries of every input in order, or None while one is unknown or unreadable."""
        counts = [self._entries.get(p) for p in self._paths]
        if not all(isinstance(n, int) for n in counts):
            return None
        return [int(n) for n in counts]  # type: ignore[arg-type]

    def add_paths(self, paths: list[str]) -> list[str]:
        """Append the files not listed yet and return them; emits ``paths_changed`` when any."""
        listed = {str(Path(p).absolute()) for p in self._paths}
        added = []
        for path in paths:
            if str(Path(path).absolute()) not in listed:
                listed.add(str(Path(path).absolute()))
                added.append(path)
        if added:
            self._paths.extend(added)
            self._refill()
            self.paths_changed.emit(self.paths())
        return added

    def remove_selected(self) -> None:
        rows = self._selected_rows()
        if not rows or len(rows) >= len(self._paths):
            return
        for row in reversed(rows):
            removed = self._paths.pop(row)
            self._labels.pop(removed, None)
        self._refill()
        self.paths_changed.emit(self.paths())

    def move_selected(self, step: int) -> None:
        rows = self._selected_rows()
        if len(rows) != 1 or not 0 <= rows[0] + step < len(self._paths):
            return
        row = rows[0]
        self._paths[row], self._paths[row + step] = self._paths[row + step], self._paths[row]
        self._refill()
        self.table.selectRow(row + step)
        self.paths_changed.emit(self.paths())

    # -- labels -------------------------------------------------------------------------------

    def labels(self) -> dict[str, float]:
        """Return the label of every input, or {} when none has one.

        Raises RecipeError naming the file when a label is invalid, or when some inputs have a
        label and others do not.
        """
        values: dict[str, float] = {}
        for path in self._paths:
            text = self._labels.get(path, "")
            try:
                value = parse_label(text)
            except ValueError:
                raise RecipeError(f"invalid label {text!r} of {Path(path).name}: expected a number such as 1 or 0") from None
            if value is not None:
                values[path] = value
        if values and len(values) < len(self._paths):
            missing = next(p for p in self._paths if p not in values)
            raise RecipeError(f"{Path(missing).name} has no label; give every input a label or clear them all")
        return values

    def set_label(self, path: str, text: str) -> None:
        item = self.table.item(self._paths.index(path), LABEL)
        assert item is not None
        item.setText(text)

    # -- helpers ------------------------------------------------------------------------------

    def _selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def _refill(self) -> None:
        self._filling = True
        self.table.setRowCount(len(self._paths))
        for row, path in enumerate(self._paths):
            self.table.setItem(row, FILE, self._file_item(path, row))
            self.table.setItem(row, ENTRIES, self._entries_item(path))
            label = QTableWidgetItem(self._labels.get(path, ""))
            self.table.setItem(row, LABEL, label)
        self._filling = False
        self._update_buttons()
        self._show_warning()

    def _file_item(self, path: str, row: int) -> QTableWidgetItem:
        item = QTableWidgetItem(Path(path).name)
        browsed = " (browsed in the tree)" if row == 0 else ""
        item.setToolTip(f"{path}{browsed}")
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        if row == 0:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        return item

    def _entries_item(self, path: str) -> QTableWidgetItem:
        count = self._entries.get(path)
        if count is None:
            text = "…"
        elif isinstance(count, int):
            text = f"{count:,}"
        else:
            text = "error"
        item = QTableWidgetItem(text)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if isinstance(count, str):
            item.setToolTip(count)
            item.setForeground(QBrush(theme.error_color()))
        return item

    def refresh_styles(self) -> None:
        """Apply the colours of the current palette, light or dark."""
        self._refill()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != LABEL:
            return
        path = self._paths[item.row()]
        self._labels[path] = item.text().strip()
        self._show_warning()
        self.labels_changed.emit()

    def _show_warning(self) -> None:
        problems = []
        try:
            self.labels()
        except RecipeError as exc:
            problems.append(str(exc))
        unreadable = [f"{Path(p).name}: {n}" for p, n in self._entries.items() if isinstance(n, str)]
        problems.extend(f"cannot read {text}" for text in unreadable)
        self.warning.setText("\n".join(problems))
        self.warning.setStyleSheet(theme.warning_style())
        self.warning.setVisible(bool(problems))

    def _update_buttons(self) -> None:
        rows = self._selected_rows()
        self.add_button.setEnabled(bool(self._paths))
        self.remove_button.setEnabled(bool(rows) and len(rows) < len(self._paths))
        self.up_button.setEnabled(len(rows) == 1 and rows[0] > 0)
        self.down_button.setEnabled(len(rows) == 1 and rows[0] < len(self._paths) - 1)


def _label_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _make_table() -> QTableWidget:
    table = QTableWidget(0, len(HEADERS))
    table.setHorizontalHeaderLabels(HEADERS)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.SelectedClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    header = table.horizontalHeader()
    header.setSectionResizeMode(FILE, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(ENTRIES, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(LABEL, QHeaderView.ResizeMode.Interactive)
    header.resizeSection(LABEL, 70)
    table.horizontalHeaderItem(LABEL).setToolTip(  # type: ignore[union-attr]
        "Value of the label column for this file's rows, e.g. 1 for signal, 0 for background; "
        "empty for no label column"
    )
    return table
