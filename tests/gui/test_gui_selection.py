"""Event selection: the cut, its inline errors, the entry range, extra columns and sorting."""

from __future__ import annotations

import numpy as np
import pytest
import uproot

PREVIEW_TIMEOUT_MS = 30_000
CUT = "(nJet >= 2) & (MET_pt > 20)"


@pytest.fixture
def met_window(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        window.branch_model.set_checked(["nJet", "MET_pt"], window.catalog.tree())
    return window


def set_and_wait(window, qtbot, action):
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS) as blocker:
        action()
    return blocker.args[0].chunk


def test_selection_cut_row_count(met_window, qtbot, gui_data_dir):
    with uproot.open(gui_data_dir / "nano_dy.root") as file:
        arrays = file["Events"].arrays(["nJet", "MET_pt"], library="np")
    expected = int(np.count_nonzero((arrays["nJet"] >= 2) & (arrays["MET_pt"] > 20)))

    chunk = set_and_wait(met_window, qtbot, lambda: met_window.selection_panel.cut_box.setText(CUT))

    assert chunk.num_rows == expected
    assert met_window.table_model.rowCount() == expected
    assert met_window.recipe().cut == CUT


def test_selection_unknown_name_inline(met_window, qtbot, errors_shown):
    rows_before = met_window.table_model.rowCount()

    met_window.selection_panel.cut_box.setText("nJets > 2")
    qtbot.waitUntil(lambda: met_window.selection_panel.cut_error.isVisible())

    message = met_window.selection_panel.cut_error.text()
    assert "'nJets'" in message
    assert "did you mean 'nJet'" in message
    assert met_window.table_model.rowCount() == rows_before == 40
    assert met_window.preview_result is not None
    assert met_window.preview_label.text().startswith("Preview of the last valid cut")
    assert errors_shown == []


def test_selection_syntax_error_inline(met_window, qtbot):
    met_window.selection_panel.cut_box.setText("nJet >")
    qtbot.waitUntil(lambda: met_window.selection_panel.cut_error.isVisible())

    assert "invalid cut" in met_window.selection_panel.cut_error.text()


def test_selection_fixed_cut_hides_error(met_window, qtbot):
    met_window.selection_panel.cut_box.setText("nJets > 2")
    qtbot.waitUntil(lambda: met_window.selection_panel.cut_error.isVisible())

    chunk = set_and_wait(met_window, qtbot, lambda: met_window.selection_panel.cut_box.setText("nJet > 2"))

    assert not met_window.selection_panel.cut_error.isVisible()
    assert met_window.preview_label.text().startswith("Preview: 33 events")
    # nJet > 2 is true in 40 - 0 - 2 - 5 = 33 events.
    assert chunk.num_rows == 33


def test_selection_entry_range(met_window, qtbot):
    panel = met_window.selection_panel

    chunk = set_and_wait(met_window, qtbot, lambda: (panel.start_box.setText("5"), panel.stop_box.setText("12")))

    assert chunk.num_rows == 7
    assert met_window.recipe().entry_start == 5
    assert met_window.recipe().entry_stop == 12


def test_selection_entry_range_rejects_letters(met_window):
    met_window.selection_panel.start_box.setText("")
    met_window.selection_panel.start_box.insert("ab")

    assert met_window.selection_panel.start_box.text() == ""
    assert met_window.recipe().entry_start is None


def test_selection_stop_below_start(met_window, qtbot):
    panel = met_window.selection_panel
    panel.start_box.setText("20")
    panel.stop_box.setText("3")

    qtbot.waitUntil(lambda: "entry_stop 3 is below entry_start 20" in met_window.preview_label.text())


def test_selection_extra_columns(met_window, qtbot, gui_data_dir):
    panel = met_window.selection_panel
    panel.start_box.setText("10")

    def tick_all():
        panel.entry_column_box.setChecked(True)
        panel.source_column_box.setChecked(True)

    chunk = set_and_wait(met_window, qtbot, tick_all)

    assert list(chunk.columns)[:2] == ["entry", "source_file"]
    assert chunk.columns["entry"][0] == 10
    assert set(chunk.columns["source_file"]) == {"nano_dy.root"}


def test_selection_mask_columns(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    window.selection_panel.masks_box.setChecked(True)

    chunk = set_and_wait(window, qtbot, lambda: window.branch_model.set_checked(["Jet_pt"], window.catalog.tree()))

    # Slot 3 is empty in the 12 events with at most 3 jets.
    assert np.count_nonzero(~chunk.columns["Jet_mask_3"]) == 12


def test_selection_sort_by_btag_descending(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    jet = window.filter_model.mapFromSource(window.branch_model.find("Events", "Jet"))
    window.tree_view.setCurrentIndex(jet)
    set_and_wait(window, qtbot, lambda: window.branch_model.set_checked(["Jet_btagDeepB"], window.catalog.tree()))
    assert window.depth_assistant.sort_box.findText("btagDeepB") > 0

    chunk = set_and_wait(window, qtbot, lambda: window.depth_assistant.set_sort("Jet_btagDeepB", descending=True))

    first, second = chunk.columns["Jet_btagDeepB_0"], chunk.columns["Jet_btagDeepB_1"]
    both = ~np.isnan(first) & ~np.isnan(second)
    assert np.count_nonzero(both) == 38
    assert np.all(first[both] >= second[both])
    assert window.recipe().sort["Jet"].member == "Jet_btagDeepB"
    assert window.recipe().sort["Jet"].descending


def test_selection_sort_ascending_and_off(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    jet = window.filter_model.mapFromSource(window.branch_model.find("Events", "Jet"))
    window.tree_view.setCurrentIndex(jet)
    set_and_wait(window, qtbot, lambda: window.branch_model.set_checked(["Jet_pt"], window.catalog.tree()))

    chunk = set_and_wait(window, qtbot, lambda: window.depth_assistant.set_sort("Jet_pt", descending=False))
    first, second = chunk.columns["Jet_pt_0"], chunk.columns["Jet_pt_1"]
    both = ~np.isnan(first) & ~np.isnan(second)
    assert np.all(first[both] <= second[both])

    window.depth_assistant.set_sort("no sorting")
    assert window.recipe().sort == {}
