"""Binning of flat columns and reading of stored ROOT histograms; the GUI only draws the results.

Everything here is Qt-free: 1-D and 2-D histograms of preview columns, the chunk-by-chunk
histogram of a column over all entries, and the TH1, TH2 and TProfile objects of a file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rootable.core.errors import RootableError

DEFAULT_BINS = 50
MAX_BINS = 100_000


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
    fills_counted: bool = False
    """True when finite fill values are in ``counts`` (``exclude_fills=False``)."""
    all_entries: int | None = None
    """Entries read for a histogram over the whole recipe; None for a preview histogram."""

    @property
    def title(self) -> str:
        fills = f"{self.fills:,} fill values{' (counted)' if self.fills_counted else ''}"
        if self.all_entries is not None:
            return f"{self.name}, all {self.all_entries:,} entries: {self.entries:,} values, {fills}"
        return f"{self.name}: {self.entries:,} entries, {fills}"


@dataclass
class Histogram2D:
    """Counts of pairs (x, y) of two columns; ``counts[i, j]`` is x bin i and y bin j."""

    x_name: str
    y_name: str
    x_edges: np.ndarray
    y_edges: np.ndarray
    counts: np.ndarray
    entries: int
    """Rows whose x and y are both kept (not fill values, finite)."""
    dropped: int
    """Rows left out because x or y is a fill value or not finite."""

    @property
    def title(self) -> str:
        return f"{self.y_name} vs {self.x_name}: {self.entries:,} entries, {self.dropped:,} rows left out"


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
    exclude_fills: bool = True,
) -> Histogram:
    """Bin a numeric column, leaving fill values and non-finite values out of the counts.

    Parameters
    ----------
    fill_value
        The value that marks padded slots in this column, or None for unpadded columns.
        NOTE: a sentinel fill such as -1 cannot be told apart from a real -1 here; mask
        columns give the exact count.
    bins
        Number of bins; integer and boolean columns whose values span fewer than ``bins``
        integers get one bin per integer instead.
    value_range
        (low, high) of the bins; the data's range by default.
    exclude_fills
        Leave fill values out of the counts (the default). When False, finite fill values
        are counted like data; a NaN fill is never counted.

    Raises
    ------
    RootableError
        For a text column, a bin count below 1, or an invalid range.
    """
    return histograms([(name, values, fill_value)], bins, value_range, exclude_fills)[0]


def histograms(
    columns: Sequence[tuple[str, np.ndarray, float | None]],
    bins: int = DEFAULT_BINS,
    value_range: tuple[float, float] | None = None,
    exclude_fills: bool = True,
) -> list[Histogram]:
    """Bin several columns with the same edges, for an overlay.

    ``columns`` holds (name, values, fill value) triples. The edges span the kept values
    of all columns unless ``value_range`` is given; the other parameters are those of
    ``histogram``.
    """
    check_binning(bins, value_range)
    kept = [_kept_values(name, values, fill, exclude_fills) for name, values, fill in columns]
    integers = all(values.dtype.kind in "biu" for _, values, _ in columns)
    edges = make_edges([k[0] for k in kept], integers, bins, value_range)
    return [bin_values(name, values, edges, fill, exclude_fills) for name, values, fill in columns]


def check_binning(bins: int, value_range: tuple[float, float] | None) -> None:
    """Raise RootableError for a bin count or range that cannot make histogram edges."""
    if not 1 <= bins <= MAX_BINS:
        raise RootableError(f"invalid number of bins {bins}: expected 1 to {MAX_BINS:,}")
    if value_range is None:
        return
    low, high = value_range
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RootableError(f"invalid range ({low}, {high}): both ends must be finite numbers")
    if low >= high:
        raise RootableError(f"invalid range ({low}, {high}): the low end must be below the high end")


def bin_values(
    name: str, values: np.ndarray, edges: np.ndarray, fill_value: float | None = None, exclude_fills: bool = True
) -> Histogram:
    """Count a column into fixed ``edges``; values outside them go to under- and overflow."""
    finite, fills, entries = _kept_values(name, values, fill_value, exclude_fills)
    counts, _ = np.histogram(finite, bins=edges)
    counted_fills = 0 if exclude_fills else fills - (entries + fills - len(finite) - _nonfinite_data(values, fill_value))
    return Histogram(
        name=name,
        edges=edges,
        counts=counts,
        entries=entries,
        fills=fills,
        underflow=int(np.count_nonzero(finite < edges[0])),
        overflow=int(np.count_nonzero(finite > edges[-1])),
        nonfinite=_nonfinite_data(values, fill_value),
        fills_counted=counted_fills > 0,
    )


def _kept_values(
    name: str, values: np.ndarray, fill_value: float | None, exclude_fills: bool
) -> tuple[np.ndarray, int, int]:
    """Return (the finite values to count, the number of fill slots, the non-fill entries)."""
    if values.dtype == object:
        raise RootableError(f"{name} holds text; histograms need numbers")
    data = values.astype(np.float64) if values.dtype.kind == "b" else values
    fills = is_fill(data, fill_value)
    kept = data[~fills] if exclude_fills else data
    finite = kept[np.isfinite(kept)] if kept.dtype.kind == "f" else kept
    return finite, int(np.count_nonzero(fills)), int(len(data) - np.count_nonzero(fills))


def _nonfinite_data(values: np.ndarray, fill_value: float | None) -> int:
    if values.dtype.kind != "f":
        return 0
    return int(np.count_nonzero(~np.isfinite(values) & ~is_fill(values, fill_value)))


def make_edges(
    kept: Sequence[np.ndarray], integers: bool, bins: int, value_range: tuple[float, float] | None
) -> np.ndarray:
    """Return bin edges over ``value_range``, or else over the range of all ``kept`` arrays."""
    if value_range is not None:
        low, high = value_range
    else:
        nonempty = [k for k in kept if len(k)]
        low = min((float(k.min()) for k in nonempty), default=0.0)
        high = max((float(k.max()) for k in nonempty), default=1.0)
    if integers and high - low < bins and value_range is None:
        return np.arange(math.floor(low) - 0.5, math.floor(high) + 1.5, 1.0)
    if high <= low:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1)
