"""Histogram panel: draws what ``rootable.core.histogram`` bins, or a message instead."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from rootable.core.errors import RootableError
from rootable.core.histogram import Histogram, histogram

_BAR_PEN = pg.mkPen(40, 90, 160)
_BAR_BRUSH = pg.mkBrush(70, 130, 200, 120)


class HistogramView(QWidget):
    """A step histogram of one column, titled with its name, entries and fill values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.histogram: Histogram | None = None
        self.column = ""
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("left", "events")
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.message)
        self._stack.addWidget(self.plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.show_message("Select a column in the table or a ticked branch in the tree to see its histogram.")

    def show_column(self, name: str, values: np.ndarray, fill_value: Any) -> None:
        """Bin and draw a column; text columns and binning errors show a message instead."""
        self.column = name
        try:
            result = histogram(name, values, fill_value=fill_value)
        except RootableError as exc:
            self.histogram = None
            self.show_message(str(exc))
            return
        self.histogram = result
        self._draw(result)

    def show_message(self, text: str) -> None:
        self.histogram = None
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def _draw(self, result: Histogram) -> None:
        self.plot.clear()
        self.plot.plot(
            result.edges,
            result.counts,
            stepMode="center",
            fillLevel=0,
            pen=_BAR_PEN,
            brush=_BAR_BRUSH,
        )
        self.plot.setTitle(result.title, color="k", size="10pt")
        self.plot.setLabel("bottom", result.name)
        self.plot.enableAutoRange()
        self._stack.setCurrentWidget(self.plot)
