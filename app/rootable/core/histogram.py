"""Binning of flat columns for the histogram panel; the GUI only draws what this returns."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rootable.core.errors import RootableError

DEFAULT_BINS = 50


@dataclass
class Histogram:
    """Counts of one column's values, with the number of entries and of fill values."""

    name: str
    edges: np.ndarray
    counts: np.ndarray
    entries: int
    """Values that are not fill values (NaN and infinities included if they are real data)."""
    fills: int
    """Slots holding the fill value: events where the padded object does not exist."""
    underflow: int = 0
    overflow: int = 0
    nonfinite: int = 0

    @property
    def title(self) -> str:
        return f"{self.name}: {self.entries:,} entries, {self.fills:,} fill values"


def is_fill(values: np.ndarray, fill_value: float | None) -> np.ndarray:
    """Return a mask of the values equal to ``fill_value`` (NaN matches NaN)."""
    if fill_value is None:
        return np.zeros(len(values), dtype=bool)
    if isinstance(fill_value, float) and math.isnan(fill_value):
        if values.dtype.kind == "f":
            return np.isnan(values)
        return np.zeros(len(values), dtype=bool)
    return values == fill_value


def histogram(
    name: str,
    values: np.ndarray,
    fill_value: float | None = None,
    bins: int = DEFAULT_BINS,
    value_range: tuple[float, float] | None = None,
) -> Histogram:
    """Bin a numeric column, leaving fill values and non-finite values out of the counts.

    Parameters
    ----------
    fill_value
        The value that marks padded slots in this column, or None for unpadded columns.
        NOTE: a sentinel fill such as -1 cannot be told apart from a real -1 here; mask
        columns give the exact count.
    bins
        Number of bins; integer and boolean columns with a small range get one bin per value.
    value_range
        (low, high) of the bins; the data's range by default.
    """
    if values.dtype == object:
        raise RootableError(f"{name} holds text; histograms need numbers")
    data = values.astype(np.float64) if values.dtype.kind == "b" else values
    fills = is_fill(data, fill_value)
    kept = data[~fills]
    finite = kept[np.isfinite(kept)] if kept.dtype.kind == "f" else kept
    edges = _edges(finite, values.dtype, bins, value_range)
    counts, _ = np.histogram(finite, bins=edges)
    return Histogram(
        name=name,
        edges=edges,
        counts=counts,
        entries=len(kept),
        fills=int(np.count_nonzero(fills)),
        underflow=int(np.count_nonzero(finite < edges[0])),
        overflow=int(np.count_nonzero(finite > edges[-1])),
        nonfinite=int(len(kept) - len(finite)),
    )


def _edges(values: np.ndarray, dtype: np.dtype, bins: int, value_range: tuple[float, float] | None) -> np.ndarray:
    if value_range is not None:
        low, high = value_range
    elif len(values):
        low, high = float(values.min()), float(values.max())
    else:
        low, high = 0.0, 1.0
    if dtype.kind in "biu" and high - low < 200:
        return np.arange(math.floor(low) - 0.5, math.floor(high) + 1.5, 1.0)
    if high <= low:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1)
