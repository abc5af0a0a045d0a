"""Cancelling an export leaves no output file."""

from __future__ import annotations

import threading

import awkward as ak
import numpy as np
import pytest
import uproot

from rootable.gui import tasks

ENTRIES = 120_000
TIMEOUT_MS = 60_000


@pytest.fixture
def large_file(tmp_path):
    """A file with more entries than one chunk (50,000), so the export has several chunks."""
    path = tmp_path / "large.root"
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 5, ENTRIES)
    with uproot.recreate(path) as file:
        file["Events"] = {
            "Jet_pt": ak.unflatten(rng.exponential(30, counts.sum()).astype(np.float32), counts),
            "MET_pt": rng.exponential(20, ENTRIES).astype(np.float32),
        }
    return path


@pytest.fixture
def gate(monkeypatch):
    """Hold the export after its first chunk until the test releases it."""
    reached = threading.Event()
    release = threading.Event()
    original = tasks.export_task

    def gated_task(recipe, catalog, path, *args):
        run = original(recipe, catalog, path, *args)

        def gated_run(cancelled, progress):
            def report_then_wait(done, total):
                progress(done, total)
                reached.set()
                release.wait(TIMEOUT_MS / 1000)

            return run(cancelled, report_then_wait)

        return gated_run

    monkeypatch.setattr(tasks, "export_task", gated_task)
    return reached, release


def test_cancel_mid_export_no_file(open_window, qtbot, large_file, tmp_path, gate):
    reached, release = gate
    window = open_window(large_file)
    window.branch_model.set_checked(["Jet_pt", "MET_pt"], window.catalog.tree())
    output = tmp_path / "out.parquet"

    assert window.export(str(output))
    qtbot.waitUntil(reached.is_set, timeout=TIMEOUT_MS)
    assert window.cancel_button.isVisible()
    with qtbot.waitSignal(window.export_stopped, timeout=TIMEOUT_MS) as blocker:
        window.cancel_export()
        release.set()

    assert blocker.args == ["cancelled"]
    assert not output.exists()
    assert list(tmp_path.glob("*.part")) == []
    assert not window.cancel_button.isVisible()
    assert "cancelled" in window.statusBar().currentMessage()


def test_cancel_right_away_no_file(open_window, qtbot, large_file, tmp_path):
    window = open_window(large_file)
    window.branch_model.set_checked(["MET_pt"], window.catalog.tree())
    output = tmp_path / "out.csv"

    with qtbot.waitSignal(window.export_stopped, timeout=TIMEOUT_MS):
        window.export(str(output))
        window.cancel_export()

    assert not output.exists()
    assert list(tmp_path.glob(".out.csv*")) == []


def test_cancel_export_again_after_cancel(open_window, qtbot, large_file, tmp_path):
    window = open_window(large_file)
    window.branch_model.set_checked(["MET_pt"], window.catalog.tree())
    with qtbot.waitSignal(window.export_stopped, timeout=TIMEOUT_MS):
        window.export(str(tmp_path / "first.parquet"))
        window.cancel_export()

    with qtbot.waitSignal(window.export_finished, timeout=TIMEOUT_MS) as blocker:
        assert window.export(str(tmp_path / "second.parquet"))

    assert blocker.args[0].rows == ENTRIES
    assert (tmp_path / "second.parquet").exists()
