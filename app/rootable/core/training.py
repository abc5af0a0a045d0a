"""Helpers for training sets: shuffling, train/validation/test splits and column statistics."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rootable.core.histogram import is_fill

#: Suffixes that belong together, so ``out.csv.gz`` splits into ``out.train.csv.gz``.
_DOUBLE_SUFFIXES = (".csv.gz",)


def split_paths(path: Path, names: list[str]) -> dict[str, Path]:
    """Return one output path per split part: ``out.parquet`` gives ``out.train.parquet``, ..."""
    stem, suffix = split_suffix(path)
    return {name: path.with_name(f"{stem}.{name}{suffix}") for name in names}


def split_suffix(path: Path) -> tuple[str, str]:
    """Return (name without the format suffix, format suffix) of an output path."""
    lowered = path.name.lower()
    for double in _DOUBLE_SUFFIXES:
        if lowered.endswith(double):
            return path.name[: -len(double)], path.name[-len(double) :]
    return path.stem, path.suffix


def stats_path(path: Path) -> Path:
    """Return where the column statistics of an export go: ``out.parquet`` gives ``out.stats.json``."""
    return path.with_name(f"{split_suffix(path)[0]}.stats.json")


class Splitter:
    """Shuffles rows within a chunk and assigns each row to a split part, reproducibly.

    Each chunk gets its own generator seeded with (seed, chunk number), so the same recipe
    and step size give the same rows in the same parts.
    NOTE: the shuffle mixes rows within one chunk only. A step size of at least the number
    of events gives a full shuffle, at the cost of memory.
    """

    def __init__(self, split: Mapping[str, float], shuffle: bool, seed: int) -> None:
        self.names = list(split)
        self.bounds = np.cumsum(list(split.values())) if split else np.array([])
        self.shuffle = shuffle
        self.seed = seed
        self.chunks = 0

    def parts(self, columns: dict[str, np.ndarray], rows: int) -> dict[str, dict[str, np.ndarray]]:
        """Return the chunk's columns per part name (one part named ``""`` when not splitting)."""
        generator = np.random.default_rng([self.seed, self.chunks])
        self.chunks += 1
        if self.shuffle:
            order = generator.permutation(rows)
            columns = {name: values[order] for name, values in columns.items()}
        if not self.names:
            return {"": columns}
        draws = generator.random(rows)
        # The last bound is 1 up to rounding, so clip to keep every row in some part.
        part_of_row = np.minimum(np.searchsorted(self.bounds, draws, side="right"), len(self.names) - 1)
        return {
            name: {column: values[part_of_row == index] for column, values in columns.items()}
            for index, name in enumerate(self.names)
        }


class ColumnStatistics:
    """Running mean, standard deviation, minimum, maximum and fill fraction per numeric column.

    Fill values are left out of mean, std, min and max, since they mark absent objects.
    """

    def __init__(self, fills: Mapping[str, Any]) -> None:
        self.fills = dict(fills)
        self.totals: dict[str, dict[str, float]] = {}

    def add(self, columns: Mapping[str, np.ndarray]) -> None:
        for name, values in columns.items():
            if values.dtype == object:
                continue
            data = values.astype(np.float64)
            filled = is_fill(data, self.fills.get(name))
            kept = data[~filled & np.isfinite(data)]
            total = self.totals.setdefault(name, {"rows": 0, "fills": 0, "count": 0, "sum": 0.0, "sum2": 0.0, "min": math.inf, "max": -math.inf})
            total["rows"] += len(data)
            total["fills"] += int(np.count_nonzero(filled))
            if len(kept):
                # Shift by the first value seen, so the sum of squares keeps its precision.
                shift = total.setdefault("shift", float(kept[0]))
                total["count"] += len(kept)
                total["sum"] += float(np.sum(kept - shift))
                total["sum2"] += float(np.sum((kept - shift) ** 2))
                total["min"] = min(total["min"], float(kept.min()))
                total["max"] = max(total["max"], float(kept.max()))

    def result(self) -> dict[str, dict[str, float | None]]:
        """Return the statistics per column; None where a column held no value."""
        report: dict[str, dict[str, float | None]] = {}
        for name, total in self.totals.items():
            count = total["count"]
            mean = variance = None
            if count:
                centred = total["sum"] / count
                mean = total["shift"] + centred
                variance = max(total["sum2"] / count - centred**2, 0.0)
            report[name] = {
                "mean": mean,
                "std": math.sqrt(variance) if variance is not None else None,
                "min": total["min"] if count else None,
                "max": total["max"] if count else None,
                "fill_fraction": total["fills"] / total["rows"] if total["rows"] else None,
                "count": count,
            }
        return report

    def write(self, path: Path) -> None:
        """Write the statistics as JSON through a temporary file and a rename."""
        temporary = path.with_name(f".{path.name}.part")
        temporary.write_text(json.dumps(self.result(), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
