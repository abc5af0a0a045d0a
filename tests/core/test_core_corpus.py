"""Every branch of every real file either flattens to the values plain uproot reads, or is rejected.

The expected columns come from plain uproot and awkward: ``pad_none(clip=True)`` and
``fill_none`` per list level, an index per fixed dimension, a field per record member.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pytest

from rootable.core import pipeline
from rootable.core.catalog import TreeInfo, open_catalog
from rootable.core.errors import InputError
from rootable.core.naming import sanitize
from rootable.core.recipe import Recipe
from rootable.core.selection import resolve_branches

DEPTH = 3
NUM_ENTRIES = 100
UNREADABLE_FILES = {"bad_delphes.root"}

# Trees with more branches than this are flattened in batches of BATCH_SIZE branches, because
# every preview walks all branches of the tree (roughly 25 ms per preview on nano_dy.root).
SINGLE_BRANCH_LIMIT = 200
BATCH_SIZE = 150

# Default fills: NaN for floats, -1 for integers, False for booleans. A -1 fill does not fit
# an unsigned type, so padded unsigned columns widen to the smallest signed type for both.
PADDED_UNSIGNED = {
    np.dtype(np.uint8): np.dtype(np.int16),
    np.dtype(np.uint16): np.dtype(np.int32),
    np.dtype(np.uint32): np.dtype(np.int64),
    np.dtype(np.uint64): np.dtype(np.float64),
}


def _data_folder() -> Path:
    default = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return Path(os.environ.get("ROOTABLE_TEST_DATA", default))


# The placeholder keeps the test (and so the data_dir failure) alive when the folder is missing.
FILE_NAMES = sorted(p.name for p in _data_folder().glob("*.root")) or ["no ROOT files found"]


def _raw_branches(tree: TreeInfo) -> dict[str, Any]:
    """Map catalog keys (``name``, or ``name#N`` for the N-th repeat) to uproot branches."""
    result = {}
    seen: dict[str, int] = {}
    for branch in tree.handle.itervalues(recursive=True):
        seen[branch.name] = seen.get(branch.name, 0) + 1
        number = seen[branch.name]
        result[branch.name if number == 1 else f"{branch.name}#{number}"] = branch
    return result


def _read_plain(tree: TreeInfo, raw: dict[str, Any], key: str) -> ak.Array:
    if tree.is_rntuple:
        return tree.handle.arrays([key], entry_stop=NUM_ENTRIES)[key]
    return raw[key].array(entry_stop=NUM_ENTRIES, library="ak")


def _leaf_type(array: ak.Array) -> Any:
    element = array.type.content
    while isinstance(element, ak.types.OptionType):
        element = element.content
    return element


def expected_columns(array: ak.Array, name: str, padded: bool, out: dict[str, Any]) -> None:
    """Split ``array`` into the columns rootable should write, by pad/clip/fill per level."""
    element = _leaf_type(array)
    if element.parameter("__array__") in ("string", "bytestring"):
        out[name] = [_as_text(value) for value in ak.to_list(array)]
        return
    if isinstance(element, ak.types.RecordType):
        for field_name in element.fields:
            expected_columns(array[field_name], f"{name}_{field_name}", padded, out)
        return
    if isinstance(element, ak.types.RegularType):
        for k in range(element.size):
            expected_columns(array[:, k], f"{name}_{k}", padded, out)
        return
    if isinstance(element, ak.types.ListType):
        clipped = ak.pad_none(array, DEPTH, axis=1, clip=True)
        for j in range(DEPTH):
            expected_columns(clipped[:, j], f"{name}_{j}", True, out)
        return
    assert isinstance(element, ak.types.NumpyType), f"{name}: unexpected type {element}"
    out[name] = _expected_numbers(array, element, padded)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value


def _expected_numbers(array: ak.Array, element: Any, padded: bool) -> np.ndarray:
    dtype = np.dtype(element.primitive)
    if dtype.kind == "f":
        fill: Any = math.nan
    elif dtype.kind == "b":
        fill = False
    else:
        fill = -1
    column_dtype = PADDED_UNSIGNED.get(dtype, dtype) if padded else dtype
    if len(array) == 0:
        return np.zeros(0, dtype=column_dtype)
    return np.asarray(ak.to_list(ak.fill_none(array, fill)), dtype=column_dtype)


def _batches(tree: TreeInfo) -> list[list[str]]:
    keys = [b.key for b in tree.branches if b.flattenable]
    bases = [sanitize(tree.by_key[k].name) for k in keys]
    # A batch needs unique column bases; repeated names go alone so their names stay plain.
    repeated = [k for k, base in zip(keys, bases, strict=True) if bases.count(base) > 1]
    plain = [k for k in keys if k not in repeated]
    if len(tree.branches) <= SINGLE_BRANCH_LIMIT:
        return [[k] for k in keys]
    batches = [plain[i : i + BATCH_SIZE] for i in range(0, len(plain), BATCH_SIZE)]
    return batches + [[k] for k in repeated]


def _preview(path: Path, catalog: Any, tree: TreeInfo, keys: list[str]) -> Any:
    recipe = Recipe(
        inputs=[str(path)],
        tree=tree.path_string,
        branches=list(keys),
        depth=DEPTH,
        inner_depths={k: DEPTH for k in keys if tree.by_key[k].var_dims == 2},
        entry_stop=NUM_ENTRIES,
    )
    job = pipeline.prepare(recipe, catalog)
    return pipeline.preview(job, NUM_ENTRIES)


def _compare(key: str, result: Any, expected: dict[str, Any], problems: list[str]) -> None:
    missing = [name for name in expected if name not in result.columns]
    if missing:
        problems.append(f"{key}: columns {missing} missing")
        return
    for name, values in expected.items():
        column = result.columns[name]
        if isinstance(values, list):
            if list(column) != values:
                problems.append(f"{key}: {name} contains {list(column)[:3]}, expected {values[:3]}")
            continue
        if column.dtype != values.dtype:
            problems.append(f"{key}: {name} has dtype {column.dtype}, expected {values.dtype}")
        elif not np.array_equal(column, values, equal_nan=values.dtype.kind == "f"):
            first = _first_difference(column, values)
            problems.append(
                f"{key}: {name} entry {first} is {column[first]!r}, expected {values[first]!r}"
            )


def _first_difference(column: np.ndarray, values: np.ndarray) -> int:
    differs = column != values
    if values.dtype.kind == "f":
        differs &= ~(np.isnan(column) & np.isnan(values))
    return int(np.argmax(differs))


def check_tree(path: Path, catalog: Any, tree: TreeInfo) -> list[str]:
    """List the branches that neither match plain uproot nor are rejected with a reason."""
    problems: list[str] = []
    raw = {} if tree.is_rntuple else _raw_branches(tree)
    for branch in tree.branches:
        if branch.flattenable:
            continue
        if not branch.reason:
            problems.append(f"{branch.key}: rejected without a reason")
        with pytest.raises(InputError, match="cannot be flattened") as caught:
            resolve_branches(tree, [branch.key])
        if branch.reason not in str(caught.value):
            problems.append(f"{branch.key}: the error does not give the reason {branch.reason!r}")
    for keys in _batches(tree):
        try:
            result = _preview(path, catalog, tree, keys)
        except Exception:
            if len(keys) > 1:
                # Run the batch one branch at a time to name the branch that fails.
                for key in keys:
                    problems.extend(_check_alone(path, catalog, tree, raw, key))
                continue
            raise
        expected_rows = min(tree.entries, NUM_ENTRIES)
        if result.num_rows != expected_rows:
            problems.append(f"{keys[0]}...: {result.num_rows} rows, expected {expected_rows}")
        expected: dict[str, Any] = {}
        for key in keys:
            one: dict[str, Any] = {}
            array = _read_plain(tree, raw, key)
            expected_columns(array, sanitize(tree.by_key[key].name), False, one)
            _compare(key, result, one, problems)
            expected.update(one)
        extra = sorted(set(result.columns) - set(expected))
        if extra:
            problems.append(f"{keys[0]}...: unexpected columns {extra[:5]}")
    return [f"{tree.path_string}: {line}" for line in problems]


def _check_alone(
    path: Path, catalog: Any, tree: TreeInfo, raw: dict[str, Any], key: str
) -> list[str]:
    try:
        result = _preview(path, catalog, tree, [key])
    except Exception as exc:  # noqa: BLE001 - every failure is listed for this branch
        return [f"{key}: {type(exc).__name__}: {exc}"]
    problems: list[str] = []
    expected: dict[str, Any] = {}
    expected_columns(_read_plain(tree, raw, key), sanitize(tree.by_key[key].name), False, expected)
    _compare(key, result, expected, problems)
    return problems


@pytest.mark.parametrize("file_name", FILE_NAMES)
def test_corpus_file_flattens_or_rejects(data_dir, file_name):
    path = data_dir / file_name
    assert path.is_file(), f"no ROOT files in {data_dir}"
    if file_name in UNREADABLE_FILES:
        with pytest.raises(InputError, match=file_name):
            open_catalog(path)
        return

    catalog = open_catalog(path)

    assert catalog.root.children, f"{file_name}: the catalog lists no objects"
    problems = []
    for tree in catalog.trees:
        problems.extend(check_tree(path, catalog, tree))
    assert problems == [], "\n".join(problems[:30])


def test_corpus_has_every_listed_file(data_dir):
    listed = {
        "nano_dy.root",
        "uproot-sample-6.20.04-zlib.root",
        "uproot-stl_containers.root",
        "uproot-vectorVectorDouble.root",
        "ntpl001_staff_rntuple_v1-0-0-0.root",
        "uproot-empty.root",
        "bad_delphes.root",
        "uproot-leaflist.root",
    }

    present = {p.name for p in data_dir.glob("*.root")}

    assert listed <= present
    assert set(FILE_NAMES) == present
