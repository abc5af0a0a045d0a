"""From ticking branches to a Parquet file, compared with plain uproot and awkward."""

from __future__ import annotations

import math
import threading

import awkward as ak
import numpy as np
import pyarrow.parquet as pq
import pytest
import uproot
from gui_helpers import tick
from PySide6.QtCore import Qt

from rootable.gui import tasks
from rootable.gui.branch_model import DEPTH

EXPORT_TIMEOUT_MS = 60_000
PREVIEW_TIMEOUT_MS = 30_000
JET_MEMBERS = ("Jet_pt", "Jet_eta")


def set_jet_depth(window, depth):
    jet = window.branch_model.find("Events", "Jet").siblingAtColumn(DEPTH)
    window.branch_model.setData(jet, depth, Qt.ItemDataRole.EditRole)


def expected_columns(path, depth):
    """Flatten the same branches with uproot and awkward only."""
    with uproot.open(path) as file:
        arrays = file["Events"].arrays(["nJet", *JET_MEMBERS, "MET_pt"])
    columns = {"nJet": ak.to_numpy(arrays["nJet"]), "MET_pt": ak.to_numpy(arrays["MET_pt"])}
    for member in JET_MEMBERS:
        padded = ak.fill_none(ak.pad_none(arrays[member], depth, clip=True), math.nan)
        for slot in range(depth):
            columns[f"{member}_{slot}"] = ak.to_numpy(padded[:, slot])
    return columns


@pytest.fixture
def jet_window(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS) as blocker:
        tick(window, "nJet", *JET_MEMBERS, "MET_pt")
        set_jet_depth(window, 4)
    window.last_preview = blocker.args[0]
    return window


def test_end_to_end_preview_columns(jet_window):
    chunk = jet_window.last_preview.chunk

    assert chunk.num_rows == 40
    for slot in range(4):
        assert f"Jet_pt_{slot}" in chunk.columns
        assert f"Jet_eta_{slot}" in chunk.columns
    assert "Jet_pt_4" not in chunk.columns
    assert "MET_pt" in chunk.columns
    assert jet_window.table_model.rowCount() == 40
    assert jet_window.table_model.columnCount() == len(chunk.columns)


def test_end_to_end_recipe_in_tree_order(jet_window):
    recipe = jet_window.recipe()

    assert recipe.tree == "Events"
    assert recipe.branches == ["nJet", "Jet_eta", "Jet_pt", "MET_pt"]
    assert recipe.depth_of("Jet") == 4
    assert math.isnan(recipe.fill.floating)


def test_end_to_end_export_parquet(jet_window, gui_data_dir, tmp_path, qtbot):
    output = tmp_path / "jets.parquet"

    with qtbot.waitSignal(jet_window.export_finished, timeout=EXPORT_TIMEOUT_MS) as blocker:
        assert jet_window.export(str(output))
    table = pq.read_table(output)
    expected = expected_columns(gui_data_dir / "nano_dy.root", 4)

    assert blocker.args[0].rows == 40
    assert table.num_rows == 40
    assert set(table.column_names) == set(expected)
    for name, values in expected.items():
        np.testing.assert_array_equal(table.column(name).to_numpy(), values, err_msg=name)


def test_end_to_end_known_values(jet_window, tmp_path, qtbot):
    output = tmp_path / "jets.parquet"
    with qtbot.waitSignal(jet_window.export_finished, timeout=EXPORT_TIMEOUT_MS):
        jet_window.export(str(output))
    table = pq.read_table(output)
    pt = {slot: table.column(f"Jet_pt_{slot}").to_numpy() for slot in range(4)}

    assert pt[0][0] == 80.75
    assert pt[3][0] == 17.5625
    assert table.column("nJet").to_numpy()[8] == 1
    assert not math.isnan(pt[0][8])
    for slot in (1, 2, 3):
        assert math.isnan(pt[slot][8])
    for slot in range(4):
        assert pt[slot].dtype == np.float32


def test_end_to_end_status_reports_export(jet_window, tmp_path, qtbot):
    output = tmp_path / "jets.csv"
    with qtbot.waitSignal(jet_window.export_finished, timeout=EXPORT_TIMEOUT_MS):
        jet_window.export(str(output))

    text = jet_window.export_label.text()

    assert "40 rows" in text
    assert "columns" in text
    assert str(output) in text
    assert output.exists()


def test_end_to_end_quick_ticks_one_preview(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    previews = []
    window.preview_ready.connect(previews.append)

    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        for key in ("nJet", "Jet_pt", "Jet_eta", "MET_pt"):
            tick(window, key)
    qtbot.waitUntil(lambda: not window.runner.is_busy("preview"))

    assert len(previews) == 1
    assert "Jet_eta_0" in previews[0].chunk.columns
    assert "MET_pt" in previews[0].chunk.columns


def test_end_to_end_truncation_label(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS) as blocker:
        tick(window, "Jet_pt")
        set_jet_depth(window, 1)
    lost = blocker.args[0].chunk.truncated["Jet"]

    assert lost > 0
    assert window.truncation_label.text().startswith(f"{lost:,} of 40 events had more than 1 Jet")


def test_end_to_end_untick_clears_preview(jet_window, qtbot):
    with qtbot.waitSignal(jet_window.branch_model.selection_changed):
        jet_window.branch_model.set_checked(["nJet", *JET_MEMBERS, "MET_pt"], checked=False)
    qtbot.waitUntil(lambda: jet_window.table_model.columnCount() == 0)

    assert "Tick branches" in jet_window.preview_label.text()


def test_end_to_end_new_file_drops_old_preview(open_window, gui_data_dir, qtbot, monkeypatch):
    window = open_window(gui_data_dir / "nano_dy.root")
    release = threading.Event()
    original = tasks.preview_task

    def held_preview(recipe, catalog, num_events):
        run = original(recipe, catalog, num_events)

        def held_run(cancelled, progress):
            release.wait(PREVIEW_TIMEOUT_MS / 1000)
            return run(cancelled, progress)

        return held_run

    monkeypatch.setattr(tasks, "preview_task", held_preview)
    previews = []
    window.preview_ready.connect(previews.append)
    tick(window, "Jet_pt")
    window.preview_timer.stop()
    window.start_preview()

    open_window(gui_data_dir / "uproot-nesteddirs.root")
    release.set()
    qtbot.waitUntil(lambda: not window.runner.is_busy("preview"))

    assert previews == []
    assert window.table_model.columnCount() == 0
    assert window.branch_model.checked_keys() == []
