"""Settings kept between runs: layout, dialog folders, recent files and the last recipe per file.

Every test points QSettings at a temporary folder, so the user's own settings are never read.
"""

from __future__ import annotations

import json

import pytest
from gui_helpers import tick
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog

from rootable.gui import dialogs, persistence
from rootable.gui.main_window import MainWindow

TIMEOUT_MS = 30_000


@pytest.fixture
def settings_folder(tmp_path):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "config"))
    yield tmp_path / "config"
    dialogs.set_folder_memory(None)


@pytest.fixture
def new_window(qtbot, settings_folder, errors_shown):
    """Return a function that makes a window with persistent settings, closed after the test."""
    windows = []

    def make() -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        persistence.install(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def open_file(window, qtbot, path):
    with qtbot.waitSignal(window.catalog_loaded, timeout=TIMEOUT_MS):
        window.open_files([str(path)])


def test_settings_file_in_temporary_folder(new_window, settings_folder):
    window = new_window()
    window.close()

    assert (settings_folder / "rootable" / "rootable.ini").is_file()


def test_settings_splitters_and_geometry_restored(new_window):
    first = new_window()
    # Smaller than the offscreen screen (800x600), which restoreGeometry clamps to.
    first.resize(760, 560)
    first.tools.branch_splitter.setSizes([300, 200])
    sizes = first.tools.branch_splitter.sizes()
    first.close()

    second = new_window()

    assert second.tools.branch_splitter.sizes() == sizes
    assert second.size().width() == 760
    assert second.size().height() == 560


def test_settings_last_recipe_restored(new_window, qtbot, gui_data_dir):
    first = new_window()
    open_file(first, qtbot, gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(first.preview_ready, timeout=TIMEOUT_MS):
        tick(first, "nJet", "Jet_pt")
        first.settings.depth_box.setValue(2)
        first.selection_panel.cut_box.setText("nJet >= 1")
    first.close()

    second = new_window()
    with qtbot.waitSignal(second.recipe_applied, timeout=TIMEOUT_MS):
        second.open_files([str(gui_data_dir / "nano_dy.root")])

    recipe = second.recipe()
    assert recipe.branches == ["nJet", "Jet_pt"]
    assert recipe.depth == 2
    assert recipe.cut == "nJet >= 1"


def test_settings_recipe_of_other_file_not_applied(new_window, qtbot, gui_data_dir):
    first = new_window()
    open_file(first, qtbot, gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(first.preview_ready, timeout=TIMEOUT_MS):
        tick(first, "Jet_pt")
    first.close()

    second = new_window()
    open_file(second, qtbot, gui_data_dir / "nano_dimuon.root")

    assert second.branch_model.checked_keys() == []


def test_settings_stale_recipe_ignored(new_window, qtbot, gui_data_dir, errors_shown):
    window = new_window()
    path = str(gui_data_dir / "nano_dy.root")
    stale = {path: 'inputs = ["x"]\nbranches = ["no_such_branch"]\n'}
    window.session.settings.setValue(persistence.RECIPES_KEY, json.dumps(stale))

    open_file(window, qtbot, path)

    assert window.branch_model.checked_keys() == []
    assert errors_shown == []


def test_settings_broken_recipe_text_ignored(new_window, qtbot, gui_data_dir):
    window = new_window()
    window.session.settings.setValue(persistence.RECIPES_KEY, "{not json")

    open_file(window, qtbot, gui_data_dir / "nano_dy.root")

    assert window.catalog is not None
    assert window.branch_model.checked_keys() == []


def test_settings_recent_files_newest_first(new_window, qtbot, gui_data_dir):
    window = new_window()
    open_file(window, qtbot, gui_data_dir / "nano_dy.root")
    open_file(window, qtbot, gui_data_dir / "nano_dimuon.root")
    open_file(window, qtbot, gui_data_dir / "nano_dy.root")

    recent = window.session.recent_files()
    titles = [a.text() for a in window.session.recent_menu.actions() if a.data()]

    assert recent == [str(gui_data_dir / "nano_dy.root"), str(gui_data_dir / "nano_dimuon.root")]
    assert titles == ["&1 nano_dy.root", "&2 nano_dimuon.root"]


def test_settings_recent_files_capped(new_window, tmp_path):
    window = new_window()
    for number in range(12):
        window.session.add_recent(str(tmp_path / f"f{number}.root"))

    recent = window.session.recent_files()

    assert len(recent) == persistence.MAX_RECENT_FILES
    assert recent[0] == str(tmp_path / "f11.root")


def test_settings_missing_recent_pruned(new_window, qtbot, gui_data_dir, tmp_path):
    window = new_window()
    kept = str(gui_data_dir / "nano_dy.root")
    window.session.set_recent_files([str(tmp_path / "gone.root"), kept])

    with qtbot.waitSignal(window.session.recent_changed, timeout=TIMEOUT_MS):
        window.session.prune_recent()

    assert window.session.recent_files() == [kept]


def test_settings_failed_recent_open_removed(new_window, qtbot, tmp_path, errors_shown):
    window = new_window()
    broken = tmp_path / "broken.root"
    broken.write_bytes(b"not a ROOT file")
    window.session.set_recent_files([str(broken)])
    action = next(a for a in window.session.recent_menu.actions() if a.data())

    with qtbot.waitSignal(window.open_failed, timeout=TIMEOUT_MS):
        action.trigger()

    assert window.session.recent_files() == []
    assert not window.session.recent_menu.isEnabled()
    assert errors_shown[0][0] == "Cannot open broken.root"


def test_settings_clear_recent(new_window, tmp_path):
    window = new_window()
    window.session.set_recent_files([str(tmp_path / "a.root")])

    window.session.clear_recent_action.trigger()

    assert window.session.recent_files() == []


def test_settings_open_dialog_starts_in_last_folder(new_window, monkeypatch, tmp_path):
    window = new_window()
    picked = tmp_path / "data" / "x.root"
    starts = []

    def fake_dialog(parent, caption, folder, filters):
        starts.append(folder)
        return [str(picked)], filters

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", fake_dialog)
    monkeypatch.setattr(window, "open_files", lambda paths, on_opened=None: None)

    window.ask_open()
    window.ask_open()

    assert starts[1] == str(tmp_path / "data")
    assert window.session.folders.folder("open") == str(tmp_path / "data")


def test_settings_export_folder_separate(new_window, monkeypatch, tmp_path):
    new_window()
    starts = []

    def fake_save(parent, caption, folder, filters):
        starts.append(folder)
        return str(tmp_path / "out" / "t.parquet"), "Parquet (*.parquet)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)

    dialogs.ask_export_path(None, "/fallback")
    dialogs.ask_export_path(None, "/fallback")

    assert starts == ["/fallback", str(tmp_path / "out")]
