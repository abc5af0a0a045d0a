"""The work the app hands to ``workers``: open a file, preview, export, count objects, recipes.

These functions run on pool threads, so they touch no widget. They call the core and return
plain results, which the GUI thread shows.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from rootable.core import pipeline
from rootable.core.catalog import (
    Catalog,
    TreeInfo,
    child,
    open_catalog,
    open_file,
    paused_garbage_collection,
)
from rootable.core.codegen import generate_script
from rootable.core.errors import OutputError
from rootable.core.flatten import FlatChunk, fill_for, flatten_array
from rootable.core.multiplicity import collection_counts
from rootable.core.recipe import Recipe
from rootable.core.report import ProgressText
from rootable.gui.workers import freeze_objects

log = logging.getLogger(__name__)

CancelCheck = Callable[[], bool]
Progress = Callable[[int, int], None]


@dataclass
class PreviewResult:
    """A flattened preview and what the GUI needs to label it."""

    job: pipeline.Job
    chunk: FlatChunk
    branch_columns: dict[str, list[str]]
    """Column names of each branch key, in output order."""
    fills: dict[str, Any]
    """Fill value of each padded column; unpadded columns are left out."""
    seconds: float
    script: str = ""
    """The recipe as a standalone uproot + awkward script (``codegen.generate_script``)."""


def open_task(path: str) -> Callable[[CancelCheck, Progress], Catalog]:
    def run(cancelled: CancelCheck, progress: Progress) -> Catalog:
        started = time.perf_counter()
        with paused_garbage_collection():
            catalog = open_catalog(path)
            # Frozen before the collector runs again: otherwise its first full collection
            # visits the whole new catalog at once (220 ms for 10,000 branches).
            freeze_objects()
        log.info("opened %s in %.2f s: %d trees", path, time.perf_counter() - started, len(catalog.trees))
        return catalog

    return run


def preview_task(recipe: Recipe, catalog: Catalog, num_events: int) -> Callable[[CancelCheck, Progress], PreviewResult]:
    def run(cancelled: CancelCheck, progress: Progress) -> PreviewResult:
        started = time.perf_counter()
        job = pipeline.prepare(recipe, catalog)
        chunk = pipeline.preview(job, num_events, cancelled=cancelled)
        columns = branch_columns(job)
        fills = padded_fills(job, columns, chunk)
        script = generate_script(job)
        return PreviewResult(job, chunk, columns, fills, time.perf_counter() - started, script)

    return run


def export_task(
    recipe: Recipe, catalog: Catalog, path: str, line: ProgressText | None = None
) -> Callable[[CancelCheck, Progress], pipeline.ExportResult]:
    """Return the export task. ``line``, the window's progress text, learns from this thread
    which input is being checked and the entries of each; a progress call then redraws it."""

    def run(cancelled: CancelCheck, progress: Progress) -> pipeline.ExportResult:
        job = pipeline.prepare(recipe, catalog)

        def checking(number: int, count: int) -> None:
            if line is not None and count > 1:
                line.inputs_checking(number, count)
                progress(0, 0)

        return pipeline.export(
            job,
            path,
            recipe.format,
            cancelled=cancelled,
            progress=progress,
            inputs_opened=line.inputs_opened if line is not None else None,
            checking=checking,
        )

    return run


def counts_task(tree: TreeInfo, collection: str) -> Callable[[CancelCheck, Progress], np.ndarray]:
    """Read the objects per event of ``collection`` over all entries, through a handle of its own."""

    def run(cancelled: CancelCheck, progress: Progress) -> np.ndarray:
        started = time.perf_counter()
        own = dataclasses.replace(tree, handle=_open_tree(tree), branch_handles=[])
        counts = collection_counts(own, collection)
        log.info("read %d %s counts in %.2f s", len(counts), collection, time.perf_counter() - started)
        return counts

    return run


def _open_tree(tree: TreeInfo) -> Any:
    # The preview lane reads through the catalog's handle at the same time, so this task
    # opens the file again instead of sharing that handle across threads.
    obj = open_file(tree.file_path)
    for part in tree.path:
        obj = child(obj, part)
    return obj


def save_recipe_task(recipe: Recipe, path: str) -> Callable[[CancelCheck, Progress], str]:
    def run(cancelled: CancelCheck, progress: Progress) -> str:
        try:
            recipe.save(path)
        except OSError as exc:
            raise OutputError(f"cannot write the recipe to {path}: {exc.strerror or exc}") from exc
        return path

    return run


def load_recipe_task(path: str) -> Callable[[CancelCheck, Progress], Recipe]:
    def run(cancelled: CancelCheck, progress: Progress) -> Recipe:
        return Recipe.load(path)

    return run


def branch_columns(job: pipeline.Job) -> dict[str, list[str]]:
    """Return the output column names of each planned branch, found by flattening zero rows."""
    result = {}
    for plan in job.plan.branches:
        form = job.tree.by_key[plan.key].form
        empty = ak.Array(form.length_zero_array())
        result[plan.key] = list(flatten_array(empty, plan.base, plan.depths, job.plan.fill))
    return result


def padded_fills(job: pipeline.Job, columns: dict[str, list[str]], chunk: FlatChunk) -> dict[str, Any]:
    """Return the fill value of every column that padding can fill: those of jagged branches."""
    fills: dict[str, Any] = {}
    for plan in job.plan.branches:
        if not plan.depths:
            continue
        for name in columns[plan.key]:
            values = chunk.columns.get(name)
            if values is not None and values.dtype != object:
                fills[name] = fill_for(np.dtype(values.dtype), job.plan.fill)
    return fills
