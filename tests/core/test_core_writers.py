"""Every output format reads back, with its own reader, equal to the flat table."""

from __future__ import annotations

import gzip
import io

import h5py
import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import uproot
from pyarrow import feather

from rootable.core import pipeline
from rootable.core.errors import Cancelled, OutputError
from rootable.core.recipe import Recipe
from rootable.core.writers import ParquetWriter

BRANCHES = ["nJet", "Jet_pt", "Jet_jetId", "MET_pt", "HLT_IsoMu24", "event"]


@pytest.fixture(scope="module")
def job(data_dir):
    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root")], tree="Events", branches=BRANCHES, depth=3, step_size=16)
    return pipeline.prepare(recipe)


@pytest.fixture(scope="module")
def table(job):
    return pipeline.preview(job, num_events=10_000).columns


def read_parquet(path):
    return {name: column.to_numpy(zero_copy_only=False) for name, column in zip(*_columns(pq.read_table(path)), strict=True)}


def read_feather(path):
    return {name: column.to_numpy(zero_copy_only=False) for name, column in zip(*_columns(feather.read_table(path)), strict=True)}


def read_csv(path):
    with open(path, "rb") as handle:
        data = handle.read()
    if str(path).endswith(".gz"):
        data = gzip.decompress(data)
    table = pacsv.read_csv(io.BytesIO(data))
    return {name: column.to_numpy(zero_copy_only=False) for name, column in zip(*_columns(table), strict=True)}


def read_hdf5(path):
    with h5py.File(path, "r") as handle:
        return {name: handle[name][()] for name in handle}


def read_root(path):
    return uproot.open(path)["Events"].arrays(library="np")


def _columns(table):
    return table.column_names, table.columns


@pytest.mark.parametrize(
    ("suffix", "reader", "exact_dtypes"),
    [
        (".parquet", read_parquet, True),
        (".feather", read_feather, True),
        (".arrow", read_feather, True),
        (".h5", read_hdf5, True),
        (".root", read_root, True),
        (".csv", read_csv, False),
        (".csv.gz", read_csv, False),
    ],
)
def test_format_round_trip(job, table, tmp_path, suffix, reader, exact_dtypes):
    path = tmp_path / f"out{suffix}"

    result = pipeline.export(job, path)

    back = reader(path)
    assert result.rows == 40
    assert sorted(back) == sorted(table)
    for name, expected in table.items():
        actual = back[name]
        if exact_dtypes:
            assert actual.dtype == expected.dtype, name
        np.testing.assert_array_equal(actual.astype(expected.dtype), expected, err_msg=name)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_csv_prints_integers_as_integers(job, tmp_path):
    path = tmp_path / "out.csv"

    pipeline.export(job, path)

    frame = pd.read_csv(path)
    assert frame["Jet_jetId_2"].dtype == np.int64
    assert (frame["Jet_jetId_2"] == -1).any()
    assert frame["HLT_IsoMu24"].dtype == bool


def test_numpy_matrix_round_trip(job, table, tmp_path):
    path = tmp_path / "out.npz"

    pipeline.export(job, path)

    with np.load(path) as archive:
        matrix, names = archive["X"], list(archive["columns"])
    assert names == list(table)
    assert matrix.dtype == np.float32
    for position, name in enumerate(names):
        np.testing.assert_array_equal(matrix[:, position], table[name].astype(np.float32), err_msg=name)


def test_numpy_refuses_text_columns(data_dir, tmp_path):
    job = pipeline.prepare(Recipe(inputs=[str(data_dir / "uproot-Zmumu.root")], branches=["Type", "E1"]))

    with pytest.raises(OutputError, match="untick the text columns Type"):
        pipeline.export(job, tmp_path / "out.npz")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".h5", ".root", ".npz", ".feather"])
def test_cancel_leaves_no_file(job, tmp_path, suffix):
    calls = []

    def cancel_after_first_chunk():
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Cancelled):
        pipeline.export(job, tmp_path / f"out{suffix}", cancelled=cancel_after_first_chunk)

    assert list(tmp_path.iterdir()) == []


def test_full_disk_leaves_no_file(job, tmp_path, monkeypatch):
    real_write = ParquetWriter.write
    calls = []

    def write_until_full(self, columns):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_write(self, columns)

    monkeypatch.setattr(ParquetWriter, "write", write_until_full)

    with pytest.raises(OutputError, match="out.parquet: writing failed .No space left on device."):
        pipeline.export(job, tmp_path / "out.parquet")
    assert list(tmp_path.iterdir()) == []


def test_parquet_stores_recipe(job, tmp_path):
    path = tmp_path / "out.parquet"

    pipeline.export(job, path)

    metadata = pq.read_schema(path).metadata
    assert b"rootable.recipe" in metadata
    assert b'"Jet_jetId"' in metadata[b"rootable.recipe"]


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".feather"])
def test_estimate_close_to_real_size(job, tmp_path, suffix):
    preview = pipeline.preview(job, num_events=20)

    estimate = pipeline.estimate_output(job, preview, 20, suffix.strip("."))
    result = pipeline.export(job, tmp_path / f"out{suffix}")

    assert estimate.entries == 40
    assert estimate.rows == result.rows
    assert 0.3 * result.bytes < estimate.bytes < 3 * result.bytes


def test_preview_opens_only_needed_inputs(data_dir, tmp_path):
    inputs = [str(data_dir / "nano_dy.root"), str(tmp_path / "missing.root")]
    job = pipeline.prepare(Recipe(inputs=inputs, branches=["MET_pt"]))

    preview = pipeline.preview(job, num_events=30)

    assert preview.num_rows == 30
    with pytest.raises(pipeline.InputError, match="missing.root: file not found"):
        pipeline.preview(job, num_events=50)
