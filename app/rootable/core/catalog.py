"""What a ROOT file contains: directories, TTrees, RNTuples, other objects, and every branch.

The catalog reads only metadata (keys, branch descriptions); it never reads event data.
Every branch gets a kind that tells whether and how it can be flattened, and a collection
that groups it with the other members of the same physics object (``Jet``, ``Muon``, ...).
"""

from __future__ import annotations

import contextlib
import enum
import gc
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import awkward as ak
import uproot

from rootable.core.errors import InputError, did_you_mean

log = logging.getLogger(__name__)

TREE_CLASSES = ("TTree", "TNtuple", "TNtupleD")
RNTUPLE_CLASSES = ("ROOT::RNTuple", "ROOT::Experimental::RNTuple")
DIRECTORY_CLASSES = ("TDirectory", "TDirectoryFile")

#: Tree chosen when a file has several and none is named.
DEFAULT_TREE = "Events"

#: Name of the group that contains event-level branches (scalars and fixed-size arrays).
EVENT_GROUP = "Event"


class BranchKind(enum.Enum):
    """Kind of a branch, which decides how it maps to flat columns."""

    SCALAR = "scalar"
    FIXED = "fixed array"
    JAGGED = "jagged"
    DOUBLY_JAGGED = "doubly jagged"
    STRING = "string"
    LEAF_LIST = "leaf list"
    OBJECT = "object"
    UNREADABLE = "not readable"

    @property
    def flattenable(self) -> bool:
        return self not in (BranchKind.OBJECT, BranchKind.UNREADABLE)


@dataclass(frozen=True)
class BranchInfo:
    """One branch (TTree) or top-level field (RNTuple) and how it flattens."""

    key: str
    """Unique within its tree: the name, or ``name#N`` for the N-th branch of that name."""
    name: str
    index: int
    """Position among the tree's branches, sub-branches included, in uproot's order."""
    typename: str
    title: str
    entries: int
    compressed_bytes: int | None
    uncompressed_bytes: int | None
    counter: str | None
    collection: str
    kind: BranchKind
    reason: str = ""
    dtype: str = ""
    """NumPy dtype of the leaf values, ``string`` for text, empty when not flattenable."""
    var_dims: int = 0
    form: Any = field(default=None, compare=False, repr=False)

    @property
    def flattenable(self) -> bool:
        return self.kind.flattenable


@dataclass
class TreeInfo:
    """A TTree or RNTuple and its branches."""

    file_path: str
    path: tuple[str, ...]
    """Key names from the top directory down to the tree, without cycle numbers."""
    classname: str
    title: str
    entries: int
    branches: list[BranchInfo]
    handle: Any = field(default=None, compare=False, repr=False)
    """The open uproot object, reused so that reading does not parse the metadata again."""
    branch_handles: list[Any] = field(default_factory=list, compare=False, repr=False)
    """The uproot branch objects of a TTree, in the order of ``BranchInfo.index``."""

    @property
    def path_string(self) -> str:
        return "/".join(self.path)

    @property
    def is_rntuple(self) -> bool:
        return self.classname in RNTUPLE_CLASSES

    @cached_property
    def by_key(self) -> dict[str, BranchInfo]:
        return {b.key: b for b in self.branches}

    @cached_property
    def collections(self) -> dict[str, list[BranchInfo]]:
        """Branches grouped by collection, the event-level group first, then in tree order."""
        groups: dict[str, list[BranchInfo]] = {EVENT_GROUP: []}
        for branch in self.branches:
            groups.setdefault(branch.collection, []).append(branch)
        if not groups[EVENT_GROUP]:
            del groups[EVENT_GROUP]
        return groups

    @cached_property
    def counters(self) -> dict[str, str]:
        """Collection name to the key of its counter branch, for collections that have one."""
        result = {}
        for name, members in self.collections.items():
            counter = next((b.counter for b in members if b.counter), None)
            if counter is not None and counter in self.by_key:
                result[name] = counter
        return result

    def branch(self, key: str) -> BranchInfo:
        """Return the branch with this key, or raise InputError naming the closest keys."""
        try:
            return self.by_key[key]
        except KeyError:
            hint = did_you_mean(key, self.by_key)
            raise InputError(
                f"{self.file_path}: branch {key!r} not found in {self.path_string!r}{hint}"
            ) from None


@dataclass
class CatalogNode:
    """A directory, tree or other object in the file's key hierarchy."""

    name: str
    classname: str
    path: tuple[str, ...]
    children: list[CatalogNode] = field(default_factory=list)
    tree: TreeInfo | None = None
    error: str = ""


@dataclass
class Catalog:
    """Description of one file's contents, read before any event data."""

    file_path: str
    root: CatalogNode
    trees: list[TreeInfo]

    def tree(self, path: str | None = None) -> TreeInfo:
        """Return the tree at ``path`` (``a/b/tree``).

        With no path: the only tree of the file, or else the top-level tree ``Events``
        (the event tree of CMS NanoAOD, next to its ``Runs`` and ``LuminosityBlocks``).
        """
        if path is None:
            if len(self.trees) == 1:
                return self.trees[0]
            events = [t for t in self.trees if t.path == (DEFAULT_TREE,)]
            if events:
                return events[0]
            if not self.trees:
                raise InputError(f"{self.file_path}: the file contains no TTree or RNTuple")
            names = ", ".join(t.path_string for t in self.trees)
            raise InputError(
                f"{self.file_path}: the file contains several trees ({names}); choose one with --tree"
            )
        requested = tuple(part for part in path.strip("/").split("/") if part)
        for tree in self.trees:
            if tree.path == requested or tree.path_string == path:
                return tree
        tree_names = [t.path_string for t in self.trees]
        hint = did_you_mean(path, tree_names) or f" (the file has: {', '.join(tree_names) or 'no trees'})"
        raise InputError(f"{self.file_path}: tree {path!r} not found{hint}")


def open_file(path: str | os.PathLike[str]) -> Any:
    """Open a ROOT file with uproot, turning every failure into an InputError that names it."""
    text = os.fspath(path)
    if "://" not in text:
        if not os.path.exists(text):
            raise InputError(f"{text}: file not found")
        if os.path.isdir(text):
            raise InputError(f"{text}: is a folder, not a ROOT file")
        with open(text, "rb") as handle:
            magic = handle.read(4)
        if magic != b"root":
            raise InputError(f"{text}: not a ROOT file (it does not start with the bytes 'root')")
    try:
        return uproot.open(text)
    except Exception as exc:  # uproot raises many types for damaged files
        detail = " ".join(str(exc).split())
        raise InputError(
            f"{text}: cannot be read as a ROOT file ({detail}); check that it is a complete ROOT file"
        ) from exc


def open_catalog(path: str | os.PathLike[str]) -> Catalog:
    """Walk a ROOT file and describe its directories, trees and branches.

    Parameters
    ----------
    path
        Local path (or any URL that uproot opens) of the ROOT file.

    Raises
    ------
    InputError
        When the file is missing, not ROOT, or damaged.
    """
    text = os.fspath(path)
    directory = open_file(text)
    if not list(iter_keys(directory)):
        raise InputError(
            f"{text}: the file has no readable objects; it is damaged or was not closed by ROOT "
            "(ROOT writes the list of keys when it closes a file)"
        )
    root = CatalogNode(name=os.path.basename(text), classname="TFile", path=())
    trees: list[TreeInfo] = []
    with paused_garbage_collection():
        _walk(directory, root, text, trees)
    return Catalog(file_path=text, root=root, trees=trees)


@contextlib.contextmanager
def paused_garbage_collection() -> Iterator[None]:
    """Hold off the cyclic garbage collector while uproot builds many long-lived objects.

    Reading the metadata of a tree creates a few objects per branch, all kept. Each full
    collection meanwhile visits every object made so far, for nothing: opening a
    10,000-branch tree took 4.0 s with the collector and 3.4 s without. The collector is
    process-wide, so it stays off only for the duration of the walk, then catches up.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def iter_keys(directory: Any) -> Iterator[Any]:
    """Yield the highest-cycle key of each name in a directory, in file order.

    Walking key objects instead of joining path strings keeps names with ``/`` or ``:`` intact.
    """
    # NOTE: uproot 5 has no public iterator over key objects; keys() returns joined strings.
    keys = getattr(directory, "_keys", None) or []
    best: dict[str, Any] = {}
    for key in keys:
        known = best.get(key.fName)
        if known is None or abs(key.fCycle) > abs(known.fCycle):
            best[key.fName] = key
    yield from best.values()


def child(directory: Any, name: str) -> Any:
    """Return the object called ``name`` in ``directory`` without parsing ``name`` as a path."""
    for key in iter_keys(directory):
        if key.fName == name:
            return key.get()
    raise KeyError(name)


def _walk(directory: Any, node: CatalogNode, file_path: str, trees: list[TreeInfo]) -> None:
    for key in iter_keys(directory):
        path = (*node.path, key.fName)
        entry = CatalogNode(name=key.fName, classname=key.fClassName, path=path)
        node.children.append(entry)
        if key.fClassName not in DIRECTORY_CLASSES + TREE_CLASSES + RNTUPLE_CLASSES:
            continue
        try:
            obj = key.get()
            if key.fClassName in DIRECTORY_CLASSES:
                _walk(obj, entry, file_path, trees)
            else:
                entry.tree = describe_tree(obj, file_path, path)
                trees.append(entry.tree)
        except Exception as exc:  # one damaged object must not hide the rest of the file
            log.warning("%s: cannot read %s", file_path, "/".join(path), exc_info=True)
            entry.error = f"cannot be read: {exc}"


def describe_tree(obj: Any, file_path: str, path: tuple[str, ...]) -> TreeInfo:
    """Build the TreeInfo of an uproot TTree or RNTuple object."""
    classname = obj.classname if hasattr(obj, "classname") else type(obj).__name__
    handles: list[Any] = []
    if any(classname.startswith(c) for c in RNTUPLE_CLASSES) or not hasattr(obj, "branches"):
        branches = _describe_rntuple_fields(obj)
        classname = RNTUPLE_CLASSES[0]
        title = getattr(obj, "description", "") or ""
    else:
        handles = iter_tree_branches(obj)
        branches = _describe_branches(handles)
        title = obj.title or ""
    return TreeInfo(
        file_path=file_path,
        path=path,
        classname=classname,
        title=title,
        entries=int(obj.num_entries),
        branches=branches,
        handle=obj,
        branch_handles=handles,
    )


def iter_tree_branches(tree: Any) -> list[Any]:
    """Return every branch of a TTree, sub-branches included, in the order the catalog uses."""
    return list(tree.itervalues(recursive=True))


def _describe_branches(raw: list[Any]) -> list[BranchInfo]:
    seen: dict[str, int] = {}
    keys = []
    for branch in raw:
        seen[branch.name] = seen.get(branch.name, 0) + 1
        count = seen[branch.name]
        keys.append(branch.name if count == 1 else f"{branch.name}#{count}")
    names = {b.name for b in raw}
    counters = {b.count_branch.name for b in raw if _counter_of(b) is not None}
    return [
        _describe_branch(branch, index, key, names, counters)
        for index, (branch, key) in enumerate(zip(raw, keys, strict=True))
    ]


def _counter_of(branch: Any) -> Any:
    try:
        counter = branch.count_branch
    except Exception:  # noqa: BLE001 - a broken leaf description just means no counter
        return None
    # A TBranch with no sub-branches is falsy, so compare with None.
    return counter if counter is not None else None


def _describe_branch(
    branch: Any, index: int, key: str, names: set[str], counters: set[str]
) -> BranchInfo:
    counter_branch = _counter_of(branch)
    counter = counter_branch.name if counter_branch is not None else None
    kind, dtype, var_dims, reason, form = _classify_branch(branch)
    collection = _collection_of(branch.name, counter, kind, names, counters)
    return BranchInfo(
        key=key,
        name=branch.name,
        index=index,
        typename=_safe(lambda: branch.typename, "?"),
        title=_safe(lambda: branch.title, "") or "",
        entries=int(branch.num_entries),
        compressed_bytes=_safe(lambda: int(branch.member("fZipBytes")), None),
        uncompressed_bytes=_safe(lambda: int(branch.member("fTotBytes")), None),
        counter=counter,
        collection=collection,
        kind=kind,
        reason=reason,
        dtype=dtype,
        var_dims=var_dims,
        form=form,
    )


def _safe(getter: Any, default: Any) -> Any:
    try:
        return getter()
    except Exception:  # noqa: BLE001 - metadata that cannot be read is shown as unknown
        return default


def _classify_branch(branch: Any) -> tuple[BranchKind, str, int, str, Any]:
    if len(branch.branches) > 0:
        return (
            BranchKind.OBJECT,
            "",
            0,
            "split object: its members are listed as separate branches",
            None,
        )
    try:
        interpretation = branch.interpretation
    except Exception as exc:  # noqa: BLE001 - uproot cannot interpret it
        return BranchKind.UNREADABLE, "", 0, f"uproot cannot interpret it: {exc}", None
    if isinstance(interpretation, uproot.interpretation.identify.UnknownInterpretation):
        return BranchKind.UNREADABLE, "", 0, f"uproot cannot interpret it: {interpretation}", None
    try:
        form = interpretation.awkward_form(branch.file)
    except Exception as exc:  # noqa: BLE001 - no awkward form means no columns
        return BranchKind.UNREADABLE, "", 0, f"uproot has no array form for it: {exc}", None
    return (*classify_form(form, branch.typename), form)


def _describe_rntuple_fields(ntuple: Any) -> list[BranchInfo]:
    result: list[BranchInfo] = []
    for rfield in ntuple.fields:
        try:
            record_form = rfield.to_akform()[0]
            form = record_form.content(rfield.name)
            classified = classify_form(form, rfield.typename)
        except Exception as exc:  # noqa: BLE001 - one unknown field type must not hide others
            form = None
            classified = (BranchKind.UNREADABLE, "", 0, f"uproot cannot read this field: {exc}")
        members = record_collection_members(form) if form is not None else []
        if members:
            # A collection of records (std::vector<Jet>) becomes one jagged column per member.
            for member, member_form in members:
                key = f"{rfield.name}.{member}"
                result.append(_rntuple_info(ntuple, key, rfield.name, member_form, classify_form(member_form), len(result)))
            continue
        collection = _collection_of(rfield.name, None, classified[0], set(), set())
        result.append(_rntuple_info(ntuple, rfield.name, collection, form, classified, len(result)))
    return result


def _rntuple_info(
    ntuple: Any, key: str, collection: str, form: Any, classified: tuple[BranchKind, str, int, str], index: int
) -> BranchInfo:
    """Describe the RNTuple field ``key``; a member of a collection of records has a dotted key."""
    kind, dtype, var_dims, reason = classified
    try:
        rfield = ntuple[key]
        typename, title = rfield.typename, getattr(rfield, "description", "") or ""
    except Exception:  # noqa: BLE001 - the type and title are only shown, never read
        typename, title = "", ""
    return BranchInfo(
        key=key,
        name=key,
        index=index,
        typename=typename,
        title=title,
        entries=int(ntuple.num_entries),
        compressed_bytes=None,
        uncompressed_bytes=None,
        counter=None,
        collection=collection,
        kind=kind,
        reason=reason,
        dtype=dtype,
        var_dims=var_dims,
        form=form,
    )


def record_collection_members(form: Any) -> list[tuple[str, Any]]:
    """Return (member name, list-of-member form) of a list of records; empty for other forms.

    Only records whose members are all plain numbers qualify, so that each member flattens
    like a jagged branch of a TTree.
    """
    outer = unwrap(form)
    if not isinstance(outer, (ak.forms.ListOffsetForm, ak.forms.ListForm)) or is_string_form(outer):
        return []
    record = unwrap(outer.content)
    if not isinstance(record, ak.forms.RecordForm) or record.is_tuple or not record.fields:
        return []
    members = []
    for name in record.fields:
        member_form = outer.copy(content=record.content(name))
        if classify_form(member_form)[0] is not BranchKind.JAGGED:
            return []
        members.append((name, member_form))
    return members


def rntuple_column(arrays: ak.Array, key: str) -> ak.Array:
    """Return field ``key`` of what ``RNTuple.arrays`` returned; ``Jet.pt`` is member ``pt`` of ``Jet``."""
    collection, dot, member = key.partition(".")
    if dot and collection in arrays.fields and member in arrays[collection].fields:
        return arrays[collection][member]
    return arrays[key]


_UNWRAP = (
    ak.forms.IndexedOptionForm,
    ak.forms.ByteMaskedForm,
    ak.forms.BitMaskedForm,
    ak.forms.UnmaskedForm,
    ak.forms.IndexedForm,
)
_CONTAINER_RE = re.compile(r"\b(std::)?(unordered_)?(multi)?(set|map)<")


def unwrap(form: Any) -> Any:
    """Strip option and indexed wrappers from an awkward form."""
    while isinstance(form, _UNWRAP):
        form = form.content
    return form


def is_string_form(form: Any) -> bool:
    return form.parameters.get("__array__") in ("string", "bytestring")


def classify_form(form: Any, typename: str = "") -> tuple[BranchKind, str, int, str]:
    """Classify an awkward form as (kind, leaf dtype, variable dimensions, reason)."""
    if _CONTAINER_RE.search(typename or ""):
        return BranchKind.OBJECT, "", 0, "std::set and std::map have no fixed column layout"
    form = unwrap(form)
    if isinstance(form, ak.forms.RecordForm):
        return _classify_record(form)
    var_dims = 0
    fixed = False
    while True:
        form = unwrap(form)
        if is_string_form(form):
            kind = BranchKind.JAGGED if var_dims == 1 else BranchKind.STRING
            return _with_depth_limit(kind, "string", var_dims)
        if isinstance(form, ak.forms.NumpyForm):
            fixed = fixed or bool(form.inner_shape)
            dtype = ak.types.numpytype.primitive_to_dtype(form.primitive)
            return _numeric_kind(str(dtype), var_dims, fixed)
        if isinstance(form, ak.forms.RegularForm):
            fixed = True
        elif isinstance(form, (ak.forms.ListOffsetForm, ak.forms.ListForm)):
            if form.parameters.get("__array__") in ("set", "sorted_map"):
                return BranchKind.OBJECT, "", 0, "std::set and std::map have no fixed column layout"
            var_dims += 1
        elif isinstance(form, ak.forms.RecordForm):
            return BranchKind.OBJECT, "", 0, "a collection of objects: unsplit classes are not flattened"
        else:
            return BranchKind.OBJECT, "", 0, f"unsupported layout {type(form).__name__}"
        form = form.content


def _numeric_kind(dtype: str, var_dims: int, fixed: bool) -> tuple[BranchKind, str, int, str]:
    if var_dims == 0:
        return (BranchKind.FIXED if fixed else BranchKind.SCALAR), dtype, 0, ""
    kind = BranchKind.JAGGED if var_dims == 1 else BranchKind.DOUBLY_JAGGED
    return _with_depth_limit(kind, dtype, var_dims)


def _with_depth_limit(kind: BranchKind, dtype: str, var_dims: int) -> tuple[BranchKind, str, int, str]:
    if var_dims > 2:
        reason = f"{var_dims} variable-length dimensions; rootable flattens at most 2"
        return BranchKind.OBJECT, "", var_dims, reason
    if var_dims == 2:
        kind = BranchKind.DOUBLY_JAGGED
    return kind, dtype, var_dims, ""


def _classify_record(form: Any) -> tuple[BranchKind, str, int, str]:
    for content in form.contents:
        content = unwrap(content)
        if not isinstance(content, ak.forms.NumpyForm):
            return BranchKind.OBJECT, "", 0, "an object with non-numeric members"
    return BranchKind.LEAF_LIST, "record", 0, ""


def _collection_of(
    name: str, counter: str | None, kind: BranchKind, names: set[str], counters: set[str]
) -> str:
    """Group jagged branches by counter or ``Prefix_``; scalars and fixed arrays are per event."""
    if name in counters:
        return _counter_collection(name, names)
    if kind not in (BranchKind.JAGGED, BranchKind.DOUBLY_JAGGED):
        return EVENT_GROUP
    if counter is not None:
        return _counter_collection(counter, names)
    if "_" in name.strip("_"):
        return name.strip("_").split("_", 1)[0]
    return name


def _counter_collection(counter: str, names: set[str]) -> str:
    """Name the collection of a counter: ``nJet`` counts ``Jet_*``, else the counter's own name."""
    match = re.fullmatch(r"[nN]_?(\w+)", counter)
    if match is None:
        return counter
    stem = match.group(1)
    if stem in names or any(n.startswith(stem + "_") for n in names):
        return stem
    return counter
