"""Command line: ``rootable [FILE...]`` opens the app, and the other commands run headless.

Heavy imports (Qt, uproot, awkward) happen inside the command that needs them, so that
``rootable --help`` returns at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

COMMANDS = ("inspect", "export", "code", "gui")

log = logging.getLogger("rootable")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 success, 2 user error, 1 cancelled)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in COMMANDS + ("-h", "--help", "--version"):
        args_list = ["gui", *args_list]
    parser = build_parser()
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from rootable.core.errors import Cancelled, RootableError

    try:
        return int(args.handler(args))
    except Cancelled:
        print("rootable: cancelled", file=sys.stderr)
        return 1
    except RootableError as exc:
        if args.debug:
            raise
        print(f"rootable: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Start a new line after a progress line; 130 is the shells' status for Ctrl+C (128 + SIGINT).
        print("\nrootable: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of the output (such as head) stopped early, which is not an error.
        # Point stdout at /dev/null so that Python's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def build_parser() -> argparse.ArgumentParser:
    from rootable import __version__

    parser = argparse.ArgumentParser(
        prog="rootable",
        description="Turn ROOT TTrees and RNTuples into flat per-event tables. "
        "With no command, opens the desktop app on the given files (or a built-in sample).",
    )
    parser.add_argument("--version", action="version", version=f"rootable {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="open the desktop app (the default command)")
    gui.add_argument("files", nargs="*", metavar="FILE", help="ROOT files to open")
    _add_common(gui)
    gui.set_defaults(handler=_gui)

    inspect = commands.add_parser("inspect", help="list trees, collections and branches of a file")
    inspect.add_argument("file", metavar="FILE")
    inspect.add_argument("--tree", help="only this tree (path inside the file, e.g. one/two/tree)")
    inspect.add_argument("--titles", action="store_true", help="also print branch titles")
    _add_common(inspect)
    inspect.set_defaults(handler=_inspect)

    export = commands.add_parser("export", help="write the flat table of one or more files")
    _add_export_arguments(export)
    _add_common(export)
    export.set_defaults(handler=_export)

    code = commands.add_parser(
        "code", help="print a plain uproot + awkward script that does the same export",
        description="Print a standalone Python script equivalent to an export. Give a recipe "
        "(rootable code r.toml) or the same options as 'rootable export'.",
    )
    _add_export_arguments(code)
    _add_common(code)
    code.set_defaults(handler=_code)
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="log details and show tracebacks")


def _add_export_arguments(export: argparse.ArgumentParser) -> None:
    export.add_argument("files", nargs="*", metavar="FILE",
                        help="input ROOT files, glob patterns or folders (their *.root files), read in order")
    export.add_argument("-o", "--output", help="output file; its suffix picks the format "
                        "(.parquet, .csv, .csv.gz, .feather, .arrow, .h5, .hdf5, .npz, .npy, .root)")
    export.add_argument("--format", default="", help="output format when the suffix does not tell")
    export.add_argument("--tree", help="tree or RNTuple path inside the file; optional if there is one")
    export.add_argument("--branches", action="append", default=[], metavar="LIST",
                        help="comma-separated branch names, collection names or glob patterns "
                        "(Jet_*); an exact name wins over a pattern; may be repeated")
    export.add_argument("--depth", action="append", default=[], metavar="N|COLLECTION=N",
                        help="padding depth for all collections (N) or one (Muon=2); default 4")
    export.add_argument("--inner-depth", action="append", default=[], metavar="BRANCH=N",
                        help="inner depth of a doubly jagged branch")
    export.add_argument("--fill", help="fill value for every type: a number, nan, inf, true, false")
    export.add_argument("--fill-float", help="fill value for floating-point branches (default nan)")
    export.add_argument("--fill-int", help="fill value for integer branches (default -1)")
    export.add_argument("--fill-bool", help="fill value for boolean branches (default false)")
    export.add_argument("--masks", action="store_true",
                        help="add COLLECTION_mask_i columns, true where a real object sits")
    export.add_argument("--sort", action="append", default=[], metavar="COLLECTION=MEMBER[:asc]",
                        help="sort objects before clipping, descending unless ':asc' is given")
    export.add_argument("--cut", default="", help="event selection, e.g. '(nJet >= 2) & (MET_pt > 20)'")
    export.add_argument("--entry-start", type=int, help="first entry to read (default 0)")
    export.add_argument("--entry-stop", type=int, help="entry to stop before (default: all)")
    export.add_argument("--entry-column", action="store_true", help="add the global entry number as 'entry'")
    export.add_argument("--source-column", action="store_true", help="add the input file name as 'source_file'")
    export.add_argument("--step-size", type=int, help="entries read per chunk (default 50000)")
    export.add_argument("--missing", choices=("stop", "fill"),
                        help="when a later input lacks a selected branch or has another type: stop before "
                        "writing (default) or fill it with the fill values")
    export.add_argument("--label", action="append", default=[], metavar="FILE=VALUE",
                        help="add a 'label' column with VALUE for the events of FILE (every input needs one)")
    export.add_argument("--weight", default="", help="add a 'weight' column from a branch or expression, e.g. 'genWeight * 2'")
    export.add_argument("--shuffle", action="store_true", help="shuffle rows within each chunk (see --seed)")
    export.add_argument("--seed", type=int, help="random seed of --shuffle and --split (default 0)")
    export.add_argument("--split", metavar="NAME=FRACTION,...",
                        help="write parts to OUT.NAME.suffix, e.g. train=0.8,val=0.1,test=0.1")
    export.add_argument("--stats", action="store_true",
                        help="write mean, std, min, max and fill fraction per column to OUT.stats.json "
                        "(over the train part when splitting)")
    export.add_argument("--compression", help="Parquet compression: zstd (default), snappy, gzip, lz4, none")
    export.add_argument("--layout", choices=("columns", "matrix"),
                        help="HDF5: one dataset per column (default) or one matrix X; "
                        "NumPy .npz: matrix X (default) or one array per column")
    export.add_argument("--matrix-dtype", choices=("float32", "float64"), help="dtype of matrix outputs (default float32)")
    export.add_argument("--recipe", help="run this TOML recipe; other options override its fields")
    export.add_argument("--save-recipe", metavar="PATH", help="also write the recipe of this command as TOML")
    export.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")


def _gui(args: argparse.Namespace) -> int:
    from rootable.core.errors import RootableError

    has_display = any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    if sys.platform.startswith("linux") and not has_display:
        raise RootableError(
            "no display found (DISPLAY is not set), and the app needs a desktop session; "
            "on a server use 'rootable inspect' and 'rootable export'"
        )
    from rootable.gui.app import run_app

    return run_app(args.files)


def _inspect(args: argparse.Namespace) -> int:
    from rootable.core.catalog import open_catalog
    from rootable.core.report import format_catalog

    catalog = open_catalog(args.file)
    trees = [catalog.tree(args.tree)] if args.tree else None
    print(format_catalog(catalog, trees=trees, titles=args.titles))
    return 0


def _export(args: argparse.Namespace) -> int:
    from rootable.core import pipeline
    from rootable.core.errors import RecipeError
    from rootable.core.report import ProgressPrinter, format_export

    recipe = recipe_from_args(args)
    if not recipe.output:
        raise RecipeError("no output file given; use -o OUT (e.g. -o events.parquet)")
    job = pipeline.prepare(recipe)
    for branch in job.selection.skipped:
        print(f"rootable: warning: skipped {branch.key!r}: {branch.reason}", file=sys.stderr)
    if args.save_recipe:
        recipe.save(args.save_recipe)
    printer = None if args.quiet or not sys.stderr.isatty() else ProgressPrinter(sys.stderr, recipe.inputs, recipe.entry_start or 0)
    result = pipeline.export(
        job,
        recipe.output,
        recipe.format,
        progress=printer,
        inputs_opened=printer.inputs_opened if printer is not None else None,
        checking=printer.checking if printer is not None else None,
    )
    if not args.quiet:
        print(format_export(result, job))
    return 0


def _code(args: argparse.Namespace) -> int:
    from rootable.core import pipeline
    from rootable.core.codegen import generate_script, left_out_options

    if args.files and args.files[0].endswith(".toml") and not args.recipe:
        args.recipe = args.files.pop(0)
    recipe = recipe_from_args(args)
    script = generate_script(pipeline.prepare(recipe))
    left_out = left_out_options(recipe)
    if left_out:
        print(f"rootable: warning: the script leaves out {', '.join(left_out)}", file=sys.stderr)
    print(script, end="")
    return 0


def recipe_from_args(args: argparse.Namespace) -> Any:
    """Build a Recipe from export arguments, starting from ``--recipe`` when given."""
    from rootable.core.errors import RecipeError
    from rootable.core.recipe import (
        FillValues,
        Recipe,
        SortKey,
        expand_inputs,
        parse_fill,
        repeated_inputs,
    )

    recipe = Recipe.load(args.recipe) if args.recipe else Recipe()
    if args.files:
        recipe.inputs = expand_inputs(args.files)
        repeated = repeated_inputs(recipe.inputs)
        if len(repeated) == 1:
            print(f"rootable: warning: {repeated[0]} is listed more than once; its events are read each time", file=sys.stderr)
        elif repeated:
            examples = ", ".join(repeated[:3]) + (", ..." if len(repeated) > 3 else "")
            print(
                f"rootable: warning: {len(repeated)} inputs are files listed before them ({examples}), "
                "through links or repeated names; their events are read each time",
                file=sys.stderr,
            )
    if not recipe.inputs:
        raise RecipeError("no input file given; name one or more ROOT files")
    if args.output:
        recipe.output = args.output
    if args.format:
        recipe.format = args.format
    if args.tree:
        recipe.tree = args.tree
    if args.branches:
        recipe.branches = [item for text in args.branches for item in _split_list(text)]
    for text in args.depth:
        name, value = _split_assignment(text, "--depth", allow_plain=True)
        if name is None:
            recipe.depth = value
        else:
            recipe.depths[name] = value
    for text in args.inner_depth:
        name, value = _split_assignment(text, "--inner-depth", allow_plain=False)
        recipe.inner_depths[str(name)] = value
    if args.fill is not None:
        recipe.fill = FillValues.uniform(parse_fill(args.fill))
    for option, attribute in (("fill_float", "floating"), ("fill_int", "integer"), ("fill_bool", "boolean")):
        if getattr(args, option) is not None:
            setattr(recipe.fill, attribute, parse_fill(getattr(args, option)))
    recipe.masks = recipe.masks or args.masks
    for text in args.sort:
        collection, _, member = text.partition("=")
        if not member:
            raise RecipeError(f"invalid --sort {text!r}: expected COLLECTION=MEMBER[:asc]")
        member, _, order = member.partition(":")
        if order not in ("", "asc", "desc"):
            raise RecipeError(f"invalid --sort {text!r}: the order after ':' must be asc or desc")
        recipe.sort[collection] = SortKey(member=member, descending=order != "asc")
    if args.cut:
        recipe.cut = args.cut
    if args.entry_start is not None:
        recipe.entry_start = args.entry_start
    if args.entry_stop is not None:
        recipe.entry_stop = args.entry_stop
    recipe.entry_column = recipe.entry_column or args.entry_column
    recipe.source_column = recipe.source_column or args.source_column
    if args.step_size is not None:
        recipe.step_size = args.step_size
    _apply_training_args(args, recipe)
    recipe.validate()
    return recipe


def _apply_training_args(args: argparse.Namespace, recipe: Any) -> None:
    from rootable.core.errors import RecipeError
    from rootable.core.recipe import parse_fill

    for text in args.label:
        name, sign, value = text.rpartition("=")
        if not sign or not name:
            raise RecipeError(f"invalid --label {text!r}: expected FILE=VALUE")
        matches = [path for path in recipe.inputs if path == name or os.path.basename(path) == name]
        if not matches:
            raise RecipeError(f"invalid --label {text!r}: {name!r} is not one of the input files")
        for path in matches:
            recipe.labels[path] = parse_fill(value)
    if args.missing:
        recipe.missing = args.missing
    if args.weight:
        recipe.weight = args.weight
    recipe.shuffle = recipe.shuffle or args.shuffle
    if args.seed is not None:
        recipe.seed = args.seed
    if args.split:
        recipe.split = {}
        for item in _split_list(args.split):
            name, sign, value = item.partition("=")
            try:
                recipe.split[name] = float(value)
            except ValueError:
                raise RecipeError(f"invalid --split {args.split!r}: expected NAME=FRACTION pairs") from None
            if not sign or not name:
                raise RecipeError(f"invalid --split {args.split!r}: expected NAME=FRACTION pairs")
    recipe.stats = recipe.stats or args.stats
    for option in ("compression", "layout", "matrix_dtype"):
        if getattr(args, option):
            setattr(recipe, option, getattr(args, option))


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _split_assignment(text: str, option: str, allow_plain: bool) -> tuple[str | None, int]:
    from rootable.core.errors import RecipeError

    name, sign, value = text.rpartition("=")
    if not sign:
        if not allow_plain:
            raise RecipeError(f"invalid {option} {text!r}: expected NAME=N")
        name, value = "", text
    try:
        number = int(value)
    except ValueError:
        raise RecipeError(f"invalid {option} {text!r}: the depth must be a whole number") from None
    if number < 0:
        raise RecipeError(f"invalid {option} {text!r}: the depth must be 0 or more")
    return (name or None), number


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
