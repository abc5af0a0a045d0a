"""Write a synthetic NanoAOD-like ROOT file for the benchmarks.

The tree ``Events`` contains 10 event scalars and 8 collections (``nJet`` counter plus
``Jet_pt``, ``Jet_eta``, ...), 94 branches in all. Object counts per event are Poisson with
NanoAOD-like means (Jet 5, Muon 1, Electron 1, GenPart 40). Floats keep only the top mantissa
bits, as NanoAOD stores many of them, so the baskets compress about as well as real files do.
The file is written in chunks with ``TTree.extend``, so memory stays bounded for any size.

Usage: ``python benchmarks/make_nanolike.py /tmp/nano_1M.root --events 1000000``
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import awkward as ak
import numpy as np
import uproot


@dataclass(frozen=True)
class Member:
    """One jagged branch of a collection: its suffix, dtype and how its values are drawn."""

    name: str
    dtype: str
    draw: str
    mantissa_bits: int = 23


@dataclass(frozen=True)
class Collection:
    """A NanoAOD collection: the mean object count per event and its members."""

    name: str
    mean: float
    members: tuple[Member, ...]


KINEMATICS = (
    Member("pt", "float32", "pt", 12),
    Member("eta", "float32", "eta", 12),
    Member("phi", "float32", "phi", 12),
    Member("mass", "float32", "mass", 10),
)

COLLECTIONS = (
    Collection("Jet", 5.0, KINEMATICS + (
        Member("btagDeepFlavB", "float32", "unit", 10),
        Member("btagDeepFlavCvL", "float32", "unit", 10),
        Member("chEmEF", "float32", "unit", 8),
        Member("neHEF", "float32", "unit", 8),
        Member("area", "float32", "area", 10),
        Member("rawFactor", "float32", "unit", 6),
        Member("jetId", "uint8", "small", 0),
        Member("puId", "uint8", "small", 0),
        Member("nConstituents", "uint8", "multiplicity", 0),
        Member("hadronFlavour", "uint8", "flavour", 0),
        Member("partonFlavour", "int16", "flavour", 0),
    )),
    Collection("Muon", 1.0, KINEMATICS + (
        Member("charge", "int32", "charge", 0),
        Member("dxy", "float32", "impact", 10),
        Member("dz", "float32", "impact", 10),
        Member("pfRelIso04_all", "float32", "unit", 8),
        Member("tightId", "bool", "flag", 0),
        Member("mediumId", "bool", "flag", 0),
        Member("looseId", "bool", "flag", 0),
        Member("pdgId", "int32", "lepton_pdg", 0),
    )),
    Collection("Electron", 1.0, KINEMATICS + (
        Member("charge", "int32", "charge", 0),
        Member("dxy", "float32", "impact", 10),
        Member("dz", "float32", "impact", 10),
        Member("pfRelIso03_all", "float32", "unit", 8),
        Member("cutBased", "int32", "small", 0),
        Member("mvaIso_WP90", "bool", "flag", 0),
        Member("deltaEtaSC", "float32", "impact", 10),
        Member("pdgId", "int32", "lepton_pdg", 0),
    )),
    Collection("Photon", 1.0, KINEMATICS + (
        Member("pfRelIso03_all", "float32", "unit", 8),
        Member("r9", "float32", "unit", 10),
        Member("cutBased", "int32", "small", 0),
        Member("electronVeto", "bool", "flag", 0),
    )),
    Collection("Tau", 1.0, KINEMATICS + (
        Member("charge", "int32", "charge", 0),
        Member("decayMode", "int32", "small", 0),
        Member("dz", "float32", "impact", 10),
        Member("idDeepTau2018v2p5VSjet", "uint8", "small", 0),
    )),
    Collection("FatJet", 1.0, KINEMATICS + (
        Member("msoftdrop", "float32", "mass", 10),
        Member("tau1", "float32", "unit", 10),
        Member("tau2", "float32", "unit", 10),
        Member("particleNet_XbbVsQCD", "float32", "unit", 10),
    )),
    Collection("TrigObj", 8.0, (
        Member("pt", "float32", "pt", 12),
        Member("eta", "float32", "eta", 12),
        Member("phi", "float32", "phi", 12),
        Member("id", "uint16", "small", 0),
        Member("filterBits", "int32", "bits", 0),
    )),
    Collection("GenPart", 40.0, KINEMATICS + (
        Member("pdgId", "int32", "pdg", 0),
        Member("status", "int32", "small", 0),
        Member("statusFlags", "uint16", "bits", 0),
        Member("genPartIdxMother", "int16", "mother", 0),
    )),
)

SCALARS = {
    "run": "uint32",
    "luminosityBlock": "uint32",
    "event": "uint64",
    "MET_pt": "float32",
    "MET_phi": "float32",
    "MET_sumEt": "float32",
    "PV_npvs": "uint8",
    "PV_z": "float32",
    "fixedGridRhoFastjetAll": "float32",
    "genWeight": "float32",
}


def count_branches() -> int:
    """Return the number of branches in the written tree: scalars, counters and members."""
    return len(SCALARS) + sum(1 + len(c.members) for c in COLLECTIONS)


def round_mantissa(values: np.ndarray, bits: int) -> np.ndarray:
    """Zero all but the top ``bits`` mantissa bits of float32 values, as NanoAOD does."""
    if bits >= 23:
        return values
    mask = np.uint32((0xFFFFFFFF << (23 - bits)) & 0xFFFFFFFF)
    return (values.view(np.uint32) & mask).view(np.float32)


def draw_values(rng: np.random.Generator, kind: str, size: int) -> np.ndarray:
    """Draw ``size`` values with a distribution that resembles the quantity ``kind``."""
    draws = {
        "pt": lambda: 15.0 + rng.exponential(30.0, size),
        "eta": lambda: rng.normal(0.0, 1.8, size),
        "phi": lambda: rng.uniform(-np.pi, np.pi, size),
        "mass": lambda: rng.exponential(8.0, size),
        "unit": lambda: rng.uniform(0.0, 1.0, size),
        "area": lambda: rng.normal(0.5, 0.05, size),
        "impact": lambda: rng.normal(0.0, 0.02, size),
        "small": lambda: rng.integers(0, 8, size),
        "multiplicity": lambda: rng.poisson(20, size),
        "flavour": lambda: rng.choice([0, 4, 5], size, p=[0.8, 0.1, 0.1]),
        "charge": lambda: rng.choice([-1, 1], size),
        "flag": lambda: rng.random(size) < 0.7,
        "lepton_pdg": lambda: rng.choice([-13, 13, -11, 11], size),
        "pdg": lambda: rng.choice([1, 2, 21, 22, 11, 13, 211, -211], size),
        "bits": lambda: rng.integers(0, 2**14, size),
        "mother": lambda: rng.integers(-1, 30, size),
    }
    return draws[kind]()


def make_scalars(rng: np.random.Generator, first_event: int, size: int) -> dict[str, np.ndarray]:
    """Return the event-level branches of ``size`` events starting at event ``first_event``."""
    met_pt = round_mantissa(rng.exponential(25.0, size).astype(np.float32), 12)
    return {
        "run": np.full(size, 1, dtype=np.uint32),
        "luminosityBlock": (1 + (first_event + np.arange(size)) // 1000).astype(np.uint32),
        "event": (first_event + np.arange(size)).astype(np.uint64),
        "MET_pt": met_pt,
        "MET_phi": round_mantissa(rng.uniform(-np.pi, np.pi, size).astype(np.float32), 12),
        "MET_sumEt": round_mantissa((300.0 + rng.exponential(400.0, size)).astype(np.float32), 12),
        "PV_npvs": rng.poisson(30, size).clip(0, 255).astype(np.uint8),
        "PV_z": round_mantissa(rng.normal(0.0, 3.5, size).astype(np.float32), 12),
        "fixedGridRhoFastjetAll": round_mantissa(rng.exponential(20.0, size).astype(np.float32), 10),
        "genWeight": np.ones(size, dtype=np.float32),
    }


def make_collection(rng: np.random.Generator, collection: Collection, size: int) -> ak.Array:
    """Return one collection of ``size`` events as a record of jagged arrays."""
    counts = rng.poisson(collection.mean, size)
    total = int(counts.sum())
    fields = {}
    for member in collection.members:
        values = draw_values(rng, member.draw, total).astype(member.dtype)
        if member.dtype == "float32":
            values = round_mantissa(values, member.mantissa_bits)
        fields[member.name] = ak.unflatten(values, counts)
    return ak.zip(fields)


def make_chunk(rng: np.random.Generator, first_event: int, size: int) -> dict[str, object]:
    """Return one chunk of events: scalars and collections, in branch order."""
    chunk: dict[str, object] = dict(make_scalars(rng, first_event, size))
    for collection in COLLECTIONS:
        chunk[collection.name] = make_collection(rng, collection, size)
    return chunk


def write_file(path: str, events: int, chunk_size: int, seed: int, compression: str) -> None:
    """Write ``events`` events to ``path`` in chunks of ``chunk_size``, one basket per chunk."""
    rng = np.random.default_rng(seed)
    codec = {
        "zlib": uproot.ZLIB(1),
        "lz4": uproot.LZ4(1),
        "zstd": uproot.ZSTD(5),
        "lzma": uproot.LZMA(9),
    }[compression]
    started = time.perf_counter()
    with uproot.recreate(path, compression=codec) as file:
        tree = None
        for first in range(0, events, chunk_size):
            size = min(chunk_size, events - first)
            chunk = make_chunk(rng, first, size)
            if tree is None:
                branch_types = {name: value.type if isinstance(value, ak.Array) else value.dtype
                                for name, value in chunk.items()}
                tree = file.mktree("Events", branch_types, title="Events")
            tree.extend(chunk)
            print(f"{first + size:>10} / {events} events written", flush=True)
    seconds = time.perf_counter() - started
    print(f"wrote {path}: {events} events, {count_branches()} branches, {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="path of the ROOT file to write (overwritten)")
    parser.add_argument("--events", type=int, default=1_000_000, help="number of events (default 1000000)")
    parser.add_argument("--chunk-size", type=int, default=20_000,
                        help="events per extend call, so per basket (default 20000)")
    parser.add_argument("--seed", type=int, default=20240501, help="seed of the random generator")
    parser.add_argument("--compression", choices=("zlib", "lz4", "zstd", "lzma"), default="zlib",
                        help="basket compression (default zlib level 1, uproot's default)")
    args = parser.parse_args()
    if args.events < 1 or args.chunk_size < 1:
        parser.error("--events and --chunk-size must be at least 1")
    write_file(args.output, args.events, args.chunk_size, args.seed, args.compression)


if __name__ == "__main__":
    main()
