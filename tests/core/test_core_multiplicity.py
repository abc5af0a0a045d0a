"""The depth assistant: multiplicity per event, the sentence about a depth, the suggested depth."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest
import uproot

from rootable.core.catalog import open_catalog
from rootable.core.errors import InputError
from rootable.core.multiplicity import (
    collection_counts,
    describe_depth,
    kept_events,
    multiplicity_distribution,
    suggest_depth,
)


@pytest.fixture(scope="module")
def nano_tree(data_dir):
    return open_catalog(data_dir / "nano_dy.root").tree()


@pytest.fixture(scope="module")
def jet_counts(nano_tree):
    return collection_counts(nano_tree, "Jet")


def test_multiplicity_counts_from_counter(nano_tree, jet_counts, data_dir):
    plain = uproot.open(data_dir / "nano_dy.root")["Events"]["nJet"].array(library="np")

    assert jet_counts.dtype == np.int64
    assert jet_counts.tolist() == plain.tolist()


def test_multiplicity_counts_without_counter(tmp_path):
    # uproot writes a dict as an RNTuple, whose jagged fields have no counter branch.
    path = tmp_path / "nocounter.root"
    with uproot.recreate(path) as handle:
        handle["t"] = {"Track_pt": ak.Array([[1.0], [], [2.0, 3.0]])}
    tree = open_catalog(path).tree()
    assert tree.is_rntuple
    assert tree.counters == {}

    counts = collection_counts(tree, "Track")

    assert counts.tolist() == [1, 0, 2]


def test_multiplicity_unknown_collection(nano_tree):
    with pytest.raises(InputError, match="'Jets' not found.*'Jet'"):
        collection_counts(nano_tree, "Jets")


def test_multiplicity_distribution_nano_jets(jet_counts):
    distribution = multiplicity_distribution(jet_counts)

    assert distribution.tolist() == [0, 2, 5, 5, 8, 10, 1, 2, 4, 3]
    assert distribution.sum() == 40


def test_multiplicity_sentence_nano_depth_4(jet_counts):
    sentence = describe_depth(jet_counts, 4, "Jet")

    assert (
        sentence
        == "depth 4 keeps every Jet in 50.0% of events; 20 of 40 events lose at least one Jet"
    )


def test_multiplicity_suggest_nano_jets(jet_counts):
    assert suggest_depth(jet_counts) == 9
    assert kept_events(jet_counts, 8) / len(jet_counts) == 0.925
    assert suggest_depth(jet_counts, fraction=0.925) == 8


@pytest.mark.parametrize(
    ("counts", "fraction", "depth"),
    [
        ([0, 0, 0], 0.95, 0),
        ([1, 1, 1, 1], 1.0, 1),
        ([0, 1, 2, 3], 0.5, 1),
        ([0, 1, 2, 3], 0.51, 2),
        ([5], 0.01, 5),
        ([], 0.95, 0),
    ],
)
def test_multiplicity_suggest_small_cases(counts, fraction, depth):
    assert suggest_depth(np.array(counts, dtype=np.int64), fraction) == depth


def test_multiplicity_sentence_rounds_down():
    counts = np.array([0] * 2999 + [1])

    sentence = describe_depth(counts, 0, "Muon")

    assert (
        sentence
        == "depth 0 keeps every Muon in 99.9% of events; 1 of 3000 events lose at least one Muon"
    )


def test_multiplicity_sentence_no_events():
    assert (
        describe_depth(np.zeros(0, np.int64), 4, "Jet")
        == "depth 4: there are no events to count Jet in"
    )


@pytest.mark.parametrize("fraction", [0, -0.5, 1.5])
def test_multiplicity_invalid_fraction(fraction):
    with pytest.raises(ValueError, match="invalid fraction"):
        suggest_depth(np.array([1, 2]), fraction)


def test_multiplicity_negative_count():
    with pytest.raises(ValueError, match="-1 is negative"):
        multiplicity_distribution(np.array([1, -1]))


def test_multiplicity_float_counts():
    with pytest.raises(ValueError, match="integers"):
        suggest_depth(np.array([1.5, 2.0]))


def test_multiplicity_negative_depth():
    with pytest.raises(ValueError, match="invalid depth -1"):
        describe_depth(np.array([1]), -1, "Jet")


def test_multiplicity_event_group_has_none(nano_tree):
    with pytest.raises(InputError, match="'Event' has no counter branch and no jagged member"):
        collection_counts(nano_tree, "Event")
