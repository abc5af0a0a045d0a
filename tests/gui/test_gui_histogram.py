"""Histograms of preview columns, chosen in the table or in the tree."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

PREVIEW_TIMEOUT_MS = 30_000


@pytest.fixture
def jet_window(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    tree = window.catalog.tree()
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        window.branch_model.set_checked(["Jet_pt", "MET_pt"], tree)
    return window


def select_table_column(window, name):
    column = window.table_model.column_names.index(name)
    window.table_view.setCurrentIndex(window.table_model.index(0, column))


def test_histogram_table_column(jet_window):
    select_table_column(jet_window, "Jet_pt_0")
    view = jet_window.histogram_view
    values = jet_window.table_model.column_values("Jet_pt_0")
    real = np.count_nonzero(~np.isnan(values))

    assert view.histogram is not None
    assert "Jet_pt_0" in view.histogram.title
    assert int(view.histogram.counts.sum()) == real
    assert view.histogram.fills == len(values) - real
    assert view.plot.getPlotItem().titleLabel.text.startswith("Jet_pt_0")


def test_histogram_fill_count_in_title(jet_window):
    select_table_column(jet_window, "Jet_pt_3")
    histogram = jet_window.histogram_view.histogram
    values = jet_window.table_model.column_values("Jet_pt_3")

    assert histogram.fills == int(np.count_nonzero(np.isnan(values)))
    assert histogram.fills > 0
    assert f"{histogram.fills:,} fill values" in histogram.title


def test_histogram_scalar_has_no_fills(jet_window):
    select_table_column(jet_window, "MET_pt")
    histogram = jet_window.histogram_view.histogram

    assert histogram.fills == 0
    assert histogram.entries == 40


def test_histogram_tree_branch_first_column(jet_window):
    tree = jet_window.catalog.tree()
    source = jet_window.branch_model.branch_index(tree, "Jet_pt")

    jet_window.tree_view.setCurrentIndex(jet_window.filter_model.mapFromSource(source))

    assert jet_window.histogram_view.histogram is not None
    assert jet_window.histogram_view.histogram.name == "Jet_pt_0"


def test_histogram_unticked_branch_message(jet_window):
    tree = jet_window.catalog.tree()
    source = jet_window.branch_model.branch_index(tree, "Jet_eta")

    jet_window.tree_view.setCurrentIndex(jet_window.filter_model.mapFromSource(source))

    assert jet_window.histogram_view.histogram is None
    assert "Tick Jet_eta" in jet_window.histogram_view.message.text()


def test_histogram_text_column_message(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "uproot-nesteddirs.root")
    tree = window.catalog.tree("one/tree")
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        window.branch_model.set_checked(["three"], tree)

    select_table_column(window, "three")

    assert window.histogram_view.histogram is None
    assert "text" in window.histogram_view.message.text()


def test_histogram_follows_depth_change(jet_window, qtbot):
    select_table_column(jet_window, "Jet_pt_0")
    with qtbot.waitSignal(jet_window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        jet_window.settings.depth_box.setValue(1)

    assert jet_window.table_model.column_names == ["Jet_pt_0", "MET_pt"]
    assert jet_window.histogram_view.histogram.name == "Jet_pt_0"


def test_histogram_table_sort_by_header(jet_window):
    column = jet_window.table_model.column_names.index("MET_pt")

    jet_window.table_view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    displayed = [float(jet_window.table_model.index(row, column).data()) for row in range(40)]

    assert displayed == sorted(displayed, reverse=True)
    assert jet_window.table_model.column_values("MET_pt").shape == (40,)

