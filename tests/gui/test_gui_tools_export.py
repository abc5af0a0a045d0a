"""Output estimate before an export, and the rate, time left and input file during it."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
import uproot
from PySide6.QtCore import Qt

from rootable.core.report import human_bytes
from rootable.gui.export_actions import ExportProgress, format_duration

TIMEOUT_MS = 60_000


def tick(window, *keys):
    tree = window.catalog.tree()
    for key in keys:
        index = window.branch_model.branch_index(tree, key)
        window.branch_model.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)


def entries_of(path):
    with uproot.open(path) as file:
        return file["Events"].num_entries


@pytest.fixture
def met_window(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(window.tools.estimate_ready, timeout=TIMEOUT_MS):
        tick(window, "nJet", "Jet_pt", "MET_pt")
    return window


def test_estimate_rows_in_status_bar(met_window, gui_data_dir):
    estimate = met_window.tools.estimate
    text = met_window.tools.status_label.text()

    assert estimate.rows == entries_of(gui_data_dir / "nano_dy.root")
    assert estimate.bytes > 0
    assert f"about {estimate.rows:,} rows, {human_bytes(estimate.bytes)} as parquet (estimate)" in text


def test_estimate_follows_cut(met_window, qtbot, gui_data_dir):
    with uproot.open(gui_data_dir / "nano_dy.root") as file:
        counts = file["Events"]["nJet"].array(library="np")
    expected = int((counts >= 2).sum())

    with qtbot.waitSignal(met_window.tools.estimate_ready, timeout=TIMEOUT_MS) as blocker:
        met_window.selection_panel.cut_box.setText("nJet >= 2")

    assert blocker.args[0].rows == expected


def test_estimate_two_inputs_without_reopening(met_window, qtbot, gui_data_dir):
    panel = met_window.tools.inputs_panel
    with qtbot.waitSignal(panel.entries_shown, timeout=TIMEOUT_MS):
        met_window.tools.add_inputs([str(gui_data_dir / "nano_dimuon.root")])

    with qtbot.waitSignal(met_window.tools.estimate_ready, timeout=TIMEOUT_MS) as blocker:
        met_window.schedule_preview()

    total = entries_of(gui_data_dir / "nano_dy.root") + entries_of(gui_data_dir / "nano_dimuon.root")
    assert blocker.args[0].rows == total
    assert blocker.args[0].entries == total
    assert f"({total:,} in 2 input files)" in met_window.tools.status_label.text()


def test_export_area_shows_estimate(met_window, qtbot, tmp_path):
    output = tmp_path / "out.csv"
    labels = []
    met_window.tools.estimate_ready.connect(lambda _estimate: labels.append(met_window.export_label.text()))

    with qtbot.waitSignal(met_window.export_finished, timeout=TIMEOUT_MS):
        assert met_window.export(str(output))

    assert any("as csv (estimate)" in text and "about 40 rows" in text for text in labels)
    assert met_window.export_label.text().startswith(f"Wrote {output}: 40 rows")


def test_export_progress_names_input_files(met_window, qtbot, tmp_path, gui_data_dir):
    panel = met_window.tools.inputs_panel
    with qtbot.waitSignal(panel.entries_shown, timeout=TIMEOUT_MS):
        met_window.tools.add_inputs([str(gui_data_dir / "nano_dimuon.root")])
    met_window.step_size = 10
    formats = []
    met_window.progress_bar.valueChanged.connect(lambda _value: formats.append(met_window.progress_bar.format()))

    with qtbot.waitSignal(met_window.export_finished, timeout=TIMEOUT_MS):
        assert met_window.export(str(tmp_path / "out.parquet"))

    assert len(formats) == 8
    assert "reading nano_dy.root (1 of 2)" in formats[0]
    assert "reading nano_dimuon.root (2 of 2)" in formats[4]
    assert formats[-1].startswith("100%")
    assert all("entries/s" in text and "left" in text for text in formats)
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 80


def test_progress_text_rate_and_time_left():
    progress = ExportProgress(inputs=["/data/a.root", "/data/b.root"], entry_counts=[40, 40], started=100.0)

    text = progress.text(40, 80, now=102.0)

    assert text == "50% · 20 entries/s · 0:02 left · reading b.root (2 of 2)"


def test_progress_text_entry_start_offsets_file():
    progress = ExportProgress(inputs=["a.root", "b.root"], entry_counts=[40, 40], entry_start=35, started=0.0)

    assert progress.current_input(0, 45) == (0, "a.root")
    assert progress.current_input(5, 45) == (1, "b.root")
    assert progress.current_input(45, 45) == (1, "b.root")


def test_progress_text_unknown_counts():
    progress = ExportProgress(inputs=["a.root", "b.root"], entry_counts=None, started=0.0)

    assert progress.text(0, 80, now=1.0) == "0%"
    assert progress.current_input(10, 80) is None


def test_format_duration():
    assert format_duration(5.4) == "0:05"
    assert format_duration(125) == "2:05"
    assert format_duration(3 * 3600 + 61) == "3:01:01"
    assert format_duration(-1) == "0:00"
