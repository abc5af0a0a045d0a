"""Event selections on nano_dy.root, checked against masks computed with plain numpy."""

from __future__ import annotations

import numpy as np
import pytest
import uproot

from rootable.core import pipeline
from rootable.core.catalog import open_catalog
from rootable.core.errors import CutError
from rootable.core.recipe import Recipe
from rootable.core.selection import compile_cut


@pytest.fixture(scope="module")
def nano(data_dir):
    path = data_dir / "nano_dy.root"
    events = uproot.open(path)["Events"]
    names = ["nJet", "MET_pt", "nMuon", "Jet_pt"]
    plain = {name: events[name].array(library="np") for name in names}
    return path, plain, open_catalog(path)


def selected_entries(nano, cut: str) -> list[int]:
    path, _, catalog = nano
    recipe = Recipe(inputs=[str(path)], branches=["nJet"], cut=cut, entry_column=True)
    job = pipeline.prepare(recipe, catalog)
    return pipeline.preview(job, 1000).columns["entry"].tolist()


def test_cut_scalars_match_numpy(nano):
    _, plain, _ = nano
    mask = (plain["nJet"] >= 2) & (plain["MET_pt"] > 20)

    entries = selected_entries(nano, "(nJet >= 2) & (MET_pt > 20)")

    assert 0 < mask.sum() < len(mask)
    assert entries == np.flatnonzero(mask).tolist()


def test_cut_any_over_objects(nano):
    _, plain, _ = nano
    mask = np.array([bool((pts > 30).any()) for pts in plain["Jet_pt"]])

    entries = selected_entries(nano, "any(Jet_pt > 30)")

    assert 0 < mask.sum() < len(mask)
    assert entries == np.flatnonzero(mask).tolist()


def test_cut_count_over_objects(nano):
    _, plain, _ = nano
    mask = np.array([int((pts > 30).sum()) >= 2 for pts in plain["Jet_pt"]])

    entries = selected_entries(nano, "count(Jet_pt > 30) >= 2")

    assert entries == np.flatnonzero(mask).tolist()


def test_cut_words_become_operators(nano):
    _, plain, _ = nano
    mask = ((plain["nJet"] >= 2) & ~(plain["MET_pt"] > 20)) | (plain["nMuon"] == 0)

    entries = selected_entries(nano, "nJet >= 2 and not MET_pt > 20 or nMuon == 0")

    assert 0 < mask.sum() < len(mask)
    assert entries == np.flatnonzero(mask).tolist()


def test_cut_chained_comparison(nano):
    _, plain, _ = nano
    mask = (plain["nJet"] >= 3) & (plain["nJet"] < 6)

    entries = selected_entries(nano, "3 <= nJet < 6")

    assert entries == np.flatnonzero(mask).tolist()


def test_cut_unknown_name_lists_closest(nano):
    tree = nano[2].tree()

    with pytest.raises(CutError, match="unknown name 'MET_ptt'") as caught:
        compile_cut("MET_ptt > 20", tree)

    assert "'MET_pt'" in str(caught.value)


def test_cut_per_object_result_rejected(nano):
    with pytest.raises(CutError, match=r"one value per object.*any\(") as caught:
        selected_entries(nano, "Jet_pt > 30")

    assert "Jet_pt > 30" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nJet >", "invalid cut"),
        ("nJet[0] > 1", "Subscript is not allowed"),
        ("(lambda: 1)()", "Lambda is not allowed"),
        ("nJet.real > 1", r"only np.<function> and ak.<function>"),
        ("MET_pt", "expected true/false"),
    ],
)
def test_cut_invalid_text_rejected(nano, text, message):
    with pytest.raises(CutError, match=message):
        selected_entries(nano, text)


def test_cut_empty_text_means_no_cut(nano):
    tree = nano[2].tree()

    assert compile_cut("   ", tree) is None
