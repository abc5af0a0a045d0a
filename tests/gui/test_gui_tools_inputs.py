"""Inputs dock: several files as one dataset, their order, labels, and files dropped on the window."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
import uproot
from gui_helpers import entries_of, tick
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from rootable.gui import dialogs
from rootable.gui.inputs_panel import ENTRIES, LABEL

TIMEOUT_MS = 60_000


@pytest.fixture
def two_inputs(open_window, gui_data_dir, qtbot):
    """A window on nano_dy.root with nano_dimuon.root added through the dock's Add button."""
    window = open_window(gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(window.preview_ready, timeout=TIMEOUT_MS):
        tick(window, "nMuon", "Muon_pt", "MET_pt")
    dimuon = str(gui_data_dir / "nano_dimuon.root")
    panel = window.tools.inputs_panel
    original = dialogs.ask_open_paths
    dialogs.ask_open_paths = lambda parent, folder="": [dimuon]
    try:
        with qtbot.waitSignal(panel.entries_shown, timeout=TIMEOUT_MS):
            qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    finally:
        dialogs.ask_open_paths = original
    return window


def set_label(panel, row, text):
    panel.table.item(row, LABEL).setText(text)


def test_inputs_add_lists_files_and_entries(two_inputs, gui_data_dir):
    panel = two_inputs.tools.inputs_panel
    expected = [gui_data_dir / "nano_dy.root", gui_data_dir / "nano_dimuon.root"]

    assert two_inputs.inputs == [str(p) for p in expected]
    assert panel.entry_counts() == [entries_of(p) for p in expected]
    assert panel.table.item(1, ENTRIES).text() == f"{entries_of(expected[1]):,}"
    assert two_inputs.windowTitle().startswith("nano_dy.root (+1 more)")


def test_inputs_labels_export_label_column(two_inputs, qtbot, tmp_path, gui_data_dir):
    panel = two_inputs.tools.inputs_panel
    set_label(panel, 0, "1")
    set_label(panel, 1, "0")
    output = tmp_path / "labelled.parquet"

    with qtbot.waitSignal(two_inputs.export_finished, timeout=TIMEOUT_MS):
        assert two_inputs.export(str(output))

    table = pq.read_table(output)
    first = entries_of(gui_data_dir / "nano_dy.root")
    second = entries_of(gui_data_dir / "nano_dimuon.root")
    assert table.num_rows == first + second == 80
    assert table.column("label").to_pylist() == [1] * first + [0] * second
    with uproot.open(gui_data_dir / "nano_dimuon.root") as file:
        met = file["Events"]["MET_pt"].array(library="np")
    np.testing.assert_array_equal(table.column("MET_pt").to_numpy()[first:], met)


def test_inputs_partial_labels_warn_and_block_export(two_inputs, tmp_path, errors_shown):
    panel = two_inputs.tools.inputs_panel
    set_label(panel, 0, "1")

    assert panel.warning.isVisible()
    assert "nano_dimuon.root has no label" in panel.warning.text()
    assert not two_inputs.export(str(tmp_path / "out.parquet"))
    assert errors_shown[0][0] == "Cannot export"
    assert "nano_dimuon.root has no label" in errors_shown[0][1]


def test_inputs_invalid_label_warns(two_inputs):
    panel = two_inputs.tools.inputs_panel
    set_label(panel, 0, "signal")
    set_label(panel, 1, "0")

    assert "invalid label 'signal' of nano_dy.root" in panel.warning.text()

    set_label(panel, 0, "1")
    assert not panel.warning.isVisible()
    assert two_inputs.recipe().labels == {two_inputs.inputs[0]: 1, two_inputs.inputs[1]: 0}


def test_inputs_clearing_labels_drops_column(two_inputs):
    panel = two_inputs.tools.inputs_panel
    set_label(panel, 0, "1")
    set_label(panel, 0, " ")

    assert two_inputs.recipe().labels == {}
    assert not panel.warning.isVisible()


def test_inputs_move_up_reopens_tree(two_inputs, qtbot, gui_data_dir):
    panel = two_inputs.tools.inputs_panel
    set_label(panel, 0, "1")
    set_label(panel, 1, "0")
    panel.table.selectRow(1)

    with qtbot.waitSignal(two_inputs.recipe_applied, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.up_button, Qt.MouseButton.LeftButton)

    dimuon = str(gui_data_dir / "nano_dimuon.root")
    assert two_inputs.catalog.file_path == dimuon
    assert two_inputs.inputs == [dimuon, str(gui_data_dir / "nano_dy.root")]
    assert two_inputs.branch_model.checked_keys() == ["MET_pt", "nMuon", "Muon_pt"]
    assert two_inputs.recipe().labels == {dimuon: 0, str(gui_data_dir / "nano_dy.root"): 1}


def test_inputs_remove_second_file(two_inputs, gui_data_dir):
    panel = two_inputs.tools.inputs_panel
    panel.table.selectRow(1)

    panel.remove_selected()

    assert two_inputs.inputs == [str(gui_data_dir / "nano_dy.root")]
    assert panel.table.rowCount() == 1


def test_inputs_only_file_not_removable(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    panel = window.tools.inputs_panel
    panel.table.selectRow(0)

    assert not panel.remove_button.isEnabled()
    panel.remove_selected()
    assert window.inputs == [str(gui_data_dir / "nano_dy.root")]


def test_inputs_duplicate_not_added(two_inputs, gui_data_dir):
    two_inputs.tools.add_inputs([str(gui_data_dir / "nano_dy.root")])

    assert len(two_inputs.inputs) == 2
    assert "already listed" in two_inputs.statusBar().currentMessage()


def test_inputs_unreadable_file_reported(open_window, gui_data_dir, tmp_path, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    junk = tmp_path / "junk.root"
    junk.write_bytes(b"not a ROOT file")
    panel = window.tools.inputs_panel

    with qtbot.waitSignal(panel.entries_shown, timeout=TIMEOUT_MS):
        window.tools.add_inputs([str(junk)])

    assert panel.table.item(1, ENTRIES).text() == "error"
    assert "cannot read junk.root" in panel.warning.text()
    assert panel.entry_counts() is None


def drop(window, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def test_drop_on_open_file_adds_inputs(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")

    drop(window, [gui_data_dir / "nano_dimuon.root"])

    assert window.inputs == [str(gui_data_dir / "nano_dy.root"), str(gui_data_dir / "nano_dimuon.root")]
    assert window.catalog.file_path == str(gui_data_dir / "nano_dy.root")


def test_drop_without_file_opens(window, gui_data_dir, qtbot):
    with qtbot.waitSignal(window.catalog_loaded, timeout=TIMEOUT_MS):
        drop(window, [gui_data_dir / "nano_dimuon.root"])

    assert window.inputs == [str(gui_data_dir / "nano_dimuon.root")]
