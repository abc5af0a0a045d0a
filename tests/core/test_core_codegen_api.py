"""The generated plain-uproot script and the Python API give the same table as the export."""

from __future__ import annotations

import subprocess
import sys

import h5py
import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import uproot
from pyarrow import feather

import rootable
from rootable.core import pipeline
from rootable.core.codegen import generate_script
from rootable.core.recipe import Recipe, SortKey

CASES = {
    "jagged": {"branches": ["nJet", "Jet_pt", "Jet_eta", "MET_pt"], "depth": 4},
    "sort-cut-masks": {
        "branches": ["nJet", "Jet_pt", "Jet_btagDeepB", "HLT_IsoMu24"],
        "depth": 3,
        "sort": {"Jet": SortKey("btagDeepB")},
        "cut": "(nJet >= 2) and any(Jet_pt > 30)",
        "masks": True,
    },
    "entry-range": {"branches": ["nMuon", "Muon_pt", "Muon_charge"], "depth": 2, "entry_start": 7, "entry_stop": 31},
}


def assert_tables_equal(actual, expected):
    assert sorted(actual.column_names) == sorted(expected.column_names)
    assert actual.num_rows == expected.num_rows
    for name in expected.column_names:
        left = actual.column(name).to_numpy()
        right = expected.column(name).to_numpy()
        assert left.dtype == right.dtype, name
        np.testing.assert_array_equal(left, right, err_msg=name)


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_script_matches_export(data_dir, tmp_path, case):
    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root"), str(data_dir / "nano_dy.root")], tree="Events", **CASES[case])
    job = pipeline.prepare(recipe)
    pipeline.export(job, tmp_path / "rootable.parquet")
    script = tmp_path / "flatten.py"
    script.write_text(generate_script(job, output=str(tmp_path / "script.parquet")))

    subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True)

    assert_tables_equal(pq.read_table(tmp_path / "script.parquet"), pq.read_table(tmp_path / "rootable.parquet"))


def read_any(path):
    """Read an output file into {column: array} with the format's own reader."""
    suffix = path.suffix
    if suffix == ".csv":
        table = pacsv.read_csv(path)
    elif suffix == ".feather":
        table = feather.read_table(path)
    elif suffix == ".h5":
        with h5py.File(path, "r") as handle:
            return {name: handle[name][()] for name in handle}
    elif suffix == ".root":
        return uproot.open(path)["Events"].arrays(library="np")
    else:
        with np.load(path) as archive:
            return {str(name): archive["X"][:, i] for i, name in enumerate(archive["columns"])}
    return {name: table.column(name).to_numpy() for name in table.column_names}


@pytest.mark.parametrize("suffix", [".csv", ".feather", ".h5", ".npz", ".root"])
def test_generated_script_other_formats(data_dir, tmp_path, suffix):
    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root")], tree="Events", branches=["nJet", "Jet_pt", "MET_pt"], depth=2)
    job = pipeline.prepare(recipe)
    pipeline.export(job, tmp_path / f"rootable{suffix}")
    script = tmp_path / "flatten.py"
    script.write_text(generate_script(job, output=str(tmp_path / f"script{suffix}")))

    subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True)

    actual, expected = read_any(tmp_path / f"script{suffix}"), read_any(tmp_path / f"rootable{suffix}")
    assert sorted(actual) == sorted(expected)
    for name, values in expected.items():
        assert actual[name].dtype == values.dtype, name
        np.testing.assert_array_equal(actual[name], values, err_msg=name)


def test_read_matches_readme_example(data_dir):
    df = rootable.read(data_dir / "nano_dy.root", branches=["Jet_*", "MET_pt"], depth={"Jet": 4})

    events = uproot.open(data_dir / "nano_dy.root")["Events"]
    assert len(df) == 40
    assert "Jet_pt_3" in df.columns
    assert df["Jet_pt_0"].dtype == np.float32
    np.testing.assert_array_equal(df["MET_pt"].to_numpy(), events["MET_pt"].array(library="np"))
    assert df["Jet_pt_0"].iloc[0] == 80.75


def test_iterate_yields_chunks(data_dir):
    frames = list(rootable.iterate(data_dir / "nano_dy.root", branches=["nJet"], step_size=15))

    assert [len(f) for f in frames] == [15, 15, 10]


def test_api_takes_folders_and_any_recipe_option(data_dir, tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    for name in ("b.root", "a.root"):
        (folder / name).symlink_to(data_dir / "nano_dy.root")

    frame = rootable.read(folder, branches=["MET_pt"], source_column=True, step_size=7)

    assert frame.columns.tolist() == ["source_file", "MET_pt"]
    assert frame["source_file"].tolist() == ["a.root"] * 40 + ["b.root"] * 40
    with pytest.raises(TypeError, match="unknown recipe option 'bogus'"):
        rootable.read(folder, branches=["MET_pt"], bogus=1)
