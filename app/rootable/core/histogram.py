"""Binning of flat columns and reading of stored ROOT histograms; the GUI only draws the results.

Everything here is Qt-free: 1-D and 2-D histograms of preview columns, the chunk-by-chunk
histogram of a column over all entries, and the TH1, TH2 and TProfile objects of a file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rootable.core.catalog import child, open_file
from rootable.core.errors import InputError, RootableError

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
            return (
                f"{self.name}, all {self.all_entries:,} entries: {self.entries:,} values, {fills}"
            )
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
        NOTE: a sentinel fill such as -1 cannot be distinguished from a real -1 here; mask
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

    ``columns`` contains (name, values, fill value) triples. The edges span the kept values
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
        raise RootableError(
            f"invalid range ({low}, {high}): the low end must be below the high end"
        )


def bin_values(
    name: str,
    values: np.ndarray,
    edges: np.ndarray,
    fill_value: float | None = None,
    exclude_fills: bool = True,
) -> Histogram:
    """Count a column into fixed ``edges``; values outside them go to under- and overflow."""
    finite, fills, entries = _kept_values(name, values, fill_value, exclude_fills)
    counts, _ = np.histogram(finite, bins=edges)
    return Histogram(
        name=name,
        edges=edges,
        counts=counts,
        entries=entries,
        fills=fills,
        underflow=int(np.count_nonzero(finite < edges[0])),
        overflow=int(np.count_nonzero(finite > edges[-1])),
        nonfinite=_nonfinite_data(values, fill_value),
        fills_counted=not exclude_fills and fills > 0 and _is_finite_number(fill_value),
    )


def _kept_values(
    name: str, values: np.ndarray, fill_value: float | None, exclude_fills: bool
) -> tuple[np.ndarray, int, int]:
    """Return (the finite values to count, the number of fill slots, the non-fill entries)."""
    if values.dtype == object:
        raise RootableError(f"{name} contains text; histograms need numbers")
    data = values.astype(np.float64) if values.dtype.kind == "b" else values
    fills = is_fill(data, fill_value)
    kept = data[~fills] if exclude_fills else data
    finite = kept[np.isfinite(kept)] if kept.dtype.kind == "f" else kept
    return finite, int(np.count_nonzero(fills)), int(len(data) - np.count_nonzero(fills))


def _is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and math.isfinite(float(value))


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


def accumulate_histogram(
    chunks: Iterable[Mapping[str, np.ndarray]],
    column: str,
    edges: np.ndarray,
    fill_value: float | None = None,
    exclude_fills: bool = True,
) -> Histogram:
    """Add up the histogram of ``column`` over chunks of columns, with fixed ``edges``.

    Parameters
    ----------
    chunks
        Mappings from column name to values, such as ``FlatChunk.columns`` of
        ``pipeline.iterate``; they are consumed one at a time, so memory stays at one chunk.
    edges
        Bin edges, usually those of the preview histogram; values outside them go to
        under- and overflow.

    Raises
    ------
    RootableError
        When a chunk lacks ``column`` or it contains text.
    """
    edges = np.asarray(edges, dtype=np.float64)
    total = Histogram(
        name=column,
        edges=edges,
        counts=np.zeros(len(edges) - 1, dtype=np.int64),
        entries=0,
        fills=0,
    )
    for columns in chunks:
        if column not in columns:
            raise RootableError(
                f"column {column!r} is not in the chunk; it has {', '.join(list(columns)[:8])}"
            )
        part = bin_values(column, columns[column], total.edges, fill_value, exclude_fills)
        total.counts += part.counts
        total.entries += part.entries
        total.fills += part.fills
        total.underflow += part.underflow
        total.overflow += part.overflow
        total.nonfinite += part.nonfinite
        total.fills_counted = total.fills_counted or part.fills_counted
    return total


def histogram2d(
    x: tuple[str, np.ndarray, float | None],
    y: tuple[str, np.ndarray, float | None],
    bins: int | tuple[int, int] = DEFAULT_BINS,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    exclude_fills: bool = True,
) -> Histogram2D:
    """Bin pairs of two columns of the same length.

    Parameters
    ----------
    x, y
        (name, values, fill value) of each column.
    bins
        Bins per axis, one number for both or (x bins, y bins).
    x_range, y_range
        (low, high) of each axis; the range of the kept values by default.
    exclude_fills
        Leave out rows where x or y is a fill value (the default). Rows with a NaN or an
        infinity in x or y are always left out.
    """
    (x_name, x_values, x_fill), (y_name, y_values, y_fill) = x, y
    if len(x_values) != len(y_values):
        raise RootableError(f"{x_name} has {len(x_values)} rows but {y_name} has {len(y_values)}")
    x_bins, y_bins = (bins, bins) if isinstance(bins, int) else bins
    check_binning(x_bins, x_range)
    check_binning(y_bins, y_range)
    x_data, x_keep = _pair_mask(x_name, x_values, x_fill, exclude_fills)
    y_data, y_keep = _pair_mask(y_name, y_values, y_fill, exclude_fills)
    keep = x_keep & y_keep
    x_kept, y_kept = x_data[keep], y_data[keep]
    x_edges = make_edges([x_kept], x_values.dtype.kind in "biu", x_bins, x_range)
    y_edges = make_edges([y_kept], y_values.dtype.kind in "biu", y_bins, y_range)
    counts, _, _ = np.histogram2d(x_kept, y_kept, bins=(x_edges, y_edges))
    return Histogram2D(
        x_name, y_name, x_edges, y_edges, counts, len(x_kept), len(keep) - len(x_kept)
    )


def _pair_mask(
    name: str, values: np.ndarray, fill_value: float | None, exclude_fills: bool
) -> tuple[np.ndarray, np.ndarray]:
    if values.dtype == object:
        raise RootableError(f"{name} contains text; histograms need numbers")
    data = values.astype(np.float64)
    keep = np.isfinite(data)
    if exclude_fills:
        keep &= ~is_fill(values, fill_value)
    return data, keep


# -- histograms stored in a file ----------------------------------------------------------------


@dataclass
class StoredHistogram:
    """A TH1, TH2 or TProfile read from a file: bin edges, contents, errors and titles."""

    name: str
    classname: str
    kind: str
    """``1d``, ``2d`` or ``profile``."""
    title: str
    edges: tuple[np.ndarray, ...]
    """One array of edges per axis, without under- and overflow."""
    values: np.ndarray
    """Bin contents (for a TProfile, the mean y of each bin); shape (x bins,) or (x bins, y bins)."""
    errors: np.ndarray
    axis_titles: tuple[str, ...]
    """Titles of the x and y axes, as ROOT stores them (often empty)."""
    bin_entries: np.ndarray | None = field(default=None)
    """Entries per bin of a TProfile; bins without entries have no mean."""


def _read_1d(obj: Any) -> dict[str, Any]:
    return {
        "kind": "1d",
        "edges": (obj.axis().edges(),),
        "values": obj.values(),
        "errors": obj.errors(),
    }


def _read_2d(obj: Any) -> dict[str, Any]:
    edges = (obj.axis(0).edges(), obj.axis(1).edges())
    return {"kind": "2d", "edges": edges, "values": obj.values(), "errors": obj.errors()}


def _read_profile(obj: Any) -> dict[str, Any]:
    # uproot's default error mode for a TProfile is the error on the mean, as ROOT draws it.
    return {
        "kind": "profile",
        "edges": (obj.axis().edges(),),
        "values": obj.values(),
        "errors": obj.errors(),
        "bin_entries": obj.counts(),
    }


#: Readers by class name prefix, most specific first; TProfile must come before TH1.
STORED_READERS: list[tuple[str, Callable[[Any], dict[str, Any]] | None]] = [
    ("TProfile2D", None),
    ("TProfile3D", None),
    ("TProfile", _read_profile),
    ("TH3", None),
    ("TH2", _read_2d),
    ("TH1", _read_1d),
]


def stored_reader(classname: str) -> Callable[[Any], dict[str, Any]] | None:
    """Return the reader for ``classname``, or None when rootable cannot draw that class."""
    for prefix, reader in STORED_READERS:
        if classname.startswith(prefix):
            return reader
    return None


def read_stored_histogram(
    file_path: str | os.PathLike[str], key_path: Sequence[str] | str
) -> StoredHistogram:
    """Read a TH1, TH2 or TProfile from a ROOT file.

    Parameters
    ----------
    file_path
        The ROOT file.
    key_path
        Names from the top directory down to the object, as a sequence (``("dir", "h")``)
        or a ``/``-separated string; the highest cycle of each name is read.

    Raises
    ------
    InputError
        When the file or the object is missing, or the object is not a TH1, TH2 or TProfile.
    """
    parts = (
        tuple(p for p in key_path.split("/") if p) if isinstance(key_path, str) else tuple(key_path)
    )
    if not parts:
        raise InputError(f"{os.fspath(file_path)}: no histogram name given")
    directory = open_file(file_path)
    try:
        obj = directory
        for part in parts:
            try:
                obj = child(obj, part)
            except (KeyError, AttributeError) as exc:
                raise InputError(
                    f"{os.fspath(file_path)}: object {'/'.join(parts)!r} not found"
                ) from exc
        return _describe_stored(obj, parts[-1], os.fspath(file_path))
    finally:
        directory.close()


def _describe_stored(obj: Any, name: str, file_path: str) -> StoredHistogram:
    classname = str(getattr(obj, "classname", type(obj).__name__))
    reader = stored_reader(classname)
    if reader is None:
        raise InputError(
            f"{file_path}: {name} is a {classname}; drawing is supported for TH1, TH2 and TProfile only"
        )
    parts = reader(obj)
    axes = ("fXaxis", "fYaxis")
    titles = tuple(_member_text(obj.member(axis), "fTitle") for axis in axes)
    return StoredHistogram(
        name=name,
        classname=classname,
        title=_member_text(obj, "fTitle"),
        axis_titles=titles,
        **parts,
    )


def _member_text(obj: Any, member: str) -> str:
    try:
        return str(obj.member(member) or "")
    except (KeyError, AttributeError):
        return ""
