"""The core never imports Qt, and the sample file is a NanoAOD-like tree with documentation."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import numpy as np
import uproot

import rootable.core
from rootable.core.catalog import open_catalog
from rootable.core.sample import TITLES, write_sample


def test_core_modules_import_without_qt():
    modules = [f"rootable.core.{m.name}" for m in pkgutil.iter_modules(rootable.core.__path__)]
    code = (
        "import sys\n"
        "for name in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph'):\n"
        "    sys.modules[name] = None\n"
        f"import importlib\nfor module in {modules!r}:\n    importlib.import_module(module)\n"
        "print('ok')"
    )

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)

    assert len(modules) >= 8
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_sample_has_collections_and_titles(tmp_path):
    path = tmp_path / "sample.root"

    write_sample(path, num_events=300)

    tree = open_catalog(path).tree()
    assert tree.path_string == "Events"
    assert tree.entries == 300
    assert tree.counters == {"Jet": "nJet", "Muon": "nMuon", "Electron": "nElectron"}
    assert tree.by_key["Jet_btagDeepB"].title == TITLES["Jet_btagDeepB"]
    assert tree.by_key["MET_pt"].title == TITLES["MET_pt"]
    events = uproot.open(path)["Events"]
    counts = events["nJet"].array(library="np")
    assert np.array_equal(counts, uproot.open(path)["Events"]["Jet_pt"].array().layout.offsets.data[1:] - uproot.open(path)["Events"]["Jet_pt"].array().layout.offsets.data[:-1])
    assert 3 < counts.mean() < 7


def test_sample_leaves_no_temporary_file(tmp_path):
    write_sample(tmp_path / "sample.root", num_events=10)

    assert [p.name for p in tmp_path.iterdir()] == ["sample.root"]
