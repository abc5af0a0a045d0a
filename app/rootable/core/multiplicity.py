"""Multiplicity of a collection (objects per event) and the padding depth it suggests.

The depth assistant reads the counter branch of a collection, or counts the objects of
one jagged member when the collection has no counter, and reports how many events a
depth keeps whole.
"""

from __future__ import annotations

import math

import awkward as ak
import numpy as np

from rootable.core.catalog import TreeInfo, iter_tree_branches, rntuple_column
from rootable.core.errors import InputError, did_you_mean

#: Fraction of events in which ``suggest_depth`` keeps every object when no fraction is passed.
DEFAULT_FRACTION = 0.95


def collection_counts(tree: TreeInfo, collection: str, entry_stop: int | None = None) -> np.ndarray:
    """Read the number of objects of ``collection`` in each event.

    Parameters
    ----------
    tree
        A tree from ``open_catalog``; its open uproot object is used for reading.
    collection
        Collection name as in ``tree.collections`` (``Jet``, ``Muon``, ...).
    entry_stop
        Read only the entries before this one; None reads the whole tree.

    Returns
    -------
    numpy.ndarray
        One int64 count per event.

    Raises
    ------
    InputError
        When the collection is unknown or has neither a counter nor a jagged member.
    """
    if collection not in tree.collections:
        hint = did_you_mean(collection, tree.collections)
        raise InputError(f"{tree.file_path}: collection {collection!r} not found{hint}")
    counter = tree.counters.get(collection)
    if counter is not None:
        values = _read(tree, counter, entry_stop)
        return np.asarray(values, dtype=np.int64)
    member = next(
        (b for b in tree.collections[collection] if b.flattenable and b.var_dims > 0), None
    )
    if member is None:
        raise InputError(
            f"{tree.file_path}: collection {collection!r} has no counter branch and no "
            "jagged member, so it has no multiplicity"
        )
    counts = ak.num(_read(tree, member.key, entry_stop), axis=1)
    return np.asarray(ak.fill_none(counts, 0), dtype=np.int64)


def _read(tree: TreeInfo, key: str, entry_stop: int | None) -> ak.Array:
    if tree.is_rntuple:
        return rntuple_column(tree.handle.arrays([key], entry_stop=entry_stop), key)
    # Keys of repeated names are ``name#N``, the N-th branch of that name in catalog order.
    name, _, number = key.partition("#")
    matches = [b for b in iter_tree_branches(tree.handle) if b.name == name]
    branch = matches[int(number or 1) - 1]
    return branch.array(entry_stop=entry_stop, library="ak")


def multiplicity_distribution(counts: np.ndarray) -> np.ndarray:
    """Count the events with each multiplicity.

    Parameters
    ----------
    counts
        Number of objects per event, as from ``collection_counts``.

    Returns
    -------
    numpy.ndarray
        Element ``k`` is the number of events with exactly ``k`` objects; the length is the
        maximum multiplicity plus one, and 0 for no events.
    """
    values = _check_counts(counts)
    return np.bincount(values)


def kept_events(counts: np.ndarray, depth: int) -> int:
    """Return how many events have at most ``depth`` objects, so that padding loses none."""
    values = _check_counts(counts)
    _check_depth(depth)
    return int(np.count_nonzero(values <= depth))


def describe_depth(counts: np.ndarray, depth: int, collection: str) -> str:
    """Describe in one sentence what padding ``collection`` to ``depth`` keeps and loses.

    The percentage is rounded down to one decimal, so 100.0% appears only when no event
    loses an object.

    Parameters
    ----------
    counts
        Number of objects per event.
    depth
        Number of object slots per event.
    collection
        Collection name used in the sentence.

    Returns
    -------
    str
        For example ``depth 4 keeps every Jet in 50.0% of events; 20 of 40 events lose at
        least one Jet``.
    """
    values = _check_counts(counts)
    _check_depth(depth)
    total = len(values)
    if total == 0:
        return f"depth {depth}: there are no events to count {collection} in"
    kept = kept_events(values, depth)
    percent = math.floor(kept * 1000 / total) / 10
    return (
        f"depth {depth} keeps every {collection} in {percent:.1f}% of events; "
        f"{total - kept} of {total} events lose at least one {collection}"
    )


def suggest_depth(counts: np.ndarray, fraction: float = DEFAULT_FRACTION) -> int:
    """Return the smallest depth that keeps every object in at least ``fraction`` of events.

    Parameters
    ----------
    counts
        Number of objects per event.
    fraction
        Required share of events with no object cut off, in (0, 1].

    Returns
    -------
    int
        The depth; 0 when there are no events.

    Raises
    ------
    ValueError
        When ``fraction`` is outside (0, 1] or a count is negative.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"invalid fraction {fraction!r}: expected a number in (0, 1]")
    values = _check_counts(counts)
    if len(values) == 0:
        return 0
    kept_per_depth = np.cumsum(np.bincount(values))
    # Dividing counts (rather than multiplying the fraction) keeps 38/40 equal to 0.95.
    reached = kept_per_depth / len(values) >= fraction
    return int(np.argmax(reached))


def _check_counts(counts: np.ndarray) -> np.ndarray:
    values = np.asarray(counts)
    if values.ndim != 1 or (values.size and values.dtype.kind not in "iu"):
        raise ValueError(
            f"invalid counts: expected a 1-D array of integers, got {values.dtype} {values.shape}"
        )
    if values.size and values.min() < 0:
        raise ValueError(f"invalid counts: {int(values.min())} is negative")
    return values.astype(np.int64)


def _check_depth(depth: int) -> None:
    if not isinstance(depth, (int, np.integer)) or isinstance(depth, bool) or depth < 0:
        raise ValueError(f"invalid depth {depth!r}: expected a whole number >= 0")
