"""The recipe as a plain uproot + awkward + pyarrow script that reproduces the export.

The script is meant to teach: it reads with ``uproot.iterate``, pads with ``ak.pad_none``
and ``ak.fill_none``, and writes with pyarrow, one chunk at a time. It covers scalars,
fixed-size arrays, jagged numeric branches, text scalars, the cut, sorting and masks.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

from rootable import __version__
from rootable.core.catalog import BranchKind
from rootable.core.flatten import column_dtype
from rootable.core.pipeline import Job
from rootable.core.selection import CUT_FUNCTIONS, BooleanRewriter, dotted_key

_REDUCTIONS = {"count": "count_nonzero", "sum": "sum", "any": "any", "all": "all", "max": "max", "min": "min", "mean": "mean"}
_NUMPY = {"abs": "abs", "sqrt": "sqrt", "log": "log", "exp": "exp", "sin": "sin", "cos": "cos", "arctan2": "arctan2", "hypot": "hypot", "pi": "pi"}

_WRITERS = {
    "parquet": ("import pyarrow.parquet as pq", "pq.ParquetWriter(OUTPUT, table.schema, compression=\"zstd\")", "write_table"),
    "csv": ("import pyarrow.csv as pacsv", "pacsv.CSVWriter(OUTPUT, table.schema)", "write_table"),
    "feather": ("import pyarrow.ipc as ipc", "ipc.new_file(OUTPUT, table.schema)", "write_table"),
}
_OTHER_IMPORTS = {"hdf5": "import h5py", "numpy": "", "root": ""}


def left_out_options(recipe: Any) -> list[str]:
    """Return the recipe options that the generated script does not apply."""
    used = {
        "labels": bool(recipe.labels),
        "weight": bool(recipe.weight),
        "shuffle": recipe.shuffle,
        "split": bool(recipe.split),
        "stats": recipe.stats,
        "missing = fill": recipe.missing == "fill",
        "entry_column": recipe.entry_column,
        "source_column": recipe.source_column,
    }
    return [name for name, active in used.items() if active]


def generate_script(job: Job, output: str = "", fmt: str = "") -> str:
    """Return the Python source of a standalone script that writes the job's flat table.

    Parameters
    ----------
    job
        A prepared recipe (``pipeline.prepare``).
    output, fmt
        Output path and format; the recipe's by default. The script writes every format
        that rootable writes, with the recipe's NumPy layout and matrix dtype.
    """
    recipe = job.recipe
    output = output or recipe.output or "flat.parquet"
    fmt = fmt or recipe.format or _format_of(output)
    lines = _header(job, output, fmt)
    lines += _helpers()
    lines += _loop(job)
    lines += _writer_lines(fmt, recipe, output)
    return "\n".join(lines) + "\n"


def _format_of(output: str) -> str:
    from rootable.core.writers import format_for

    return format_for(output)


def _header(job: Job, output: str, fmt: str) -> list[str]:
    recipe = job.recipe
    import_line = _WRITERS[fmt][0] if fmt in _WRITERS else _OTHER_IMPORTS.get(fmt, "")
    lines = [
        f'"""Flatten {job.tree.path_string} into {output}; written by rootable {__version__}.',
        "",
        "Each event becomes one row. Jagged branches are padded or clipped to a fixed depth",
        "and split into one column per slot (Jet_pt_0, Jet_pt_1, ...).",
        '"""',
        "",
        "import awkward as ak",
        "import numpy as np",
        "import pyarrow as pa",
        *([import_line] if import_line else []),
        "import uproot",
        "",
        f"INPUTS = {[f'{path}:{job.tree.path_string}' for path in recipe.inputs]!r}",
        f"BRANCHES = {job.keys!r}",
        f"OUTPUT = {output!r}",
        f"STEP_SIZE = {recipe.step_size}  # entries per chunk",
        f"ENTRY_START, ENTRY_STOP = {recipe.entry_start!r}, {recipe.entry_stop!r}",
        "",
    ]
    left_out = left_out_options(recipe)
    if left_out:
        lines += [f"# NOTE: this script leaves out {', '.join(left_out)}; rootable export applies them.", ""]
    return lines


def _helpers() -> list[str]:
    return [
        "",
        "def pad(array, depth, fill, dtype):",
        '    """Pad or clip every event\'s list to `depth` slots; return one column per slot."""',
        "    padded = ak.fill_none(ak.pad_none(array, depth, clip=True), fill)",
        "    matrix = ak.to_numpy(padded).astype(dtype)",
        "    return [matrix[:, j] for j in range(depth)]",
        "",
        "",
        "writer = None",
        "entries_seen = 0",
        "for chunk in uproot.iterate(INPUTS, BRANCHES, step_size=STEP_SIZE, library=\"ak\"):",
        "    # uproot.iterate has no entry range over several files, so slice each chunk instead.",
        "    first, entries_seen = entries_seen, entries_seen + len(chunk)",
        "    low = max((ENTRY_START or 0) - first, 0)",
        "    high = len(chunk) if ENTRY_STOP is None else max(min(ENTRY_STOP - first, len(chunk)), 0)",
        "    chunk = chunk[low:high]",
        "    if len(chunk) == 0:",
        "        continue",
    ]


def _loop(job: Job) -> list[str]:
    lines: list[str] = []
    if job.cut is not None:
        expression = translate_cut(job.cut.text, lambda key: _access(job, key), set(job.tree.by_key))
        lines += [f"    # Event selection: {job.cut.text}", f"    chunk = chunk[{expression}]"]
    for collection in job.plan.collections:
        if collection.sort_member:
            order = "False" if collection.descending else "True"
            lines += [
                f"    # Sort {collection.name} by {collection.sort_member} before clipping, for every member.",
                f"    order = ak.argsort({_access(job, collection.sort_member)}, axis=1, ascending={order})",
            ]
            for member in collection.members:
                if member in job.keys:
                    lines.append(f"    {_access(job, member)} = {_access(job, member)}[order]")
    lines.append("    columns = {}")
    for collection in job.plan.collections:
        if collection.masks:
            first = next(m for m in collection.members if m in job.keys)
            lines += [
                f"    counts = ak.to_numpy(ak.num({_access(job, first)}, axis=1))",
                f"    for j in range({collection.depth}):",
                f"        columns[f\"{collection.mask_base}_mask_{{j}}\"] = counts > j",
            ]
    for branch in job.plan.branches:
        lines += _branch_lines(job, branch)
    return lines


def _access(job: Job, key: str) -> str:
    """Return the expression of branch ``key`` in the script's chunk.

    uproot returns a member of an RNTuple collection of records (``Jet.pt``) inside its
    collection, so the script reads it as ``chunk["Jet", "pt"]``.
    """
    collection, dot, member = key.partition(".")
    if job.tree.is_rntuple and dot and job.tree.by_key[key].collection == collection:
        return f"chunk[{collection!r}, {member!r}]"
    return f"chunk[{key!r}]"


def _branch_lines(job: Job, branch: Any) -> list[str]:
    info = job.tree.by_key[branch.key]
    access = _access(job, branch.key)
    if info.kind is BranchKind.SCALAR:
        return [f"    columns[{branch.base!r}] = ak.to_numpy({access})"]
    if info.kind is BranchKind.STRING:
        return [f"    columns[{branch.base!r}] = ak.to_list({access})"]
    if info.kind is BranchKind.FIXED:
        names = [name for name in job.schema if name.startswith(branch.base + "_")]
        return [
            f"    matrix = ak.to_numpy({access}).reshape(len(chunk), -1)  # row-major, like C",
            f"    for position, name in enumerate({names!r}):",
            "        columns[name] = matrix[:, position]",
        ]
    if info.kind is BranchKind.JAGGED and info.dtype not in ("string", "record"):
        import numpy as np

        dtype = column_dtype(np.dtype(info.dtype), job.plan.fill)
        fill = _fill_literal(job, np.dtype(info.dtype))
        return [
            f"    for j, column in enumerate(pad({access}, {branch.depths[0]}, {fill}, np.{dtype.name})):",
            f"        columns[f\"{branch.base}_{{j}}\"] = column",
        ]
    return [f"    # NOTE: {branch.key} ({info.kind.value}) is flattened by rootable only; this script skips it."]


def _fill_literal(job: Job, dtype: Any) -> str:
    from rootable.core.flatten import fill_for

    value = fill_for(dtype, job.plan.fill)
    if isinstance(value, float) and math.isnan(value):
        return "np.nan"
    if isinstance(value, float) and math.isinf(value):
        return "np.inf" if value > 0 else "-np.inf"
    return repr(value)


def _writer_lines(fmt: str, recipe: Any, output: str) -> list[str]:
    if fmt == "hdf5":
        return _hdf5_lines()
    if fmt == "numpy":
        return _numpy_lines(recipe, output)
    if fmt == "root":
        return _root_lines()
    _, opener, method = _WRITERS[fmt]
    return [
        "    table = pa.table(columns)",
        "    if writer is None:",
        f"        writer = {opener}",
        f"    writer.{method}(table)",
        "",
        "if writer is not None:",
        "    writer.close()",
    ]


def _hdf5_lines() -> list[str]:
    return [
        "    if writer is None:",
        '        writer = h5py.File(OUTPUT, "w")',
        "        for name, values in columns.items():",
        "            writer.create_dataset(name, shape=(0,), maxshape=(None,), dtype=values.dtype,",
        '                                  chunks=True, compression="gzip")',
        "    # Each dataset grows by one chunk at a time, so memory stays flat.",
        "    for name, values in columns.items():",
        "        dataset = writer[name]",
        "        start = len(dataset)",
        "        dataset.resize((start + len(values),))",
        "        dataset[start:] = values",
        "",
        "if writer is not None:",
        "    writer.close()",
    ]


def _numpy_lines(recipe: Any, output: str) -> list[str]:
    dtype = recipe.matrix_dtype
    if recipe.layout == "columns":
        return [
            "    writer = writer or {name: [] for name in columns}",
            "    for name, values in columns.items():",
            "        writer[name].append(values)",
            "",
            "if writer is not None:",
            "    np.savez(OUTPUT, **{name: np.concatenate(parts) for name, parts in writer.items()})",
        ]
    save = (
        "    np.save(OUTPUT, np.concatenate(writer[0]))"
        if output.lower().endswith(".npy")
        else "    np.savez(OUTPUT, X=np.concatenate(writer[0]), columns=np.array(writer[1]))"
    )
    return [
        "    # One row per event, one matrix column per flat column.",
        f"    matrix = np.column_stack([np.asarray(values, dtype=np.{dtype}) for values in columns.values()])",
        "    writer = writer or ([], list(columns))",
        "    writer[0].append(matrix)",
        "",
        "if writer is not None:",
        save,
    ]


def _root_lines() -> list[str]:
    return [
        "    if writer is None:",
        "        writer = uproot.recreate(OUTPUT)",
        '        tree = writer.mktree("Events", {name: values.dtype for name, values in columns.items()})',
        "    tree.extend(columns)",
        "",
        "if writer is not None:",
        "    writer.close()",
    ]


class _CutTranslator(ast.NodeTransformer):
    """Rewrite rootable's cut names into plain awkward/NumPy calls on ``chunk``."""

    def __init__(self, access: Callable[[str], str] | None = None, keys: set[str] | None = None) -> None:
        self.access = access
        self.keys = keys or set()

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        key = dotted_key(node)
        if key is not None and key in self.keys and self.access is not None:
            return ast.parse(self.access(key), mode="eval").body
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in _NUMPY:
            return ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr=_NUMPY[node.id], ctx=ast.Load())
        if node.id in CUT_FUNCTIONS:
            return node
        return ast.Subscript(value=ast.Name(id="chunk", ctx=ast.Load()), slice=ast.Constant(node.id), ctx=ast.Load())

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in _REDUCTIONS:
            node.func = ast.Attribute(value=ast.Name(id="ak", ctx=ast.Load()), attr=_REDUCTIONS[node.func.id], ctx=ast.Load())
            node.keywords.append(ast.keyword(arg="axis", value=ast.Constant(-1)))
        elif isinstance(node.func, ast.Name) and node.func.id == "num":
            node.func = ast.Attribute(value=ast.Name(id="ak", ctx=ast.Load()), attr="num", ctx=ast.Load())
            node.keywords.append(ast.keyword(arg="axis", value=ast.Constant(-1)))
        elif isinstance(node.func, ast.Name) and node.func.id == "where":
            node.func = ast.Attribute(value=ast.Name(id="ak", ctx=ast.Load()), attr="where", ctx=ast.Load())
        return node


def translate_cut(text: str, access: Callable[[str], str] | None = None, keys: set[str] | None = None) -> str:
    """Return the cut as an expression on ``chunk`` that plain awkward evaluates.

    ``access`` gives the script's expression of a branch key with a dot (``Jet.pt``) among
    ``keys``; without it, such names stay attributes.
    """
    tree = ast.parse(text, mode="eval")
    tree = BooleanRewriter().visit(tree)
    tree = _CutTranslator(access, keys).visit(tree)
    expression = ast.unparse(ast.fix_missing_locations(tree))
    return f"ak.fill_none({expression}, False)"
