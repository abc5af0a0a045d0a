"""Smoke-test a built rootable bundle as a user would run it, with good and bad input.

    python packaging/smoke_test.py [dist/rootable/rootable]

Every check runs the bundle's executable in a subprocess with its own cache and settings
folders (XDG_CACHE_HOME, XDG_CONFIG_HOME) under a temporary folder, and with
QT_QPA_PLATFORM=offscreen, so no display is needed. The built-in sample comes from the
bundle itself: the GUI writes it into the cache folder on start, before its event loop
runs, and the export checks then read that file. Outputs are checked with pyarrow (and
with uproot and awkward, when the Python running this script has them) and never with
the bundle itself. Prints one line per check and exits with status 1 if any check failed.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_NAME = "rootable-sample-v1.root"
SAMPLE_EVENTS = 5000
JET_MEMBERS = ("pt", "eta", "phi", "mass", "btagDeepB", "jetId")
COMMAND_TIMEOUT_S = 120
SAMPLE_TIMEOUT_S = 60
GUI_ALIVE_S = 5


class CheckFailed(Exception):
    """A smoke check found the bundle misbehaving. The message describes what went wrong."""


class Bundle:
    """Runs the bundle executable in a private environment rooted at ``home``."""

    def __init__(self, executable: Path, home: Path) -> None:
        self.executable = executable
        self.home = home
        self.env = dict(os.environ)
        self.env.update(
            {
                "XDG_CACHE_HOME": str(home / "cache"),
                "XDG_CONFIG_HOME": str(home / "config"),
                "QT_QPA_PLATFORM": "offscreen",
            }
        )
        # Nothing from a checkout or a virtual environment may leak into the bundle.
        for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            self.env.pop(name, None)

    @property
    def sample(self) -> Path:
        return self.home / "cache" / "rootable" / SAMPLE_NAME

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.executable), *args],
            check=False,
            cwd=self.home,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
        )

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the bundle and raise CheckFailed unless it exits with status 0."""
        result = self.run(*args)
        if result.returncode != 0:
            raise CheckFailed(
                f"rootable {' '.join(args)} exited with status {result.returncode}:\n{result.stderr}"
            )
        return result

    def user_error(self, *args: str, expected: str) -> None:
        """Run the bundle and require status 2 with a one-line error containing ``expected``."""
        result = self.run(*args)
        if result.returncode != 2:
            raise CheckFailed(
                f"rootable {' '.join(args)} exited with status {result.returncode}, expected 2:\n"
                f"{result.stderr}"
            )
        if "Traceback" in result.stderr:
            raise CheckFailed(f"rootable {' '.join(args)} printed a traceback:\n{result.stderr}")
        if expected not in result.stderr:
            raise CheckFailed(
                f"rootable {' '.join(args)} error lacks {expected!r}: {result.stderr.strip()}"
            )


def check_version(bundle: Bundle) -> str:
    output = bundle.ok("--version").stdout.strip()
    expected = installed_version()
    if expected is not None and output != f"rootable {expected}":
        raise CheckFailed(f"--version printed {output!r}, expected 'rootable {expected}'")
    if not re.fullmatch(r"rootable \d+\.\d+\S*", output):
        raise CheckFailed(f"--version printed {output!r}")
    return output


def installed_version() -> str | None:
    """Return the version of the rootable installed beside this script's Python, if any."""
    from importlib import metadata

    try:
        return metadata.version("rootable")
    except metadata.PackageNotFoundError:
        return None


def check_help(bundle: Bundle) -> str:
    output = bundle.ok("--help").stdout
    for command in ("inspect", "export", "code"):
        if command not in output:
            raise CheckFailed(f"--help does not list the {command} command")
    return "lists inspect, export, code"


def check_gui_starts(bundle: Bundle) -> str:
    """Start the GUI without files. It must write the sample, open it and keep running."""
    started = time.monotonic()
    log_path = bundle.home / "gui.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(bundle.executable), "--debug"],
            cwd=bundle.home,
            env=bundle.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        while not bundle.sample.exists():
            if process.poll() is not None:
                raise CheckFailed(
                    f"the GUI exited with status {process.returncode}:\n{log_path.read_text()}"
                )
            if time.monotonic() - started > SAMPLE_TIMEOUT_S:
                raise CheckFailed(
                    f"the GUI wrote no sample within {SAMPLE_TIMEOUT_S} s:\n{log_path.read_text()}"
                )
            time.sleep(0.2)
        time.sleep(GUI_ALIVE_S)
        if process.poll() is not None:
            raise CheckFailed(
                f"the GUI exited with status {process.returncode} after writing the sample:\n"
                f"{log_path.read_text()}"
            )
    finally:
        process.terminate()
        process.wait(timeout=10)
    text = log_path.read_text()
    if "Traceback" in text or "ERROR" in text:
        raise CheckFailed(f"the GUI logged an error:\n{text}")
    # The --debug log has an "opened FILE" line once the worker thread has read the catalog.
    if not re.search(rf"opened \S*{re.escape(SAMPLE_NAME)}", text):
        raise CheckFailed(
            f"the GUI did not log that it opened the sample within {GUI_ALIVE_S} s:\n{text}"
        )
    return f"ran {time.monotonic() - started:.1f} s, wrote {bundle.sample.name}"


def check_inspect_sample(bundle: Bundle) -> str:
    output = bundle.ok("inspect", str(bundle.sample)).stdout
    if f"{SAMPLE_EVENTS:,} entries" not in output or "nJet" not in output:
        raise CheckFailed(f"inspect of the sample lacks the Events tree or nJet:\n{output}")
    return "Events tree with nJet"


def check_export_parquet(bundle: Bundle) -> str:
    """Export Jet_* at depth 2 and compare with the sample read by uproot, when available."""
    import pyarrow.parquet as pq

    output = bundle.home / "out.parquet"
    bundle.ok(
        "export", str(bundle.sample), "-o", str(output), "--branches", "Jet_*", "--depth", "2"
    )
    table = pq.read_table(output)
    expected_names = {f"Jet_{member}_{slot}" for member in JET_MEMBERS for slot in range(2)}
    if set(table.column_names) != expected_names:
        raise CheckFailed(
            f"columns {sorted(table.column_names)}, expected {sorted(expected_names)}"
        )
    if table.num_rows != SAMPLE_EVENTS:
        raise CheckFailed(f"{table.num_rows} rows, expected {SAMPLE_EVENTS}")
    return compare_with_uproot(bundle.sample, table)


def compare_with_uproot(sample: Path, table: object) -> str:
    try:
        import awkward as ak
        import numpy as np
        import uproot
    except ImportError:
        return "columns and rows checked (uproot not installed here, values not compared)"
    with uproot.open(sample) as file:
        pt = file["Events"]["Jet_pt"].array()
    for slot in range(2):
        expected = ak.to_numpy(ak.fill_none(ak.pad_none(pt, 2, clip=True)[:, slot], math.nan))
        actual = table.column(f"Jet_pt_{slot}").to_numpy()  # type: ignore[attr-defined]
        if not np.array_equal(actual, expected, equal_nan=True):
            raise CheckFailed(f"Jet_pt_{slot} differs from uproot's Jet_pt[:, {slot}]")
    return "columns, rows and Jet_pt_0, Jet_pt_1 match uproot"


def check_export_formats(bundle: Bundle) -> str:
    """Write every other format, which pulls in pandas, h5py and uproot's writer."""
    written = []
    for suffix in (".csv", ".csv.gz", ".feather", ".h5", ".root", ".npz"):
        output = bundle.home / f"formats{suffix}"
        bundle.ok(
            "export",
            str(bundle.sample),
            "-o",
            str(output),
            "--branches",
            "nJet,Jet_pt,MET_pt",
            "--depth",
            "2",
            "--entry-stop",
            "100",
        )
        if not output.is_file() or output.stat().st_size == 0:
            raise CheckFailed(f"export to {output.name} wrote no data")
        written.append(suffix)
    return " ".join(written)


def check_shared_data(bundle: Bundle, data: Path) -> str:
    """Read ROOT-written files with LZMA and ZSTD compression and a real NanoAOD file."""
    cases = [
        ("nano_dy.root", "Jet_*"),
        ("uproot-HZZ-zstd.root", "Jet_Px,Jet_Py"),
        ("uproot-Zmumu-lzma.root", "E1,px1"),
    ]
    done = []
    for name, branches in cases:
        path = data / name
        if not path.is_file():
            continue
        output = bundle.home / f"{path.stem}.parquet"
        bundle.ok("export", str(path), "-o", str(output), "--branches", branches, "--depth", "2")
        done.append(name)
    if not done:
        return f"skipped: no test data in {data}"
    return ", ".join(done)


def check_bad_input(bundle: Bundle) -> str:
    missing = bundle.home / "missing.root"
    bundle.user_error(
        "export", str(missing), "-o", "x.parquet", "--branches", "Jet_*", expected="missing.root"
    )
    bundle.user_error(
        "export",
        str(bundle.sample),
        "-o",
        "x.parquet",
        "--branches",
        "NoSuch_*",
        expected="NoSuch_*",
    )
    bundle.user_error(
        "export", str(bundle.sample), "-o", "x.unknown", "--branches", "Jet_pt", expected=".unknown"
    )
    text = bundle.home / "not-root.root"
    text.write_text("this is not a ROOT file\n")
    bundle.user_error("inspect", str(text), expected="not-root.root")
    return "missing file, unknown branch, unknown suffix, text file: status 2, one-line error"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test a rootable bundle.")
    parser.add_argument(
        "executable",
        nargs="?",
        type=Path,
        default=REPO / "dist" / "rootable" / "rootable",
        help="the bundle's executable (default dist/rootable/rootable)",
    )
    data = os.environ.get("ROOTABLE_TEST_DATA", str(REPO.parent / "shared" / "data"))
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(data),
        help="folder of ROOT-written test files (default $ROOTABLE_TEST_DATA)",
    )
    args = parser.parse_args(argv)
    if not os.access(args.executable, os.X_OK):
        print(
            f"smoke_test: error: {args.executable} is not an executable; run packaging/build.sh first",
            file=sys.stderr,
        )
        return 2

    checks: list[tuple[str, Callable[[Bundle], str]]] = [
        ("version", check_version),
        ("help", check_help),
        ("gui starts offscreen", check_gui_starts),
        ("inspect sample", check_inspect_sample),
        ("export parquet", check_export_parquet),
        ("export formats", check_export_formats),
        ("shared data", lambda bundle: check_shared_data(bundle, args.data)),
        ("bad input", check_bad_input),
    ]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="rootable-smoke-") as home:
        bundle = Bundle(args.executable.resolve(), Path(home))
        for name, check in checks:
            started = time.monotonic()
            try:
                detail = check(bundle)
            except (CheckFailed, subprocess.TimeoutExpired) as exc:
                failures += 1
                print(f"FAILED {name}: {exc}")
                continue
            print(f"ok     {name} ({time.monotonic() - started:.1f} s): {detail}")
    print(
        f"{failures} of {len(checks)} checks failed"
        if failures
        else f"all {len(checks)} checks passed"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
