"""Controls of the histogram panel: binning, log y, fill values, overlays, full data and saving."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QWidget,
)

from rootable.core.errors import RootableError
from rootable.core.histogram import DEFAULT_BINS, MAX_BINS, check_binning

AUTO = "auto"


class PlotControls(QWidget):
    """Two rows of controls; ``changed`` fires whenever the plot must be drawn again."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_widgets()
        self._lay_out()
        self._connect()
        self.show_running(False)
        self.show_status("")

    def _build_widgets(self) -> None:
        self.bins_box = QSpinBox()
        self.bins_box.setRange(1, MAX_BINS)
        self.bins_box.setValue(DEFAULT_BINS)
        self.bins_box.setToolTip(
            "Number of bins; integer columns that span fewer values get one bin per value"
        )
        self.low_edit = QLineEdit()
        self.high_edit = QLineEdit()
        for edit, end in ((self.low_edit, "low"), (self.high_edit, "high")):
            edit.setPlaceholderText(AUTO)
            edit.setMaximumWidth(80)
            edit.setClearButtonEnabled(True)
            edit.setToolTip(f"The {end} end of the bins; empty takes it from the data")
        self.log_box = QCheckBox("Log y")
        self.log_box.setToolTip("Logarithmic count axis (1-D histograms)")
        self.exclude_box = QCheckBox("Exclude fill values")
        self.exclude_box.setChecked(True)
        self.exclude_box.setToolTip(
            "Leave the fill values of padded slots out of the counts; "
            "when unticked, finite fill values such as -1 are counted (NaN never)"
        )
        self.uncut_box = QCheckBox("Compare without cut")
        self.uncut_box.setToolTip(
            "Draw the column over the same preview entries without the cut, as a dashed line"
        )
        self.two_d_box = QCheckBox("2-D")
        self.two_d_box.setToolTip(
            "Histogram of y against x; selecting two table columns sets x and y, "
            "and the range sets the x axis only"
        )
        self.x_box = QComboBox()
        self.y_box = QComboBox()
        for box, axis in ((self.x_box, "x"), (self.y_box, "y")):
            box.setToolTip(f"Column on the {axis} axis of the 2-D histogram")
            box.setMinimumContentsLength(10)
        self.full_button = QPushButton("Full data")
        self.full_button.setToolTip(
            "Count the selected column over all entries of the recipe, "
            "with the bins of the preview histogram"
        )
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(160)
        self.cancel_button = QPushButton("Cancel")
        self.save_button = QPushButton("Save Plot…")
        self.save_button.setToolTip("Save the plot as PNG or SVG")
        self.status = QLabel()
        self.status.setStyleSheet("color: #b00020;")

    def _lay_out(self) -> None:
        first = QHBoxLayout()
        # Set explicitly: a QGridLayout parent with unequal spacings passes none to its rows.
        first.setSpacing(6)
        first.addWidget(QLabel("Bins"))
        first.addWidget(self.bins_box)
        first.addWidget(QLabel("Range"))
        first.addWidget(self.low_edit)
        first.addWidget(QLabel("to"))
        first.addWidget(self.high_edit)
        first.addWidget(self.log_box)
        first.addWidget(self.exclude_box)
        first.addWidget(self.uncut_box)
        first.addStretch(1)
        second = QHBoxLayout()
        second.setSpacing(6)
        second.addWidget(self.two_d_box)
        second.addWidget(QLabel("x"))
        second.addWidget(self.x_box)
        second.addWidget(QLabel("y"))
        second.addWidget(self.y_box)
        second.addWidget(self.full_button)
        second.addWidget(self.progress_bar)
        second.addWidget(self.cancel_button)
        second.addStretch(1)
        second.addWidget(self.save_button)
        layout = QGridLayout(self)
        layout.setContentsMargins(4, 2, 4, 0)
        layout.setVerticalSpacing(2)
        layout.addLayout(first, 0, 0)
        layout.addLayout(second, 1, 0)
        layout.addWidget(self.status, 2, 0)

    def _connect(self) -> None:
        self.bins_box.valueChanged.connect(self.changed)
        self.low_edit.editingFinished.connect(self.changed)
        self.high_edit.editingFinished.connect(self.changed)
        for box in (self.log_box, self.exclude_box, self.uncut_box, self.two_d_box):
            box.toggled.connect(self.changed)
        self.x_box.currentIndexChanged.connect(self.changed)
        self.y_box.currentIndexChanged.connect(self.changed)

    def binning(self) -> tuple[int, tuple[float, float] | None]:
        """Return (bins, range); the range is None when both ends are empty.

        Raises
        ------
        RootableError
            For an end that is not a number, one end without the other, or low >= high.
        """
        low = _parse_end(self.low_edit.text(), "low")
        high = _parse_end(self.high_edit.text(), "high")
        if (low is None) != (high is None):
            missing = "low" if low is None else "high"
            raise RootableError(
                f"the {missing} end of the range is missing; give both ends or neither"
            )
        value_range = None if low is None or high is None else (low, high)
        check_binning(self.bins_box.value(), value_range)
        return self.bins_box.value(), value_range

    def set_columns(self, names: list[str]) -> None:
        """Offer ``names`` for the 2-D axes, keeping the chosen columns where they remain."""
        for box, default in ((self.x_box, 0), (self.y_box, 1)):
            current = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItems(names)
            index = box.findText(current)
            box.setCurrentIndex(index if index >= 0 else min(default, len(names) - 1))
            box.blockSignals(False)

    def set_axes(self, x: str, y: str) -> None:
        """Choose the 2-D columns without redrawing twice."""
        self.x_box.blockSignals(True)
        self.x_box.setCurrentText(x)
        self.x_box.blockSignals(False)
        self.y_box.setCurrentText(y)

    def show_status(self, text: str) -> None:
        """Show a problem or a note under the controls; an empty text hides the line."""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def set_stored_mode(self, stored: bool) -> None:
        """Disable the controls that only apply to preview columns while a stored histogram shows."""
        for widget in (
            self.bins_box,
            self.low_edit,
            self.high_edit,
            self.exclude_box,
            self.uncut_box,
            self.two_d_box,
            self.x_box,
            self.y_box,
            self.full_button,
        ):
            widget.setEnabled(not stored)

    def show_running(self, running: bool) -> None:
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.full_button.setEnabled(not running)


def _parse_end(text: str, end: str) -> float | None:
    text = text.strip()
    if not text or text.lower() == AUTO:
        return None
    try:
        value = float(text)
    except ValueError:
        raise RootableError(f"invalid {end} end {text!r}: expected a number or nothing") from None
    if not math.isfinite(value):
        raise RootableError(f"invalid {end} end {text!r}: expected a finite number")
    return value
