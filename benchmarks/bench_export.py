"""Compare ``rootable export`` with plain uproot and with a hand-written pandas recipe.

Every case runs in its own Python subprocess, so each gets a fresh heap and its own peak RSS
(read from ``os.wait4``). The cases run interleaved, round after round, on the same file, so
machine noise hits them alike. The script prints the median, min and max over the rounds and
the ratios against the floor (plain uproot reading the same branches).

Cases, all on the same 21 branches (42 output columns):

a. ``rootable export FILE -o out.parquet`` through ``rootable.cli.main``
b. the floor: ``uproot.iterate`` over the same branches with the same step size, nothing else
c. the in-memory recipe: ``tree.arrays`` + ``ak.pad_none``/``ak.fill_none`` + pandas + Parquet
d. ``rootable export FILE -o out.csv``

It also times ``open_catalog`` on a real NanoAOD file and on synthetic files with many scalar
branches, and ``pipeline.preview`` on the benchmark file.

Usage::

    python benchmarks/make_nanolike.py /tmp/nano_1M.root --events 1000000
    python benchmarks/bench_export.py /tmp/nano_1M.root --runs 3
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALARS = [
    "run", "luminosityBlock", "event", "MET_pt", "MET_phi",
    "MET_sumEt", "PV_npvs", "PV_z", "fixedGridRhoFastjetAll", "genWeight",
]
JAGGED_DEPTHS = {
    **{f"Jet_{m}": 4 for m in ("pt", "eta", "phi", "mass", "btagDeepFlavB")},
    **{f"Muon_{m}": 2 for m in ("pt", "eta", "phi")},
    **{f"Electron_{m}": 2 for m in ("pt", "eta", "phi")},
}
BRANCHES = SCALARS + list(JAGGED_DEPTHS)
DEPTH_OPTIONS = ["--depth", "4", "--depth", "Muon=2", "--depth", "Electron=2"]
DEFAULT_STEP_SIZE = 50_000

CASES = {
    "a": "rootable export .parquet",
    "b": "uproot.iterate (floor)",
    "c": "uproot + pad_none + pandas",
    "d": "rootable export .csv",
}

REAL_NANOAOD = Path("/work/shared/data/nano_dy.root")
WIDE_BRANCH_COUNTS = (1_000, 3_000, 10_000)


# -- one case, run inside a worker subprocess -------------------------------------------------


def export_args(path: str, output: str, step_size: int) -> list[str]:
    """Return the ``rootable export`` arguments of the benchmark selection."""
    return [
        "export", path, "-o", output, "--branches", ",".join(BRANCHES),
        *DEPTH_OPTIONS, "--step-size", str(step_size), "-q",
    ]


def run_rootable(path: str, output: str, step_size: int) -> None:
    from rootable.cli import main

    status = main(export_args(path, output, step_size))
    if status != 0:
        raise SystemExit(f"rootable export failed with exit status {status}; its error message is above")


def run_floor(path: str, output: str, step_size: int) -> None:
    import uproot

    events = 0
    for chunk in uproot.iterate(f"{path}:Events", BRANCHES, step_size=step_size, library="ak"):
        events += len(chunk)
    if events == 0:
        raise SystemExit(f"{path}: no events read")


def run_pandas_recipe(path: str, output: str, step_size: int) -> None:
    import awkward as ak
    import numpy as np
    import pandas as pd
    import uproot

    with uproot.open(path) as file:
        arrays = file["Events"].arrays(BRANCHES, library="ak")
    columns = {name: ak.to_numpy(arrays[name]) for name in SCALARS}
    for name, depth in JAGGED_DEPTHS.items():
        padded = ak.fill_none(ak.pad_none(arrays[name], depth, clip=True), np.nan)
        for position in range(depth):
            columns[f"{name}_{position}"] = ak.to_numpy(padded[:, position])
    frame = pd.DataFrame(columns)
    frame.to_parquet(output, compression="zstd", index=False)


WORKERS = {
    "a": (run_rootable, "out.parquet"),
    "b": (run_floor, ""),
    "c": (run_pandas_recipe, "out.parquet"),
    "d": (run_rootable, "out.csv"),
}


PRELOAD = {
    "a": ("uproot", "awkward", "pyarrow.parquet", "rootable.cli", "rootable.core.pipeline"),
    "b": ("uproot", "awkward"),
    "c": ("uproot", "awkward", "pandas", "pyarrow.parquet"),
    "d": ("uproot", "awkward", "pyarrow.parquet", "rootable.cli", "rootable.core.pipeline"),
}


def preload(case: str) -> None:
    """Import what a case needs, so its timed section measures work rather than imports."""
    for module in PRELOAD[case]:
        importlib.import_module(module)


def worker(case: str, path: str, output: str, step_size: int) -> None:
    """Run one case and print its timed section in seconds as JSON on stdout."""
    preload(case)
    function, _ = WORKERS[case]
    started = time.perf_counter()
    function(path, output, step_size)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds}))


# -- the driver ---------------------------------------------------------------------------------


def run_case(case: str, path: str, folder: str, step_size: int) -> dict[str, float]:
    """Run one case in a subprocess; return wall seconds, work seconds and peak RSS in MB."""
    _, suffix = WORKERS[case]
    output = str(Path(folder) / f"{case}_{suffix}") if suffix else ""
    command = [
        sys.executable, __file__, "--worker", case, path,
        "--output", output, "--step-size", str(step_size),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    stdout = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"case {case} failed with exit status {process.returncode}: {' '.join(command)}")
    size = 0
    if output:
        size = Path(output).stat().st_size
        Path(output).unlink()
    work = json.loads(stdout.strip().splitlines()[-1])["seconds"]
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    rss_bytes = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return {"wall": wall, "work": work, "rss_mb": rss_bytes / 1e6, "output_mb": size / 1e6}


def summarize(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def bench_export(path: str, runs: int, step_size: int, cases: list[str]) -> dict[str, dict]:
    """Run every case ``runs`` times, interleaved, and summarize each measurement."""
    samples: dict[str, list[dict[str, float]]] = {case: [] for case in cases}
    with tempfile.TemporaryDirectory(prefix="rootable-bench-", dir=Path(path).parent) as folder:
        for round_number in range(1, runs + 1):
            for case in cases:
                result = run_case(case, path, folder, step_size)
                samples[case].append(result)
                print(
                    f"  round {round_number}/{runs} case {case}: work {result['work']:.2f} s, "
                    f"wall {result['wall']:.2f} s, peak RSS {result['rss_mb']:.0f} MB",
                    flush=True,
                )
    summary = {}
    for case, results in samples.items():
        summary[case] = {key: summarize([r[key] for r in results]) for key in results[0]}
        summary[case]["samples"] = results
    return summary


def print_export_table(summary: dict[str, dict]) -> None:
    print()
    print(f"{'case':<32} {'work s (min-max)':>22} {'wall s (min-max)':>22} {'peak RSS MB':>12} {'out MB':>8}")
    for case, stats in summary.items():
        work, wall = stats["work"], stats["wall"]
        print(
            f"{case + '. ' + CASES[case]:<32} "
            f"{work['median']:>7.2f} ({work['min']:.2f}-{work['max']:.2f}) "
            f"{wall['median']:>7.2f} ({wall['min']:.2f}-{wall['max']:.2f}) "
            f"{stats['rss_mb']['max']:>12.0f} {stats['output_mb']['median']:>8.1f}"
        )


def ratio(summary: dict[str, dict], top: str, bottom: str, key: str = "work") -> float:
    return summary[top][key]["median"] / summary[bottom][key]["median"]


def print_targets(summary: dict[str, dict]) -> list[dict]:
    """Print the ratios and whether each target is met; return them as records."""
    checks = []
    if {"a", "b"} <= summary.keys():
        value = ratio(summary, "a", "b")
        checks.append({"target": "a/b <= 1.3", "value": value, "met": value <= 1.3})
    if {"a", "c"} <= summary.keys():
        value = ratio(summary, "c", "a")
        checks.append({"target": "c/a >= 2", "value": value, "met": value >= 2.0})
    if "a" in summary:
        value = summary["a"]["rss_mb"]["max"]
        checks.append({"target": "a peak RSS <= 300 MB", "value": value, "met": value <= 300})
    if {"a", "d"} <= summary.keys():
        value = ratio(summary, "d", "a")
        checks.append({"target": "d/a <= 3", "value": value, "met": value <= 3.0})
    print()
    print("ratios of median work time (wall-time ratio in brackets):")
    for top, bottom in (("a", "b"), ("c", "a"), ("d", "a"), ("c", "b")):
        if {top, bottom} <= summary.keys():
            print(
                f"  {top}/{bottom} = {ratio(summary, top, bottom):.2f} "
                f"({ratio(summary, top, bottom, 'wall'):.2f})"
            )
    print("targets:")
    for check in checks:
        print(f"  {check['target']:<24} {check['value']:>8.2f}  {'met' if check['met'] else 'MISSED'}")
    return checks


# -- catalog and preview ----------------------------------------------------------------------


def write_wide_file(path: str, num_branches: int, entries: int = 100) -> None:
    """Write a tree ``Events`` with ``num_branches`` float32 scalar branches."""
    import numpy as np
    import uproot

    values = np.arange(entries, dtype=np.float32)
    names = [f"b{i:05d}" for i in range(num_branches)]
    with uproot.recreate(path) as file:
        # mktree makes a TTree, but assigning a dict to file["Events"] makes an RNTuple in uproot 5.7.
        tree = file.mktree("Events", {name: values.dtype for name in names})
        tree.extend({name: values for name in names})


def time_repeated(function, runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return summarize(times)


def open_uproot_keys(path: str) -> None:
    """Open the file and parse every branch type: the metadata floor for open_catalog."""
    import uproot

    with uproot.open(path) as file:
        tree = file["Events"]
        for branch in tree.itervalues(recursive=True):
            branch.typename  # noqa: B018 - parses the leaf, as the catalog does


def time_lookups(path: str, runs: int) -> dict[str, float]:
    """Time ``tree[name]`` for every branch of an open tree, which shows whether lookup is quadratic."""
    import uproot

    with uproot.open(path) as file:
        tree = file["Events"]
        names = tree.keys()

        def look_up_all() -> None:
            for name in names:
                tree[name]

        return time_repeated(look_up_all, runs)


def bench_catalog(runs: int, folder: str) -> list[dict]:
    """Time open_catalog against plain uproot on the real file and on wide synthetic files.

    The wide files are written into ``folder`` once and reused by later runs.
    """
    from rootable.core.catalog import open_catalog

    files = []
    if REAL_NANOAOD.exists():
        files.append((str(REAL_NANOAOD), "nano_dy.root (real NanoAOD)"))
    for count in WIDE_BRANCH_COUNTS:
        path = str(Path(folder) / f"wide_{count}.root")
        if not Path(path).exists():
            # NOTE: uproot 5.7's writer needed about 450 s for the 10,000-branch file on a 2-core VM.
            started = time.perf_counter()
            write_wide_file(path, count)
            print(f"  wrote {path} in {time.perf_counter() - started:.1f} s", flush=True)
        files.append((path, f"synthetic, {count} scalar branches"))
    results = []
    for path, label in files:
        catalog = time_repeated(lambda p=path: open_catalog(p), runs)
        floor = time_repeated(lambda p=path: open_uproot_keys(p), runs)
        lookup = time_lookups(path, runs)
        branches = len(open_catalog(path).tree().branches)
        results.append({"file": label, "branches": branches, "catalog": catalog, "uproot": floor, "lookup": lookup})
    print()
    print(f"{'file':<36} {'branches':>8} {'open_catalog s':>22} {'uproot keys s':>14} {'ratio':>6} "
          f"{'tree[name] all s':>17} {'us/branch':>10}")
    for row in results:
        catalog, floor, lookup = row["catalog"], row["uproot"], row["lookup"]
        print(
            f"{row['file']:<36} {row['branches']:>8} "
            f"{catalog['median']:>8.3f} ({catalog['min']:.3f}-{catalog['max']:.3f}) "
            f"{floor['median']:>14.3f} {catalog['median'] / floor['median']:>6.1f} "
            f"{lookup['median']:>17.3f} {lookup['median'] / row['branches'] * 1e6:>10.1f}"
        )
    return results


def bench_preview(path: str, runs: int, num_events: int = 1000) -> dict:
    """Time prepare + preview of the benchmark selection against ``tree.arrays`` on as many entries."""
    import uproot

    from rootable.cli import build_parser, recipe_from_args
    from rootable.core import pipeline

    args = build_parser().parse_args(export_args(path, "unused.parquet", DEFAULT_STEP_SIZE))
    recipe = recipe_from_args(args)
    jobs = []
    prepare = time_repeated(lambda: jobs.append(pipeline.prepare(recipe)), runs)
    preview = time_repeated(lambda: pipeline.preview(jobs[-1], num_events), runs)

    def floor() -> None:
        with uproot.open(path) as file:
            file["Events"].arrays(BRANCHES, entry_stop=num_events, library="ak")

    uproot_time = time_repeated(floor, runs)
    print()
    print(f"preview of {num_events} events, {len(jobs[-1].schema)} columns:")
    for label, stats in (("pipeline.prepare", prepare), ("pipeline.preview", preview),
                         ("uproot open + arrays (floor)", uproot_time)):
        print(f"  {label:<30} {stats['median']:.3f} s ({stats['min']:.3f}-{stats['max']:.3f})")
    return {"prepare": prepare, "preview": preview, "uproot": uproot_time, "events": num_events}


# -- command line ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="NanoAOD-like file written by make_nanolike.py")
    parser.add_argument("--runs", type=int, default=3, help="rounds of every case (default 3)")
    parser.add_argument("--step-size", type=int, default=DEFAULT_STEP_SIZE,
                        help=f"entries per chunk for cases a, b and d (default {DEFAULT_STEP_SIZE})")
    parser.add_argument("--cases", default="abcd", help="which export cases to run (default abcd)")
    parser.add_argument("--skip-catalog", action="store_true", help="skip the catalog and preview timings")
    parser.add_argument("--wide-dir", default=str(Path(tempfile.gettempdir()) / "rootable-bench-wide"),
                        help="folder for the many-branch files, written once and reused")
    parser.add_argument("--json", metavar="PATH", help="also write all results as JSON to PATH")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--output", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        worker(args.worker, args.file, args.output, args.step_size)
        return
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    unknown = sorted(set(args.cases) - set(CASES))
    if unknown:
        parser.error(f"unknown case {unknown[0]!r}; known cases: {''.join(CASES)}")

    print(f"export of {args.file}: {len(BRANCHES)} branches, step size {args.step_size}, {args.runs} rounds")
    summary = bench_export(args.file, args.runs, args.step_size, list(args.cases))
    print_export_table(summary)
    results: dict[str, object] = {"file": args.file, "step_size": args.step_size, "export": summary}
    results["targets"] = print_targets(summary)
    if not args.skip_catalog:
        Path(args.wide_dir).mkdir(parents=True, exist_ok=True)
        print("\ncatalog open times:")
        results["catalog"] = bench_catalog(args.runs, args.wide_dir)
        results["preview"] = bench_preview(args.file, args.runs)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
