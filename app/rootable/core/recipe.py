"""The recipe: everything the user chose, as a plain dataclass that loads and saves TOML."""

from __future__ import annotations

import glob
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from rootable.core.errors import InputError, RecipeError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_DEPTH = 4
DEFAULT_STEP_SIZE = 50_000
COMPRESSIONS = ("zstd", "snappy", "gzip", "lz4", "none")


@dataclass
class FillValues:
    """Values written where a padded slot has no object, one per type of branch.

    Defaults: NaN for floating point (missing-value aware ML tools read NaN as "absent"),
    -1 for integers and False for booleans, so integer and boolean columns keep their dtype.
    A NaN fill on an integer or boolean branch turns that column into float64.
    """

    floating: float = math.nan
    integer: float = -1
    boolean: float = 0
    string: str = ""

    @classmethod
    def uniform(cls, value: float) -> FillValues:
        """Return fill values that use ``value`` for every numeric type."""
        return cls(floating=value, integer=value, boolean=value)


@dataclass
class SortKey:
    """Order of objects in a collection before clipping: by one member, descending or not."""

    member: str
    descending: bool = True


@dataclass
class Recipe:
    """The user's choices: inputs, branches, flattening options and output."""

    inputs: list[str] = field(default_factory=list)
    tree: str | None = None
    branches: list[str] = field(default_factory=list)
    """Branch keys, collection names or glob patterns; an exact key wins over a pattern."""
    depth: int = DEFAULT_DEPTH
    """Padding depth for every collection without its own entry in ``depths``."""
    depths: dict[str, int] = field(default_factory=dict)
    inner_depths: dict[str, int] = field(default_factory=dict)
    """Inner depth of doubly jagged branches, by branch key."""
    fill: FillValues = field(default_factory=FillValues)
    masks: bool = False
    sort: dict[str, SortKey] = field(default_factory=dict)
    cut: str = ""
    entry_start: int | None = None
    """First entry to read, counted over all inputs in order (a global entry number)."""
    entry_stop: int | None = None
    entry_column: bool = False
    source_column: bool = False
    step_size: int = DEFAULT_STEP_SIZE
    missing: str = "stop"
    """Policy for a later input that lacks a selected branch or has another type: ``stop``
    before writing anything, or ``fill`` the branch with the fill values."""
    labels: dict[str, float] = field(default_factory=dict)
    """Value of a ``label`` column per input path (e.g. signal 1, background 0)."""
    weight: str = ""
    """Expression for a ``weight`` column: a branch name or arithmetic over branches."""
    shuffle: bool = False
    """Shuffle rows within each chunk with ``seed``."""
    seed: int = 0
    split: dict[str, float] = field(default_factory=dict)
    """Fractions per output part, e.g. ``{train = 0.8, val = 0.1, test = 0.1}``."""
    stats: bool = False
    """Write mean, std, min, max and fill fraction per column to ``<output>.stats.json``."""
    compression: str = "zstd"
    """Parquet compression: zstd, snappy, gzip, lz4 or none."""
    layout: str = ""
    """HDF5: ``columns`` (default, one dataset each) or ``matrix`` (one 2-D ``X``);
    NumPy: ``matrix`` (default, ``X`` and ``columns``) or ``columns`` (one array each)."""
    matrix_dtype: str = "float32"
    """Dtype of 2-D matrix outputs: float32 or float64."""
    output: str = ""
    format: str = ""

    def depth_of(self, collection: str) -> int:
        return self.depths.get(collection, self.depth)

    def validate(self) -> None:
        """Raise RecipeError naming the first field whose value is invalid."""
        _check_depth("depth", self.depth)
        for name, value in self.depths.items():
            _check_depth(f"depths.{name}", value)
        for name, value in self.inner_depths.items():
            _check_depth(f"inner_depths.{name}", value)
        for name in ("entry_start", "entry_stop"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise RecipeError(f"invalid {name} {value!r}: expected a whole number >= 0")
        if self.entry_start is not None and self.entry_stop is not None:
            if self.entry_stop < self.entry_start:
                raise RecipeError(
                    f"invalid entry range: entry_stop {self.entry_stop} is below "
                    f"entry_start {self.entry_start}"
                )
        if not isinstance(self.step_size, int) or self.step_size < 1:
            raise RecipeError(f"invalid step_size {self.step_size!r}: expected a whole number >= 1")
        for collection, key in self.sort.items():
            if not key.member:
                raise RecipeError(f"invalid sort.{collection}: the member to sort by is empty")
        self._validate_training()
        self._validate_format_options()

    def _validate_training(self) -> None:
        missing = [path for path in self.inputs if self.labels and path not in self.labels]
        if missing:
            raise RecipeError(f"invalid labels: input {missing[0]!r} has no label; give every input one")
        for name, fraction in self.split.items():
            if not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
                raise RecipeError(f"invalid split.{name} {fraction!r}: expected a fraction in (0, 1]")
        if self.split and abs(sum(self.split.values()) - 1) > 1e-9:
            parts = ", ".join(f"{name}={fraction:g}" for name, fraction in self.split.items())
            raise RecipeError(f"invalid split {parts}: the fractions add up to {sum(self.split.values()):g}, not 1")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise RecipeError(f"invalid seed {self.seed!r}: expected a whole number")

    def _validate_format_options(self) -> None:
        if self.compression not in COMPRESSIONS:
            raise RecipeError(f"invalid compression {self.compression!r}: expected one of {', '.join(COMPRESSIONS)}")
        if self.missing not in ("stop", "fill"):
            raise RecipeError(f"invalid missing {self.missing!r}: expected stop or fill")
        if self.layout not in ("", "columns", "matrix"):
            raise RecipeError(f"invalid layout {self.layout!r}: expected columns or matrix")
        if self.matrix_dtype not in ("float32", "float64"):
            raise RecipeError(f"invalid matrix_dtype {self.matrix_dtype!r}: expected float32 or float64")

    def to_dict(self) -> dict[str, Any]:
        """Return the recipe as TOML-ready data: None values are left out, NaN becomes "nan"."""
        data = asdict(self)
        data["fill"] = {k: _encode_float(v) for k, v in data["fill"].items()}
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        """Build a recipe from TOML data, raising RecipeError on unknown keys or bad values."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise RecipeError(f"unknown recipe key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
        values = dict(data)
        values["fill"] = _fill_from_dict(values.get("fill", {}))
        values["sort"] = {
            name: _sort_from_value(name, value) for name, value in values.get("sort", {}).items()
        }
        recipe = cls(**values)
        _check_types(recipe)
        recipe.validate()
        return recipe

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the recipe as TOML."""
        Path(path).write_text(tomli_w.dumps(self.to_dict()), encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Recipe:
        """Read a TOML recipe, raising RecipeError that names the file on any problem."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RecipeError(f"{path}: recipe file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise RecipeError(f"{path}: invalid TOML ({exc})") from None
        try:
            return cls.from_dict(data)
        except RecipeError as exc:
            raise RecipeError(f"{path}: {exc}") from None


def _check_depth(name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RecipeError(f"invalid {name} {value!r}: expected a whole number >= 0")


def _encode_float(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def parse_fill(text: Any) -> float:
    """Parse a fill value: a number, ``nan``, ``inf``, ``-inf``, ``true`` or ``false``."""
    if isinstance(text, bool):
        return float(text)
    if isinstance(text, (int, float)):
        return text
    lowered = str(text).strip().lower()
    if lowered in ("true", "false"):
        return float(lowered == "true")
    try:
        number = float(lowered)
    except ValueError:
        raise RecipeError(f"invalid fill value {text!r}: expected a number, nan, inf, -inf, true or false") from None
    if number.is_integer() and not math.isinf(number) and "." not in lowered and "e" not in lowered:
        return int(number)
    return number


def _fill_from_dict(data: dict[str, Any]) -> FillValues:
    known = {f.name for f in fields(FillValues)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RecipeError(f"unknown fill key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for name, value in data.items():
        values[name] = str(value) if name == "string" else parse_fill(value)
    return FillValues(**values)


def _sort_from_value(collection: str, value: Any) -> SortKey:
    if isinstance(value, str):
        return SortKey(member=value)
    if isinstance(value, dict) and set(value) <= {"member", "descending"} and "member" in value:
        return SortKey(member=str(value["member"]), descending=bool(value.get("descending", True)))
    raise RecipeError(
        f"invalid sort.{collection} {value!r}: expected a member name or "
        "{{member = \"...\", descending = true}}"
    )


def _check_types(recipe: Recipe) -> None:
    if not isinstance(recipe.inputs, list) or not all(isinstance(i, str) for i in recipe.inputs):
        raise RecipeError(f"invalid inputs {recipe.inputs!r}: expected a list of paths")
    if not isinstance(recipe.branches, list) or not all(isinstance(b, str) for b in recipe.branches):
        raise RecipeError(f"invalid branches {recipe.branches!r}: expected a list of names")
    if recipe.tree is not None and not isinstance(recipe.tree, str):
        raise RecipeError(f"invalid tree {recipe.tree!r}: expected a path such as 'Events'")
    if not isinstance(recipe.labels, dict) or not isinstance(recipe.split, dict):
        raise RecipeError("invalid labels or split: expected tables such as [labels] or [split]")
    if not isinstance(recipe.cut, str):
        raise RecipeError(f"invalid cut {recipe.cut!r}: expected an expression as text")
    for name in ("masks", "entry_column", "source_column", "shuffle", "stats"):
        if not isinstance(getattr(recipe, name), bool):
            raise RecipeError(f"invalid {name} {getattr(recipe, name)!r}: expected true or false")


def expand_inputs(items: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Turn input arguments into file paths in order: a folder gives its ``*.root`` files
    sorted by name, a glob pattern its sorted matches, anything else stays as it is.

    Raises
    ------
    InputError
        For a folder without ``.root`` files or a pattern that matches nothing.
    """
    result = []
    for item in map(os.fspath, items):
        if "://" in item:
            result.append(item)
        elif os.path.isdir(item):
            files = sorted(str(path) for path in Path(item).glob("*.root"))
            if not files:
                raise InputError(f"{item}: the folder has no .root files")
            result.extend(files)
        elif any(character in item for character in "*?[") and not os.path.exists(item):
            matches = sorted(glob.glob(item))
            if not matches:
                raise InputError(f"{item}: no file matches this pattern")
            result.extend(matches)
        else:
            result.append(item)
    return result


def repeated_inputs(paths: Sequence[str]) -> list[str]:
    """Return the inputs that name a file listed earlier, each once, in order."""
    seen: set[str] = set()
    repeated = []
    for path in paths:
        key = os.path.realpath(path) if "://" not in path else path
        if key in seen and path not in repeated:
            repeated.append(path)
        seen.add(key)
    return repeated
