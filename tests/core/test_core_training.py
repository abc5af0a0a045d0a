"""Training helpers: labels, weights, shuffling, splits, statistics and format options."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import uproot

from rootable.core import pipeline
from rootable.core.errors import RecipeError
from rootable.core.recipe import Recipe


@pytest.fixture
def two_inputs(data_dir):
    return [str(data_dir / "nano_dy.root"), str(data_dir / "nano_dimuon.root")]


def export(recipe, path):
    return pipeline.export(pipeline.prepare(recipe), path)


def test_labels_and_weight_columns(two_inputs, tmp_path):
    recipe = Recipe(inputs=two_inputs, branches=["MET_pt"], labels={two_inputs[0]: 1, two_inputs[1]: 0},
                    weight="MET_pt * 2 + nJet")

    export(recipe, tmp_path / "out.parquet")

    frame = pd.read_parquet(tmp_path / "out.parquet")
    expected_weight = []
    for path in two_inputs:
        events = uproot.open(path)["Events"].arrays(["MET_pt", "nJet"], library="np")
        expected_weight.append(events["MET_pt"] * 2 + events["nJet"])
    assert frame["label"].tolist() == [1] * 40 + [0] * 40
    assert frame["label"].dtype == np.int64
    np.testing.assert_allclose(frame["weight"].to_numpy(), np.concatenate(expected_weight), rtol=1e-6)


def test_labels_must_cover_every_input(two_inputs):
    with pytest.raises(RecipeError, match="has no label"):
        Recipe(inputs=two_inputs, labels={two_inputs[0]: 1}).validate()


def test_split_parts_partition_rows(two_inputs, tmp_path):
    recipe = Recipe(inputs=two_inputs, branches=["MET_pt"], entry_column=True,
                    split={"train": 0.5, "val": 0.25, "test": 0.25}, seed=7, step_size=25)

    result = export(recipe, tmp_path / "out.parquet")

    entries = {name: pd.read_parquet(tmp_path / f"out.{name}.parquet")["entry"].tolist() for name in ("train", "val", "test")}
    everything = sorted(entries["train"] + entries["val"] + entries["test"])
    assert everything == list(range(80))
    assert set(result.parts) == {"train", "val", "test"}
    assert sum(rows for _, rows in result.parts.values()) == 80
    assert not (tmp_path / "out.parquet").exists()
    assert 25 <= len(entries["train"]) <= 55


def test_split_and_shuffle_reproducible(two_inputs, tmp_path):
    def run(seed, folder):
        folder.mkdir()
        recipe = Recipe(inputs=two_inputs, branches=["MET_pt"], entry_column=True, shuffle=True,
                        split={"train": 0.7, "test": 0.3}, seed=seed)
        export(recipe, folder / "out.parquet")
        return pd.read_parquet(folder / "out.train.parquet")["entry"].tolist()

    first, again, other = run(1, tmp_path / "a"), run(1, tmp_path / "b"), run(2, tmp_path / "c")

    assert first == again
    assert first != other
    assert first != sorted(first)


def test_shuffle_is_a_permutation(data_dir, tmp_path):
    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root")], branches=["MET_pt"], entry_column=True, shuffle=True)

    export(recipe, tmp_path / "out.parquet")

    entries = pd.read_parquet(tmp_path / "out.parquet")["entry"].to_numpy()
    assert sorted(entries) == list(range(40))
    assert list(entries) != list(range(40))


def test_statistics_match_numpy(data_dir, tmp_path):
    source = str(data_dir / "nano_dy.root")
    recipe = Recipe(inputs=[source], branches=["MET_pt", "Jet_pt"], depth=4, stats=True, step_size=16)

    result = export(recipe, tmp_path / "out.parquet")

    stats = json.loads((tmp_path / "out.stats.json").read_text())
    events = uproot.open(source)["Events"]
    met = events["MET_pt"].array(library="np").astype(np.float64)
    jets = events["Jet_pt"].array()
    third = np.array([float(v[2]) for v in jets if len(v) > 2])
    assert result.stats_path == tmp_path / "out.stats.json"
    assert stats["MET_pt"]["mean"] == pytest.approx(met.mean())
    assert stats["MET_pt"]["std"] == pytest.approx(met.std())
    assert stats["MET_pt"]["fill_fraction"] == 0
    assert stats["Jet_pt_2"]["mean"] == pytest.approx(third.mean())
    assert stats["Jet_pt_2"]["max"] == pytest.approx(third.max())
    assert stats["Jet_pt_2"]["fill_fraction"] == pytest.approx(1 - len(third) / 40)


@pytest.mark.parametrize(("compression", "codec"), [("zstd", "ZSTD"), ("snappy", "SNAPPY"), ("none", "UNCOMPRESSED")])
def test_parquet_compression_option(data_dir, tmp_path, compression, codec):
    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root")], branches=["MET_pt"], compression=compression)

    export(recipe, tmp_path / "out.parquet")

    assert pq.ParquetFile(tmp_path / "out.parquet").metadata.row_group(0).column(0).compression == codec


def test_hdf5_matrix_layout(data_dir, tmp_path):
    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root")], branches=["nJet", "MET_pt"], layout="matrix",
                    matrix_dtype="float64", step_size=16)

    export(recipe, tmp_path / "out.h5")

    events = uproot.open(data_dir / "nano_dy.root")["Events"]
    with h5py.File(tmp_path / "out.h5", "r") as handle:
        matrix = handle["X"][()]
        names = [n.decode() if isinstance(n, bytes) else n for n in handle["X"].attrs["columns"]]
    assert names == ["nJet", "MET_pt"]
    assert matrix.dtype == np.float64
    np.testing.assert_array_equal(matrix[:, 1], events["MET_pt"].array(library="np"))


def test_numpy_columns_layout(data_dir, tmp_path):
    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root")], branches=["nJet", "Jet_pt"], depth=2, layout="columns")

    export(recipe, tmp_path / "out.npz")

    with np.load(tmp_path / "out.npz") as archive:
        assert sorted(archive.files) == ["Jet_pt_0", "Jet_pt_1", "nJet"]
        assert archive["nJet"].dtype == np.uint32
        assert archive["Jet_pt_0"].dtype == np.float32
        assert archive["Jet_pt_0"][0] == 80.75


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"split": {"train": 0.8, "test": 0.3}}, "add up to 1.1"),
        ({"split": {"train": 0}}, "invalid split.train 0"),
        ({"compression": "brotli2"}, "invalid compression 'brotli2'"),
        ({"layout": "rows"}, "invalid layout 'rows'"),
    ],
)
def test_training_options_rejected(fields, message):
    with pytest.raises(RecipeError, match=message.replace("(", r"\(")):
        Recipe(**fields).validate()
