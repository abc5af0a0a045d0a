"""Fill values per type in the settings bar, checked on the preview's column dtypes."""

from __future__ import annotations

import math

import numpy as np

from rootable.core.recipe import FillValues
from rootable.gui.settings_bar import FLOAT_CHANGES_NOTE

PREVIEW_TIMEOUT_MS = 30_000


def preview_jet_id(window, qtbot):
    with qtbot.waitSignal(window.preview_ready, timeout=PREVIEW_TIMEOUT_MS) as blocker:
        window.branch_model.set_checked(["Jet_jetId"], window.catalog.tree())
    return blocker.args[0].chunk.columns


def test_fills_defaults_match_cli(window):
    fill = window.settings.fill_values()

    assert math.isnan(fill.floating)
    assert fill.integer == -1
    assert fill.boolean == 0
    assert window.settings.bool_fill_box.text() == "false"
    assert window.settings.note.text() == ""


def test_fills_integer_column_keeps_int32(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")

    columns = preview_jet_id(window, qtbot)

    # 12 of the 40 events have fewer than 4 jets (nJet 1: 2, 2: 5, 3: 5 events), and real
    # jetId values are >= 0, so slot 3 contains exactly 12 fills.
    values = columns["Jet_jetId_3"]
    assert values.dtype == np.int32
    assert np.count_nonzero(values == -1) == 12


def test_fills_nan_integer_fill_gives_float64(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    window.settings.int_fill_box.setText("nan")

    columns = preview_jet_id(window, qtbot)

    values = columns["Jet_jetId_3"]
    assert values.dtype == np.float64
    assert np.count_nonzero(np.isnan(values)) == 12


def test_fills_note_only_for_float_fills(window):
    settings = window.settings
    cases = [("-1", "false", ""), ("nan", "false", FLOAT_CHANGES_NOTE), ("0.5", "false", FLOAT_CHANGES_NOTE),
             ("7", "true", ""), ("-1", "nan", FLOAT_CHANGES_NOTE), ("3.0", "0", "")]
    for integer, boolean, note in cases:
        settings.int_fill_box.setText(integer)
        settings.bool_fill_box.setText(boolean)
        assert settings.note.text() == note, (integer, boolean)


def test_fills_float_fill_alone_adds_no_note(window):
    window.settings.float_fill_box.setText("-999")

    assert window.settings.note.text() == ""
    assert window.settings.fill_values().floating == -999


def test_fills_invalid_text_marks_box(window):
    window.settings.bool_fill_box.setText("maybe")

    assert "maybe" in window.settings.note.text()
    assert window.settings.bool_fill_box.styleSheet()


def test_fills_round_trip_through_boxes(window):
    window.settings.set_fill_values(FillValues(floating=-5.5, integer=0, boolean=1))

    assert window.settings.fill_values() == FillValues(floating=-5.5, integer=0, boolean=1)
    assert window.settings.bool_fill_box.text() == "true"
