"""Measure what each streaming choice of ``pipeline.export`` is worth, in one process.

Runs the benchmark selection of ``bench_export.py`` (21 branches, 42 columns) on one file,
interleaved round after round:

- the floor, ``uproot.iterate`` with step 50,000, and the same on basket edges (step 40,000);
- ``pipeline.export`` to Parquet as it is;
- the export with chunks of plain step size instead of ending on basket edges;
- the export without reading ahead (no background reader, no decompression pool).

It prints the median and range of each, and each ratio to the floor. Usage::

    python benchmarks/bench_stages.py /tmp/rb/nano_1M.root --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import uproot
from bench_export import BRANCHES, JAGGED_DEPTHS

from rootable.core import pipeline
from rootable.core.recipe import Recipe

STEP = 50_000


def floor(path: str, step: int) -> None:
    for _ in uproot.iterate(f"{path}:Events", BRANCHES, step_size=step, library="ak"):
        pass


def export(path: str, *, edges: bool = True, read_ahead: bool = True) -> None:
    depths = {name.split("_")[0]: depth for name, depth in JAGGED_DEPTHS.items() if depth != 4}
    recipe = Recipe(inputs=[path], tree="Events", branches=BRANCHES, depth=4, depths=depths, step_size=STEP)
    job = pipeline.prepare(recipe)
    original_edges, original_iterate = pipeline._TreeReader.basket_edges, pipeline.iterate
    if not edges:
        pipeline._TreeReader.basket_edges = lambda self: []  # type: ignore[method-assign]
    if not read_ahead:
        pipeline.iterate = lambda *args, **kwargs: original_iterate(*args, **{**kwargs, "read_ahead": False})  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as folder:
            pipeline.export(job, Path(folder) / "out.parquet")
    finally:
        pipeline._TreeReader.basket_edges = original_edges  # type: ignore[method-assign]
        pipeline.iterate = original_iterate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="NanoAOD-like file written by make_nanolike.py")
    parser.add_argument("--runs", type=int, default=5, help="rounds of every case (default 5)")
    args = parser.parse_args()
    path = args.file
    cases: dict[str, Callable[[], None]] = {
        "floor, step 50,000": lambda: floor(path, STEP),
        "floor, step 40,000 (on the 20,000-entry baskets)": lambda: floor(path, 40_000),
        "export": lambda: export(path),
        "export, chunks of plain step size": lambda: export(path, edges=False),
        "export, no read-ahead": lambda: export(path, read_ahead=False),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for round_number in range(args.runs):
        for name, run in cases.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
        print(f"round {round_number + 1}/{args.runs} done", flush=True)
    base = statistics.median(times["floor, step 50,000"])
    print(f"\n{'case':52s} {'median s':>9s} {'min-max':>12s} {'/ floor':>8s}")
    for name, values in times.items():
        middle = statistics.median(values)
        print(f"{name:52s} {middle:9.2f} {min(values):5.2f}-{max(values):<6.2f} {middle / base:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
