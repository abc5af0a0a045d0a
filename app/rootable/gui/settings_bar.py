"""The settings bar: global padding depth, fill values per type and preview size."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from rootable.core.errors import RecipeError
from rootable.core.recipe import DEFAULT_DEPTH, FillValues, parse_fill
from rootable.gui import theme
from rootable.gui.branch_model import MAX_DEPTH

DEFAULT_PREVIEW_EVENTS = 1000
MAX_PREVIEW_EVENTS = 1_000_000
_FILL_TIP = (
    "Value written where an event has fewer objects than the depth, for {kind} branches: "
    "a number, nan, inf, -inf, true or false"
)
FLOAT_CHANGES_NOTE = "NaN on integer/bool columns makes them float64"


class SettingsBar(QWidget):
    """Widgets whose values apply to every collection of the recipe."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.depth_box = _spin_box(0, MAX_DEPTH, DEFAULT_DEPTH)
        self.depth_box.setToolTip("Objects kept per collection; a collection's own depth in the tree wins")
        defaults = FillValues()
        self.float_fill_box = _fill_box(format_fill(defaults.floating), "floating point")
        self.int_fill_box = _fill_box(format_fill(defaults.integer), "integer")
        self.bool_fill_box = _fill_box(format_fill(defaults.boolean, boolean=True), "boolean")
        self.preview_box = _spin_box(1, MAX_PREVIEW_EVENTS, DEFAULT_PREVIEW_EVENTS)
        self.preview_box.setSingleStep(100)
        self.preview_box.setToolTip("Number of events read for the preview and the histograms")
        self.note = QLabel()
        self._lay_out()
        self.depth_box.valueChanged.connect(self.changed)
        self.preview_box.valueChanged.connect(self.changed)
        for box in self.fill_boxes():
            box.textChanged.connect(self._on_fill_edited)
        self._on_fill_edited()
        self.refresh_styles()

    def fill_boxes(self) -> tuple[QLineEdit, QLineEdit, QLineEdit]:
        return (self.float_fill_box, self.int_fill_box, self.bool_fill_box)

    def fill_values(self) -> FillValues:
        """Return the fill of every type, or raise RecipeError naming the invalid text."""
        return FillValues(
            floating=parse_fill(self.float_fill_box.text()),
            integer=parse_fill(self.int_fill_box.text()),
            boolean=parse_fill(self.bool_fill_box.text()),
        )

    def set_fill_values(self, fill: FillValues) -> None:
        self.float_fill_box.setText(format_fill(fill.floating))
        self.int_fill_box.setText(format_fill(fill.integer))
        self.bool_fill_box.setText(format_fill(fill.boolean, boolean=True))

    def refresh_styles(self) -> None:
        """Apply the colours of the current palette, light or dark."""
        self.note.setStyleSheet(f"color: {theme.fill_color().name()};")
        for box in self.fill_boxes():
            if box.styleSheet():
                box.setStyleSheet(invalid_style())

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        rows = (
            ("Depth", self.depth_box),
            ("Fill: float", self.float_fill_box),
            ("int", self.int_fill_box),
            ("bool", self.bool_fill_box),
            ("Preview events", self.preview_box),
        )
        for text, widget in rows:
            label = QLabel(text)
            label.setBuddy(widget)
            layout.addWidget(label)
            layout.addWidget(widget)
            layout.addSpacing(10)
        layout.addWidget(self.note)
        layout.addStretch(1)

    def _on_fill_edited(self) -> None:
        problems = []
        for box in self.fill_boxes():
            try:
                parse_fill(box.text())
            except RecipeError as exc:
                box.setStyleSheet(invalid_style())
                problems.append(str(exc))
            else:
                box.setStyleSheet("")
        if problems:
            self.note.setText("; ".join(problems))
        else:
            self.note.setText(fill_note(self.fill_values()))
        self.changed.emit()


def fill_note(fill: FillValues) -> str:
    """Return the warning for integer or boolean fills that turn their columns into float64."""
    if _needs_float(fill.integer) or _needs_float(fill.boolean):
        return FLOAT_CHANGES_NOTE
    return ""


def format_fill(value: float, boolean: bool = False) -> str:
    """Format a fill value the way ``parse_fill`` reads it back: ``nan``, ``-1``, ``false``."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if boolean and value in (0, 1):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return str(int(value)) if boolean else repr(value)
    return str(value)


def invalid_style() -> str:
    """Return the style sheet of a fill box with invalid text, in the palette's light or dark shade."""
    return f"QLineEdit {{ background: {theme.invalid_background().name()}; }}"


def _needs_float(value: float) -> bool:
    return isinstance(value, float) and not value.is_integer()


def _fill_box(text: str, kind: str) -> QLineEdit:
    box = QLineEdit(text)
    box.setMaximumWidth(60)
    box.setToolTip(_FILL_TIP.format(kind=kind))
    return box


def _spin_box(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setKeyboardTracking(False)
    return box
