"""The plot panel's work for ``workers``: a column over all entries, a stored histogram, a saved plot.

Like ``tasks``, these functions run on pool threads, touch no widget and return plain results.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence

import numpy as np

from rootable.core import pipeline
from rootable.core.catalog import Catalog
from rootable.core.errors import OutputError
from rootable.core.flatten import FlatChunk
from rootable.core.histogram import (
    Histogram,
    StoredHistogram,
    accumulate_histogram,
    read_stored_histogram,
)
from rootable.core.recipe import Recipe

log = logging.getLogger(__name__)

CancelCheck = Callable[[], bool]
Progress = Callable[[int, int], None]


def full_histogram_task(
    recipe: Recipe,
    catalog: Catalog,
    column: str,
    edges: np.ndarray,
    fill_value: float | None,
    exclude_fills: bool,
) -> Callable[[CancelCheck, Progress], Histogram]:
    """Histogram ``column`` over every entry of the recipe, chunk by chunk, with fixed ``edges``."""

    def run(cancelled: CancelCheck, progress: Progress) -> Histogram:
        started = time.perf_counter()
        job = pipeline.prepare(recipe, catalog)
        total = pipeline.count_entries(job)
        # The preview lane may read through the catalog's file handle meanwhile, so this
        # run opens its own.
        chunks = pipeline.iterate(job, cancelled=cancelled, progress=progress, share_handle=False, read_ahead=True)
        result = accumulate_histogram(
            (chunk.columns for chunk in chunks), column, edges, fill_value, exclude_fills
        )
        result.all_entries = total
        log.info(
            "histogram of %s over %d entries in %.2f s",
            column,
            total,
            time.perf_counter() - started,
        )
        return result

    return run


def stored_histogram_task(
    file_path: str, key_path: Sequence[str]
) -> Callable[[CancelCheck, Progress], StoredHistogram]:
    def run(cancelled: CancelCheck, progress: Progress) -> StoredHistogram:
        return read_stored_histogram(file_path, key_path)

    return run


def write_bytes_task(path: str, data: bytes) -> Callable[[CancelCheck, Progress], str]:
    """Write an image rendered on the GUI thread to ``path``."""

    def run(cancelled: CancelCheck, progress: Progress) -> str:
        try:
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise OutputError(f"cannot write the plot to {path}: {exc.strerror or exc}") from exc
        log.info("wrote the plot to %s (%d bytes)", path, len(data))
        return os.fspath(path)

    return run


def preview_chunk_task(
    recipe: Recipe, catalog: Catalog, num_events: int
) -> Callable[[CancelCheck, Progress], FlatChunk]:
    """Flatten the first ``num_events`` entries of ``recipe`` through a file handle of its own."""

    def run(cancelled: CancelCheck, progress: Progress) -> FlatChunk:
        job = pipeline.prepare(recipe, catalog)
        chunks = list(
            pipeline.iterate(job, entry_stop=num_events, cancelled=cancelled, share_handle=False)
        )
        return pipeline.concatenate(job, chunks)

    return run
