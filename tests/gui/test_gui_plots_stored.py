"""TH1, TH2 and TProfile objects of a file, drawn when selected in the tree."""

from __future__ import annotations

import boost_histogram as bh
import numpy as np
import pytest
import uproot
from PySide6.QtCore import Qt

READ_TIMEOUT_MS = 30_000
PREVIEW_TIMEOUT_MS = 30_000


def select_object(window, *names):
    source = window.branch_model.find(*names)
    assert source.isValid(), names
    window.tree_view.setCurrentIndex(window.filter_model.mapFromSource(source))


@pytest.fixture
def written_file(tmp_path):
    """A TH2D, a TH2D with variable bins, a TProfile with an empty bin, a TH1D with variable bins and axis titles, and a TH3D."""
    path = tmp_path / "stored.root"
    profile = bh.Histogram(bh.axis.Regular(4, 0.0, 4.0), storage=bh.storage.Mean())
    profile.fill([0.5, 0.5, 1.5, 2.5, 2.5, 2.5], sample=[1.0, 3.0, 2.0, 4.0, 5.0, 6.0])
    cube = bh.Histogram(
        bh.axis.Regular(2, 0, 2), bh.axis.Regular(2, 0, 2), bh.axis.Regular(2, 0, 2)
    )
    cube.fill([0.5], [0.5], [0.5])
    titled = uproot.writing.identify.to_TH1x(
        fName="titled",
        fTitle="energy",
        data=np.array([0.0, 4.0, 9.0, 0.0]),
        fEntries=13.0,
        fTsumw=13.0,
        fTsumw2=13.0,
        fTsumwx=0.0,
        fTsumwx2=0.0,
        fSumw2=np.array([0.0, 4.0, 9.0, 0.0]),
        fXaxis=uproot.writing.identify.to_TAxis(
            "xaxis", "E [GeV]", 2, 0.0, 10.0, fXbins=np.array([0.0, 1.0, 10.0])
        ),
    )
    with uproot.recreate(path) as handle:
        handle["grid"] = (np.arange(12.0).reshape(3, 4), np.linspace(0, 3, 4), np.linspace(0, 4, 5))
        handle["prof"] = profile
        handle["cube"] = cube
        handle["titled"] = titled
        handle["mesh"] = (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([0.0, 1.0, 4.0]), np.array([0.0, 1.0, 2.0, 5.0]))
    return path


def test_stored_th1_drawn_with_errors(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "uproot-histograms.root")
    view = window.histogram_view

    with qtbot.waitSignal(view.stored_ready, timeout=READ_TIMEOUT_MS):
        select_object(window, "two")

    with uproot.open(gui_data_dir / "uproot-histograms.root") as handle:
        direct = handle["two"]
        expected_values, expected_errors = direct.values(), direct.errors()
    stored = view.stored
    assert stored.kind == "1d"
    assert np.array_equal(stored.values, expected_values)
    bars = [
        item for item in view.plot.getPlotItem().items if item.__class__.__name__ == "ErrorBarItem"
    ]
    assert len(bars) == 1
    assert np.allclose(bars[0].opts["height"], 2 * expected_errors)
    assert view.plot.getPlotItem().titleLabel.text == "two: numero dos (TH1F)"
    assert view._stack.currentWidget() is view.plot
    assert not view.controls.full_button.isEnabled()
    assert not view.controls.bins_box.isEnabled()
    assert view.controls.log_box.isEnabled()


def test_stored_th1_axis_titles(open_window, written_file, qtbot):
    window = open_window(written_file)
    view = window.histogram_view

    with qtbot.waitSignal(view.stored_ready, timeout=READ_TIMEOUT_MS):
        select_object(window, "titled")

    item = view.plot.getPlotItem()
    assert item.getAxis("bottom").labelText == "E [GeV]"
    assert item.getAxis("left").labelText == "entries"
    assert view.stored.edges[0].tolist() == [0.0, 1.0, 10.0]
    assert view.stored.values.tolist() == [4.0, 9.0]


def test_stored_th2_as_image(open_window, written_file, qtbot):
    window = open_window(written_file)
    view = window.histogram_view

    with qtbot.waitSignal(view.stored_ready, timeout=READ_TIMEOUT_MS):
        select_object(window, "grid")

    assert view._stack.currentWidget() is view.image_plot
    assert np.array_equal(view.image_plot.image.image, np.arange(12.0).reshape(3, 4))
    assert view.image_plot.colour_bar.levels() == (0.0, 11.0)
    assert view.image_plot.image.mapRectToParent(
        view.image_plot.image.boundingRect()
    ).width() == pytest.approx(3.0)


def test_stored_th2_variable_bins_as_mesh(open_window, written_file, qtbot):
    window = open_window(written_file)
    view = window.histogram_view

    with qtbot.waitSignal(view.stored_ready, timeout=READ_TIMEOUT_MS):
        select_object(window, "mesh")

    mesh = view.image_plot.mesh
    assert view._stack.currentWidget() is view.image_plot
    assert "not supported" not in view.message.text()
    assert mesh is not None
    assert not view.image_plot.image.isVisible()
    assert np.array_equal(mesh.z, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    # Corners of the last bin: x from 1 to 4, y from 2 to 5.
    assert mesh.x[-1, -1] == 4.0
    assert mesh.y[-1, -1] == 5.0
    assert mesh.x[1, 2] == 1.0
    assert mesh.y[1, 2] == 2.0
    assert view.image_plot.colour_bar.levels() == (0.0, 6.0)

    with qtbot.waitSignal(view.stored_ready, timeout=READ_TIMEOUT_MS):
        select_object(window, "grid")

    assert view.image_plot.mesh is None
    assert view.image_plot.image.isVisible()


def test_stored_tprofile_points(open_window, written_file, qtbot):
    window = open_window(written_file)
    view = window.histogram_view

    with qtbot.waitSignal(view.stored_ready, timeout=READ_TIMEOUT_MS):
        select_object(window, "prof")

    points = view.plot.getPlotItem().listDataItems()[0]
    x, y = points.getData()
    assert x.tolist() == [0.5, 1.5, 2.5]
    assert y.tolist() == [2.0, 2.0, 5.0]
    bars = [
        item for item in view.plot.getPlotItem().items if item.__class__.__name__ == "ErrorBarItem"
    ]
    assert np.allclose(
        bars[0].opts["height"],
        2 * np.array([np.std([1.0, 3.0]) / np.sqrt(2), 0.0, np.std([4.0, 5.0, 6.0]) / np.sqrt(3)]),
    )
    assert view.plot.getPlotItem().getAxis("left").labelText == "mean"


def test_stored_th3_not_supported(open_window, written_file):
    window = open_window(written_file)

    select_object(window, "cube")

    assert "not supported yet" in window.histogram_view.message.text()
    assert window.histogram_view.stored is None


def test_stored_log_y(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "uproot-histograms.root")
    view = window.histogram_view
    with qtbot.waitSignal(view.stored_ready, timeout=READ_TIMEOUT_MS):
        select_object(window, "two")

    view.controls.log_box.setChecked(True)

    assert view.plot.getPlotItem().ctrl.logYCheck.isChecked()
    bars = [
        item for item in view.plot.getPlotItem().items if item.__class__.__name__ == "ErrorBarItem"
    ]
    positive = view.stored.values[view.stored.values > 0]
    assert np.allclose(bars[0].opts["y"], np.log10(positive))


def test_stored_then_column(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "uproot-HZZ.root")
    view = window.histogram_view
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        window.branch_model.set_checked(["MET_px"], window.catalog.tree())

    column = window.table_model.column_names.index("MET_px")
    window.table_view.setCurrentIndex(window.table_model.index(0, column))

    assert view.histogram.name == "MET_px"
    assert view.stored is None
    assert view.controls.full_button.isEnabled()


def test_stored_file_clears_axis_choices(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "uproot-HZZ.root")
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS):
        window.branch_model.set_checked(["MET_px", "MET_py"], window.catalog.tree())
    assert window.histogram_view.controls.x_box.count() == 2

    open_window(gui_data_dir / "uproot-histograms.root")

    assert window.histogram_view.controls.x_box.count() == 0
    assert window.histogram_view.column == ""


def test_stored_save_png(open_window, gui_data_dir, qtbot, tmp_path):
    window = open_window(gui_data_dir / "uproot-histograms.root")
    view = window.histogram_view
    with qtbot.waitSignal(view.stored_ready, timeout=READ_TIMEOUT_MS):
        select_object(window, "one")

    with qtbot.waitSignal(view.plot_saved, timeout=READ_TIMEOUT_MS):
        view.save_plot(tmp_path / "one.png")

    assert (tmp_path / "one.png").read_bytes().startswith(b"\x89PNG")
    assert Qt.AlignmentFlag.AlignCenter == view.message.alignment()
