"""Text reports shared by the command line and the app: catalog listings and export summaries."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
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


@dataclass
class ProgressText:
    """Progress of a pass over inputs read in order, as one line of text.

    ``done`` and ``total`` count entries from the start of the recipe's range, which is global
    over the inputs in order. When the entries of each input are known, the line also names
    the input being read and how far into it the pass is.
    """

    inputs: list[str]
    entry_counts: list[int] | None = None
    """Entries of each input in order, or None while some are unknown."""
    entry_start: int = 0
    started: float = field(default_factory=time.monotonic)
    checked: int | None = None
    """Inputs opened and checked so far while the pass prepares; None once it reads."""

    def inputs_checking(self, number: int, count: int) -> None:
        """Record that input ``number`` (from 0) of ``count`` is being opened and checked."""
        self.checked = number

    def inputs_opened(self, entry_counts: list[int]) -> None:
        """Record the entries of every input, known once all are open; reading starts now."""
        self.entry_counts = list(entry_counts)
        if self.checked is not None:
            # The rate and time left count from here, not from the time spent checking.
            self.started = time.monotonic()
        self.checked = None

    def text(self, done: int, total: int, now: float | None = None) -> str:
        """Return ``"42% · 12,000 entries/s · 0:05 left · reading b.root (2 of 3, 40%)"``."""
        if self.checked is not None:
            return f"checking the inputs: {self.checked + 1} of {len(self.inputs)}"
        elapsed = (time.monotonic() if now is None else now) - self.started
        parts = [f"{100 * done // max(total, 1)}%"]
        if done > 0 and elapsed > 0:
            rate = done / elapsed
            parts.append(f"{rate:,.0f} entries/s")
            parts.append(f"{format_duration((total - done) / rate)} left")
        reading = self.current_input(done, total)
        if reading is not None and len(self.inputs) > 1:
            index, path, file_done, file_total = reading
            name = os.path.basename(path)
            parts.append(f"reading {name} ({index + 1} of {len(self.inputs)}, {100 * file_done // max(file_total, 1)}%)")
        return " · ".join(parts)

    def current_input(self, done: int, total: int) -> tuple[int, str, int, int] | None:
        """Return (index, path, entries done, entries to read) of the input being read.

        None when the entries per input are unknown. The entries count only the part of the
        input that falls inside the recipe's range.
        """
        if self.entry_counts is None or len(self.entry_counts) != len(self.inputs) or not self.inputs:
            return None
        first, last = self.entry_start, self.entry_start + total
        position = first + (done if done < total else max(done - 1, 0))
        offset = 0
        index = len(self.inputs) - 1
        for number, count in enumerate(self.entry_counts):
            if position < offset + count:
                index = number
                break
            offset += count
        else:
            offset -= self.entry_counts[-1]
        low = max(offset, first)
        high = min(offset + self.entry_counts[index], last)
        file_total = max(high - low, 0)
        file_done = min(max(first + done - low, 0), file_total)
        return index, self.inputs[index], file_done, file_total


def format_duration(seconds: float) -> str:
    """Format seconds as ``m:ss``, or ``h:mm:ss`` from one hour on."""
    whole = max(round(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressPrinter:
    """Redraws one progress line on a terminal: the callbacks of ``pipeline.export``."""

    def __init__(self, stream: IO[str], inputs: list[str], entry_start: int = 0) -> None:
        self.stream = stream
        self.line = ProgressText(inputs, entry_start=entry_start)
        self._width = 0

    def inputs_opened(self, entry_counts: list[int]) -> None:
        self.line.inputs_opened(entry_counts)

    def checking(self, number: int, count: int) -> None:
        self.line.inputs_checking(number, count)
        if count > 1:
            self(0, 0)

    def __call__(self, done: int, total: int) -> None:
        text = self.line.text(done, total)
        self.stream.write("\r" + text.ljust(self._width))
        self._width = len(text)
        if done >= total and self.line.checked is None:
            self.stream.write("\n")
        self.stream.flush()
