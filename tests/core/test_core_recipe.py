"""Recipes round-trip through TOML and reject bad fields with a message naming them."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow.parquet as pq
import pytest

from rootable.cli import main
from rootable.core.errors import RecipeError
from rootable.core.recipe import FillValues, Recipe, SortKey


def test_recipe_toml_round_trip(tmp_path):
    recipe = Recipe(
        inputs=["a.root", "b.root"], tree="Events", branches=["Jet_pt", "MET_pt"], depth=3,
        depths={"Muon": 2}, inner_depths={"x": 2}, fill=FillValues(integer=-999),
        sort={"Jet": SortKey("btagDeepB", descending=False)}, cut="nJet > 1", entry_stop=100,
        masks=True, output="out.parquet",
    )
    path = tmp_path / "r.toml"

    recipe.save(path)
    loaded = Recipe.load(path)

    assert loaded.to_dict() == recipe.to_dict()
    assert math.isnan(loaded.fill.floating)
    assert loaded.fill.integer == -999
    assert loaded.sort["Jet"] == SortKey("btagDeepB", descending=False)
    assert 'floating = "nan"' in path.read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("depth = -2", "invalid depth -2"),
        ("depht = 3", "unknown recipe key 'depht'"),
        ("[depths]\nJet = 'four'", "invalid depths.Jet 'four'"),
        ("[fill]\nfloating = 'lots'", "invalid fill value 'lots'"),
        ("entry_start = 10\nentry_stop = 5", "entry_stop 5 is below entry_start 10"),
        ("branches = 'Jet_pt'", "invalid branches 'Jet_pt'"),
        ("depth = ", "invalid TOML"),
    ],
)
def test_recipe_rejects_bad_field(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)

    with pytest.raises(RecipeError) as error:
        Recipe.load(path)

    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_saved_recipe_reproduces_export(data_dir, tmp_path):
    first, second, recipe = tmp_path / "first.parquet", tmp_path / "second.parquet", tmp_path / "r.toml"
    main(["export", str(data_dir / "nano_dy.root"), "-o", str(first), "--branches", "nJet,Jet_pt",
          "--depth", "3", "--cut", "MET_pt > 10", "--save-recipe", str(recipe), "-q"])

    status = main(["export", "--recipe", str(recipe), "-o", str(second), "-q"])

    assert status == 0
    pd.testing.assert_frame_equal(pq.read_table(first).to_pandas(), pq.read_table(second).to_pandas())
    assert "MET_pt > 10" in recipe.read_text()


def test_depth_zero_without_columns_is_rejected(data_dir):
    from rootable.core import pipeline

    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root")], branches=["Jet_pt"], depth=0)

    with pytest.raises(RecipeError, match="gives no columns"):
        pipeline.prepare(recipe)
