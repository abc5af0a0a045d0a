"""Drawing of binned results with pyqtgraph, and rendering of a plot to PNG or SVG bytes.

Nothing here bins data: the functions draw what ``rootable.core.histogram`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from rootable.core.errors import RootableError

#: Line colours of overlaid columns, in selection order (matplotlib's "tab10" colours).
COLOURS = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
]
_FILL_ALPHA = 90
_ERROR_PEN = pg.mkPen(0, 0, 0, width=1)


@dataclass
class Series:
    """One histogram to draw: bin edges, counts, legend label, colour number and line style."""

    edges: np.ndarray
    counts: np.ndarray
    label: str
    colour: int = 0
    dashed: bool = False
    filled: bool = False


def colour_of(number: int) -> tuple[int, int, int]:
    return COLOURS[number % len(COLOURS)]


def draw_series(
    plot: pg.PlotWidget, series: list[Series], log_y: bool, title: str, x_label: str
) -> None:
    """Draw step outlines of ``series`` on ``plot`` with a legend when there is more than one."""
    start_plot(plot, log_y, len(series) > 1)
    # Up to four names share one legend row, so the legend covers little of the short plot.
    plot.getPlotItem().legend.setColumnCount(min(len(series), 4))
    for item in series:
        draw_steps(plot, item, log_y)
    finish_plot(plot, title, x_label, "events")


def start_plot(plot: pg.PlotWidget, log_y: bool, legend: bool) -> None:
    plot.clear()
    item = plot.getPlotItem()
    if item.legend is None:
        plot.addLegend(offset=(-10, 10), labelTextColor="k", brush=pg.mkBrush(255, 255, 255, 200))
    item.legend.setVisible(legend)
    item.legend.clear()
    if item.ctrl.logYCheck.isChecked() != log_y:
        # pyqtgraph reads the old y range in the new mode, and 10**5000 overflows. So the range
        # is reset before the switch, and the plot fits the data again afterwards.
        item.vb.setYRange(0, 1, padding=0)
        plot.setLogMode(x=False, y=log_y)


def finish_plot(plot: pg.PlotWidget, title: str, x_label: str, y_label: str) -> None:
    plot.setTitle(title, color="k", size="10pt")
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.enableAutoRange()


def draw_steps(plot: pg.PlotWidget, series: Series, log_y: bool) -> None:
    colour = colour_of(series.colour)
    style = Qt.PenStyle.DashLine if series.dashed else Qt.PenStyle.SolidLine
    pen = pg.mkPen(*colour, width=2, style=style)
    counts = np.asarray(series.counts, dtype=np.float64)
    options = {}
    if log_y:
        # log10(0) has no place on a log axis: empty bins become gaps and nothing is filled.
        counts = np.where(counts > 0, counts, np.nan)
    elif series.filled:
        options = {"fillLevel": 0, "brush": pg.mkBrush(*colour, _FILL_ALPHA)}
    plot.plot(series.edges, counts, stepMode="center", pen=pen, name=series.label, **options)


def draw_errors(
    plot: pg.PlotWidget, x: np.ndarray, values: np.ndarray, errors: np.ndarray, log_y: bool
) -> None:
    """Add vertical error bars from ``values - errors`` to ``values + errors`` at ``x``."""
    if log_y:
        # ErrorBarItem ignores the plot's log mode, so it gets log10 positions; bars that
        # reach zero or below are cut at a tenth of the value.
        keep = values > 0
        x, values, errors = x[keep], values[keep], errors[keep]
        low = np.maximum(values - errors, values / 10)
        bars = pg.ErrorBarItem(
            x=x,
            y=np.log10(values),
            top=np.log10(values + errors) - np.log10(values),
            bottom=np.log10(values) - np.log10(low),
            pen=_ERROR_PEN,
        )
    else:
        bars = pg.ErrorBarItem(x=x, y=values, height=2 * errors, pen=_ERROR_PEN)
    plot.addItem(bars)


def draw_points(plot: pg.PlotWidget, x: np.ndarray, y: np.ndarray, label: str) -> None:
    plot.plot(
        x,
        y,
        pen=None,
        symbol="o",
        symbolSize=6,
        symbolBrush=colour_of(0),
        symbolPen=None,
        name=label,
    )


class ImagePlot(pg.PlotWidget):
    """A 2-D histogram over its bin edges, with a colour bar of the counts.

    Bins of equal width are drawn as one image. Bins of unequal width (a TH2 with variable
    bins) are drawn as a mesh of quadrilaterals with the same colour map.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setMenuEnabled(False)
        self.colour_map = pg.colormap.get("viridis")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.addItem(self.image)
        self.mesh: pg.PColorMeshItem | None = None
        self.colour_bar = pg.ColorBarItem(values=(0, 1), colorMap=self.colour_map, interactive=False, pen="k")
        self.colour_bar.setImageItem(self.image, insert_in=self.getPlotItem())

    def show_counts(self, x_edges: np.ndarray, y_edges: np.ndarray, counts: np.ndarray) -> None:
        """Show ``counts[i, j]`` over x bin i and y bin j."""
        counts = np.asarray(counts, dtype=np.float64)
        top = max(float(np.nanmax(counts)) if counts.size else 0.0, 1.0)
        self.colour_bar.setLevels((0.0, top))
        if self.mesh is not None:
            self.removeItem(self.mesh)
            self.mesh = None
        if _equal_widths(x_edges) and _equal_widths(y_edges):
            self.image.setImage(counts, autoLevels=False)
            self.image.setRect(
                QRectF(x_edges[0], y_edges[0], x_edges[-1] - x_edges[0], y_edges[-1] - y_edges[0])
            )
            self.image.setVisible(True)
        else:
            x_corners, y_corners = np.meshgrid(x_edges, y_edges, indexing="ij")
            self.mesh = pg.PColorMeshItem(
                x_corners, y_corners, counts, colorMap=self.colour_map, levels=(0.0, top), enableAutoLevels=False
            )
            self.addItem(self.mesh)
            self.image.setVisible(False)
        self.enableAutoRange()


def _equal_widths(edges: np.ndarray) -> bool:
    widths = np.diff(edges)
    return bool(np.allclose(widths, widths[0], rtol=1e-6))


def render_png(plot: pg.PlotWidget) -> bytes:
    """Render ``plot`` with pyqtgraph's ImageExporter and return PNG bytes."""
    image = pyqtgraph.exporters.ImageExporter(plot.getPlotItem()).export(toBytes=True)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RootableError("failed to encode the plot as PNG")
    buffer.close()
    return bytes(data.data())


def render_svg(plot: pg.PlotWidget, title: str) -> bytes:
    """Render ``plot`` with Qt's QSvgGenerator and return SVG bytes.

    NOTE: pyqtgraph 0.14.0's SVGExporter raises ValueError with Qt 6.11 (it cannot parse the
    path data that Qt now writes), so the widget is painted into an SVG generator instead.
    """
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(plot.width(), plot.height()))
    generator.setViewBox(QRectF(0, 0, plot.width(), plot.height()))
    generator.setTitle(title)
    # QSvgGenerator assumes 72 dpi by default. Unless it uses the widget's resolution, the
    # curves are scaled apart from the axes and no longer line up with the ticks.
    generator.setResolution(plot.logicalDpiX())
    painter = QPainter(generator)
    plot.render(painter)
    painter.end()
    buffer.close()
    return bytes(data.data())
