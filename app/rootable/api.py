"""Python API for notebooks: the flat table as a pandas DataFrame, whole or chunk by chunk."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rootable.core import pipeline
from rootable.core.recipe import FillValues, Recipe, SortKey, expand_inputs, parse_fill

if TYPE_CHECKING:
    import pandas as pd

PathLike = str | os.PathLike[str]


def make_recipe(
    inputs: PathLike | Sequence[PathLike] | None = None,
    *,
    branches: Sequence[str] | str | None = None,
    tree: str | None = None,
    depth: int | Mapping[str, int] | None = None,
    inner_depth: Mapping[str, int] | None = None,
    fill: float | str | Mapping[str, float] | FillValues | None = None,
    cut: str | None = None,
    sort: Mapping[str, str | SortKey] | None = None,
    masks: bool | None = None,
    entry_start: int | None = None,
    entry_stop: int | None = None,
    recipe: Recipe | PathLike | None = None,
    **fields: Any,
) -> Recipe:
    """Build a Recipe from keyword options, on top of ``recipe`` (an object or a TOML path).

    ``inputs`` are files, folders (their ``*.root`` files) or glob patterns, as on the
    command line. ``depth`` is one depth for every collection or a mapping
    ``{"Jet": 4, "Muon": 2}`` (collections not named keep the default 4). ``fill`` is one
    value for every type or a mapping with keys ``floating``, ``integer``, ``boolean``.
    Any other Recipe field is set as given: ``source_column=True``, ``weight="genWeight"``,
    ``step_size=100_000``, ...
    """
    result = _base_recipe(recipe)
    if inputs is not None:
        items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
        result.inputs = expand_inputs(items)
    if branches is not None:
        result.branches = [branches] if isinstance(branches, str) else list(branches)
    if tree is not None:
        result.tree = tree
    if isinstance(depth, int):
        result.depth = depth
    elif depth is not None:
        result.depths.update(depth)
    if inner_depth is not None:
        result.inner_depths.update(inner_depth)
    if fill is not None:
        result.fill = _fill_values(fill)
    if cut is not None:
        result.cut = cut
    for collection, key in (sort or {}).items():
        result.sort[collection] = key if isinstance(key, SortKey) else SortKey(member=key)
    if masks is not None:
        result.masks = masks
    if entry_start is not None:
        result.entry_start = entry_start
    if entry_stop is not None:
        result.entry_stop = entry_stop
    names = {f.name for f in dataclasses.fields(Recipe)}
    for name, value in fields.items():
        if name not in names:
            raise TypeError(f"unknown recipe option {name!r}; the options are {', '.join(sorted(names))}")
        setattr(result, name, value)
    result.validate()
    return result


def _base_recipe(recipe: Recipe | PathLike | None) -> Recipe:
    if recipe is None:
        return Recipe()
    if isinstance(recipe, Recipe):
        return Recipe.from_dict(recipe.to_dict())
    return Recipe.load(recipe)


def _fill_values(fill: Any) -> FillValues:
    if isinstance(fill, FillValues):
        return fill
    if isinstance(fill, Mapping):
        values = FillValues()
        for name, value in fill.items():
            setattr(values, name, value if name == "string" else parse_fill(value))
        return values
    return FillValues.uniform(parse_fill(fill))


def read(inputs: PathLike | Sequence[PathLike] | None = None, **options: Any) -> pd.DataFrame:
    """Return the whole flat table as one pandas DataFrame; options as in ``make_recipe``.

    Example: ``rootable.read("nano.root", branches=["Jet_*", "MET_pt"], depth={"Jet": 4})``.
    """
    import pandas as pd

    frames = list(iterate(inputs, **options))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def iterate(inputs: PathLike | Sequence[PathLike] | None = None, **options: Any) -> Iterator[pd.DataFrame]:
    """Yield the flat table chunk by chunk as pandas DataFrames (``step_size`` entries each)."""
    import pandas as pd

    recipe = make_recipe(inputs, **options)
    job = pipeline.prepare(recipe)
    produced = False
    for chunk in pipeline.iterate(job):
        produced = True
        yield pd.DataFrame(chunk.columns, copy=False)
    if not produced:
        yield pd.DataFrame(pipeline.concatenate(job, []).columns, copy=False)
