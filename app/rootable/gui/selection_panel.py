"""Event selection controls: the cut, the entry range and the optional extra columns."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from rootable.core.recipe import Recipe
from rootable.gui import theme


class SelectionPanel(QWidget):
    """Widgets for the recipe's cut, entry range, mask columns and extra columns.

    ``changed`` fires on every edit; the window debounces it before previewing.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cut_box = QLineEdit()
        self.cut_box.setPlaceholderText("Cut, e.g. (nJet >= 2) & (MET_pt > 20) or any(Jet_pt > 30)")
        self.cut_box.setClearButtonEnabled(True)
        self.cut_box.setToolTip(
            "Keep only events where this expression over branches is true; count, sum, any, all, "
            "max, min, mean and num reduce a jagged branch per event"
        )
        self.cut_error = QLabel()
        self.cut_error.setWordWrap(True)
        self.cut_error.setStyleSheet(theme.error_style())
        self.cut_error.setVisible(False)
        self.start_box = _entry_box("first", "First entry to read, counted over all inputs in order; empty starts at 0")
        self.stop_box = _entry_box("all", "Entry to stop before; empty reads to the end")
        self.masks_box = QCheckBox("Mask columns")
        self.masks_box.setToolTip("Add Jet_mask_0 ..: true where a real object sits in the slot")
        self.entry_column_box = QCheckBox("Entry number")
        self.entry_column_box.setToolTip("Add an 'entry' column with the global entry number")
        self.source_column_box = QCheckBox("Source file")
        self.source_column_box.setToolTip("Add a 'source_file' column with the input file name")
        self.fill_missing_box = QCheckBox("Fill missing branches")
        self.fill_missing_box.setToolTip(
            "When a later input lacks a ticked branch or has it with another type, write fill "
            "values for it instead of stopping the export"
        )
        self._lay_out()
        self._connect()

    def apply_to(self, recipe: Recipe) -> None:
        """Copy the panel's choices into ``recipe``."""
        recipe.cut = self.cut_box.text().strip()
        recipe.entry_start = _entry_value(self.start_box)
        recipe.entry_stop = _entry_value(self.stop_box)
        recipe.masks = self.masks_box.isChecked()
        recipe.entry_column = self.entry_column_box.isChecked()
        recipe.source_column = self.source_column_box.isChecked()
        recipe.missing = "fill" if self.fill_missing_box.isChecked() else "stop"

    def set_from(self, recipe: Recipe) -> None:
        """Show the choices of ``recipe``."""
        self.cut_box.setText(recipe.cut)
        self.start_box.setText("" if recipe.entry_start is None else str(recipe.entry_start))
        self.stop_box.setText("" if recipe.entry_stop is None else str(recipe.entry_stop))
        self.masks_box.setChecked(recipe.masks)
        self.entry_column_box.setChecked(recipe.entry_column)
        self.source_column_box.setChecked(recipe.source_column)
        self.fill_missing_box.setChecked(recipe.missing == "fill")

    def show_cut_error(self, message: str) -> None:
        """Show why the cut is invalid under the cut box; an empty message hides the label."""
        self.cut_error.setText(message)
        self.cut_error.setVisible(bool(message))

    def _lay_out(self) -> None:
        range_row = QHBoxLayout()
        for text, widget in (("Entries from", self.start_box), ("to", self.stop_box)):
            label = QLabel(text)
            label.setBuddy(widget)
            range_row.addWidget(label)
            range_row.addWidget(widget)
        range_row.addSpacing(12)
        for box in (self.masks_box, self.entry_column_box, self.source_column_box, self.fill_missing_box):
            range_row.addWidget(box)
        range_row.addStretch(1)
        cut_label = QLabel("Cut")
        cut_label.setBuddy(self.cut_box)
        layout = QGridLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(cut_label, 0, 0)
        layout.addWidget(self.cut_box, 0, 1)
        layout.addWidget(self.cut_error, 1, 1)
        layout.addLayout(range_row, 2, 0, 1, 2)

    def _connect(self) -> None:
        for box in (self.cut_box, self.start_box, self.stop_box):
            box.textChanged.connect(self.changed)
        for check in (self.masks_box, self.entry_column_box, self.source_column_box, self.fill_missing_box):
            check.toggled.connect(self.changed)


def _entry_box(placeholder: str, tip: str) -> QLineEdit:
    box = QLineEdit()
    box.setPlaceholderText(placeholder)
    box.setToolTip(tip)
    # Digits only, so the range contains whole numbers >= 0. Entry numbers can pass 2**31.
    box.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,18}"), box))
    box.setMaximumWidth(90)
    return box


def _entry_value(box: QLineEdit) -> int | None:
    text = box.text().strip()
    return int(text) if text else None
