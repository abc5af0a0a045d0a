"""Overlays of several columns, the comparison without the cut, and 2-D histograms."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest
import uproot
from PySide6.QtCore import QItemSelectionModel, Qt

PREVIEW_TIMEOUT_MS = 30_000
JETS = ["Jet_pt_0", "Jet_pt_1", "Jet_pt_2", "Jet_pt_3"]
CUT = "MET_pt > 20"


@pytest.fixture
def jet_window(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    tree = window.catalog.tree()
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        window.branch_model.set_checked(["Jet_pt", "MET_pt"], tree)
    return window


@pytest.fixture
def jet_pt(gui_data_dir):
    """Jet_pt and MET_pt of all 40 entries, read with uproot directly."""
    with uproot.open(gui_data_dir / "nano_dy.root") as handle:
        return handle["Events"].arrays(["Jet_pt", "MET_pt"])


def select_columns(window, names):
    """Click the first column and ctrl-click the others, as a user selects several columns."""
    model = window.table_model
    first = model.index(0, model.column_names.index(names[0]))
    window.table_view.setCurrentIndex(first)
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Columns
    for name in names[1:]:
        window.table_view.selectionModel().select(
            model.index(0, model.column_names.index(name)), flags
        )


def slot_values(array, slot):
    """Return slot ``slot`` of each event's jets, NaN where the event has fewer jets."""
    padded = ak.pad_none(array, slot + 1, clip=True)[:, slot]
    return ak.to_numpy(ak.fill_none(padded, np.nan)).astype(np.float64)


def curves(view):
    return [item for item in view.plot.getPlotItem().listDataItems()]


def test_overlay_four_columns_share_edges(jet_window, jet_pt):
    select_columns(jet_window, JETS)
    view = jet_window.histogram_view

    columns = [slot_values(jet_pt["Jet_pt"], i) for i in range(4)]
    finite = np.concatenate([c[~np.isnan(c)] for c in columns])
    edges = np.linspace(finite.min(), finite.max(), 51)
    assert [h.name for h in view.histograms] == JETS
    for histogram, values in zip(view.histograms, columns, strict=True):
        expected, _ = np.histogram(values[~np.isnan(values)], bins=edges)
        assert np.allclose(histogram.edges, edges)
        assert histogram.counts.tolist() == expected.tolist()


def test_overlay_legend_and_colours(jet_window):
    select_columns(jet_window, JETS)
    view = jet_window.histogram_view

    legend = view.plot.getPlotItem().legend
    labels = [label.text for _sample, label in legend.items]
    colours = {item.opts["pen"].color().name() for item in curves(view)}
    assert legend.isVisible()
    assert labels == JETS
    assert len(colours) == 4
    assert "4 columns" in view.plot.getPlotItem().titleLabel.text


def test_overlay_single_column_hides_legend(jet_window):
    select_columns(jet_window, ["MET_pt"])
    view = jet_window.histogram_view

    assert len(view.histograms) == 1
    assert not view.plot.getPlotItem().legend.isVisible()


def test_overlay_without_cut_dashed(jet_window, jet_pt, qtbot):
    with qtbot.waitSignal(jet_window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        jet_window.selection_panel.cut_box.setText(CUT)
    select_columns(jet_window, ["Jet_pt_0"])
    view = jet_window.histogram_view

    with qtbot.waitSignal(view.uncut_ready, timeout=PREVIEW_TIMEOUT_MS):
        view.controls.uncut_box.setChecked(True)

    all_jets = slot_values(jet_pt["Jet_pt"], 0)
    passing = all_jets[ak.to_numpy(jet_pt["MET_pt"]) > 20]
    cut_histogram, uncut_histogram = view.histograms[0], view.uncut_histograms[0]
    assert int(cut_histogram.counts.sum()) == int(np.count_nonzero(~np.isnan(passing)))
    assert int(uncut_histogram.counts.sum()) == int(np.count_nonzero(~np.isnan(all_jets)))
    assert np.array_equal(cut_histogram.edges, uncut_histogram.edges)
    styles = [item.opts["pen"].style() for item in curves(view)]
    assert styles == [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine]
    labels = [label.text for _sample, label in view.plot.getPlotItem().legend.items]
    assert labels == ["Jet_pt_0 (cut)", "Jet_pt_0 (no cut)"]
    assert "without the cut, 40 events" in view.plot.getPlotItem().titleLabel.text


def test_overlay_without_cut_needs_cut(jet_window):
    select_columns(jet_window, ["Jet_pt_0"])
    view = jet_window.histogram_view

    view.controls.uncut_box.setChecked(True)

    assert "no cut" in view.controls.status.text()
    assert view.uncut_histograms == []
    assert not jet_window.runner.is_busy("uncut preview")


def test_overlay_without_cut_off_drops_dashed(jet_window, qtbot):
    with qtbot.waitSignal(jet_window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        jet_window.selection_panel.cut_box.setText(CUT)
    select_columns(jet_window, ["Jet_pt_0"])
    view = jet_window.histogram_view
    with qtbot.waitSignal(view.uncut_ready, timeout=PREVIEW_TIMEOUT_MS):
        view.controls.uncut_box.setChecked(True)

    view.controls.uncut_box.setChecked(False)

    assert view.uncut_histograms == []
    assert len(curves(view)) == 1


def test_two_d_of_selected_columns(jet_window, jet_pt):
    select_columns(jet_window, ["Jet_pt_0", "Jet_pt_1"])
    view = jet_window.histogram_view

    view.controls.two_d_box.setChecked(True)

    x = slot_values(jet_pt["Jet_pt"], 0)
    y = slot_values(jet_pt["Jet_pt"], 1)
    keep = ~np.isnan(x) & ~np.isnan(y)
    x_edges = np.linspace(x[keep].min(), x[keep].max(), 51)
    y_edges = np.linspace(y[keep].min(), y[keep].max(), 51)
    expected, _, _ = np.histogram2d(x[keep], y[keep], bins=(x_edges, y_edges))
    result = view.histogram2d
    assert (result.x_name, result.y_name) == ("Jet_pt_0", "Jet_pt_1")
    assert np.array_equal(result.counts, expected)
    assert result.dropped == int(np.count_nonzero(~keep))
    assert view._stack.currentWidget() is view.image_plot
    assert view.image_plot.image.image.shape == (50, 50)
    assert view.image_plot.colour_bar.levels() == (0.0, float(expected.max()))


def test_two_d_from_combo_boxes(jet_window, jet_pt):
    select_columns(jet_window, ["MET_pt"])
    view = jet_window.histogram_view
    view.controls.bins_box.setValue(5)

    view.controls.set_axes("MET_pt", "Jet_pt_0")
    view.controls.two_d_box.setChecked(True)

    met = ak.to_numpy(jet_pt["MET_pt"]).astype(np.float64)
    jet = slot_values(jet_pt["Jet_pt"], 0)
    expected, _, _ = np.histogram2d(met, jet, bins=5)
    assert view.histogram2d.counts.shape == (5, 5)
    assert np.array_equal(view.histogram2d.counts, expected)
    assert view.image_plot.getPlotItem().getAxis("left").labelText == "Jet_pt_0"


def test_two_d_offers_numbers_only(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "uproot-nesteddirs.root")
    tree = window.catalog.tree("one/tree")
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        window.branch_model.set_checked(["one", "three"], tree)
    select_columns(window, ["three"])
    controls = window.histogram_view.controls

    controls.two_d_box.setChecked(True)

    assert [controls.x_box.itemText(i) for i in range(controls.x_box.count())] == ["one"]
    assert window.histogram_view.histogram2d.x_name == "one"
