"""Histogram panel controls: bins, range, log y, fill values and saving the plot."""

from __future__ import annotations

import numpy as np
import pytest

PREVIEW_TIMEOUT_MS = 30_000
SAVE_TIMEOUT_MS = 10_000


@pytest.fixture
def jet_window(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    tree = window.catalog.tree()
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        window.branch_model.set_checked(["Jet_pt", "Jet_jetId", "MET_pt"], tree)
    return window


def select_column(window, name):
    column = window.table_model.column_names.index(name)
    window.table_view.setCurrentIndex(window.table_model.index(0, column))


def test_plots_bins_and_range(jet_window):
    select_column(jet_window, "MET_pt")
    controls = jet_window.histogram_view.controls

    controls.low_edit.setText("0")
    controls.high_edit.setText("100")
    controls.bins_box.setValue(8)
    controls.low_edit.editingFinished.emit()

    values = jet_window.table_model.column_values("MET_pt")
    expected, edges = np.histogram(values, bins=8, range=(0.0, 100.0))
    histogram = jet_window.histogram_view.histogram
    assert np.allclose(histogram.edges, edges)
    assert histogram.counts.tolist() == expected.tolist()
    assert histogram.overflow == int(np.count_nonzero(values > 100.0))


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        ("ten", "100", "invalid low end 'ten'"),
        ("50", "10", "low end must be below"),
        ("5", "", "high end of the range is missing"),
        ("inf", "5", "finite"),
    ],
)
def test_plots_bad_range_keeps_plot(jet_window, low, high, message):
    select_column(jet_window, "MET_pt")
    view = jet_window.histogram_view
    before = view.histogram

    view.controls.low_edit.setText(low)
    view.controls.high_edit.setText(high)
    view.controls.low_edit.editingFinished.emit()

    assert message in view.controls.status.text()
    assert view.histogram is before
    assert view._stack.currentWidget() is view.plot


def test_plots_empty_range_is_auto(jet_window):
    select_column(jet_window, "MET_pt")
    view = jet_window.histogram_view
    view.controls.low_edit.setText("  ")
    view.controls.high_edit.setText("auto")
    view.controls.high_edit.editingFinished.emit()

    values = jet_window.table_model.column_values("MET_pt")
    assert view.controls.status.text() == ""
    assert view.histogram.edges[0] == pytest.approx(values.min())
    assert view.histogram.edges[-1] == pytest.approx(values.max())


def test_plots_log_y(jet_window):
    select_column(jet_window, "Jet_pt_0")
    view = jet_window.histogram_view

    view.controls.log_box.setChecked(True)

    assert view.plot.getPlotItem().ctrl.logYCheck.isChecked()
    assert view.histogram is not None
    view.controls.log_box.setChecked(False)
    assert not view.plot.getPlotItem().ctrl.logYCheck.isChecked()


def test_plots_fill_values_counted_when_unticked(jet_window):
    select_column(jet_window, "Jet_jetId_3")
    view = jet_window.histogram_view
    values = jet_window.table_model.column_values("Jet_jetId_3")
    fills = int(np.count_nonzero(values == -1))
    assert fills > 0
    assert int(view.histogram.counts.sum()) == len(values) - fills

    view.controls.exclude_box.setChecked(False)

    assert int(view.histogram.counts.sum()) == len(values)
    assert view.histogram.fills_counted
    assert "(counted)" in view.plot.getPlotItem().titleLabel.text


def test_plots_nan_fill_never_counted(jet_window):
    select_column(jet_window, "Jet_pt_3")
    view = jet_window.histogram_view

    view.controls.exclude_box.setChecked(False)

    values = jet_window.table_model.column_values("Jet_pt_3")
    assert int(view.histogram.counts.sum()) == int(np.count_nonzero(~np.isnan(values)))
    assert not view.histogram.fills_counted


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_plots_save_file(jet_window, qtbot, tmp_path, suffix, magic):
    select_column(jet_window, "MET_pt")
    path = tmp_path / f"met{suffix}"

    with qtbot.waitSignal(jet_window.histogram_view.plot_saved, timeout=SAVE_TIMEOUT_MS) as saved:
        assert jet_window.histogram_view.save_plot(path)

    assert saved.args == [str(path)]
    assert path.read_bytes().startswith(magic)


def test_plots_svg_has_title(jet_window, qtbot, tmp_path):
    select_column(jet_window, "MET_pt")
    path = tmp_path / "met.svg"

    with qtbot.waitSignal(jet_window.histogram_view.plot_saved, timeout=SAVE_TIMEOUT_MS):
        jet_window.histogram_view.save_plot(path)

    text = path.read_text()
    assert "<svg" in text
    assert "MET_pt" in text


def test_plots_save_bad_suffix(jet_window, tmp_path):
    select_column(jet_window, "MET_pt")

    assert not jet_window.histogram_view.save_plot(tmp_path / "met.jpg")
    assert "use the suffix .png or .svg" in jet_window.histogram_view.controls.status.text()
    assert not (tmp_path / "met.jpg").exists()


def test_plots_save_nothing_shown(window, tmp_path):
    assert not window.histogram_view.save_plot(tmp_path / "empty.png")
    assert "Nothing to save" in window.histogram_view.controls.status.text()


def test_plots_save_unwritable_folder(jet_window, qtbot, tmp_path, errors_shown):
    select_column(jet_window, "MET_pt")
    path = tmp_path / "missing" / "met.png"

    assert jet_window.histogram_view.save_plot(path)
    qtbot.waitUntil(lambda: bool(errors_shown), timeout=SAVE_TIMEOUT_MS)

    headline, message = errors_shown[0]
    assert headline == "Cannot save the plot"
    assert "cannot write the plot" in message
    assert str(path) in message
