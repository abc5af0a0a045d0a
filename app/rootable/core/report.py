"""Text reports shared by the command line and the app: catalog listings and export summaries."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO, Any

from rootable.core.catalog import Catalog, CatalogNode, TreeInfo


def human_bytes(count: float | None) -> str:
    """Format a byte count with binary prefixes (``1.5 MiB``); ``?`` when unknown."""
    if count is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(count) < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"


def plural(count: int, singular: str, plural_form: str = "") -> str:
    """Return ``"1 entry"`` or ``"2 entries"``: the count with the matching noun."""
    if count == 1:
        return f"1 {singular}"
    if not plural_form:
        plural_form = singular[:-1] + "ies" if singular.endswith("y") else singular + (
            "es" if singular.endswith(("s", "ch", "sh", "x")) else "s"
        )
    return f"{count:,} {plural_form}"


def short_type(typename: str) -> str:
    """Shorten C++ type names for display: ``std::vector<float>`` becomes ``vector<float>``."""
    return typename.replace("std::", "")


def format_catalog(catalog: Catalog, trees: list[TreeInfo] | None = None, titles: bool = False) -> str:
    """List the file's objects, then each tree's collections and branches with types and kinds."""
    lines = [f"{catalog.file_path}"]
    _list_objects(catalog.root, lines, depth=1)
    for tree in trees if trees is not None else catalog.trees:
        lines.append("")
        lines.extend(_tree_lines(tree, titles))
    return "\n".join(lines)


def _list_objects(node: CatalogNode, lines: list[str], depth: int) -> None:
    for entry in node.children:
        detail = entry.classname
        if entry.tree is not None:
            noun = "field" if entry.tree.is_rntuple else "branch"
            detail += f", {plural(entry.tree.entries, 'entry')}, {plural(len(entry.tree.branches), noun)}"
        if entry.error:
            detail += f", {entry.error}"
        lines.append("  " * depth + f"{entry.name}  ({detail})")
        _list_objects(entry, lines, depth + 1)


def _tree_lines(tree: TreeInfo, titles: bool) -> list[str]:
    kind = "RNTuple" if tree.is_rntuple else "TTree"
    lines = [f"{kind} {tree.path_string}: {plural(tree.entries, 'entry')}"]
    # Long names (split objects, trigger paths) would push every line wide, so cap the column.
    width = min(max((len(b.key) for b in tree.branches), default=10), 40)
    type_width = min(max((len(short_type(b.typename)) for b in tree.branches), default=10), 30)
    for name, members in tree.collections.items():
        counter = tree.counters.get(name)
        header = f"  {name}" + (f" (counter {counter})" if counter else "") + f": {plural(len(members), 'branch')}"
        lines.append(header)
        for branch in members:
            text = f"    {branch.key:<{width}}  {short_type(branch.typename):<{type_width}}  {branch.kind.value}"
            if not branch.flattenable:
                text += f" - not flattened: {branch.reason}"
            if titles and branch.title:
                text += f"  | {branch.title}"
            lines.append(text.rstrip())
    return lines


def truncation_sentences(truncated: dict[str, int], rows: int, depths: dict[str, int]) -> list[str]:
    """Say, per collection, how many events lost objects to the depth."""
    sentences = []
    for name, count in truncated.items():
        if count:
            sentences.append(
                f"{count:,} of {rows:,} events had more than {depths.get(name, '?')} {name} "
                "objects; the extra ones were dropped"
            )
    return sentences


def format_export(result: Any, job: Any) -> str:
    """Summarise an export: path, rows, columns, size, time and clipped events."""
    target = f"{len(result.parts)} parts of {result.path}" if result.parts else str(result.path)
    lines = [
        f"wrote {target} ({result.format}): {plural(result.rows, 'row')}, "
        f"{plural(result.columns, 'column')}, {human_bytes(result.bytes)} in {result.seconds:.2f} s"
    ]
    for name, (path, rows) in result.parts.items():
        lines.append(f"  {name}: {path} ({plural(rows, 'row')})")
    if result.stats_path is not None:
        lines.append(f"column statistics: {result.stats_path}")
    if result.rows == 0:
        lines.append("no event passed the entry range and cut; the file holds the columns only")
    depths = {c.name: c.depth for c in job.plan.collections}
    lines.extend(truncation_sentences(result.truncated, result.rows, depths))
    return "\n".join(lines)


def progress_printer(stream: IO[str]) -> Callable[[int, int], None]:
    """Return a progress callback that redraws one status line on ``stream``."""
    started = time.perf_counter()

    def report(done: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        percent = 100.0 * done / total if total else 100.0
        stream.write(f"\r{done:,}/{total:,} entries ({percent:.0f}%), {elapsed:.1f} s")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return report
