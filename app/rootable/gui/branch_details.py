"""Details pane for the branch selected in the tree: types, sizes, baskets and how it flattens.

Everything but the basket count and uproot's interpretation comes from the catalog. Those two
are read from the uproot branch object in the "details" lane of the window's TaskRunner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from rootable.core.catalog import BranchInfo, TreeInfo
from rootable.core.report import human_bytes

#: Maximum length of the interpretation text shown; the whole text is in the tooltip.
MAX_INTERPRETATION_CHARS = 160
PENDING = "…"

FIELDS = (
    ("name", "Branch"),
    ("typename", "Type"),
    ("title", "Title"),
    ("interpretation", "Interpretation"),
    ("kind", "Kind"),
    ("reason", "Not flattenable"),
    ("counter", "Counter"),
    ("collection", "Collection"),
    ("entries", "Entries"),
    ("compressed", "Compressed"),
    ("uncompressed", "Uncompressed"),
    ("ratio", "Compression ratio"),
    ("baskets", "Baskets"),
)


@dataclass(frozen=True)
class BranchExtras:
    """Facts the details pane reads from the uproot branch object, which the catalog does not store."""

    num_baskets: int | None
    interpretation: str


def extras_task(tree: TreeInfo, branch: BranchInfo) -> Callable[..., BranchExtras]:
    """Return a task function that reads the basket count and interpretation of ``branch``."""

    def run(cancelled: Callable[[], bool], progress: Callable[[int, int], None]) -> BranchExtras:
        return read_extras(tree, branch)

    return run


def read_extras(tree: TreeInfo, branch: BranchInfo) -> BranchExtras:
    """Read the basket count and uproot's interpretation; RNTuple fields have neither."""
    if tree.is_rntuple or branch.index >= len(tree.branch_handles):
        return BranchExtras(None, branch.kind.value)
    handle = tree.branch_handles[branch.index]
    try:
        interpretation = repr(handle.interpretation)
    except Exception as exc:  # noqa: BLE001 - uproot raises many types for unreadable branches
        interpretation = f"{branch.kind.value} (uproot has no interpretation: {type(exc).__name__})"
    return BranchExtras(int(handle.num_baskets), interpretation)


def compression_ratio(branch: BranchInfo) -> str:
    """Return uncompressed over compressed bytes as ``3.20``, or an empty string when unknown."""
    if not branch.compressed_bytes or branch.uncompressed_bytes is None:
        return ""
    return f"{branch.uncompressed_bytes / branch.compressed_bytes:.2f}"


def static_fields(branch: BranchInfo) -> dict[str, str]:
    """Return the catalog's facts about ``branch`` as display text, keyed like ``FIELDS``."""
    return {
        "name": branch.key,
        "typename": branch.typename,
        "title": branch.title,
        "interpretation": PENDING,
        "kind": branch.kind.value,
        "reason": branch.reason,
        "counter": branch.counter or "none",
        "collection": branch.collection,
        "entries": f"{branch.entries:,}",
        "compressed": _bytes_text(branch.compressed_bytes),
        "uncompressed": _bytes_text(branch.uncompressed_bytes),
        "ratio": compression_ratio(branch) or "unknown",
        "baskets": PENDING,
    }


def _bytes_text(count: int | None) -> str:
    if count is None:
        return "unknown"
    if count < 1024:
        return human_bytes(count)
    return f"{human_bytes(count)} ({count:,} bytes)"


class BranchDetails(QWidget):
    """A form of the selected branch's facts; ``request_extras`` requests the rest from the window."""

    request_extras = Signal(object, object)
    """Emitted with (tree, branch) when the basket count and interpretation are needed."""
    extras_shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, QLabel] = {}
        self.rows: dict[str, tuple[QLabel, QLabel]] = {}
        self.placeholder = QLabel("Select a branch in the tree to see its details.")
        self.placeholder.setWordWrap(True)
        layout = QFormLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addRow(self.placeholder)
        for key, text in FIELDS:
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            label = QLabel(text)
            layout.addRow(label, value)
            self.values[key] = value
            self.rows[key] = (label, value)
        self.branch: BranchInfo | None = None
        self.clear()

    def clear(self) -> None:
        self.branch = None
        self.placeholder.show()
        for label, value in self.rows.values():
            label.hide()
            value.hide()
            value.clear()

    def show_branch(self, tree: TreeInfo, branch: BranchInfo) -> None:
        if branch is self.branch:
            return
        self.branch = branch
        self.placeholder.hide()
        for key, text in static_fields(branch).items():
            self._set(key, text)
        self._set_visible("reason", not branch.flattenable)
        self.request_extras.emit(tree, branch)

    def show_extras(self, branch: BranchInfo, extras: BranchExtras) -> None:
        """Show what a worker read, unless the user selected another branch meanwhile."""
        if branch is not self.branch:
            return
        baskets = "not applicable (RNTuple field)" if extras.num_baskets is None else f"{extras.num_baskets:,}"
        self._set("baskets", baskets)
        text = extras.interpretation
        shown = text if len(text) <= MAX_INTERPRETATION_CHARS else text[: MAX_INTERPRETATION_CHARS - 1] + "…"
        self._set("interpretation", shown)
        self.values["interpretation"].setToolTip(text)
        self.extras_shown.emit()

    def show_extras_error(self, branch: BranchInfo, message: str) -> None:
        if branch is not self.branch:
            return
        self._set("baskets", f"unknown ({message})")
        self._set("interpretation", branch.kind.value)
        self.extras_shown.emit()

    def _set(self, key: str, text: str) -> None:
        self.values[key].setText(text)
        self.values[key].setToolTip("")
        self._set_visible(key, True)

    def _set_visible(self, key: str, visible: bool) -> None:
        label, value = self.rows[key]
        label.setVisible(visible)
        value.setVisible(visible)
