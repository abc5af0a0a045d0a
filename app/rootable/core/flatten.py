"""Turn one chunk of awkward arrays into flat, named columns: one row per event.

Every layout is walked with a gather index: for each output row, the position of its value
in the current layout, plus a mask of rows that still hold a value. A variable-length
dimension with depth D makes D columns (``x_0 .. x_{D-1}``); a fixed dimension of size S
makes S columns; records make one column per field. Slots with no value get the fill value,
cast to the column dtype, so float32 stays float32 and an int32 with fill -1 stays int32.
This is a single vectorised gather per column, without ``pad_none`` round trips.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import awkward as ak
import numpy as np
import pyarrow as pa

from rootable.core.errors import NotFlattenableError
from rootable.core.recipe import FillValues

STRING_DTYPE = "string"


@dataclass(frozen=True)
class BranchPlan:
    """Column plan of one branch: its base column name and one depth per list level."""

    key: str
    base: str
    depths: tuple[int, ...] = ()
    collection: str = ""


@dataclass(frozen=True)
class CollectionPlan:
    """Per-collection options: depth, sort key and whether to write mask columns."""

    name: str
    depth: int
    members: tuple[str, ...]
    sort_member: str | None = None
    descending: bool = True
    masks: bool = False
    mask_base: str = ""


@dataclass(frozen=True)
class FlattenPlan:
    """Everything ``flatten`` needs besides the data; built from a recipe and a catalog."""

    branches: tuple[BranchPlan, ...]
    collections: tuple[CollectionPlan, ...] = ()
    fill: FillValues = field(default_factory=FillValues)


@dataclass
class FlatChunk:
    """Flat columns of one chunk, and how many events lost objects to clipping per collection."""

    columns: dict[str, np.ndarray]
    num_rows: int
    truncated: dict[str, int] = field(default_factory=dict)


def flatten(chunk: Mapping[str, ak.Array], plan: FlattenPlan) -> FlatChunk:
    """Flatten a chunk of awkward arrays into named 1-D columns.

    Parameters
    ----------
    chunk
        Arrays keyed by branch key, all with the same number of events.
    plan
        Column names, depths, sort keys and fill values.

    Returns
    -------
    FlatChunk
        Columns in plan order, each a NumPy array (object dtype for strings).
    """
    arrays = dict(chunk)
    num_rows = len(next(iter(arrays.values()))) if arrays else 0
    truncated: dict[str, int] = {}
    masks: dict[str, dict[str, np.ndarray]] = {}
    for collection in plan.collections:
        _sort_collection(arrays, collection)
        counts = _collection_counts(arrays, collection)
        if counts is None:
            continue
        truncated[collection.name] = int(np.count_nonzero(counts > collection.depth))
        if collection.masks:
            masks[collection.name] = {
                f"{collection.mask_base}_mask_{j}": counts > j for j in range(collection.depth)
            }
    columns: dict[str, np.ndarray] = {}
    emitted: set[str] = set()
    for branch in plan.branches:
        if branch.collection in masks and branch.collection not in emitted:
            columns.update(masks[branch.collection])
            emitted.add(branch.collection)
        flatten_array(arrays[branch.key], branch.base, branch.depths, plan.fill, columns)
    return FlatChunk(columns=columns, num_rows=num_rows, truncated=truncated)


def flatten_array(
    array: ak.Array | ak.contents.Content,
    base: str,
    depths: Sequence[int],
    fill: FillValues,
    out: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Flatten one branch's array into columns named from ``base``; see the module docstring."""
    if out is None:
        out = {}
    layout = array.layout if isinstance(array, ak.Array) else array
    n = layout.length
    state = _Gather(index=np.arange(n, dtype=np.int64), valid=None, padded=False, identity=True)
    _walk(layout, base, tuple(depths), state, fill, out)
    return out


@dataclass(frozen=True)
class _Gather:
    index: np.ndarray
    valid: np.ndarray | None
    padded: bool
    identity: bool = False
    """True while ``index`` is still ``arange(n)``, so values can be taken without a gather."""

    def narrowed(self, index: np.ndarray, valid: np.ndarray | None, padded: bool = True) -> _Gather:
        if self.valid is None:
            both = valid
        elif valid is None:
            both = self.valid
        else:
            both = self.valid & valid
        return _Gather(index=index, valid=both, padded=self.padded or padded)


def _walk(
    layout: Any, name: str, depths: tuple[int, ...], state: _Gather, fill: FillValues, out: dict
) -> None:
    handler = _HANDLERS.get(type(layout))
    if handler is None:
        raise NotFlattenableError(f"{name}: unsupported layout {type(layout).__name__}")
    handler(layout, name, depths, state, fill, out)


def _walk_numpy(layout: Any, name: str, depths: tuple, state: _Gather, fill: FillValues, out: dict) -> None:
    data = np.asarray(layout.data)
    if data.dtype.byteorder not in ("=", "|"):
        data = data.astype(data.dtype.newbyteorder("="))
    inner_shape = data.shape[1:]
    if inner_shape:
        flat = data.reshape(len(data), -1)
        for position, suffix in enumerate(np.ndindex(*inner_shape)):
            label = name + "".join(f"_{i}" for i in suffix)
            _emit_numeric(flat[:, position], label, state, fill, out)
        return
    _emit_numeric(data, name, state, fill, out)


def _emit_numeric(data: np.ndarray, name: str, state: _Gather, fill: FillValues, out: dict) -> None:
    dtype = column_dtype(data.dtype, fill) if state.padded else data.dtype
    if len(state.index) == 0:
        out[name] = np.zeros(0, dtype=dtype)
        return
    if len(data) == 0:
        out[name] = np.full(len(state.index), fill_for(data.dtype, fill), dtype=dtype)
        return
    if state.identity and len(data) == len(state.index):
        out[name] = data.astype(dtype, copy=False)
        return
    if state.valid is None:
        out[name] = data[state.index].astype(dtype, copy=False)
        return
    safe = np.where(state.valid, state.index, 0)
    values = data[safe].astype(dtype, copy=False)
    values[~state.valid] = fill_for(data.dtype, fill)
    out[name] = values


def _walk_string(layout: Any, name: str, state: _Gather, fill: FillValues, out: dict) -> None:
    strings = ak.to_arrow(ak.Array(layout), extensionarray=False)
    if len(strings) == 0:
        out[name] = np.full(len(state.index), fill.string, dtype=object)
        return
    safe = state.index if state.valid is None else np.where(state.valid, state.index, 0)
    values = strings.take(pa.array(safe)).to_numpy(zero_copy_only=False).astype(object)
    if state.valid is not None:
        values[~state.valid] = fill.string
    out[name] = values


def _walk_list(layout: Any, name: str, depths: tuple, state: _Gather, fill: FillValues, out: dict) -> None:
    if layout.parameter("__array__") in ("string", "bytestring"):
        _walk_string(layout, name, state, fill, out)
        return
    if not depths:
        raise NotFlattenableError(f"{name}: a variable-length dimension has no depth set")
    starts = np.asarray(layout.starts.data, dtype=np.int64)
    stops = np.asarray(layout.stops.data, dtype=np.int64)
    if len(starts) == 0:
        first, counts = np.zeros(len(state.index), np.int64), np.zeros(len(state.index), np.int64)
    else:
        safe = state.index if state.valid is None else np.where(state.valid, state.index, 0)
        first = starts[safe]
        counts = stops[safe] - first
    for j in range(depths[0]):
        child = state.narrowed(first + j, counts > j)
        _walk(layout.content, f"{name}_{j}", depths[1:], child, fill, out)


def _walk_regular(layout: Any, name: str, depths: tuple, state: _Gather, fill: FillValues, out: dict) -> None:
    if layout.parameter("__array__") in ("string", "bytestring"):
        _walk_string(layout, name, state, fill, out)
        return
    for k in range(layout.size):
        child = state.narrowed(state.index * layout.size + k, None, padded=False)
        _walk(layout.content, f"{name}_{k}", depths, child, fill, out)


def _walk_record(layout: Any, name: str, depths: tuple, state: _Gather, fill: FillValues, out: dict) -> None:
    for field_name in layout.fields:
        _walk(layout.content(field_name), f"{name}_{field_name}", depths, state, fill, out)


def _walk_indexed_option(layout: Any, name: str, depths: tuple, state: _Gather, fill: FillValues, out: dict) -> None:
    index = np.asarray(layout.index.data, dtype=np.int64)
    picked = index[state.index] if len(index) else np.full(len(state.index), -1, np.int64)
    present = picked >= 0
    child = state.narrowed(np.where(present, picked, 0), present)
    _walk(layout.content, name, depths, child, fill, out)


def _walk_indexed(layout: Any, name: str, depths: tuple, state: _Gather, fill: FillValues, out: dict) -> None:
    index = np.asarray(layout.index.data, dtype=np.int64)
    picked = index[state.index] if len(index) else np.zeros(len(state.index), np.int64)
    child = _Gather(index=picked, valid=state.valid, padded=state.padded)
    _walk(layout.content, name, depths, child, fill, out)


def _walk_masked(layout: Any, name: str, depths: tuple, state: _Gather, fill: FillValues, out: dict) -> None:
    _walk(layout.to_IndexedOptionArray64(), name, depths, state, fill, out)


def _walk_unmasked(layout: Any, name: str, depths: tuple, state: _Gather, fill: FillValues, out: dict) -> None:
    _walk(layout.content, name, depths, state, fill, out)


_HANDLERS = {
    ak.contents.NumpyArray: _walk_numpy,
    ak.contents.ListOffsetArray: _walk_list,
    ak.contents.ListArray: _walk_list,
    ak.contents.RegularArray: _walk_regular,
    ak.contents.RecordArray: _walk_record,
    ak.contents.IndexedOptionArray: _walk_indexed_option,
    ak.contents.IndexedArray: _walk_indexed,
    ak.contents.ByteMaskedArray: _walk_masked,
    ak.contents.BitMaskedArray: _walk_masked,
    ak.contents.UnmaskedArray: _walk_unmasked,
}


def fill_for(dtype: np.dtype, fill: FillValues) -> Any:
    """Return the fill value that applies to values of ``dtype``."""
    if dtype.kind == "f":
        return fill.floating
    if dtype.kind == "b":
        return fill.boolean
    if dtype.kind in "iu":
        return fill.integer
    return fill.floating


def column_dtype(dtype: np.dtype, fill: FillValues) -> np.dtype:
    """Return the dtype of a padded column: the branch dtype, widened only when the fill needs it.

    NaN on integers or booleans gives float64, as pandas does. A negative fill on an unsigned
    type gives the smallest signed type that can represent both. A boolean column keeps bool
    for fills 0 and 1 and becomes float64 otherwise.
    """
    value = fill_for(dtype, fill)
    if dtype.kind == "f":
        return dtype
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value) or not value.is_integer()):
        return np.dtype(np.float64)
    if dtype.kind == "b":
        return dtype if value in (0, 1) else np.dtype(np.float64)
    info = np.iinfo(dtype)
    if info.min <= value <= info.max:
        return dtype
    return np.promote_types(dtype, np.min_scalar_type(int(value)))


def _sort_collection(arrays: dict[str, ak.Array], collection: CollectionPlan) -> None:
    if collection.sort_member is None:
        return
    present = [m for m in collection.members if m in arrays]
    if collection.sort_member not in arrays:
        return
    keys = arrays[collection.sort_member]
    order = ak.argsort(keys, axis=1, ascending=not collection.descending, stable=True)
    counts = ak.num(keys, axis=1)
    for member in present:
        array = arrays[member]
        if array.ndim < 2 or not _same_counts(array, counts):
            continue
        arrays[member] = array[order]


def _same_counts(array: ak.Array, counts: ak.Array) -> bool:
    try:
        return bool(ak.all(ak.num(array, axis=1) == counts))
    except (ValueError, TypeError):
        return False


def _collection_counts(arrays: dict[str, ak.Array], collection: CollectionPlan) -> np.ndarray | None:
    for member in collection.members:
        array = arrays.get(member)
        if array is not None and array.ndim >= 2:
            counts = ak.num(array, axis=1)
            return np.asarray(ak.fill_none(counts, 0), dtype=np.int64)
    return None


def empty_columns(forms: Mapping[str, Any], plan: FlattenPlan) -> dict[str, np.ndarray]:
    """Return the zero-row columns a plan produces, to learn names and dtypes without reading."""
    chunk = {key: ak.Array(form.length_zero_array()) for key, form in forms.items()}
    return flatten(chunk, plan).columns
