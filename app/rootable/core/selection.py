"""Choosing what to read: branch names and patterns, the flattening plan, and the event cut."""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import awkward as ak
import numpy as np

from rootable.core.catalog import BranchInfo, TreeInfo
from rootable.core.errors import CutError, InputError, RecipeError, did_you_mean
from rootable.core.flatten import BranchPlan, CollectionPlan, FlattenPlan
from rootable.core.naming import UniqueNames, sanitize
from rootable.core.recipe import Recipe


@dataclass
class Selection:
    """Branches matched by a recipe's ``branches`` list, and those a pattern matched but skipped."""

    branches: list[BranchInfo]
    skipped: list[BranchInfo]


def resolve_branches(tree: TreeInfo, requested: list[str]) -> Selection:
    """Match branch keys, collection names and glob patterns against a tree's branches.

    An exact branch key wins over a collection name, which wins over a glob pattern, so
    ``Muon_dxy[10]`` selects that branch and never the pattern ``Muon_dxy`` plus a class.
    A branch named exactly but not flattenable raises; one matched only by a pattern or a
    collection is reported in ``skipped`` with its reason.
    """
    chosen: dict[int, BranchInfo] = {}
    skipped: dict[int, BranchInfo] = {}
    for item in requested:
        item = item.strip()
        if not item:
            continue
        exact = tree.by_key.get(item)
        if exact is not None:
            if not exact.flattenable:
                raise InputError(
                    f"{tree.file_path}: branch {item!r} cannot be flattened: {exact.reason}"
                )
            chosen.setdefault(exact.index, exact)
            continue
        matches = _match_group_or_pattern(tree, item)
        if not matches:
            hint = did_you_mean(item, list(tree.by_key) + list(tree.collections))
            if any(c in item for c in "*?["):
                problem = f"no branch matches the pattern {item!r} in {tree.path_string!r}"
            else:
                problem = f"branch {item!r} not found in {tree.path_string!r}"
            raise InputError(f"{tree.file_path}: {problem}{hint}")
        for branch in matches:
            if branch.flattenable:
                chosen.setdefault(branch.index, branch)
            else:
                skipped[branch.index] = branch
    ordered = list(chosen.values())
    return Selection(branches=ordered, skipped=[skipped[i] for i in sorted(skipped) if i not in chosen])


def _match_group_or_pattern(tree: TreeInfo, item: str) -> list[BranchInfo]:
    if item in tree.collections:
        return list(tree.collections[item])
    return [
        b
        for b in tree.branches
        if fnmatch.fnmatchcase(b.key, item) or fnmatch.fnmatchcase(b.name, item)
    ]


def build_plan(tree: TreeInfo, recipe: Recipe, branches: list[BranchInfo]) -> FlattenPlan:
    """Turn the chosen branches and the recipe's depths, sort keys and fills into a FlattenPlan."""
    names = UniqueNames()
    plans = []
    for branch in branches:
        base = names.claim(sanitize(branch.name))
        plans.append(BranchPlan(key=branch.key, base=base, depths=_depths(branch, recipe), collection=branch.collection))
    collections = []
    for name, members in tree.collections.items():
        chosen = [b.key for b in members if any(p.key == b.key for p in plans)]
        jagged = [b for b in members if b.var_dims > 0 and b.key in chosen]
        if not jagged:
            continue
        sort = recipe.sort.get(name)
        sort_member = _sort_member(tree, name, sort.member) if sort else None
        collections.append(
            CollectionPlan(
                name=name,
                depth=recipe.depth_of(name),
                members=tuple([b.key for b in members if b.var_dims > 0]),
                sort_member=sort_member,
                descending=sort.descending if sort else True,
                masks=recipe.masks,
                mask_base=names.claim(sanitize(name)) if recipe.masks else "",
            )
        )
    return FlattenPlan(branches=tuple(plans), collections=tuple(collections), fill=recipe.fill)


def _depths(branch: BranchInfo, recipe: Recipe) -> tuple[int, ...]:
    if branch.var_dims == 0:
        return ()
    outer = recipe.depth_of(branch.collection)
    if branch.var_dims == 1:
        return (outer,)
    inner = recipe.inner_depths.get(branch.key)
    if inner is None:
        raise RecipeError(
            f"branch {branch.key!r} is doubly jagged ({branch.typename}): set its inner depth, "
            f"for example --inner-depth {branch.key}=3"
        )
    return (outer, inner)


def _sort_member(tree: TreeInfo, collection: str, member: str) -> str:
    members = {b.key: b for b in tree.collections.get(collection, [])}
    for candidate in (member, f"{collection}_{member}", f"{collection}.{member}"):
        if candidate in members and members[candidate].var_dims == 1:
            return candidate
    hint = did_you_mean(member, [m for m, b in members.items() if b.var_dims == 1])
    raise RecipeError(f"invalid sort.{collection}: {member!r} is not a jagged member of {collection}{hint}")


def read_keys(plan: FlattenPlan, cut_names: set[str]) -> list[str]:
    """Return every branch key a chunk must hold: columns, sort keys and names in the cut."""
    keys = [b.key for b in plan.branches]
    extra = [c.sort_member for c in plan.collections if c.sort_member] + sorted(cut_names)
    for key in extra:
        if key not in keys:
            keys.append(key)
    return keys


# -- event selection ---------------------------------------------------------------------------


def _reduce(function: Any) -> Any:
    def reducer(array: Any) -> Any:
        return function(array, axis=-1)

    return reducer


CUT_FUNCTIONS: dict[str, Any] = {
    "count": _reduce(ak.count_nonzero),
    "num": lambda array: ak.num(array, axis=-1),
    "sum": _reduce(ak.sum),
    "any": _reduce(ak.any),
    "all": _reduce(ak.all),
    "max": _reduce(ak.max),
    "min": _reduce(ak.min),
    "mean": _reduce(ak.mean),
    "abs": np.abs,
    "sqrt": np.sqrt,
    "log": np.log,
    "exp": np.exp,
    "sin": np.sin,
    "cos": np.cos,
    "arctan2": np.arctan2,
    "hypot": np.hypot,
    "where": ak.where,
    "np": np,
    "ak": ak,
    "pi": np.pi,
}

_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.Name,
    ast.Load, ast.Constant, ast.Attribute, ast.And, ast.Or, ast.Not, ast.Invert, ast.USub,
    ast.UAdd, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
    ast.BitAnd, ast.BitOr, ast.BitXor, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
)


@dataclass
class Cut:
    """A compiled event selection and the branch keys it reads."""

    text: str
    names: set[str]
    code: Any
    role: str = "cut"
    """Purpose of the expression as messages name it: ``cut`` or ``weight``."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Identifier in ``code`` to branch key, for keys with a dot such as ``Jet.pt``."""

    def mask(self, arrays: Mapping[str, ak.Array], num_rows: int) -> np.ndarray:
        """Evaluate the cut on one chunk; returns one boolean per event (missing counts as False)."""
        return _to_event_mask(self.text, self._evaluate(arrays), num_rows)

    def values(self, arrays: Mapping[str, ak.Array], num_rows: int) -> np.ndarray:
        """Evaluate the expression as one float64 number per event, for weight columns."""
        result = self._evaluate(arrays)
        if isinstance(result, (int, float, np.number)):
            return np.full(num_rows, float(result))
        if isinstance(result, ak.Array) and result.ndim > 1:
            raise CutError(
                f"{self.role} {self.text!r} gives one value per object, not per event; "
                "reduce it with sum(...), max(...) or similar"
            )
        values = np.asarray(ak.fill_none(result, np.nan) if isinstance(result, ak.Array) else result, dtype=np.float64)
        if values.shape != (num_rows,):
            raise CutError(f"{self.role} {self.text!r} gives {values.shape} values, expected one per event")
        return values

    def _evaluate(self, arrays: Mapping[str, ak.Array]) -> Any:
        namespace = dict(CUT_FUNCTIONS)
        namespace.update({name: arrays[name] for name in self.names})
        namespace.update({alias: arrays[key] for alias, key in self.aliases.items()})
        try:
            return eval(self.code, {"__builtins__": {}}, namespace)
        except Exception as exc:
            raise CutError(f"{self.role} {self.text!r} failed: {exc}") from exc


def compile_cut(text: str, tree: TreeInfo, role: str = "cut") -> Cut | None:
    """Parse a cut such as ``(nJet >= 2) & (MET_pt > 20)``; return None for an empty cut.

    ``and``, ``or`` and ``not`` work like ``&``, ``|`` and ``~``. Reductions of jagged
    branches: count, num, sum, any, all, max, min, mean (over the objects of each event).
    """
    if not text.strip():
        return None
    try:
        tree_ast = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset and exc.offset > 1 else ""
        raise CutError(f"invalid {role} {text!r}: {exc.msg}{where}") from None
    known = {b.key: b for b in tree.branches if b.flattenable}
    dotted = DottedNames(set(known))
    tree_ast = dotted.visit(tree_ast)
    for node in ast.walk(tree_ast):
        if not isinstance(node, _ALLOWED_NODES):
            raise CutError(f"invalid {role} {text!r}: {type(node).__name__} is not allowed in a cut")
        if isinstance(node, ast.Attribute) and not _is_module_attribute(node):
            raise CutError(f"invalid {role} {text!r}: only np.<function> and ak.<function> may use '.'")
    names = _names_used(tree_ast) - set(dotted.aliases)
    for name in sorted(names):
        if name not in known:
            hint = did_you_mean(name, list(known) + sorted(k for k in CUT_FUNCTIONS if k.isalpha()))
            raise CutError(f"invalid {role} {text!r}: unknown name {name!r}{hint}")
    rewritten = ast.fix_missing_locations(BooleanRewriter().visit(tree_ast))
    code = compile(rewritten, f"<{role}>", "eval")
    names |= set(dotted.aliases.values())
    return Cut(text=text.strip(), names=names, code=code, role=role, aliases=dotted.aliases)


class DottedNames(ast.NodeTransformer):
    """Replace ``Jet.pt`` by a plain identifier where ``Jet.pt`` is a branch key.

    Members of RNTuple collections of records and of split TTree objects have keys with a
    dot, which Python parses as an attribute. ``aliases`` maps each new identifier to its key.
    """

    def __init__(self, keys: set[str]) -> None:
        self.keys = keys
        self.aliases: dict[str, str] = {}

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        key = dotted_key(node)
        if key is None or key not in self.keys:
            return self.generic_visit(node)
        alias = next((a for a, k in self.aliases.items() if k == key), f"_dotted_{len(self.aliases)}")
        self.aliases[alias] = key
        return ast.copy_location(ast.Name(id=alias, ctx=ast.Load()), node)


def dotted_key(node: ast.Attribute) -> str | None:
    """Return ``a.b.c`` for the attribute chain ``a.b.c``, or None when it starts elsewhere."""
    parts = [node.attr]
    value = node.value
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name):
        return None
    parts.append(value.id)
    return ".".join(reversed(parts))


def _is_module_attribute(node: ast.Attribute) -> bool:
    return isinstance(node.value, ast.Name) and node.value.id in ("np", "ak")


def _names_used(tree_ast: ast.AST) -> set[str]:
    return {
        node.id
        for node in ast.walk(tree_ast)
        if isinstance(node, ast.Name) and node.id not in CUT_FUNCTIONS
    }


class BooleanRewriter(ast.NodeTransformer):
    """Rewrite ``and``/``or``/``not`` into element-wise ``&``/``|``/``~``."""

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        operator: ast.operator = ast.BitAnd() if isinstance(node.op, ast.And) else ast.BitOr()
        result = node.values[0]
        for value in node.values[1:]:
            result = ast.BinOp(left=result, op=operator, right=value)
        return result

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.UnaryOp(op=ast.Invert(), operand=node.operand)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) == 1:
            return node
        parts: list[ast.expr] = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            parts.append(ast.Compare(left=left, ops=[op], comparators=[right]))
            left = right
        result = parts[0]
        for part in parts[1:]:
            result = ast.BinOp(left=result, op=ast.BitAnd(), right=part)
        return result


def _to_event_mask(text: str, result: Any, num_rows: int) -> np.ndarray:
    if isinstance(result, (bool, np.bool_)):
        return np.full(num_rows, bool(result))
    if isinstance(result, ak.Array):
        if result.ndim > 1:
            raise CutError(
                f"cut {text!r} gives one value per object, not per event; reduce it with "
                "any(...), all(...) or count(...), for example any(Jet_pt > 30)"
            )
        result = ak.fill_none(result, False)
    mask = np.asarray(result)
    if mask.shape != (num_rows,):
        raise CutError(f"cut {text!r} gives {mask.shape} values, expected one per event ({num_rows})")
    if mask.dtype != np.bool_:
        raise CutError(
            f"cut {text!r} gives {mask.dtype} values, expected true/false; compare it, "
            "for example MET_pt > 20"
        )
    return mask

