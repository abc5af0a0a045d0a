"""Preview table tools: column statistics, copying cells, and jumping to an entry."""

from __future__ import annotations

import math

import awkward as ak
import numpy as np
import pytest
import uproot
from gui_helpers import tick
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication

from rootable.gui.table_tools import summarize_column

PREVIEW_TIMEOUT_MS = 30_000
DEPTH = 4


@pytest.fixture
def jet_window(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        tick(window, "nJet", "Jet_pt", "Jet_jetId", "MET_pt")
    return window


@pytest.fixture
def uproot_arrays(gui_data_dir):
    with uproot.open(gui_data_dir / "nano_dy.root") as file:
        return file["Events"].arrays(["nJet", "Jet_pt", "Jet_jetId", "MET_pt"])


def slot_values(jagged, slot):
    """Return the values of object ``slot`` in the events that have it, and their share of events."""
    present = ak.num(jagged) > slot
    return ak.to_numpy(jagged[present][:, slot]), 1 - float(np.mean(ak.to_numpy(present)))


def summaries_by_name(window, qtbot):
    model = window.tools.statistics_model
    if model.rowCount() != window.table_model.columnCount():
        with qtbot.waitSignal(model.modelReset, timeout=PREVIEW_TIMEOUT_MS):
            pass
    assert model.rowCount() == window.table_model.columnCount()
    return {summary.name: summary for summary in model.summaries}


def test_statistics_jagged_float_column(jet_window, uproot_arrays, qtbot):
    summaries = summaries_by_name(jet_window, qtbot)

    for slot in range(DEPTH):
        values, fill_fraction = slot_values(uproot_arrays["Jet_pt"], slot)
        summary = summaries[f"Jet_pt_{slot}"]
        assert summary.fill_fraction == pytest.approx(fill_fraction)
        assert summary.minimum == pytest.approx(values.min())
        assert summary.maximum == pytest.approx(values.max())
        assert summary.mean == pytest.approx(values.astype(np.float64).mean())
        assert summary.std == pytest.approx(values.astype(np.float64).std())


def test_statistics_integer_fill_left_out(jet_window, uproot_arrays, qtbot):
    summaries = summaries_by_name(jet_window, qtbot)
    values, fill_fraction = slot_values(uproot_arrays["Jet_jetId"], 3)
    summary = summaries["Jet_jetId_3"]

    assert summary.fill_fraction == pytest.approx(fill_fraction)
    assert summary.minimum == values.min()
    assert summary.mean == pytest.approx(values.mean())


def test_statistics_unpadded_column(jet_window, uproot_arrays, qtbot):
    summaries = summaries_by_name(jet_window, qtbot)
    met = ak.to_numpy(uproot_arrays["MET_pt"]).astype(np.float64)
    summary = summaries["MET_pt"]

    assert summary.fill_fraction is None
    assert summary.mean == pytest.approx(met.mean())
    assert summary.std == pytest.approx(met.std())
    row = list(summaries).index("MET_pt")
    model = jet_window.tools.statistics_model
    assert model.data(model.index(row, 6)) == ""
    assert model.data(model.index(row, 4)) == f"{met.mean():.6g}"


def test_statistics_all_fill_column():
    values = np.array([-1, -1, -1], dtype=np.int32)

    summary = summarize_column("x_9", values, -1)

    assert summary.fill_fraction == 1.0
    assert summary.mean is None
    assert summary.minimum is None


def test_statistics_nan_in_column_with_numeric_fill():
    values = np.array([1.0, np.nan, -999.0, 3.0])

    summary = summarize_column("x_0", values, -999.0)

    assert summary.fill_fraction == 0.25
    assert summary.mean == 2.0
    assert summary.maximum == 3.0


def test_statistics_text_column():
    summary = summarize_column("name", np.array(["a", "b"], dtype=object), None)

    assert summary.dtype == "text"
    assert summary.mean is None


def select_block(view, rows, columns):
    model = view.model()
    selection = QItemSelection(model.index(rows[0], columns[0]), model.index(rows[-1], columns[-1]))
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def test_copy_selected_cells_tsv(jet_window, uproot_arrays, qtbot):
    names = jet_window.table_model.column_names
    columns = [names.index("Jet_pt_0"), names.index("Jet_pt_1")]
    select_block(jet_window.table_view, [2, 3, 4], columns)

    jet_window.table_view.setFocus()
    qtbot.keyClick(jet_window.table_view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)

    jet_pt = ak.fill_none(ak.pad_none(uproot_arrays["Jet_pt"], 2, clip=True), math.nan)
    expected = ["Jet_pt_0\tJet_pt_1"]
    for row in (2, 3, 4):
        expected.append("\t".join(str(np.float32(jet_pt[row, slot])) for slot in (0, 1)))
    assert QGuiApplication.clipboard().text() == "\n".join(expected) + "\n"


def test_copy_follows_sorted_order(jet_window, uproot_arrays):
    names = jet_window.table_model.column_names
    met_column = names.index("MET_pt")
    jet_window.table_view.sortByColumn(met_column, Qt.SortOrder.DescendingOrder)
    select_block(jet_window.table_view, [0, 1], [met_column])

    text = jet_window.tools.copy_selection()

    met = np.sort(ak.to_numpy(uproot_arrays["MET_pt"]))[::-1]
    assert text.splitlines() == ["MET_pt", str(met[0]), str(met[1])]


def test_copy_empty_selection(jet_window):
    jet_window.table_view.clearSelection()
    QGuiApplication.clipboard().setText("before")

    assert jet_window.tools.copy_selection() == ""
    assert QGuiApplication.clipboard().text() == "before"


def jump(window, qtbot, entry):
    window.tools.jump_action.trigger()
    bar = window.tools.jump_bar
    bar.entry_box.setValue(entry)
    qtbot.keyClick(bar.entry_box.lineEdit(), Qt.Key.Key_Return)


def test_jump_selects_entry_row(jet_window, qtbot):
    jump(jet_window, qtbot, 25)

    view = jet_window.table_view
    assert jet_window.tools.jump_bar.isVisible()
    assert view.currentIndex().row() == 25
    assert [index.row() for index in view.selectionModel().selectedRows()] == [25]


def test_jump_in_sorted_table(jet_window, qtbot):
    names = jet_window.table_model.column_names
    jet_window.table_view.sortByColumn(names.index("MET_pt"), Qt.SortOrder.AscendingOrder)

    jump(jet_window, qtbot, 25)

    row = jet_window.table_view.currentIndex().row()
    header = jet_window.table_model.headerData(row, Qt.Orientation.Vertical)
    assert header == "25"


def test_jump_entry_outside_preview(jet_window, qtbot):
    jump(jet_window, qtbot, 5000)

    assert "5,000 is not in the preview" in jet_window.tools.jump_bar.message.text()


def test_jump_under_cut_needs_entry_column(jet_window, qtbot):
    with qtbot.waitSignal(jet_window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        jet_window.selection_panel.cut_box.setText("nJet >= 3")

    assert not jet_window.tools.jump_to_entry(0)
    assert "Entry number" in jet_window.tools.jump_bar.message.text()

    with qtbot.waitSignal(jet_window.preview_ready, timeout=PREVIEW_TIMEOUT_MS) as blocker:
        jet_window.selection_panel.entry_column_box.setChecked(True)
    entries = blocker.args[0].chunk.columns["entry"]
    assert jet_window.tools.jump_to_entry(int(entries[2]))
    assert jet_window.table_view.currentIndex().row() == 2


def test_jump_escape_closes_bar(jet_window, qtbot):
    jet_window.tools.jump_action.trigger()
    bar = jet_window.tools.jump_bar

    qtbot.keyClick(bar.entry_box, Qt.Key.Key_Escape)

    assert not bar.isVisible()
