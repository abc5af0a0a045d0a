"""The histogram of one column over all entries of the recipe, with progress and Cancel."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest
import uproot

PREVIEW_TIMEOUT_MS = 30_000
FULL_TIMEOUT_MS = 60_000


@pytest.fixture
def short_preview(open_window, gui_data_dir, qtbot):
    """nano_dy.root (40 entries) with a 10-event preview and 5 entries per chunk."""
    window = open_window(gui_data_dir / "nano_dy.root")
    window.step_size = 5
    window.settings.preview_box.setValue(10)
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        window.branch_model.set_checked(["Jet_pt", "MET_pt"], window.catalog.tree())
    return window


def select_column(window, name):
    column = window.table_model.column_names.index(name)
    window.table_view.setCurrentIndex(window.table_model.index(0, column))


def first_jet_pt(path):
    with uproot.open(path) as handle:
        events = handle["Events"].arrays(["Jet_pt", "MET_pt"])
    first = ak.to_numpy(ak.fill_none(ak.pad_none(events["Jet_pt"], 1, clip=True)[:, 0], np.nan))
    return first.astype(np.float64), ak.to_numpy(events["MET_pt"])


def test_full_data_counts_all_entries(short_preview, qtbot, gui_data_dir):
    select_column(short_preview, "Jet_pt_0")
    view = short_preview.histogram_view
    preview_edges = view.histogram.edges.copy()
    assert int(view.histogram.counts.sum()) == 10

    with qtbot.waitSignal(view.full_finished, timeout=FULL_TIMEOUT_MS):
        assert view.compute_full_data()

    values, _ = first_jet_pt(gui_data_dir / "nano_dy.root")
    finite = values[~np.isnan(values)]
    expected, _ = np.histogram(finite, bins=preview_edges)
    assert np.array_equal(view.histogram.edges, preview_edges)
    assert view.histogram.counts.tolist() == expected.tolist()
    assert view.histogram.underflow == int(np.count_nonzero(finite < preview_edges[0]))
    assert view.histogram.overflow == int(np.count_nonzero(finite > preview_edges[-1]))
    assert "all 40 entries" in view.plot.getPlotItem().titleLabel.text


def test_full_data_progress_reaches_total(short_preview, qtbot):
    select_column(short_preview, "MET_pt")
    view = short_preview.histogram_view
    steps = []
    view.controls.progress_bar.valueChanged.connect(steps.append)

    with qtbot.waitSignal(view.full_finished, timeout=FULL_TIMEOUT_MS):
        view.compute_full_data()

    assert steps[-1] == 40
    assert len(steps) == 8
    assert not view.controls.progress_bar.isVisible()


def test_full_data_with_cut(short_preview, qtbot, gui_data_dir):
    with qtbot.waitSignal(short_preview.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        short_preview.selection_panel.cut_box.setText("MET_pt > 20")
    select_column(short_preview, "Jet_pt_0")
    view = short_preview.histogram_view
    edges = view.histogram.edges.copy()

    with qtbot.waitSignal(view.full_finished, timeout=FULL_TIMEOUT_MS):
        view.compute_full_data()

    values, met = first_jet_pt(gui_data_dir / "nano_dy.root")
    passing = values[met > 20]
    assert view.histogram.entries == int(np.count_nonzero(~np.isnan(passing)))
    expected, _ = np.histogram(passing[~np.isnan(passing)], bins=edges)
    assert view.histogram.counts.tolist() == expected.tolist()


def test_full_data_cancel_keeps_preview(short_preview, qtbot):
    short_preview.step_size = 1
    select_column(short_preview, "Jet_pt_0")
    view = short_preview.histogram_view
    preview = view.histogram

    with qtbot.waitSignal(view.full_stopped, timeout=FULL_TIMEOUT_MS) as stopped:
        view.compute_full_data()
        view.controls.cancel_button.click()

    assert "cancelled" in stopped.args[0]
    assert view.histogram is preview
    assert view.full is None
    assert "cancelled" in view.controls.status.text()
    assert view.controls.full_button.isEnabled()


def test_full_data_replaced_by_new_preview(short_preview, qtbot):
    select_column(short_preview, "Jet_pt_0")
    view = short_preview.histogram_view
    with qtbot.waitSignal(view.full_finished, timeout=FULL_TIMEOUT_MS):
        view.compute_full_data()

    with qtbot.waitSignal(short_preview.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        short_preview.settings.preview_box.setValue(20)

    assert view.full is None
    assert view.histogram.all_entries is None
    assert int(view.histogram.counts.sum()) == 20


def test_full_data_dropped_on_fill_choice(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    window.settings.preview_box.setValue(10)
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        window.branch_model.set_checked(["Jet_jetId"], window.catalog.tree())
    select_column(window, "Jet_jetId_3")
    view = window.histogram_view
    with qtbot.waitSignal(view.full_finished, timeout=FULL_TIMEOUT_MS):
        view.compute_full_data()
    assert view.histogram.all_entries == 40

    view.controls.exclude_box.setChecked(False)

    assert view.histogram.all_entries is None
    assert int(view.histogram.counts.sum()) == 10


def test_full_data_not_with_uncut_comparison(short_preview, qtbot):
    with qtbot.waitSignal(short_preview.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        short_preview.selection_panel.cut_box.setText("MET_pt > 20")
    select_column(short_preview, "Jet_pt_0")
    view = short_preview.histogram_view
    with qtbot.waitSignal(view.uncut_ready, timeout=PREVIEW_TIMEOUT_MS):
        view.controls.uncut_box.setChecked(True)

    assert not view.compute_full_data()
    assert "Untick Compare without cut" in view.controls.status.text()
    assert not short_preview.runner.is_busy("full histogram")


def test_full_data_needs_one_column(window):
    view = window.histogram_view

    assert not view.compute_full_data()
    assert "Select one column" in view.controls.status.text()
