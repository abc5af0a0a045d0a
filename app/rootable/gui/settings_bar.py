"""The settings bar: global padding depth, fill value and preview size."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from rootable.core.errors import RecipeError
from rootable.core.recipe import DEFAULT_DEPTH, FillValues, parse_fill
from rootable.gui.branch_model import MAX_DEPTH

DEFAULT_PREVIEW_EVENTS = 1000
MAX_PREVIEW_EVENTS = 1_000_000
_INVALID_STYLE = "QLineEdit { background: #ffd6d6; }"


class SettingsBar(QWidget):
    """Widgets whose values apply to every collection of the recipe."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.depth_box = _spin_box(0, MAX_DEPTH, DEFAULT_DEPTH)
        self.depth_box.setToolTip("Objects kept per collection; a collection's own depth in the tree wins")
        self.fill_box = QLineEdit("nan")
        self.fill_box.setMaximumWidth(70)
        self.fill_box.setToolTip("Value written where an event has fewer objects than the depth: "
                             "a number, nan, inf, -inf, true or false")
        self.preview_box = _spin_box(1, MAX_PREVIEW_EVENTS, DEFAULT_PREVIEW_EVENTS)
        self.preview_box.setSingleStep(100)
        self.preview_box.setToolTip("Number of events read for the preview and the histograms")
        self.note = QLabel()
        self.note.setStyleSheet("color: gray;")
        self._lay_out()
        self.depth_box.valueChanged.connect(self.changed)
        self.preview_box.valueChanged.connect(self.changed)
        self.fill_box.textChanged.connect(self._on_fill_edited)
        self._on_fill_edited(self.fill_box.text())

    def fill_values(self) -> FillValues:
        """Return the fill for every type, or raise RecipeError when the text is invalid."""
        return FillValues.uniform(parse_fill(self.fill_box.text()))

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        for text, widget in (("Depth", self.depth_box), ("Fill", self.fill_box), ("Preview events", self.preview_box)):
            label = QLabel(text)
            label.setBuddy(widget)
            layout.addWidget(label)
            layout.addWidget(widget)
            layout.addSpacing(10)
        layout.addWidget(self.note)
        layout.addStretch(1)

    def _on_fill_edited(self, text: str) -> None:
        try:
            value = parse_fill(text)
        except RecipeError as exc:
            self.fill_box.setStyleSheet(_INVALID_STYLE)
            self.note.setText(str(exc))
        else:
            self.fill_box.setStyleSheet("")
            self.note.setText(_fill_note(value))
        self.changed.emit()


def _fill_note(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return "A fill of NaN, inf or a fraction turns integer and boolean columns into float64"
    return "Integer and boolean columns keep their type"


def _spin_box(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setKeyboardTracking(False)
    return box
