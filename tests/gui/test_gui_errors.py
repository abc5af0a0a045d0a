"""Bad input shows an error dialog and leaves the window usable."""

from __future__ import annotations

import sys

import pytest

from rootable.gui import app

PREVIEW_TIMEOUT_MS = 30_000
OPEN_TIMEOUT_MS = 30_000


def open_failing(window, qtbot, path):
    with qtbot.waitSignal(window.open_failed, timeout=OPEN_TIMEOUT_MS) as blocker:
        window.open_files([str(path)])
    return blocker.args[0]


def test_errors_damaged_file_dialog(window, qtbot, gui_data_dir, errors_shown):
    message = open_failing(window, qtbot, gui_data_dir / "bad_delphes.root")

    assert len(errors_shown) == 1
    headline, dialog_message = errors_shown[0]
    assert headline == "Cannot open bad_delphes.root"
    assert "bad_delphes.root" in dialog_message
    assert dialog_message == message


def test_errors_window_usable_after_bad_file(open_window, qtbot, gui_data_dir, errors_shown):
    window = open_window(gui_data_dir / "nano_dy.root")
    open_failing(window, qtbot, gui_data_dir / "bad_delphes.root")

    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS) as blocker:
        window.branch_model.set_checked(["MET_pt"], window.catalog.tree())

    assert "nano_dy.root" in window.windowTitle()
    assert blocker.args[0].chunk.num_rows == 40
    assert len(errors_shown) == 1


def test_errors_not_root_file(window, qtbot, tmp_path, errors_shown):
    text_file = tmp_path / "notes.root"
    text_file.write_text("not a ROOT file\n")

    open_failing(window, qtbot, text_file)

    assert "not a ROOT file" in errors_shown[0][1]


def test_errors_missing_file(window, qtbot, tmp_path, errors_shown):
    open_failing(window, qtbot, tmp_path / "missing.root")

    assert "file not found" in errors_shown[0][1]
    assert window.windowTitle() == "rootable"


@pytest.mark.parametrize(
    ("folder", "expected"),
    [("missing-folder", "does not exist"), ("/proc", "cannot write to folder")],
)
def test_errors_unwritable_output(open_window, qtbot, gui_data_dir, tmp_path, errors_shown, folder, expected):
    window = open_window(gui_data_dir / "nano_dy.root")
    window.branch_model.set_checked(["MET_pt"], window.catalog.tree())
    output = tmp_path / folder / "out.parquet"  # an absolute folder replaces tmp_path

    with qtbot.waitSignal(window.export_stopped, timeout=PREVIEW_TIMEOUT_MS):
        assert window.export(str(output))

    assert errors_shown[0][0] == "Export failed"
    assert expected in errors_shown[0][1]
    assert not output.exists()
    assert window.export_action.isEnabled()


def test_errors_export_without_ticks(open_window, gui_data_dir, errors_shown):
    window = open_window(gui_data_dir / "nano_dy.root")

    started = window.export("unused.parquet")

    assert not started
    assert errors_shown[0][0] == "Cannot export"
    assert "tick at least one branch" in errors_shown[0][1]


def test_errors_invalid_fill_blocks_preview(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    window.settings.float_fill_box.setText("lots")
    window.branch_model.set_checked(["Jet_pt"], window.catalog.tree())

    qtbot.waitUntil(lambda: "invalid fill value" in window.preview_label.text())

    assert "lots" in window.settings.note.text()


def test_errors_excepthook_shows_dialog(errors_shown):
    try:
        raise ValueError("broken slot")
    except ValueError:
        app.show_uncaught(*sys.exc_info())

    assert errors_shown == [("Unexpected error; the app keeps running", "broken slot")]
