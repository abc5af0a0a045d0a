"""One pipeline for preview, histograms, export and the command line.

``prepare`` checks a recipe against the file and builds the flattening plan. ``iterate``
reads the inputs chunk by chunk, applies the cut and flattens. ``preview`` runs the same
on the first entries, and ``export`` streams the chunks into a writer.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import json
import logging
import os
import queue
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar

import awkward as ak
import numpy as np
import uproot.model

from rootable.core.catalog import (
    Catalog,
    TreeInfo,
    child,
    is_string_form,
    iter_tree_branches,
    open_catalog,
    open_file,
    paused_garbage_collection,
    rntuple_column,
    unwrap,
)
from rootable.core.errors import Cancelled, InputError, OutputError, RecipeError, did_you_mean
from rootable.core.flatten import (
    FlatChunk,
    FlattenPlan,
    column_dtype,
    empty_columns,
    fill_for,
    flatten,
)
from rootable.core.naming import UniqueNames
from rootable.core.recipe import Recipe
from rootable.core.report import plural
from rootable.core.selection import (
    Cut,
    Selection,
    build_plan,
    compile_cut,
    read_keys,
    resolve_branches,
)
from rootable.core.training import ColumnStatistics, Splitter, split_paths, stats_path
from rootable.core.writers import arrow_schema, format_for, open_writer

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Maximum uncompressed bytes one branch may declare for one chunk. A branch above it is
#: rejected before reading, because some files declare absurd sizes in their metadata.
MAX_BRANCH_CHUNK_BYTES = 4 * 1024**3

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


@dataclass
class Job:
    """A recipe checked against the first input: what to read and which columns come out."""

    recipe: Recipe
    catalog: Catalog
    tree: TreeInfo
    selection: Selection
    plan: FlattenPlan
    cut: Cut | None
    keys: list[str]
    schema: dict[str, np.ndarray]
    """Zero-row columns in output order: names and dtypes of the result."""
    entry_name: str = ""
    source_name: str = ""
    source_labels: dict[str, str] = field(default_factory=dict)
    """Value of the source-file column for each input path (``source_label``)."""
    label_name: str = ""
    weight_name: str = ""
    weight: Cut | None = None
    branch_columns: dict[str, list[str]] = field(default_factory=dict)
    """Output column names of each selected branch, by branch key."""
    column_fills: dict[str, Any] = field(default_factory=dict)
    """Fill value of each padded column; unpadded columns are absent."""

    @property
    def column_names(self) -> list[str]:
        return list(self.schema)


@dataclass
class ExportResult:
    """Summary of a finished export, for the user's report."""

    path: Path
    format: str
    rows: int
    columns: int
    bytes: int
    seconds: float
    events_read: int
    truncated: dict[str, int] = field(default_factory=dict)
    parts: dict[str, tuple[Path, int]] = field(default_factory=dict)
    """Path and row count of each split part; empty without a split."""
    stats_path: Path | None = None


def prepare(recipe: Recipe, catalog: Catalog | None = None) -> Job:
    """Check a recipe against its first input and build the plan.

    Raises
    ------
    InputError, RecipeError, CutError
        With a message that names the file, branch or field at fault.
    """
    recipe.validate()
    if not recipe.inputs:
        raise RecipeError("the recipe has no input file")
    if catalog is None:
        catalog = open_catalog(recipe.inputs[0])
    tree = catalog.tree(recipe.tree)
    if not recipe.branches:
        raise RecipeError(
            f"{tree.file_path}: no branches selected in {tree.path_string!r}; choose some "
            "(on the command line: --branches 'Jet_*,MET_pt')"
        )
    selection = resolve_branches(tree, recipe.branches)
    if not selection.branches:
        raise RecipeError(f"none of the selected branches in {tree.path_string!r} can be flattened")
    _check_depth_names(tree, recipe)
    plan = build_plan(tree, recipe, selection.branches)
    cut = compile_cut(recipe.cut, tree)
    weight = compile_cut(recipe.weight, tree, role="weight")
    expression_names: set[str] = set()
    for expression in (cut, weight):
        if expression is not None:
            expression_names |= expression.names
    keys = read_keys(plan, expression_names)
    _check_declared_sizes(tree, keys, recipe.step_size)
    forms = {key: tree.by_key[key].form for key in keys}
    schema = empty_columns(forms, plan)
    if not schema:
        raise RecipeError(
            f"the selection in {tree.path_string!r} gives no columns: every selected branch is "
            "jagged and its collection depth is 0; raise the depth or tick a scalar branch"
        )
    job = Job(recipe, catalog, tree, selection, plan, cut, keys, schema, weight=weight)
    _describe_columns(job, forms)
    _add_extra_columns(job)
    return job


def _check_depth_names(tree: TreeInfo, recipe: Recipe) -> None:
    jagged = {name for name, members in tree.collections.items() if any(b.var_dims for b in members)}
    for name in recipe.depths:
        if name not in jagged:
            hint = did_you_mean(name, sorted(jagged))
            raise RecipeError(f"invalid depth for {name!r}: no collection of that name in {tree.path_string!r}{hint}")
    for key in recipe.inner_depths:
        branch = tree.by_key.get(key)
        if branch is None or branch.var_dims != 2:
            doubly = sorted(b.key for b in tree.branches if b.var_dims == 2)
            listed = ", ".join(doubly) if doubly else "none in this tree"
            raise RecipeError(
                f"invalid inner depth for {key!r}: only doubly jagged branches take one ({listed})"
            )


def _describe_columns(job: Job, forms: dict[str, Any]) -> None:
    for branch in job.plan.branches:
        alone = FlattenPlan(branches=(branch,), fill=job.plan.fill)
        columns = empty_columns({branch.key: forms[branch.key]}, alone)
        job.branch_columns[branch.key] = list(columns)
        if branch.depths:
            for name, values in columns.items():
                job.column_fills[name] = job.plan.fill.string if values.dtype == object else fill_for(_leaf_dtype(job, branch.key), job.plan.fill)


def _leaf_dtype(job: Job, key: str) -> np.dtype:
    dtype = job.tree.by_key[key].dtype
    return np.dtype(dtype) if dtype not in ("", "string", "record") else np.dtype(np.float64)


def source_label(path: str, inputs: list[str]) -> str:
    """Return the source-file column's value for ``path``: its file name, or the path as
    given when another input has the same file name (``d1/nano.root``, ``d2/nano.root``)."""
    name = os.path.basename(path)
    same_name = {other for other in inputs if os.path.basename(other) == name}
    return path if len(same_name) > 1 else name


def _add_extra_columns(job: Job) -> None:
    names = UniqueNames()
    for name in job.schema:
        names.claim(name)
    extra: dict[str, np.ndarray] = {}
    if job.recipe.entry_column:
        job.entry_name = names.claim("entry")
        extra[job.entry_name] = np.zeros(0, dtype=np.int64)
    if job.recipe.source_column:
        job.source_name = names.claim("source_file")
        job.source_labels = {path: source_label(path, job.recipe.inputs) for path in job.recipe.inputs}
        extra[job.source_name] = np.zeros(0, dtype=object)
    if job.recipe.labels:
        job.label_name = names.claim("label")
        labels = list(job.recipe.labels.values())
        integral = all(float(v).is_integer() for v in labels)
        extra[job.label_name] = np.zeros(0, dtype=np.int64 if integral else np.float64)
    if job.weight is not None:
        job.weight_name = names.claim("weight")
        extra[job.weight_name] = np.zeros(0, dtype=np.float64)
    job.schema = {**extra, **job.schema}


def _check_declared_sizes(tree: TreeInfo, keys: list[str], step_size: int) -> None:
    for key in keys:
        branch = tree.by_key[key]
        if not branch.uncompressed_bytes or not branch.entries:
            continue
        per_chunk = branch.uncompressed_bytes / branch.entries * min(step_size, branch.entries)
        if per_chunk > MAX_BRANCH_CHUNK_BYTES:
            raise InputError(
                f"{tree.file_path}: branch {key!r} declares {branch.uncompressed_bytes / 1024**3:.1f} GiB "
                f"for {branch.entries} entries, more than rootable reads at once; untick it"
            )


def entry_ranges(
    num_entries: int, start: int | None, stop: int | None, step: int, edges: Sequence[int] = ()
) -> Iterator[tuple[int, int]]:
    """Yield (start, stop) pairs of at most ``step`` entries covering the requested range.

    ``edges`` are entry numbers where every selected branch starts a new basket (the tree's
    clusters). A chunk ends on the last edge that keeps it within ``step`` entries and above
    half of it, so that no basket is decompressed for two chunks. Without such an edge, it
    ends after ``step`` entries. With 20,000-entry baskets and steps of 50,000, ending on edges cut the
    baskets read by a fifth.
    """
    first = min(start or 0, num_entries)
    last = num_entries if stop is None else min(stop, num_entries)
    edges = sorted(edges)
    begin = first
    while begin < last:
        end = min(begin + step, last)
        if end < last:
            at = bisect.bisect_right(edges, end) - 1
            if at >= 0 and edges[at] > begin + step // 2:
                end = edges[at]
        yield begin, end
        begin = end


def placeholder(form: Any, length: int, fill: Any) -> ak.Array:
    """Return ``length`` events of a branch an input lacks: empty lists, or the fill value.

    Jagged branches get no objects, so their columns come out as fill values like any
    padded slot. Scalars, fixed arrays and leaf lists get the fill value of their dtype.
    """
    layout = _placeholder_layout(form, length, fill)
    return ak.Array(layout)


def _placeholder_layout(form: Any, length: int, fill: Any) -> Any:
    form = unwrap(form)
    if isinstance(form, (ak.forms.ListOffsetForm, ak.forms.ListForm)) and not is_string_form(form):
        offsets = ak.index.Index64(np.zeros(length + 1, dtype=np.int64))
        return ak.contents.ListOffsetArray(offsets, ak.to_layout(form.content.length_zero_array()))
    if is_string_form(form):
        return ak.to_layout([fill.string] * length)
    if isinstance(form, ak.forms.RecordForm):
        contents = [_placeholder_layout(content, length, fill) for content in form.contents]
        return ak.contents.RecordArray(contents, form.fields, length=length)
    if isinstance(form, ak.forms.RegularForm):
        content = _placeholder_layout(form.content, length * form.size, fill)
        return ak.contents.RegularArray(content, form.size, zeros_length=length)
    dtype = ak.types.numpytype.primitive_to_dtype(form.primitive)
    value = fill_for(dtype, fill)
    if column_dtype(dtype, fill) != dtype:
        raise RecipeError(f"the fill value {value} does not fit a {dtype} branch; choose one that does")
    return ak.contents.NumpyArray(np.full((length, *form.inner_shape), value, dtype=dtype))


def _open_tree(path: str, tree_path: tuple[str, ...]) -> Any:
    obj: Any = open_file(path)
    try:
        with paused_garbage_collection():
            for part in tree_path:
                obj = child(obj, part)
    except KeyError:
        raise InputError(f"{path}: tree {'/'.join(tree_path)!r} not found") from None
    return obj


class _TreeReader:
    """Reads branch arrays of one input by branch key, keeping duplicates apart by position.

    A reader can ``release`` its file between uses and opens it again when it next reads, so
    that a pass over hundreds of inputs keeps only a few of them in memory at a time.
    """

    def __init__(self, path: str, job: Job, share_handle: bool = True) -> None:
        self.path = path
        self.job = job
        self.shared = share_handle and path == job.tree.file_path and job.tree.handle is not None
        self.tree: Any = None
        self.num_entries = 0
        self.is_rntuple = False
        self.branches: dict[str, Any] = {}
        self.placeholders: list[str] = []
        """Keys of branches this input lacks, read as fill values when the recipe allows it."""
        self.size = 0
        """Branches in the input's metadata, sub-branches included: what holding it open costs."""
        self._warned = False
        self.open()

    def open(self) -> None:
        """Open the input and match the selected branches, unless it is open already."""
        if self.tree is not None:
            return
        obj = self.job.tree.handle if self.shared else _open_tree(self.path, self.job.tree.path)
        self.tree = obj
        self.num_entries = int(obj.num_entries)
        self.is_rntuple = not hasattr(obj, "branches")
        self.branches = {}
        self.placeholders = []
        if self.is_rntuple:
            return
        if obj is self.job.tree.handle and self.job.tree.branch_handles:
            handles = self.job.tree.branch_handles
            self.branches = {key: handles[self.job.tree.by_key[key].index] for key in self.job.keys}
            self.size = len(handles)
        else:
            raw = iter_tree_branches(obj)
            self.size = len(raw)
            self._match_branches(raw)

    def release(self) -> None:
        """Close the input's file and drop its metadata; the catalog's own handle stays open."""
        if self.tree is None or self.shared:
            return
        tree, self.tree = self.tree, None
        self.branches = {}
        file = getattr(tree, "file", None)
        if file is not None:
            with contextlib.suppress(Exception):
                file.close()
        break_model_cycles(tree)

    def _match_branches(self, raw: list[Any]) -> None:
        seen: dict[str, int] = {}
        by_key = {}
        for branch in raw:
            seen[branch.name] = seen.get(branch.name, 0) + 1
            count = seen[branch.name]
            by_key[branch.name if count == 1 else f"{branch.name}#{count}"] = branch
        problems = []
        for key in self.job.keys:
            expected = self.job.tree.by_key[key].typename
            if key not in by_key:
                problems.append(f"{key!r} is missing")
            elif by_key[key].typename != expected:
                problems.append(f"{key!r} is {by_key[key].typename} instead of {expected}")
            else:
                self.branches[key] = by_key[key]
                continue
            self.placeholders.append(key)
        if not problems:
            return
        if self.job.recipe.missing == "fill":
            if not self._warned:
                log.warning("%s: %s; filled with fill values", self.path, "; ".join(problems))
                self._warned = True
            return
        raise InputError(
            f"{self.path}: differs from the first input in {plural(len(problems), 'selected branch')} "
            f"({'; '.join(problems)}); leave them out of the selection, leave this file out, "
            "or fill them with fill values (--missing fill; in the app, tick Fill missing branches)"
        )

    def read(self, start: int, stop: int, executor: Executor | None = None) -> dict[str, ak.Array]:
        """Read entries ``start`` to ``stop`` of the selected branches, by key.

        ``executor`` decompresses baskets in parallel; None decompresses them in this thread.
        """
        self.open()
        if self.is_rntuple:
            record = self.tree.arrays(
                self.job.keys, entry_start=start, entry_stop=stop, array_cache=None, decompression_executor=executor
            )
            return {key: rntuple_column(record, key) for key in self.job.keys}
        try:
            return self._read_together(start, stop, executor) | self._placeholder_arrays(stop - start)
        except Exception:
            log.debug("%s: reading entries %d-%d together failed", self.path, start, stop, exc_info=True)
        arrays = {}
        for key, branch in self.branches.items():
            try:
                arrays[key] = branch.array(
                    entry_start=start, entry_stop=stop, library="ak", array_cache=None, decompression_executor=executor
                )
            except Exception as exc:
                raise InputError(f"{self.path}: branch {key!r} cannot be read ({exc}); untick it") from exc
        return arrays | self._placeholder_arrays(stop - start)

    def basket_edges(self) -> list[int]:
        """Entry numbers where every selected branch starts a new basket; empty for RNTuples."""
        self.open()
        if self.is_rntuple or not self.branches:
            return []
        selected_ids = {id(branch) for branch in self.branches.values()}
        try:
            return list(self.tree.common_entry_offsets(filter_branch=lambda branch: id(branch) in selected_ids))
        except Exception:
            log.debug("%s: no common basket edges", self.path, exc_info=True)
            return []

    def _placeholder_arrays(self, length: int) -> dict[str, ak.Array]:
        arrays = {}
        for key in self.placeholders:
            try:
                arrays[key] = placeholder(self.job.tree.by_key[key].form, length, self.job.plan.fill)
            except RecipeError as exc:
                raise RecipeError(f"{self.path}: cannot fill the missing branch {key!r}: {exc}") from None
        return arrays

    def _read_together(self, start: int, stop: int, executor: Executor | None) -> dict[str, ak.Array]:
        """Read all branches in one uproot call, which shares basket reads across branches.

        ``array_cache=None`` because uproot otherwise keeps up to 100 MB of arrays that a
        streaming pass never reads again.
        Branches are chosen by identity, never by name patterns, and keyed back by position,
        so names with glob characters and duplicate names stay apart.
        """
        selected_ids = {id(branch) for branch in self.branches.values()}
        names = [branch.name for branch in self.branches.values()]
        if len(set(names)) != len(names):
            raise ValueError("duplicate branch names; read them one by one")
        result = self.tree.arrays(
            filter_branch=lambda branch: id(branch) in selected_ids,
            entry_start=start,
            entry_stop=stop,
            library="ak",
            how=dict,
            array_cache=None,
            decompression_executor=executor,
        )
        by_name = {branch.name: key for key, branch in self.branches.items()}
        return {by_name[name]: array for name, array in result.items()}


def iterate(
    job: Job,
    *,
    entry_stop: int | None = None,
    cancelled: CancelCheck | None = None,
    progress: ProgressCallback | None = None,
    share_handle: bool = True,
    read_ahead: bool = False,
    inputs_opened: Callable[[list[int]], None] | None = None,
    checking: Callable[[int, int], None] | None = None,
) -> Iterator[FlatChunk]:
    """Yield flat chunks over all inputs in order, with the cut applied.

    Parameters
    ----------
    job
        A prepared recipe.
    entry_stop
        Read at most this many entries from the start of the range, for previews; None reads
        the recipe's whole range.
    cancelled
        Called between chunks; when it returns True, ``Cancelled`` is raised.
    progress
        Called after each chunk with (entries done, entries in total).
    share_handle
        Read the first input through the catalog's open file. Long runs that may overlap
        with previews in other threads pass False and open their own handle.
    read_ahead
        Read the next chunk on a background thread, with baskets decompressed by a small
        thread pool, while the caller flattens and writes the current one. Meant for full
        passes (export, histograms of all entries); a preview is too short to gain from it.
    inputs_opened
        Called once the inputs are open, with the entries of each, before the first chunk;
        progress displays use it to name the input being read.
    checking
        Called with (inputs checked, inputs in total) while a full pass opens and checks the
        inputs, which takes a while for hundreds of files.
    """
    recipe = job.recipe
    readers = _open_readers(job, share_handle, entry_stop, checking)
    if inputs_opened is not None:
        inputs_opened([reader.num_entries for reader in readers])
    ranges = _file_ranges(readers, recipe, entry_stop)
    total = sum(stop - start for _, _, start, stop in ranges)
    pieces = _pieces(ranges, recipe.step_size)
    done = 0
    with contextlib.ExitStack() as stack:
        if read_ahead and (len(ranges) > 1 or total > recipe.step_size):
            pool = stack.enter_context(ThreadPoolExecutor(READ_THREADS, thread_name_prefix="rootable-decompress"))
            raw: Iterable[tuple[_Piece, dict[str, ak.Array]]] = stack.enter_context(
                ReadAhead(_read_pieces(pieces, cancelled, pool))
            )
        else:
            raw = _read_pieces(pieces, cancelled, None)
        for piece, arrays in raw:
            _raise_if_cancelled(cancelled)
            chunk = _flat_chunk(job, arrays, piece.reader.path, piece.offset + piece.begin)
            done += piece.end - piece.begin
            if progress is not None:
                progress(done, total)
            log.debug("%s: entries %d-%d flattened, %d rows", piece.reader.path, piece.begin, piece.end, chunk.num_rows)
            yield chunk


#: Threads that decompress baskets during a full pass. On the 2-core benchmark machine,
#: reading the 21 benchmark branches of 1M events took 1.36 s without a pool, 1.29 s with one
#: thread and 0.81 s with two. The whole export took 1.49 s with one thread and 1.30 to 1.32 s
#: with two, three or four, so machines with more cores get up to four.
READ_THREADS = max(2, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class _Piece:
    """One step of a pass: entries ``begin`` to ``end`` of one input, ``offset`` entries in."""

    reader: _TreeReader
    offset: int
    begin: int
    end: int


def _pieces(ranges: list[tuple[_TreeReader, int, int, int]], step: int) -> Iterator[_Piece]:
    """Cut each input's range into chunks, closing each input once its last chunk is read."""
    for reader, offset, start, stop in ranges:
        for begin, end in entry_ranges(reader.num_entries, start, stop, step, reader.basket_edges()):
            yield _Piece(reader, offset, begin, end)
        reader.release()


def _read_pieces(
    pieces: Iterable[_Piece], cancelled: CancelCheck | None, executor: Executor | None
) -> Iterator[tuple[_Piece, dict[str, ak.Array]]]:
    for piece in pieces:
        _raise_if_cancelled(cancelled)
        yield piece, piece.reader.read(piece.begin, piece.end, executor)


def _raise_if_cancelled(cancelled: CancelCheck | None) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled("cancelled by the user")


class ReadAhead(Generic[T]):
    """Runs an iterator on a background thread, at most ``depth`` items ahead of the consumer.

    An error in the iterator is raised in the consumer when it reaches that point. Leaving the
    block early (cancel, an error downstream) stops the thread after the item it is reading.
    """

    def __init__(self, source: Iterator[T], depth: int = 1) -> None:
        self._source = source
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rootable-reader", daemon=True)

    def __enter__(self) -> ReadAhead[T]:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()

    def __iter__(self) -> Iterator[T]:
        while True:
            kind, value = self._queue.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return

    def _run(self) -> None:
        try:
            for item in self._source:
                if not self._put("item", item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer's thread
            self._put("error", exc)
            return
        self._put("end", None)

    def _put(self, kind: str, value: object) -> bool:
        """Queue a message; return False when the consumer has left."""
        while not self._stop.is_set():
            try:
                self._queue.put((kind, value), timeout=0.05)
            except queue.Full:
                continue
            return True
        return False


def break_model_cycles(root: Any) -> int:
    """Empty the uproot model objects (TTree, TBranch, TLeaf, streamers) reachable from
    ``root``, so that reference counting frees them; return how many were emptied.

    The metadata of a 1,499-branch NanoAOD file is about 68,000 objects in reference cycles.
    Left to the cyclic collector, those of about ten closed inputs piled up into one full
    collection of 750,000 objects, which held the GIL for 1.0 to 1.5 s and froze the app's
    window. Emptying them takes about 0.14 s of ordinary Python code per such file, which
    other threads interleave with. Only call this on objects of a file nothing else uses.

    NOTE: this relies on uproot 5.7.7 keeping a model's state in its instance ``__dict__``.
    If a later uproot does not, the collector still frees the objects, only later.
    """
    seen: set[int] = set()
    stack = [root]
    emptied = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, types.FunctionType)):
            continue
        seen.add(id(obj))
        if isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
            continue
        if isinstance(obj, dict):
            stack.extend(obj.values())
            continue
        state = getattr(obj, "__dict__", None)
        if not isinstance(state, dict) or not type(obj).__module__.startswith("uproot"):
            continue
        stack.extend(state.values())
        if isinstance(obj, uproot.model.Model):
            state.clear()
            emptied += 1
    return emptied


#: Branches whose metadata a full pass keeps in memory after the schema check: the inputs
#: beyond it are closed and opened again when read. Held open, 100 copies of the 1,499-branch
#: nano_dy.root peaked at 1.66 GB; 20,000 branches are about 13 such files, or 200 files of
#: 94 branches, and reading one input a second time costs its metadata parse again.
OPEN_BRANCH_BUDGET = 20_000


def _open_readers(
    job: Job, share_handle: bool, limit: int | None, checking: Callable[[int, int], None] | None = None
) -> list[_TreeReader]:
    """Open the inputs: all of them for a full pass, so that a schema problem in the last file
    stops the export before anything is written, but only as many as a limited preview needs."""
    if limit is None:
        readers = []
        open_branches = 0
        for number, path in enumerate(job.recipe.inputs):
            if checking is not None:
                checking(number, len(job.recipe.inputs))
            reader = _TreeReader(path, job, share_handle)
            readers.append(reader)
            open_branches += reader.size
            if open_branches > OPEN_BRANCH_BUDGET and len(readers) > 1:
                # Checked and counted, opened again when its turn comes to be read.
                reader.release()
        return readers
    readers = []
    needed = (job.recipe.entry_start or 0) + limit
    if job.recipe.entry_stop is not None:
        needed = min(needed, job.recipe.entry_stop)
    opened = 0
    for path in job.recipe.inputs:
        if opened >= needed:
            break
        reader = _TreeReader(path, job, share_handle)
        readers.append(reader)
        opened += reader.num_entries
    return readers


def _file_ranges(
    readers: list[_TreeReader], recipe: Recipe, limit: int | None
) -> list[tuple[_TreeReader, int, int, int]]:
    """Map the recipe's entry range, global over all inputs in order, to (reader, offset, start, stop)."""
    first = recipe.entry_start or 0
    last = recipe.entry_stop if recipe.entry_stop is not None else sum(r.num_entries for r in readers)
    if limit is not None:
        last = min(last, first + limit)
    ranges = []
    offset = 0
    for reader in readers:
        start = min(max(first - offset, 0), reader.num_entries)
        stop = min(max(last - offset, 0), reader.num_entries)
        if stop > start:
            ranges.append((reader, offset, start, stop))
        offset += reader.num_entries
    return ranges


def _flat_chunk(job: Job, arrays: dict[str, ak.Array], path: str, first_entry: int) -> FlatChunk:
    num_rows = len(next(iter(arrays.values()))) if arrays else 0
    entries = np.arange(first_entry, first_entry + num_rows, dtype=np.int64)
    if job.cut is not None:
        mask = job.cut.mask(arrays, num_rows)
        arrays = {key: array[mask] for key, array in arrays.items()}
        entries = entries[mask]
    chunk = flatten(arrays, job.plan)
    extra: dict[str, np.ndarray] = {}
    if job.entry_name:
        extra[job.entry_name] = entries
    if job.source_name:
        extra[job.source_name] = np.full(len(entries), job.source_labels[path], dtype=object)
    if job.label_name:
        dtype = job.schema[job.label_name].dtype
        extra[job.label_name] = np.full(len(entries), job.recipe.labels[path], dtype=dtype)
    if job.weight is not None:
        extra[job.weight_name] = job.weight.values(arrays, len(entries))
    chunk.columns = {**extra, **chunk.columns}
    chunk.num_rows = len(entries)
    return chunk


def preview(job: Job, num_events: int = 1000, cancelled: CancelCheck | None = None) -> FlatChunk:
    """Flatten the first ``num_events`` entries of the recipe's range into one table."""
    chunks = list(iterate(job, entry_stop=num_events, cancelled=cancelled))
    return concatenate(job, chunks)


def concatenate(job: Job, chunks: list[FlatChunk]) -> FlatChunk:
    """Join flat chunks into one; an empty list gives the zero-row schema."""
    if not chunks:
        return FlatChunk(columns={k: v.copy() for k, v in job.schema.items()}, num_rows=0)
    columns = {name: np.concatenate([c.columns[name] for c in chunks]) for name in job.schema}
    truncated: dict[str, int] = {}
    for chunk in chunks:
        for name, count in chunk.truncated.items():
            truncated[name] = truncated.get(name, 0) + count
    return FlatChunk(columns=columns, num_rows=sum(c.num_rows for c in chunks), truncated=truncated)


def _check_not_an_input(path: Path, inputs: list[str]) -> None:
    if not path.exists():
        return
    for source in inputs:
        if "://" not in source and os.path.exists(source) and path.samefile(source):
            raise OutputError(f"{path}: the output file is also an input; choose another output path")


def _write_or_explain(path: Path, action: Callable[[], None]) -> None:
    try:
        action()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{path}: writing failed ({reason}); free disk space or choose another folder") from exc


def export(
    job: Job,
    output: str | os.PathLike[str],
    fmt: str = "",
    *,
    cancelled: CancelCheck | None = None,
    progress: ProgressCallback | None = None,
    inputs_opened: Callable[[list[int]], None] | None = None,
    checking: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Stream every chunk of the job into ``output``; on failure or cancel nothing is left there.

    Parameters
    ----------
    output
        Destination path; its suffix picks the format unless ``fmt`` is given. With a split
        in the recipe, each part goes to its own file (``out.train.parquet``, ...).
    """
    recipe = job.recipe
    path = Path(output)
    fmt = format_for(path, fmt)
    targets = split_paths(path, list(recipe.split)) if recipe.split else {"": path}
    for target in targets.values():
        _check_not_an_input(target, recipe.inputs)
    started = time.perf_counter()
    writers = _open_writers(job, targets, fmt)
    splitter = Splitter(recipe.split, recipe.shuffle, recipe.seed)
    statistics = ColumnStatistics(job.column_fills) if recipe.stats else None
    log.info("export of %s to %s (%s) started", ", ".join(recipe.inputs), path, fmt)
    truncated: dict[str, int] = {}
    committed: list[str] = []
    events = 0
    try:
        with WriteBehind() as background:
            chunks = iterate(
                job,
                cancelled=cancelled,
                progress=progress,
                share_handle=False,
                read_ahead=True,
                inputs_opened=inputs_opened,
                checking=checking,
            )
            for chunk in chunks:
                parts = splitter.parts(chunk.columns, chunk.num_rows)
                for name, columns in parts.items():
                    background.submit(functools.partial(_write_or_explain, targets[name], functools.partial(writers[name].write, columns)))
                if statistics is not None:
                    statistics.add(parts.get("train", chunk.columns))
                events += chunk.num_rows
                for name, count in chunk.truncated.items():
                    truncated[name] = truncated.get(name, 0) + count
        if cancelled is not None and cancelled():
            raise Cancelled("cancelled by the user")
        for name, writer in writers.items():
            _write_or_explain(targets[name], writer.commit)
            committed.append(name)
    except BaseException:
        _abort_all(writers, targets, committed)
        log.info("export to %s stopped; the partial files were removed", path)
        raise
    written_stats = _write_statistics(statistics, path)
    seconds = time.perf_counter() - started
    log.info("export to %s done: %d rows in %.2f s", path, events, seconds)
    return ExportResult(
        path=path,
        format=fmt,
        rows=sum(w.rows for w in writers.values()),
        columns=len(job.schema),
        bytes=sum(t.stat().st_size for t in targets.values()),
        seconds=seconds,
        events_read=events,
        truncated=truncated,
        parts={name: (targets[name], writers[name].rows) for name in writers if name},
        stats_path=written_stats,
    )


class WriteBehind:
    """Runs write calls on one background thread, at most ``depth`` chunks behind the reader.

    Compression and file writes in pyarrow and h5py release the GIL, so on a machine with
    two or more cores the writing overlaps with reading and flattening the next chunk.
    Memory grows by at most ``depth`` flat chunks. The first error is raised in the caller,
    at the next ``submit`` or when the block ends.
    """

    def __init__(self, depth: int = 2) -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="rootable-writer", daemon=True)

    def __enter__(self) -> WriteBehind:  # noqa: PYI034 - the class is final
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None) -> None:
        self._queue.put(None)
        self._thread.join()
        if value is None and self._error is not None:
            raise self._error

    def submit(self, action: Callable[[], None]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(action)

    def _run(self) -> None:
        while (action := self._queue.get()) is not None:
            if self._error is not None:
                continue
            try:
                action()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                self._error = exc


def _open_writers(job: Job, targets: dict[str, Path], fmt: str) -> dict[str, Any]:
    recipe = job.recipe
    metadata = {"rootable.recipe": json.dumps(recipe.to_dict())}
    options = {"compression": recipe.compression, "layout": recipe.layout, "matrix_dtype": recipe.matrix_dtype}
    writers: dict[str, Any] = {}
    try:
        for name, target in targets.items():
            writers[name] = open_writer(target, fmt, arrow_schema(job.schema), metadata, options)
    except BaseException:
        _abort_all(writers, targets, [])
        raise
    return writers


def _abort_all(writers: dict[str, Any], targets: dict[str, Path], committed: list[str]) -> None:
    """Remove every temporary file, and the parts already renamed into place by this export."""
    for name, writer in writers.items():
        if name in committed:
            targets[name].unlink(missing_ok=True)
        else:
            writer.abort()


def _write_statistics(statistics: ColumnStatistics | None, path: Path) -> Path | None:
    if statistics is None:
        return None
    target = stats_path(path)
    _write_or_explain(target, lambda: statistics.write(target))
    return target


@dataclass
class Estimate:
    """Expected size of an export, extrapolated from a preview of its first entries."""

    entries: int
    rows: int
    bytes: int


def estimate_output(
    job: Job, preview_chunk: FlatChunk, previewed_entries: int, fmt: str, entries: int | None = None
) -> Estimate:
    """Extrapolate rows and bytes of a full export from a preview of its first entries.

    The row count scales the preview's pass fraction of the cut to all entries in range.
    The bytes per row come from writing the preview in ``fmt`` (Parquet, CSV, Feather) into
    memory. Other formats count the uncompressed column bytes and leave out file overhead.
    ``entries`` is the number of entries in range when the caller knows it already; else
    every input is opened to count them.
    NOTE: an estimate, and a rough one when the first entries are not typical of the rest.
    """
    if entries is None:
        entries = count_entries(job)
    fraction = preview_chunk.num_rows / previewed_entries if previewed_entries else 1.0
    rows = round(entries * fraction)
    per_row = _bytes_per_row(job, preview_chunk, fmt)
    return Estimate(entries=entries, rows=rows, bytes=round(rows * per_row))


def count_entries(job: Job, cancelled: CancelCheck | None = None) -> int:
    """Return the number of entries in the recipe's range over all inputs (opens each input)."""
    sizes = []
    for path in job.recipe.inputs:
        _raise_if_cancelled(cancelled)
        if path == job.tree.file_path:
            sizes.append(job.tree.entries)
        else:
            sizes.append(int(_open_tree(path, job.tree.path).num_entries))
    first = job.recipe.entry_start or 0
    last = sum(sizes) if job.recipe.entry_stop is None else min(job.recipe.entry_stop, sum(sizes))
    return max(last - first, 0)


def _bytes_per_row(job: Job, chunk: FlatChunk, fmt: str) -> float:
    import pyarrow as pa

    from rootable.core.writers import arrow_table

    if chunk.num_rows == 0:
        return float(sum(values.dtype.itemsize if values.dtype != object else 16 for values in job.schema.values()))
    table = arrow_table(chunk.columns, arrow_schema(job.schema))
    sink = pa.BufferOutputStream()
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, sink, compression=None if job.recipe.compression == "none" else job.recipe.compression, use_dictionary=False)
    elif fmt == "csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, sink)
    elif fmt == "feather":
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    else:
        return table.nbytes / chunk.num_rows
    return sink.getvalue().size / chunk.num_rows
