"""Item model of a catalog: the file's directories, trees, collections and branches.

The model is a thin adapter over ``rootable.core.catalog``: it adds only what the user
chooses, namely the ticked branches of one tree and the depths set per collection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import QApplication, QSpinBox, QStyledItemDelegate, QWidget

from rootable.core.catalog import (
    EVENT_GROUP,
    BranchInfo,
    Catalog,
    CatalogNode,
    TreeInfo,
    paused_garbage_collection,
)
from rootable.core.errors import InputError
from rootable.core.recipe import DEFAULT_DEPTH
from rootable.core.report import plural, short_type

NAME, TYPE, DEPTH, ENTRIES, TITLE = range(5)
HEADERS = ("Name", "Type", "Depth", "Entries", "Title")
MAX_DEPTH = 1000

#: Role that returns the Node behind an index, for views and tests.
NODE_ROLE = Qt.ItemDataRole.UserRole + 1

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(eq=False)
class Node:
    """One row: a catalog object, a collection of a tree, or a branch."""

    kind: str
    """``file``, ``directory``, ``tree``, ``object``, ``collection`` or ``branch``."""
    name: str
    parent: Node | None
    catalog_node: CatalogNode | None = None
    tree: TreeInfo | None = None
    branch: BranchInfo | None = None
    children: list[Node] = field(default_factory=list)
    row: int = 0

    def add(self, child: Node) -> Node:
        child.row = len(self.children)
        self.children.append(child)
        return child

    @property
    def is_jagged_collection(self) -> bool:
        if self.kind != "collection" or self.tree is None:
            return False
        return any(b.var_dims > 0 for b in self.tree.collections[self.name])


def build_nodes(catalog: Catalog) -> Node:
    """Build the row hierarchy: catalog objects, and under each tree its collections."""
    top = Node(kind="invisible", name="", parent=None)
    file_node = top.add(Node(kind="file", name=catalog.root.name, parent=top, catalog_node=catalog.root))
    _add_children(file_node, catalog.root)
    return top


def _add_children(parent: Node, catalog_node: CatalogNode) -> None:
    for entry in catalog_node.children:
        node = parent.add(Node(kind=_kind_of(entry), name=entry.name, parent=parent, catalog_node=entry))
        if entry.tree is not None:
            node.tree = entry.tree
            _add_collections(node, entry.tree)
        else:
            _add_children(node, entry)


def _kind_of(entry: CatalogNode) -> str:
    if entry.tree is not None:
        return "tree"
    if entry.children or entry.classname.startswith("TDirectory"):
        return "directory"
    return "object"


def _add_collections(tree_node: Node, tree: TreeInfo) -> None:
    for name, members in tree.collections.items():
        group = tree_node.add(Node(kind="collection", name=name, parent=tree_node, tree=tree))
        for branch in members:
            group.add(Node(kind="branch", name=branch.key, parent=group, tree=tree, branch=branch))


class BranchModel(QAbstractItemModel):
    """Tree of the open file with a check box per branch and collection and a depth per collection.

    Only one tree feeds a recipe, so ticking a branch of another tree clears the ticks of the
    previous one.
    """

    selection_changed = Signal()
    """Emitted when ticks or depths change, that is whenever the recipe changes."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._top = Node(kind="invisible", name="", parent=None)
        self._catalog: Catalog | None = None
        self._active_tree: TreeInfo | None = None
        self._checked: set[str] = set()
        self._depths: dict[str, int] = {}
        self._inner_depths: dict[str, int] = {}
        self._global_depth = DEFAULT_DEPTH

    # -- what the user chose ------------------------------------------------------------------

    def set_catalog(self, catalog: Catalog) -> None:
        self.beginResetModel()
        self._catalog = catalog
        # One row object per branch: 10,000 of them took 0.44 s with full collections
        # visiting the just-opened catalog, 0.03 s without.
        with paused_garbage_collection():
            self._top = build_nodes(catalog)
        self._active_tree = _default_tree(catalog)
        self._checked.clear()
        self._depths.clear()
        self._inner_depths.clear()
        self.endResetModel()
        self.selection_changed.emit()

    @property
    def catalog(self) -> Catalog | None:
        return self._catalog

    @property
    def active_tree(self) -> TreeInfo | None:
        """The tree whose ticked branches make the recipe."""
        return self._active_tree

    def checked_keys(self) -> list[str]:
        """Return the ticked branch keys of the active tree, in tree order."""
        if self._active_tree is None:
            return []
        return [b.key for b in self._active_tree.branches if b.key in self._checked]

    def depths(self) -> dict[str, int]:
        """Return the depths the user set per collection; the others follow the global depth."""
        return dict(self._depths)

    def collection_depth(self, collection: str) -> int:
        """Return the depth of ``collection``: its own, else the global depth."""
        return self._depths.get(collection, self._global_depth)

    def inner_depth(self, key: str) -> int:
        """Return the inner depth of a doubly jagged branch: its own, else the global depth."""
        return self._inner_depths.get(key, self._global_depth)

    def set_global_depth(self, depth: int) -> None:
        self._global_depth = depth
        self._emit_column_changed(DEPTH)

    def set_checked(self, keys: list[str], tree: TreeInfo | None = None, checked: bool = True) -> None:
        """Tick or untick branches of ``tree`` (default: the active tree) by key."""
        tree = tree or self._active_tree
        if tree is None:
            return
        self._activate(tree)
        for key in keys:
            branch = tree.by_key[key]
            if branch.flattenable:
                self._set_one(key, checked)
        self._emit_column_changed(NAME)
        self.selection_changed.emit()

    def set_collection_depth(self, collection: str, depth: int) -> None:
        self._depths[collection] = depth
        self._emit_column_changed(DEPTH)
        self.selection_changed.emit()

    def set_inner_depth(self, key: str, depth: int) -> None:
        """Set the inner depth of a doubly jagged branch of the active tree."""
        self._inner_depths[key] = depth
        self._emit_column_changed(DEPTH)
        self.selection_changed.emit()

    def activate(self, tree: TreeInfo) -> None:
        """Make ``tree`` the one whose ticks form the recipe, clearing every tick and depth."""
        self._active_tree = None
        self._activate(tree)
        self._emit_column_changed(NAME)
        self._emit_column_changed(DEPTH)
        self.selection_changed.emit()

    # -- lookup -------------------------------------------------------------------------------

    def node(self, index: AnyIndex) -> Node:
        if not index.isValid():
            return self._top
        return index.internalPointer()

    def find(self, *names: str) -> QModelIndex:
        """Return the index at a path of row names below the file row, or an invalid index."""
        index = self.index(0, NAME)
        for name in names:
            node = self.node(index)
            match = next((c for c in node.children if c.name == name), None)
            if match is None:
                return QModelIndex()
            index = self.createIndex(match.row, NAME, match)
        return index

    def branch_index(self, tree: TreeInfo, key: str, column: int = NAME) -> QModelIndex:
        """Return the index of a branch row of ``tree``."""
        index = self.find(*tree.path, tree.by_key[key].collection, key)
        return index.siblingAtColumn(column) if index.isValid() else index

    # -- Qt model interface -------------------------------------------------------------------

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self.node(parent)
        if not 0 <= row < len(node.children) or not 0 <= column < len(HEADERS):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        # The proxy model calls this tens of thousands of times per filter change: keep it lean.
        parent = index.internalPointer().parent
        if parent is None or parent is self._top:
            return QModelIndex()
        return self.createIndex(parent.row, NAME, parent)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != NAME:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        node = self.node(index)
        if node.kind == "branch" and node.branch is not None and not node.branch.flattenable:
            return Qt.ItemFlag.ItemIsSelectable  # shown greyed out, never tickable
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == NAME and self._is_checkable(node):
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        if index.column() == DEPTH and self._depth_editable(node):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self.node(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(node, index.column())
        if role == Qt.ItemDataRole.EditRole and index.column() == DEPTH:
            return self._depth_value(node)
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == NAME:
            return self._check_state(node)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(node, index.column())
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == DEPTH:
            return self._depth_brush(node)
        if role == NODE_ROLE:
            return node
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        node = self.node(index)
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == NAME and self._is_checkable(node):
            self._apply_check(node, Qt.CheckState(value) == Qt.CheckState.Checked)
            return True
        if role == Qt.ItemDataRole.EditRole and index.column() == DEPTH and self._depth_editable(node):
            self._apply_depth(node, int(value))
            return True
        return False

    # -- helpers ------------------------------------------------------------------------------

    def _is_checkable(self, node: Node) -> bool:
        if node.kind == "branch":
            return node.branch is not None and node.branch.flattenable
        if node.kind == "collection" and node.tree is not None:
            return any(b.flattenable for b in node.tree.collections[node.name])
        return False

    def _depth_editable(self, node: Node) -> bool:
        if node.kind == "collection":
            return node.is_jagged_collection
        return node.kind == "branch" and node.branch is not None and node.branch.var_dims == 2

    def _depth_value(self, node: Node) -> int | None:
        if node.kind == "collection" and node.is_jagged_collection:
            return self._depths.get(node.name, self._global_depth)
        if node.kind == "branch" and node.branch is not None and node.branch.var_dims == 2:
            return self.inner_depth(node.branch.key)
        return None

    def _display(self, node: Node, column: int) -> Any:
        if column == NAME:
            if node.kind == "collection" and node.name == EVENT_GROUP and node.tree is not None:
                return scalar_group_label(node.tree)[0]
            return node.name
        if column == DEPTH:
            return self._depth_value(node)
        if node.kind == "branch" and node.branch is not None:
            return _branch_cell(node.branch, column)
        if node.kind in ("file", "directory", "tree", "object") and node.catalog_node is not None:
            return _object_cell(node, column)
        if node.kind == "collection" and node.tree is not None:
            return _collection_cell(node.tree, node.name, column)
        return None

    def _check_state(self, node: Node) -> Qt.CheckState | None:
        if node.kind == "branch" and node.branch is not None:
            if not node.branch.flattenable:
                return None
            return self._state_of(node.tree, [node.branch])
        if node.kind == "collection" and node.tree is not None:
            members = [b for b in node.tree.collections[node.name] if b.flattenable]
            return self._state_of(node.tree, members) if members else None
        return None

    def _state_of(self, tree: TreeInfo | None, branches: list[BranchInfo]) -> Qt.CheckState:
        if tree is not self._active_tree:
            return Qt.CheckState.Unchecked
        ticked = sum(1 for b in branches if b.key in self._checked)
        if ticked == 0:
            return Qt.CheckState.Unchecked
        if ticked == len(branches):
            return Qt.CheckState.Checked
        return Qt.CheckState.PartiallyChecked

    def _tooltip(self, node: Node) -> str | None:
        branch = node.branch
        if branch is not None:
            if not branch.flattenable:
                return f"{branch.key}: not flattenable: {branch.reason}"
            text = f"{branch.key} ({branch.typename}, {branch.kind.value})"
            return f"{text}\n{branch.title}" if branch.title else text
        if node.kind == "collection" and node.tree is not None:
            counter = node.tree.counters.get(node.name)
            return f"{node.name}: counted by {counter}" if counter else None
        if node.catalog_node is not None and node.catalog_node.error:
            return node.catalog_node.error
        if node.kind == "object":
            return f"{node.catalog_node.classname if node.catalog_node else ''}: not a tree, no columns"
        return None

    def _font(self, node: Node, column: int) -> QFont | None:
        if column == NAME and node.kind in ("tree", "collection"):
            font = QFont()
            font.setBold(True)
            return font
        if column == NAME and node.kind == "object":
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def _depth_brush(self, node: Node) -> QBrush | None:
        if node.kind == "collection" and node.name not in self._depths:
            # A depth that follows the global one is drawn dimmed.
            return QApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        return None

    def _apply_check(self, node: Node, checked: bool) -> None:
        assert node.tree is not None
        switched = node.tree is not self._active_tree
        self._activate(node.tree)
        if node.kind == "branch" and node.branch is not None:
            self._set_one(node.branch.key, checked)
        else:
            for branch in node.tree.collections[node.name]:
                if branch.flattenable:
                    self._set_one(branch.key, checked)
        if switched:
            self._emit_column_changed(NAME)
        else:
            self._emit_branch_changed(node, NAME)
        self.selection_changed.emit()

    def _apply_depth(self, node: Node, depth: int) -> None:
        if node.kind == "collection":
            self._depths[node.name] = depth
        elif node.branch is not None:
            self._inner_depths[node.branch.key] = depth
        self._emit_branch_changed(node, DEPTH)
        self.selection_changed.emit()

    def _set_one(self, key: str, checked: bool) -> None:
        if checked:
            self._checked.add(key)
        else:
            self._checked.discard(key)

    def _activate(self, tree: TreeInfo) -> None:
        if tree is self._active_tree:
            return
        self._active_tree = tree
        self._checked.clear()
        self._depths.clear()
        self._inner_depths.clear()

    def _emit_branch_changed(self, node: Node, column: int) -> None:
        """Emit dataChanged for ``node``, the rows below it and its ancestors, which show its state.

        A full-model signal would make the sorting proxy look at every row again: about 20 ms
        per click on a 1,500-branch NanoAOD file.
        """
        self._emit_column_changed(column, node)
        while node.parent is not None:
            index = self.createIndex(node.row, column, node)
            self.dataChanged.emit(index, index)
            node = node.parent

    def _emit_column_changed(self, column: int, node: Node | None = None) -> None:
        """Emit dataChanged for ``column`` of every row below ``node`` (default: all rows).

        One signal per parent, because the proxy model ignores ranges with invalid indices.
        """
        node = node or self._top
        if not node.children:
            return
        parent = QModelIndex() if node is self._top else self.createIndex(node.row, NAME, node)
        first = self.index(0, column, parent)
        last = self.index(len(node.children) - 1, column, parent)
        self.dataChanged.emit(first, last)
        for child in node.children:
            if child.kind != "branch":
                self._emit_column_changed(column, child)


def _default_tree(catalog: Catalog) -> TreeInfo | None:
    try:
        return catalog.tree()
    except InputError:
        # Several trees and none called Events: show the first, and the first tick picks one.
        return catalog.trees[0] if catalog.trees else None


def _branch_cell(branch: BranchInfo, column: int) -> Any:
    if column == TYPE:
        return short_type(branch.typename)
    if column == ENTRIES:
        return f"{branch.entries:,}"
    if column == TITLE:
        return branch.title
    return None


def _object_cell(node: Node, column: int) -> Any:
    catalog_node = node.catalog_node
    assert catalog_node is not None
    if column == TYPE:
        return catalog_node.classname
    if column == ENTRIES and catalog_node.tree is not None:
        return f"{catalog_node.tree.entries:,}"
    if column == TITLE:
        return catalog_node.tree.title if catalog_node.tree is not None else catalog_node.error
    return None


#: Labels of the scalar group in the metadata trees of NanoAOD and other CMS EDM files, whose
#: entries are runs or luminosity blocks rather than events.
METADATA_TREE_GROUPS = {
    "runs": ("Run", "run-level"),
    "luminosityblocks": ("LuminosityBlock", "lumi-block-level"),
    "metadata": ("Entry", "entry-level"),
    "parametersets": ("Entry", "entry-level"),
}


def scalar_group_label(tree: TreeInfo) -> tuple[str, str]:
    """Return the name and type shown for the group of a tree's branches outside collections."""
    name = tree.path[-1].lower() if tree.path else ""
    return METADATA_TREE_GROUPS.get(name, (EVENT_GROUP, "event-level"))


def _collection_cell(tree: TreeInfo, name: str, column: int) -> Any:
    if column == TYPE:
        return scalar_group_label(tree)[1] if name == EVENT_GROUP else "collection"
    if column == TITLE:
        counter = tree.counters.get(name)
        count = len(tree.collections[name])
        return plural(count, "branch") + (f", counter {counter}" if counter else "")
    return None


class BranchFilterModel(QSortFilterProxyModel):
    """Keeps the branches whose name or title contains the filter text, and their ancestors.

    A collection whose name matches keeps all its branches.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._text = ""

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):
            # PySide6 6.12 warns that invalidateFilter() is deprecated in favour of this pair.
            self.beginFilterChange()
            self._text = text.strip().lower()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._text = text.strip().lower()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if not self._text:
            return True
        model = self.sourceModel()
        assert isinstance(model, BranchModel)
        node = model.node(source_parent).children[source_row]
        if node.kind == "branch" and node.branch is not None:
            return self._text in node.branch.key.lower() or self._text in node.branch.title.lower()
        if node.kind == "collection":
            return self._text in node.name.lower()
        return False


class DepthDelegate(QStyledItemDelegate):
    """Edits a depth cell with a spin box."""

    def createEditor(self, parent: QWidget, option: Any, index: AnyIndex) -> QWidget:
        editor = QSpinBox(parent)
        editor.setRange(0, MAX_DEPTH)
        editor.setFrame(False)
        return editor

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QSpinBox)
        value = index.data(Qt.ItemDataRole.EditRole)
        editor.setValue(int(value) if value is not None else DEFAULT_DEPTH)

    def setModelData(self, editor: QWidget, model: Any, index: AnyIndex) -> None:
        assert isinstance(editor, QSpinBox)
        editor.interpretText()
        model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)
