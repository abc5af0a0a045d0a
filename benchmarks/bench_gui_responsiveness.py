"""Measure how long the app's event loop stalls while it opens, previews and exports a file.

A QTimer fires every 5 ms on the GUI thread and records the time between its calls. With a
responsive window the gaps stay near 5 ms; a gap of 100 ms or more is a visible freeze. The
script drives the real MainWindow offscreen: open the file, tick the given branches, wait for
the preview, then export everything to Parquet, and prints the longest gaps of each phase.

Usage::

    python benchmarks/make_nanolike.py /tmp/rb/nano_1M.root --events 1000000
    python benchmarks/bench_gui_responsiveness.py /tmp/rb/nano_1M.root
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

PROBE_MS = 5
DEFAULT_BRANCHES = "nJet,Jet_pt,Jet_eta,Jet_phi,Jet_mass,Jet_btagDeepFlavB,MET_pt,MET_phi"


class GapProbe:
    """Records the gaps between timer calls on the GUI thread, one list per phase."""

    def __init__(self) -> None:
        self.phases: dict[str, list[float]] = {}
        self.phase = "idle"
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.timer.start(PROBE_MS)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.phases.setdefault(self.phase, []).append((now - self.last) * 1000)
        self.last = now

    def start(self, phase: str) -> None:
        self.phase = phase
        self.last = time.perf_counter()


def wait_for(signal: object, timeout_s: float) -> list[object]:
    """Run the event loop until ``signal`` fires; return its arguments."""
    loop = QEventLoop()
    received: list[object] = []

    def on_signal(*args: object) -> None:
        received.extend(args)
        loop.quit()

    signal.connect(on_signal)  # type: ignore[attr-defined]
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(on_signal)  # type: ignore[attr-defined]
    if not received:
        raise SystemExit(f"timed out after {timeout_s:.0f} s waiting for {signal}")
    return received


def tick(window: object, keys: list[str]) -> None:
    model = window.branch_model  # type: ignore[attr-defined]
    tree = window.catalog.tree()  # type: ignore[attr-defined]
    for key in keys:
        model.setData(model.branch_index(tree, key), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)


def summary(gaps: list[float]) -> str:
    ordered = sorted(gaps)
    p99 = ordered[int(0.99 * (len(ordered) - 1))] if ordered else 0.0
    return f"{len(gaps):6d} probes, longest gap {max(gaps, default=0):7.1f} ms, 99th percentile {p99:6.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="ROOT file with an Events tree")
    parser.add_argument("--branches", default=DEFAULT_BRANCHES, help="comma-separated branches to tick")
    args = parser.parse_args()

    from rootable.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    window.show()
    probe = GapProbe()
    started = time.perf_counter()

    probe.start("open")
    window.open_files([args.file])
    wait_for(window.catalog_loaded, 120)
    opened = time.perf_counter() - started

    probe.start("preview")
    tick(window, args.branches.split(","))
    wait_for(window.preview_ready, 120)

    with tempfile.TemporaryDirectory() as folder:
        probe.start("export")
        export_started = time.perf_counter()
        window.export(str(Path(folder) / "out.parquet"))
        result = wait_for(window.export_finished, 1800)[0]
        exported = time.perf_counter() - export_started

    probe.start("done")
    print(f"file {args.file}: opened in {opened:.2f} s, exported {result.rows:,} rows in {exported:.2f} s")
    for phase in ("open", "preview", "export"):
        print(f"  {phase:8s}{summary(probe.phases.get(phase, []))}")
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
