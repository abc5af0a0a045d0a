"""Depth assistant: multiplicity over all entries, the depth sentence, the suggestion."""

from __future__ import annotations

import numpy as np
import pytest
import uproot

COUNTS_TIMEOUT_MS = 30_000


@pytest.fixture
def jet_assistant(open_window, qtbot, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    index = window.filter_model.mapFromSource(window.branch_model.find("Events", "Jet"))
    with qtbot.waitSignal(window.depth_assistant.counts_ready, timeout=COUNTS_TIMEOUT_MS):
        window.tree_view.setCurrentIndex(index)
    return window


def test_depth_assistant_sentence_at_depth_4(jet_assistant):
    assistant = jet_assistant.depth_assistant

    # nJet per event in nano_dy.root: 20 of 40 events hold at most 4 jets (0+2+5+5+8).
    assert assistant.collection == "Jet"
    assert assistant.sentence.text() == (
        "depth 4 keeps every Jet in 50.0% of events; 20 of 40 events lose at least one Jet"
    )
    assert assistant.depth_line.value() == 4.5


def test_depth_assistant_distribution_all_entries(jet_assistant, gui_data_dir):
    with uproot.open(gui_data_dir / "nano_dy.root") as file:
        expected = np.bincount(file["Events"]["nJet"].array(library="np"))

    heights = jet_assistant.depth_assistant.bars.opts["height"]

    assert list(heights) == list(expected)


def test_depth_assistant_suggests_depth_9(jet_assistant, qtbot):
    assistant = jet_assistant.depth_assistant
    assert assistant.fraction_box.value() == 95.0

    assistant.suggest_button.click()

    # Events with at most 8 jets: 37 of 40 (92.5%); at most 9: 40 of 40, the first >= 95%.
    assert jet_assistant.branch_model.collection_depth("Jet") == 9
    assert assistant.depth_line.value() == 9.5
    assert assistant.sentence.text().startswith("depth 9 keeps every Jet in 100.0% of events")


def test_depth_assistant_follows_global_depth(jet_assistant):
    jet_assistant.settings.depth_box.setValue(2)

    # At most 2 jets: 0 + 2 + 5 = 7 of 40 events, 17.5%.
    assert jet_assistant.depth_assistant.sentence.text() == (
        "depth 2 keeps every Jet in 17.5% of events; 33 of 40 events lose at least one Jet"
    )


def test_depth_assistant_lower_fraction(jet_assistant):
    assistant = jet_assistant.depth_assistant
    assistant.fraction_box.setValue(50.0)

    assistant.suggest_button.click()

    assert jet_assistant.branch_model.collection_depth("Jet") == 4


def test_depth_assistant_caches_counts(jet_assistant, qtbot):
    window = jet_assistant
    muon = window.filter_model.mapFromSource(window.branch_model.find("Events", "Muon"))
    with qtbot.waitSignal(window.depth_assistant.counts_ready, timeout=COUNTS_TIMEOUT_MS):
        window.tree_view.setCurrentIndex(muon)
    jet = window.filter_model.mapFromSource(window.branch_model.find("Events", "Jet"))

    # Cached counts are shown at once, without a worker.
    with qtbot.waitSignal(window.depth_assistant.counts_ready, timeout=100):
        window.tree_view.setCurrentIndex(jet)
    assert not window.runner.is_busy("counts")
    assert window.depth_assistant.collection == "Jet"


def test_depth_assistant_event_group_shows_message(jet_assistant):
    window = jet_assistant
    event = window.filter_model.mapFromSource(window.branch_model.find("Events", "Event"))
    if not event.isValid():
        pytest.skip("nano_dy.root has no Event group")

    window.tree_view.setCurrentIndex(event)

    assert window.depth_assistant.collection == ""
    assert not window.depth_assistant.suggest_button.isEnabled()
