"""Output estimate before an export, and the rate, time left and input file during it."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
import uproot
from gui_helpers import entries_of, tick

from rootable.core.report import human_bytes

TIMEOUT_MS = 60_000


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

    # First the check of the inputs, then one line per chunk of ten entries.
    assert formats[0] == "checking the inputs: 1 of 2"
    formats = formats[1:]
    assert len(formats) == 8
    # Ten entries of 40 in each file per step: 25 % into the first file, then into the second.
    assert formats[0].endswith("reading nano_dy.root (1 of 2, 25%)")
    assert formats[4].endswith("reading nano_dimuon.root (2 of 2, 25%)")
    assert formats[-1].startswith("100%")
    assert all("entries/s" in text and "left" in text for text in formats)
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 80


def test_export_frees_the_status_bar(met_window, qtbot, tmp_path):
    status = met_window.tools.status_label
    assert status.isVisible()

    with qtbot.waitSignal(met_window.export_finished, timeout=TIMEOUT_MS):
        assert met_window.export(str(tmp_path / "out.parquet"))
        # While the export runs, the progress bar has the status bar to itself.
        assert not status.isVisible()
        assert met_window.progress_bar.isVisible()

    assert status.isVisible()
    assert not met_window.progress_bar.isVisible()
