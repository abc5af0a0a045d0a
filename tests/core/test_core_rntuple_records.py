"""RNTuple collections of records (a field like std::vector<Jet>) flatten member by member."""

from __future__ import annotations

import subprocess
import sys

import awkward as ak
import numpy as np
import pyarrow.parquet as pq
import pytest
import uproot

from rootable.core import pipeline
from rootable.core.catalog import BranchKind, open_catalog
from rootable.core.codegen import generate_script
from rootable.core.multiplicity import collection_counts
from rootable.core.recipe import Recipe, SortKey

EVENTS = 60


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """An RNTuple ``Events`` with an event number and a Jet collection of (pt, eta) records."""
    rng = np.random.default_rng(11)
    counts = rng.poisson(2.5, EVENTS)
    jets = ak.unflatten(
        ak.zip({"pt": rng.exponential(40.0, counts.sum()).astype(np.float32), "eta": rng.normal(0.0, 1.5, counts.sum())}),
        counts,
    )
    data = ak.Array({"event": np.arange(EVENTS, dtype=np.int64), "Jet": jets})
    path = tmp_path_factory.mktemp("rntuple") / "records.root"
    with uproot.recreate(path) as file:
        # uproot 5.7 writes a dict or record array assigned to a key as an RNTuple.
        file["Events"] = data
    return path, data


def padded(values, depth):
    return ak.to_numpy(ak.fill_none(ak.pad_none(values, depth, clip=True), np.nan))


def test_record_members_are_jagged_branches(records):
    path, _ = records
    tree = open_catalog(path).tree("Events")

    assert tree.is_rntuple
    assert [b.key for b in tree.collections["Jet"]] == ["Jet.pt", "Jet.eta"]
    assert all(b.kind is BranchKind.JAGGED for b in tree.collections["Jet"])
    assert tree.by_key["Jet.pt"].dtype == "float32"


def test_record_members_padded_like_uproot(records):
    path, data = records
    job = pipeline.prepare(Recipe(inputs=[str(path)], branches=["Jet", "event"], depth=3))

    table = pipeline.preview(job, num_events=EVENTS)

    expected_pt = padded(data.Jet.pt, 3)
    for slot in range(3):
        np.testing.assert_array_equal(table.columns[f"Jet_pt_{slot}"], expected_pt[:, slot])
    assert table.columns["Jet_pt_0"].dtype == np.float32
    np.testing.assert_array_equal(table.columns["Jet_eta_2"], padded(data.Jet.eta, 3)[:, 2])
    assert table.truncated["Jet"] == int(np.count_nonzero(ak.to_numpy(ak.num(data.Jet)) > 3))


def test_record_member_in_cut_and_sort(records):
    path, data = records
    recipe = Recipe(
        inputs=[str(path)], branches=["Jet", "event"], depth=2, cut="any(Jet.pt > 50) & (event >= 10)", sort={"Jet": SortKey("eta")}
    )

    table = pipeline.preview(pipeline.prepare(recipe), num_events=EVENTS)

    selected = data[ak.to_numpy(ak.any(data.Jet.pt > 50, axis=1)) & (ak.to_numpy(data.event) >= 10)]
    order = ak.argsort(selected.Jet.eta, axis=1, ascending=False)
    np.testing.assert_array_equal(table.columns["event"], ak.to_numpy(selected.event))
    np.testing.assert_array_equal(table.columns["Jet_pt_0"], padded(selected.Jet.pt[order], 2)[:, 0])


def test_record_collection_multiplicity(records):
    path, data = records
    tree = open_catalog(path).tree("Events")

    counts = collection_counts(tree, "Jet")

    np.testing.assert_array_equal(counts, ak.to_numpy(ak.num(data.Jet)))


def test_record_script_matches_export(records, tmp_path):
    path, _ = records
    recipe = Recipe(
        inputs=[str(path)], branches=["Jet", "event"], depth=2, cut="count(Jet.pt > 20) >= 2", sort={"Jet": SortKey("pt")}
    )
    job = pipeline.prepare(recipe)
    pipeline.export(job, tmp_path / "rootable.parquet")
    script = tmp_path / "flatten.py"
    script.write_text(generate_script(job, output=str(tmp_path / "script.parquet")))

    subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True)

    expected = pq.read_table(tmp_path / "rootable.parquet")
    actual = pq.read_table(tmp_path / "script.parquet")
    assert actual.column_names == expected.column_names
    assert actual.num_rows == expected.num_rows > 0
    for name in expected.column_names:
        np.testing.assert_array_equal(actual.column(name).to_numpy(), expected.column(name).to_numpy(), err_msg=name)
