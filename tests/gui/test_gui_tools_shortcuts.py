"""Keyboard shortcuts in the menus, the status bar summary, and colours on a dark palette."""

from __future__ import annotations

import pytest
from gui_helpers import tick
from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QColor, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication

from rootable.gui import theme
from rootable.gui.settings_bar import invalid_style

TIMEOUT_MS = 30_000
#: WCAG 2.1 minimum contrast for large text and user interface components.
MIN_CONTRAST = 3.0


def menu_shortcuts(window):
    """Return {action text: shortcut text} of every action in the menu bar, submenus included."""
    found = {}
    for top in window.menuBar().actions():
        for action in top.menu().actions():
            if not action.shortcut().isEmpty():
                found[action.text()] = action.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
    return found


def test_shortcuts_in_menus(window):
    shortcuts = menu_shortcuts(window)

    assert shortcuts["&Open…"] == "Ctrl+O"
    assert shortcuts["&Export…"] == "Ctrl+E"
    assert shortcuts["&Filter Branches"] == "Ctrl+F"
    assert shortcuts["&Save Recipe…"] == "Ctrl+Shift+S"
    assert shortcuts["&Jump to Entry…"] == "Ctrl+J"
    assert shortcuts["&Copy Cells"] == "Ctrl+C"


def test_shortcut_ctrl_f_focuses_filter(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)
    window.table_view.setFocus()

    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)

    assert window.filter_box.hasFocus()


def test_shortcut_ctrl_j_opens_jump_bar(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)

    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)

    assert window.tools.jump_bar.isVisible()
    assert window.tools.jump_bar.entry_box.hasFocus()


def test_status_bar_summary(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    assert window.tools.status_label.text() == "Events: 40 entries · 0 branches ticked"

    with qtbot.waitSignal(window.tools.estimate_ready, timeout=TIMEOUT_MS):
        tick(window, "nJet", "Jet_pt", "MET_pt")
    text = window.tools.status_label.text()

    # nJet and MET_pt, plus Jet_pt_0 .. Jet_pt_3 at the default depth 4.
    assert text.startswith("Events: 40 entries · 3 branches ticked · 6 columns · output about 40 rows")
    assert window.tools.status_label.isVisible()


@pytest.fixture
def dark_palette():
    """Set a dark application palette for one test, then restore the previous one."""
    app = QApplication.instance()
    previous = QPalette(app.palette())
    dark = QPalette(QColor("#2b2b2b"), QColor("#353535"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e6e6e6"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e6e6e6"))
    dark.setColor(QPalette.ColorRole.Base, QColor("#232323"))
    dark.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#8c8c8c"))
    app.setPalette(dark)
    yield dark
    app.setPalette(previous)


def test_theme_dark_palette_detected(dark_palette):
    assert theme.is_dark()


def test_theme_colours_readable_on_dark(dark_palette):
    window_colour = dark_palette.color(QPalette.ColorRole.Window)
    base = dark_palette.color(QPalette.ColorRole.Base)

    assert theme.contrast_ratio(theme.error_color(), window_colour) >= MIN_CONTRAST
    assert theme.contrast_ratio(theme.warning_color(), window_colour) >= MIN_CONTRAST
    assert theme.contrast_ratio(theme.fill_color(), base) >= MIN_CONTRAST
    assert theme.contrast_ratio(dark_palette.color(QPalette.ColorRole.Text), theme.invalid_background()) >= MIN_CONTRAST


def test_theme_colours_readable_on_light():
    light = QPalette(QColor("#efefef"), QColor("#efefef"))
    light.setColor(QPalette.ColorRole.WindowText, QColor("#000000"))
    light.setColor(QPalette.ColorRole.Text, QColor("#000000"))

    assert not theme.is_dark(light)
    assert theme.contrast_ratio(theme.error_color(light), QColor("#efefef")) >= MIN_CONTRAST
    assert theme.contrast_ratio(theme.warning_color(light), QColor("#efefef")) >= MIN_CONTRAST


def test_theme_table_fill_grey_on_dark(dark_palette, open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    with qtbot.waitSignal(window.preview_ready, timeout=TIMEOUT_MS):
        tick(window, "Jet_pt")
    model = window.table_model
    column = model.column_names.index("Jet_pt_3")
    fill_row = next(r for r in range(model.rowCount()) if model.data(model.index(r, column)) == "nan")

    brush = model.data(model.index(fill_row, column), Qt.ItemDataRole.ForegroundRole)

    base = dark_palette.color(QPalette.ColorRole.Base)
    assert brush.color() != base
    assert theme.contrast_ratio(brush.color(), base) >= MIN_CONTRAST
    assert brush.color() != dark_palette.color(QPalette.ColorRole.Text)


def test_theme_preview_error_on_dark(dark_palette, open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    window.tools.inputs_panel.set_label(window.inputs[0], "not a number")
    tick(window, "MET_pt")

    window.start_preview()

    assert "No preview" in window.preview_label.text()
    assert theme.error_color().name() in window.preview_label.styleSheet()
    assert theme.error_color().name() != QColor("#b00020").name()


def test_theme_invalid_fill_box_on_dark(dark_palette, window):
    window.settings.float_fill_box.setText("abc")

    assert theme.invalid_background().name() in window.settings.float_fill_box.styleSheet()
    assert invalid_style() == window.settings.float_fill_box.styleSheet()


def test_theme_switch_restyles_labels(window, qtbot):
    app = QApplication.instance()
    previous = QPalette(app.palette())
    light_warning = theme.warning_color().name()
    dark = QPalette(QColor("#2b2b2b"), QColor("#353535"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e6e6e6"))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: theme.warning_color().name() in window.truncation_label.styleSheet())
    finally:
        app.setPalette(previous)

    assert theme.warning_color(dark).name() != light_warning


class ClaimCtrlE(QObject):
    """Claims Ctrl+E for a text box, as Qt's line edits do on Linux desktops ("end of line").

    The offscreen platform of the tests has no such key binding, so it is added here.
    """

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.ShortcutOverride and event.keyCombination() == QKeyCombination(
            Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_E
        ):
            event.accept()
        return False


@pytest.mark.parametrize("box", ["cut_box", "filter_box"])
def test_shortcut_ctrl_e_from_text_box(open_window, gui_data_dir, qtbot, monkeypatch, box):
    from rootable.gui import dialogs

    window = open_window(gui_data_dir / "nano_dy.root")
    tick(window, "MET_pt")
    export_requests = []
    monkeypatch.setattr(dialogs, "ask_export_path", lambda *args, **kwargs: export_requests.append(args))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)
    widget = window.selection_panel.cut_box if box == "cut_box" else window.filter_box
    claim = ClaimCtrlE(widget)
    widget.installEventFilter(claim)
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=TIMEOUT_MS)

    qtbot.keyClick(widget, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)

    assert len(export_requests) == 1
