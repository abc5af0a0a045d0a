"""Binning of flat columns, chunked accumulation, 2-D histograms and stored ROOT histograms."""

from __future__ import annotations

import boost_histogram as bh
import numpy as np
import pytest
import uproot

from rootable.core.errors import InputError, RootableError
from rootable.core.histogram import (
    accumulate_histogram,
    histogram,
    histogram2d,
    histograms,
    read_stored_histogram,
)

NAN = float("nan")


def test_histogram_excludes_nan_fills():
    values = np.array([1.0, 2.0, NAN, 3.0, 2.5], dtype=np.float32)

    result = histogram("x", values, fill_value=NAN, bins=4, value_range=(0.0, 4.0))

    assert result.counts.tolist() == [0, 1, 2, 1]
    assert result.fills == 1
    assert result.entries == 4
    assert not result.fills_counted


def test_histogram_counts_finite_fills_when_asked():
    values = np.array([-1, 3, 3, -1, 7], dtype=np.int32)

    kept = histogram("n", values, fill_value=-1, bins=4, value_range=(-2.0, 8.0))
    counted = histogram(
        "n", values, fill_value=-1, bins=4, value_range=(-2.0, 8.0), exclude_fills=False
    )

    expected_kept, _ = np.histogram([3, 3, 7], bins=np.linspace(-2, 8, 5))
    expected_all, _ = np.histogram([-1, 3, 3, -1, 7], bins=np.linspace(-2, 8, 5))
    assert kept.counts.tolist() == expected_kept.tolist()
    assert counted.counts.tolist() == expected_all.tolist()
    assert counted.fills_counted
    assert "(counted)" in counted.title


def test_histogram_never_counts_nan_fill():
    values = np.array([NAN, 1.0, NAN, 2.0])

    result = histogram("x", values, fill_value=NAN, bins=2, exclude_fills=False)

    assert int(result.counts.sum()) == 2
    assert not result.fills_counted


def test_histogram_bins_and_range_match_numpy():
    values = np.random.default_rng(1).normal(size=500)

    result = histogram("x", values, bins=17, value_range=(-1.0, 2.0))

    expected, edges = np.histogram(values, bins=17, range=(-1.0, 2.0))
    assert result.counts.tolist() == expected.tolist()
    assert np.allclose(result.edges, edges)
    assert result.underflow == int(np.count_nonzero(values < -1.0))
    assert result.overflow == int(np.count_nonzero(values > 2.0))


@pytest.mark.parametrize(
    ("bins", "value_range", "message"),
    [
        (0, None, "invalid number of bins 0"),
        (10, (5.0, 1.0), "low end must be below"),
        (10, (1.0, 1.0), "low end must be below"),
        (10, (NAN, 1.0), "finite"),
    ],
)
def test_histogram_rejects_bad_binning(bins, value_range, message):
    with pytest.raises(RootableError, match=message):
        histogram("x", np.arange(5.0), bins=bins, value_range=value_range)


def test_histogram_rejects_text():
    with pytest.raises(RootableError, match="contains text"):
        histogram("s", np.array(["a", "b"], dtype=object))


def test_histograms_share_edges():
    a = np.array([0.0, 1.0, 2.0])
    b = np.array([5.0, 6.0, NAN])

    first, second = histograms([("a", a, NAN), ("b", b, NAN)], bins=6)

    assert np.array_equal(first.edges, second.edges)
    assert first.edges[0] == 0.0
    assert first.edges[-1] == 6.0
    assert int(first.counts.sum()) == 3
    assert int(second.counts.sum()) == 2


def test_accumulate_matches_one_pass():
    rng = np.random.default_rng(7)
    values = rng.exponential(20.0, size=1000).astype(np.float32)
    values[rng.random(1000) < 0.3] = NAN
    edges = np.linspace(0.0, 60.0, 13)
    chunks = [{"pt": part} for part in np.array_split(values, 7)]

    result = accumulate_histogram(iter(chunks), "pt", edges, fill_value=NAN)

    finite = values[~np.isnan(values)]
    expected, _ = np.histogram(finite, bins=edges)
    assert result.counts.tolist() == expected.tolist()
    assert result.fills == int(np.count_nonzero(np.isnan(values)))
    assert result.overflow == int(np.count_nonzero(finite > 60.0))
    assert result.entries == len(finite)


def test_accumulate_missing_column():
    with pytest.raises(RootableError, match="'pt' is not in the chunk"):
        accumulate_histogram([{"eta": np.zeros(3)}], "pt", np.linspace(0, 1, 3))


def test_histogram2d_matches_numpy():
    rng = np.random.default_rng(3)
    x = rng.normal(size=400)
    y = rng.normal(size=400) + x
    x[:20] = NAN

    result = histogram2d(
        ("x", x, NAN), ("y", y, None), bins=(8, 5), x_range=(-2, 2), y_range=(-3, 3)
    )

    keep = ~np.isnan(x)
    expected, _, _ = np.histogram2d(x[keep], y[keep], bins=(8, 5), range=((-2, 2), (-3, 3)))
    assert result.counts.shape == (8, 5)
    assert np.array_equal(result.counts, expected)
    assert result.entries == 380
    assert result.dropped == 20


def test_histogram2d_counts_finite_fills_when_asked():
    x = np.array([-1, 1, 2, -1], dtype=np.int32)
    y = np.array([1.0, 2.0, 3.0, 4.0])

    kept = histogram2d(("x", x, -1), ("y", y, NAN), bins=2, x_range=(-2, 3), y_range=(0, 5))
    counted = histogram2d(
        ("x", x, -1), ("y", y, NAN), bins=2, x_range=(-2, 3), y_range=(0, 5), exclude_fills=False
    )

    assert kept.entries == 2
    assert counted.entries == 4
    expected, _, _ = np.histogram2d(x, y, bins=2, range=((-2, 3), (0, 5)))
    assert np.array_equal(counted.counts, expected)


def test_histogram2d_rejects_unequal_lengths():
    with pytest.raises(RootableError, match="3 rows but y has 2"):
        histogram2d(("x", np.zeros(3), None), ("y", np.zeros(2), None))


@pytest.mark.parametrize("name", ["one", "two", "three"])
def test_stored_th1_matches_uproot(data_dir, name):
    path = data_dir / "uproot-histograms.root"

    result = read_stored_histogram(path, name)

    with uproot.open(path) as handle:
        direct = handle[name]
        assert result.classname == "TH1F"
        assert result.kind == "1d"
        assert result.title == direct.member("fTitle")
        assert np.array_equal(result.edges[0], direct.axis().edges())
        assert np.array_equal(result.values, direct.values())
        assert np.allclose(result.errors, direct.errors())
        assert result.axis_titles == (
            direct.axis().member("fTitle"),
            direct.member("fYaxis").member("fTitle"),
        )


def test_stored_th1_title_by_hand(data_dir):
    result = read_stored_histogram(data_dir / "uproot-histograms.root", "one")

    assert result.title == "numero uno"
    assert len(result.values) == 10
    assert result.values[0] == 68.0
    assert result.errors[0] == pytest.approx(np.sqrt(68.0))


@pytest.fixture
def written_histograms(tmp_path):
    """A file with a TH2D (from numpy counts) and a TProfile (from boost-histogram), written by uproot."""
    path = tmp_path / "written.root"
    counts = np.arange(12.0).reshape(3, 4)
    profile = bh.Histogram(bh.axis.Regular(4, 0.0, 4.0), storage=bh.storage.Mean())
    profile.fill([0.5, 0.5, 1.5, 2.5, 2.5, 2.5], sample=[1.0, 3.0, 2.0, 4.0, 5.0, 6.0])
    with uproot.recreate(path) as handle:
        handle["folder/h2"] = (counts, np.linspace(0, 3, 4), np.linspace(0, 4, 5))
        handle["prof"] = profile
    return path


def test_stored_th2_written_by_uproot(written_histograms):
    result = read_stored_histogram(written_histograms, ("folder", "h2"))

    assert result.classname == "TH2D"
    assert result.kind == "2d"
    assert np.array_equal(result.values, np.arange(12.0).reshape(3, 4))
    assert np.array_equal(result.edges[0], [0, 1, 2, 3])
    assert np.array_equal(result.edges[1], [0, 1, 2, 3, 4])
    assert np.allclose(result.errors, np.sqrt(np.arange(12.0).reshape(3, 4)))


def test_stored_tprofile_means_and_errors(written_histograms):
    result = read_stored_histogram(written_histograms, "prof")

    assert result.classname == "TProfile"
    assert result.kind == "profile"
    assert result.values.tolist() == [2.0, 2.0, 5.0, 0.0]
    assert result.bin_entries.tolist() == [2.0, 1.0, 3.0, 0.0]
    # Error on the mean: sample standard deviation (ddof=0) over the square root of the entries.
    assert result.errors[0] == pytest.approx(np.std([1.0, 3.0]) / np.sqrt(2))
    assert result.errors[2] == pytest.approx(np.std([4.0, 5.0, 6.0]) / np.sqrt(3))


def test_stored_missing_object(data_dir):
    with pytest.raises(InputError, match="'four' not found"):
        read_stored_histogram(data_dir / "uproot-histograms.root", "four")


def test_stored_tree_is_rejected(data_dir):
    with pytest.raises(InputError, match="TH1, TH2 and TProfile only"):
        read_stored_histogram(data_dir / "uproot-HZZ.root", "events")


def test_stored_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_stored_histogram(tmp_path / "absent.root", "h")
