"""Code panel, plural counts in the status bar, dropped files and the About dialog."""

from __future__ import annotations

import numpy as np
import pyarrow
import PySide6
import uproot
from PySide6 import QtCore
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication

import rootable

TIMEOUT_MS = 30_000
PYSIDE_VERSION = tuple(int(part) for part in PySide6.__version__.split(".")[:2])


def test_code_panel_shows_script(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    assert window.code_view.editor.toPlainText() == ""

    with qtbot.waitSignal(window.preview_ready, timeout=TIMEOUT_MS):
        window.branch_model.set_checked(["Jet_pt", "MET_pt"], window.catalog.tree())

    script = window.code_view.editor.toPlainText()
    assert "uproot.iterate" in script
    assert "Jet_pt" in script
    assert "MET_pt" in script
    assert window.code_view.editor.isReadOnly()


def test_code_panel_follows_cut(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(window.preview_ready, timeout=TIMEOUT_MS):
        window.branch_model.set_checked(["MET_pt"], window.catalog.tree())

    with qtbot.waitSignal(window.preview_ready, timeout=TIMEOUT_MS):
        window.selection_panel.cut_box.setText("MET_pt > 20")

    assert "MET_pt" in window.code_view.editor.toPlainText()
    assert "20" in window.code_view.editor.toPlainText()


def test_code_panel_copy(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(window.preview_ready, timeout=TIMEOUT_MS):
        window.branch_model.set_checked(["MET_pt"], window.catalog.tree())

    window.code_view.copy_button.click()

    assert QGuiApplication.clipboard().text() == window.code_view.editor.toPlainText()


def test_status_bar_one_tree(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "uproot-HZZ.root")
    with uproot.open(gui_data_dir / "uproot-HZZ.root") as file:
        branches = len(file["events"].keys())

    assert f": 1 tree, {branches} branches" in window.statusBar().currentMessage()


def test_status_bar_several_trees(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")

    trees = len(window.catalog.trees)
    assert trees > 1
    assert f": {trees} trees, " in window.statusBar().currentMessage()


def drop_event(paths, kind):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    if kind == "enter":
        # PySide6 6.12 deprecates the QPoint constructor; 6.11 and older have only that one.
        position = QPointF(10, 10) if PYSIDE_VERSION >= (6, 12) else QPoint(10, 10)
        return QDragEnterEvent(position, Qt.DropAction.CopyAction, mime,
                               Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier), mime
    return QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier), mime


def test_drop_root_file_opens_it(window, qtbot, gui_data_dir):
    path = gui_data_dir / "uproot-Zmumu.root"
    enter, _ = drop_event([path], "enter")
    enter.ignore()
    window.dragEnterEvent(enter)
    assert enter.isAccepted()

    drop, _ = drop_event([path], "drop")
    with qtbot.waitSignal(window.catalog_loaded, timeout=TIMEOUT_MS):
        window.dropEvent(drop)

    assert window.inputs == [str(path)]


def test_drop_other_file_ignored(window, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a ROOT file")
    enter, _ = drop_event([text], "enter")

    window.dragEnterEvent(enter)

    assert not enter.isAccepted()


def test_about_lists_versions(window, qtbot):
    window.about_action.trigger()
    box = window.about_box
    qtbot.waitUntil(box.isVisible)

    text = box.text()
    for name, version in (
        ("rootable", rootable.__version__),
        ("uproot", uproot.__version__),
        ("awkward", __import__("awkward").__version__),
        ("numpy", np.__version__),
        ("pyarrow", pyarrow.__version__),
        ("Qt", QtCore.qVersion()),
    ):
        assert f"<td>{name}</td><td>{version}</td>" in text
    assert "PySide6" in text
    box.close()
