"""Branch kinds and fill rules that the real files do not cover, on trees written by uproot here."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pytest
import uproot

from rootable.core import pipeline
from rootable.core.catalog import BranchKind, _describe_branches, open_catalog
from rootable.core.errors import InputError, RecipeError
from rootable.core.flatten import FlattenPlan, flatten, flatten_array
from rootable.core.naming import UniqueNames, sanitize
from rootable.core.recipe import FillValues, Recipe, SortKey
from rootable.core.selection import build_plan, resolve_branches


def write_tree(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as the TTree ``t`` (not an RNTuple, which uproot writes for plain dicts)."""
    with uproot.recreate(path) as handle:
        handle.mktree(
            "t", {k: v.type if isinstance(v, ak.Array) else v.dtype for k, v in data.items()}
        )
        handle["t"].extend(data)
    return path


def run(path: Path, branches: list[str], catalog: Any = None, **options: Any) -> pipeline.FlatChunk:
    recipe = Recipe(inputs=[str(path)], branches=branches, **options)
    return pipeline.preview(pipeline.prepare(recipe, catalog), 10_000)


@pytest.fixture(scope="module")
def nano(data_dir):
    """Path and catalog of nano_dy.root, opened once: cataloging 1499 branches takes a second."""
    path = data_dir / "nano_dy.root"
    return path, open_catalog(path)


def jagged(values: list[list[Any]], dtype: Any) -> ak.Array:
    return ak.values_astype(ak.Array(values), dtype)


def test_kinds_int8_uint64_keep_dtype(tmp_path):
    small = np.array([-128, 0, 127], dtype=np.int8)
    large = np.array([0, 2**63 + 5, 2**64 - 1], dtype=np.uint64)
    path = write_tree(tmp_path / "scalars.root", {"small": small, "large": large})

    result = run(path, ["small", "large"])

    assert result.columns["small"].dtype == np.int8
    assert result.columns["large"].dtype == np.uint64
    assert result.columns["small"].tolist() == [-128, 0, 127]
    assert result.columns["large"].tolist() == [0, 2**63 + 5, 2**64 - 1]


@pytest.fixture
def jet_file(tmp_path):
    jets = ak.zip(
        {
            "good": jagged([[True, False], [], [True, True, True]], bool),
            "hits": jagged([[7, 8], [], [1, 2, 3]], np.uint32),
            "flavour": jagged([[5, 0], [], [4, 21, 1]], np.int32),
            "energy": jagged([[30.5, 12.25], [], [55.0, 40.0, 20.0]], np.float32),
        }
    )
    return write_tree(tmp_path / "jets.root", {"Jet": jets})


def test_kinds_jagged_bool_default_fill(jet_file):
    result = run(jet_file, ["Jet_good"], depth=3)

    assert result.columns["Jet_good_0"].dtype == np.bool_
    assert result.columns["Jet_good_0"].tolist() == [True, False, True]
    assert result.columns["Jet_good_1"].tolist() == [False, False, True]
    assert result.columns["Jet_good_2"].tolist() == [False, False, True]


def test_kinds_bool_fill_true_stays_bool(jet_file):
    result = run(jet_file, ["Jet_good"], depth=3, fill=FillValues(boolean=1))

    assert result.columns["Jet_good_2"].dtype == np.bool_
    assert result.columns["Jet_good_2"].tolist() == [True, True, True]
    assert result.columns["Jet_good_1"].tolist() == [False, True, True]


def test_kinds_bool_fill_two_gives_float64(jet_file):
    result = run(jet_file, ["Jet_good"], depth=3, fill=FillValues(boolean=2))

    assert result.columns["Jet_good_1"].dtype == np.float64
    assert result.columns["Jet_good_1"].tolist() == [0.0, 2.0, 1.0]


def test_kinds_uint32_negative_fill_promotes(jet_file):
    result = run(jet_file, ["Jet_hits"], depth=3)

    assert result.columns["Jet_hits_0"].dtype == np.int64
    assert result.columns["Jet_hits_0"].tolist() == [7, -1, 1]
    assert result.columns["Jet_hits_2"].tolist() == [-1, -1, 3]


def test_kinds_nan_fill_on_int_gives_float64(jet_file):
    result = run(jet_file, ["Jet_flavour"], depth=3, fill=FillValues(integer=math.nan))

    column = result.columns["Jet_flavour_1"]
    assert column.dtype == np.float64
    assert column[0] == 0.0
    assert math.isnan(column[1])
    assert column[2] == 21.0


def test_kinds_sentinel_fill_keeps_int32(jet_file):
    result = run(jet_file, ["Jet_flavour"], depth=3, fill=FillValues(integer=-999))

    assert result.columns["Jet_flavour_2"].dtype == np.int32
    assert result.columns["Jet_flavour_2"].tolist() == [-999, -999, 1]


def test_kinds_nan_fill_keeps_float32(jet_file):
    result = run(jet_file, ["Jet_energy"], depth=3)

    column = result.columns["Jet_energy_1"]
    assert column.dtype == np.float32
    assert column[0] == np.float32(12.25)
    assert math.isnan(column[1])
    assert column[2] == np.float32(40.0)


def test_kinds_depth_zero_drops_member_columns(jet_file):
    result = run(jet_file, ["nJet", "Jet_energy"], depth=0, masks=True)

    assert list(result.columns) == ["nJet"]
    assert result.columns["nJet"].tolist() == [2, 0, 3]
    assert result.truncated == {"Jet": 2}


def test_kinds_depth_beyond_every_multiplicity(jet_file):
    result = run(jet_file, ["Jet_flavour"], depth=6)

    names = [f"Jet_flavour_{j}" for j in range(6)]
    assert list(result.columns) == names
    assert result.columns["Jet_flavour_2"].tolist() == [-1, -1, 1]
    for name in names[3:]:
        assert result.columns[name].tolist() == [-1, -1, -1], name
    assert result.truncated == {"Jet": 0}


def test_kinds_collection_empty_in_every_event(tmp_path):
    # ak.Array([[], [], []]) has no element type, so build typed empty lists.
    no_objects = [0, 0, 0]
    jets = ak.zip(
        {
            "pt": ak.unflatten(np.zeros(0, np.float32), no_objects),
            "id": ak.unflatten(np.zeros(0, np.int16), no_objects),
        }
    )
    path = write_tree(tmp_path / "nojets.root", {"Jet": jets})

    result = run(path, ["Jet_pt", "Jet_id"], depth=2)

    assert list(result.columns) == ["Jet_pt_0", "Jet_pt_1", "Jet_id_0", "Jet_id_1"]
    assert result.columns["Jet_pt_1"].dtype == np.float32
    assert np.isnan(result.columns["Jet_pt_1"]).all()
    assert result.columns["Jet_id_0"].dtype == np.int16
    assert result.columns["Jet_id_0"].tolist() == [-1, -1, -1]


def test_kinds_jagged_of_fixed_columns():
    # Built in memory: uproot 5.7.7 writes var * 3 * float32 TTree branches that it cannot
    # read back (see the strict xfail below), so no file fixture is possible yet.
    values = [[[1, 2, 3], [4, 5, 6]], [], [[7, 8, 9]]]
    array = ak.to_regular(jagged(values, np.float32), axis=2)

    columns = flatten_array(array, "X", (2,), FillValues())

    assert list(columns) == ["X_0_0", "X_0_1", "X_0_2", "X_1_0", "X_1_1", "X_1_2"]
    assert columns["X_0_2"].dtype == np.float32
    assert columns["X_0_2"].tolist()[0] == 3.0
    assert math.isnan(columns["X_0_2"][1])
    assert columns["X_0_2"][2] == 9.0
    assert columns["X_1_0"][0] == 4.0
    assert np.isnan(columns["X_1_0"][1:]).all()


@pytest.mark.xfail(raises=InputError, reason="uproot 5.7.7 cannot read back its own var * 3 branch")
def test_kinds_jagged_of_fixed_file(tmp_path):
    array = ak.to_regular(jagged([[[1, 2, 3], [4, 5, 6]], [], [[7, 8, 9]]], np.float32), axis=2)
    path = write_tree(tmp_path / "fixed.root", {"X": array})

    result = run(path, ["X"], depth=2)

    assert result.columns["X_1_2"].tolist()[0] == 6.0


def test_kinds_empty_tree_schema(data_dir):
    path = data_dir / "uproot-empty.root"

    result = run(path, ["x", "y", "z"])

    assert result.num_rows == 0
    assert {name: column.dtype for name, column in result.columns.items()} == {
        "x": np.dtype(np.int32),
        "y": np.dtype(np.float64),
        "z": np.dtype(object),
    }
    assert [len(column) for column in result.columns.values()] == [0, 0, 0]


def test_kinds_doubly_jagged_needs_inner_depth(data_dir):
    recipe = Recipe(inputs=[str(data_dir / "uproot-vectorVectorDouble.root")], branches=["x"])

    with pytest.raises(RecipeError, match="inner depth"):
        pipeline.prepare(recipe)


def test_kinds_doubly_jagged_with_inner_depth(data_dir):
    path = data_dir / "uproot-vectorVectorDouble.root"
    plain = uproot.open(path)["t"]["x"].array(library="ak")

    result = run(path, ["x"], depth=2, inner_depths={"x": 2})

    outer = ak.pad_none(plain, 2, axis=1, clip=True)
    for j in range(2):
        inner = ak.pad_none(outer[:, j], 2, axis=1, clip=True)
        for k in range(2):
            expected = ak.to_numpy(ak.fill_none(inner[:, k], math.nan))
            assert np.array_equal(result.columns[f"x_{j}_{k}"], expected, equal_nan=True), (j, k)


def test_kinds_masks_mark_present_objects(nano):
    path, catalog = nano
    counts = uproot.open(path)["Events"]["nJet"].array(library="np")

    result = run(path, ["Jet_pt"], catalog, masks=True)

    assert list(result.columns)[:4] == [f"Jet_mask_{j}" for j in range(4)]
    for j in range(4):
        assert result.columns[f"Jet_mask_{j}"].tolist() == (counts > j).tolist(), j


def test_kinds_sort_applies_to_every_member(nano):
    path, catalog = nano
    events = uproot.open(path)["Events"]
    btag = events["Jet_btagDeepB"].array(library="np")
    pt = events["Jet_pt"].array(library="np")
    eta = events["Jet_eta"].array(library="np")

    sort = {"Jet": SortKey("btagDeepB")}
    result = run(path, ["Jet_pt", "Jet_eta", "Jet_btagDeepB"], catalog, sort=sort)

    for event in range(len(btag)):
        order = np.argsort(-btag[event], kind="stable")[:4]
        slots = len(order)
        for name, values in (("Jet_btagDeepB", btag), ("Jet_pt", pt), ("Jet_eta", eta)):
            got = [result.columns[f"{name}_{j}"][event] for j in range(slots)]
            assert got == values[event][order].tolist(), (name, event)


def test_kinds_sort_ascending(nano):
    path, catalog = nano
    pt = uproot.open(path)["Events"]["Jet_pt"].array(library="np")

    result = run(path, ["Jet_pt"], catalog, sort={"Jet": SortKey("pt", descending=False)})

    assert result.columns["Jet_pt_0"].tolist() == [float(np.min(v)) for v in pt]


def test_kinds_sort_by_unknown_member(nano):
    with pytest.raises(RecipeError, match="btagDeep"):
        run(nano[0], ["Jet_pt"], nano[1], sort={"Jet": SortKey("btagDeep")})



def test_kinds_duplicate_names_keys_and_columns(jet_file):
    # uproot's writer takes a dict, so it cannot write two branches of one name. The test
    # lists real branch objects twice instead, which reaches the catalog's key logic.
    tree = uproot.open(jet_file)["t"]
    energy, flavour = tree["Jet_energy"], tree["Jet_flavour"]
    branches = _describe_branches([energy, flavour, energy, energy])
    catalog = open_catalog(jet_file).tree()
    catalog.branches = branches
    recipe = Recipe(depth=2)

    keys = [b.key for b in branches]
    plan = build_plan(catalog, recipe, branches)
    chunk = {key: tree["Jet_energy"].array() for key in keys}
    chunk["Jet_flavour"] = tree["Jet_flavour"].array()
    columns = flatten(chunk, FlattenPlan(plan.branches, (), recipe.fill)).columns

    assert keys == ["Jet_energy", "Jet_flavour", "Jet_energy#2", "Jet_energy#3"]
    assert [b.base for b in plan.branches] == [
        "Jet_energy",
        "Jet_flavour",
        "Jet_energy__2",
        "Jet_energy__3",
    ]
    assert "Jet_energy__3_1" in columns
    assert np.array_equal(columns["Jet_energy__2_0"], columns["Jet_energy_0"], equal_nan=True)


def test_kinds_unique_names_after_sanitizing():
    names = UniqueNames()

    claimed = [names.claim(sanitize(n)) for n in ("P3.Px", "P3_Px", "P3:Px", "1st", "_1st")]

    assert claimed == ["P3_Px", "P3_Px__2", "P3_Px__3", "_1st", "_1st__2"]


def test_kinds_glob_characters_exact_name(data_dir):
    path = data_dir / "uproot-small-evnt-tree-fullsplit.root"
    tree = open_catalog(path).tree()
    plain = uproot.open(path)["tree"]["ArrayI16[10]"].array(library="np")

    selection = resolve_branches(tree, ["ArrayI16[10]"])
    result = run(path, ["ArrayI16[10]"])

    assert [b.key for b in selection.branches] == ["ArrayI16[10]"]
    assert list(result.columns) == [f"ArrayI16_10__{k}" for k in range(10)]
    assert result.columns["ArrayI16_10__3"].tolist() == plain[:, 3].tolist()


def test_kinds_split_parent_rejected(data_dir):
    tree = open_catalog(data_dir / "uproot-small-evnt-tree-fullsplit.root").tree()

    with pytest.raises(InputError, match="split object") as caught:
        resolve_branches(tree, ["evt"])

    assert tree.by_key["evt"].kind is BranchKind.OBJECT
    assert "evt" in str(caught.value)


def test_kinds_split_members_flatten(data_dir):
    path = data_dir / "uproot-small-evnt-tree-fullsplit.root"
    plain = uproot.open(path)["tree"]

    result = run(path, ["I32", "P3.Px", "StdStr", "StlVecI32"], depth=2)

    assert result.columns["I32"].tolist() == plain["I32"].array(library="np").tolist()
    assert result.columns["P3_Px"].tolist() == plain["P3.Px"].array(library="np").tolist()
    assert result.columns["StdStr"].tolist() == plain["StdStr"].array(library="ak").tolist()
    vectors = ak.fill_none(ak.pad_none(plain["StlVecI32"].array(), 2, clip=True), -1)
    assert result.columns["StlVecI32_1"].tolist() == vectors[:, 1].tolist()


def test_kinds_rntuple_fields_flatten(data_dir):
    path = data_dir / "ntpl001_staff_rntuple_v1-0-0-0.root"
    plain = uproot.open(path)["Staff"].arrays()
    tree = open_catalog(path).tree("Staff")

    result = run(path, [b.key for b in tree.branches], tree="Staff")

    assert result.num_rows == len(plain) == 3354
    assert list(result.columns) == [sanitize(name) for name in plain.fields]
    for name in plain.fields:
        assert result.columns[sanitize(name)].tolist() == plain[name].tolist(), name
