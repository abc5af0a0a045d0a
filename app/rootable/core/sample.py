"""A small NanoAOD-like sample file that rootable writes with uproot on first use.

It gives a new user something to click on when no file is given. It contains an ``Events``
tree with Jet, Muon and Electron collections (counters ``nJet``, ``nMuon``, ``nElectron``)
and a few event scalars, with a documentation title on every branch, as CMS NanoAOD has.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import platformdirs
import uproot

log = logging.getLogger(__name__)

SAMPLE_EVENTS = 5000
SAMPLE_NAME = "rootable-sample-v1.root"

#: Documentation titles of the sample's branches, in the style of NanoAOD.
TITLES = {
    "run": "run/i",
    "luminosityBlock": "luminosityBlock/i",
    "event": "event/l",
    "MET_pt": "pt of the missing transverse momentum",
    "MET_phi": "phi of the missing transverse momentum",
    "PV_npvs": "total number of reconstructed primary vertices",
    "HLT_IsoMu24": "Trigger/flag bit (process: HLT)",
    "nJet": "slimmedJets, i.e. ak4 PFJets CHS with JECs applied, after basic selection (pt > 15)",
    "Jet_pt": "pt",
    "Jet_eta": "eta",
    "Jet_phi": "phi",
    "Jet_mass": "mass",
    "Jet_btagDeepB": "DeepCSV b+bb tag discriminator",
    "Jet_jetId": "Jet ID flags bit1 is loose, bit2 is tight, bit3 is tightLepVeto",
    "nMuon": "slimmedMuons after basic selection (pt > 3 && track.isNonnull)",
    "Muon_pt": "pt",
    "Muon_eta": "eta",
    "Muon_phi": "phi",
    "Muon_charge": "electric charge",
    "Muon_tightId": "cut-based ID, tight WP",
    "nElectron": "slimmedElectrons after basic selection (pt > 5)",
    "Electron_pt": "pt",
    "Electron_eta": "eta",
    "Electron_phi": "phi",
    "Electron_charge": "electric charge",
}


def sample_path() -> Path:
    """Return the path of the sample file in the user's cache folder, writing it if missing."""
    folder = Path(platformdirs.user_cache_dir("rootable"))
    path = folder / SAMPLE_NAME
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        write_sample(path)
    return path


def sample_events(num_events: int = SAMPLE_EVENTS, seed: int = 20261204) -> dict[str, Any]:
    """Return the sample's event data: scalars as NumPy arrays, collections as awkward records."""
    rng = np.random.default_rng(seed)
    return {
        "run": np.full(num_events, 1, dtype=np.uint32),
        "luminosityBlock": (np.arange(num_events) // 500 + 1).astype(np.uint32),
        "event": np.arange(1, num_events + 1, dtype=np.uint64),
        "MET_pt": rng.exponential(30.0, num_events).astype(np.float32),
        "MET_phi": rng.uniform(-np.pi, np.pi, num_events).astype(np.float32),
        "PV_npvs": rng.poisson(30, num_events).astype(np.int32),
        "HLT_IsoMu24": rng.random(num_events) < 0.4,
        "Jet": _objects(rng, rng.poisson(5.0, num_events), 40.0, {
            "btagDeepB": lambda n: np.asarray(rng.random(n), dtype=np.float32),
            "jetId": lambda n: rng.choice(np.array([0, 2, 6], dtype=np.int32), n),
            "mass": lambda n: np.asarray(rng.gamma(4.0, 3.0, n), dtype=np.float32),
        }),
        "Muon": _objects(rng, rng.poisson(1.0, num_events), 25.0, {
            "charge": lambda n: rng.choice(np.array([-1, 1], dtype=np.int32), n),
            "tightId": lambda n: rng.random(n) < 0.8,
        }),
        "Electron": _objects(rng, rng.poisson(0.8, num_events), 20.0, {
            "charge": lambda n: rng.choice(np.array([-1, 1], dtype=np.int32), n),
        }),
    }


def _objects(rng: np.random.Generator, counts: np.ndarray, pt_scale: float, extra: dict[str, Any]) -> ak.Array:
    total = int(counts.sum())
    # Objects come sorted by pt, highest first, as in NanoAOD.
    pt = (15.0 + rng.exponential(pt_scale, total)).astype(np.float32)
    order = np.lexsort((-pt, np.repeat(np.arange(len(counts)), counts)))
    fields = {
        "pt": pt[order],
        "eta": rng.uniform(-2.5, 2.5, total).astype(np.float32),
        "phi": rng.uniform(-np.pi, np.pi, total).astype(np.float32),
    }
    for name, make in extra.items():
        fields[name] = make(total)
    return ak.unflatten(ak.zip(fields), counts)


def write_sample(path: str | os.PathLike[str], num_events: int = SAMPLE_EVENTS) -> None:
    """Write the sample file atomically (temporary file, then rename)."""
    target = Path(path)
    data = sample_events(num_events)
    handle, temporary = tempfile.mkstemp(prefix=".sample.", suffix=".root", dir=target.parent)
    os.close(handle)
    try:
        with uproot.recreate(temporary) as output:
            types = {name: (value.type if isinstance(value, ak.Array) else value.dtype) for name, value in data.items()}
            with _documented_branches():
                tree = output.mktree("Events", types, title="Events")
            tree.extend(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    log.info("wrote the sample file %s (%d events)", target, num_events)


@contextlib.contextmanager
def _documented_branches() -> Iterator[None]:
    """Make uproot write the TITLES as branch titles for trees created inside the block."""
    # NOTE: uproot 5 writes "name[counter]/type" as every branch title and has no public way
    # to set another. Its private Tree class serialises the titles in write_anew, so this
    # edits them just before; if uproot changes, the sample keeps the default titles.
    try:
        from uproot.writing._cascadetree import Tree
    except ImportError:
        log.warning("uproot's writer changed; the sample keeps uproot's default branch titles")
        yield
        return
    original = Tree.write_anew

    def write_anew(self: Any, sink: Any) -> Any:
        for datum in getattr(self, "_branch_data", []):
            if isinstance(datum, dict) and datum.get("fName") in TITLES and "fTitle" in datum:
                datum["fTitle"] = TITLES[datum["fName"]]
        return original(self, sink)

    Tree.write_anew = write_anew
    try:
        yield
    finally:
        Tree.write_anew = original
