"""Command-line tests: export, inspect and error reporting, run in-process through main()."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import awkward as ak
import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import uproot

from rootable.cli import main

BRANCHES = "nJet,Jet_pt,Jet_eta,MET_pt"


def expected_padded(array: ak.Array, depth: int, fill: float) -> np.ndarray:
    """Pad and clip a jagged array with plain awkward, independent of rootable's gather."""
    padded = ak.fill_none(ak.pad_none(array, depth, clip=True), fill)
    return ak.to_numpy(padded)


def test_export_nano_parquet_matches_uproot(data_dir, tmp_path, capsys):
    source = data_dir / "nano_dy.root"
    output = tmp_path / "nano.parquet"

    status = main(["export", str(source), "-o", str(output), "--tree", "Events",
                   "--branches", BRANCHES, "--depth", "4", "--fill", "nan"])

    assert status == 0
    table = pq.read_table(output)
    events = uproot.open(source)["Events"]
    assert table.num_rows == 40
    for name in ("Jet_pt", "Jet_eta"):
        expected = expected_padded(events[name].array(), 4, math.nan)
        for j in range(4):
            column = table.column(f"{name}_{j}").to_numpy()
            assert column.dtype == np.float32
            np.testing.assert_array_equal(column, expected[:, j].astype(np.float32))
    np.testing.assert_array_equal(table.column("nJet").to_numpy(), events["nJet"].array(library="np"))
    np.testing.assert_array_equal(table.column("MET_pt").to_numpy(), events["MET_pt"].array(library="np"))
    assert table.column("Jet_pt_0")[0].as_py() == 80.75
    assert table.column("Jet_pt_3")[0].as_py() == 17.5625
    assert all(math.isnan(table.column(f"Jet_pt_{j}")[8].as_py()) for j in (1, 2, 3))
    report = capsys.readouterr().out
    assert "40 rows, 10 columns" in report
    assert "20 of 40 events had more than 4 Jet objects" in report


def test_export_column_order_follows_request(data_dir, tmp_path):
    output = tmp_path / "order.parquet"

    main(["export", str(data_dir / "nano_dy.root"), "-o", str(output), "--branches", BRANCHES, "-q"])

    names = pq.read_schema(output).names
    assert names == ["nJet"] + [f"Jet_pt_{j}" for j in range(4)] + [f"Jet_eta_{j}" for j in range(4)] + ["MET_pt"]


def test_export_csv_keeps_integer_sentinel(data_dir, tmp_path):
    output = tmp_path / "muons.csv"

    status = main(["export", str(data_dir / "uproot-HZZ.root"), "-o", str(output),
                   "--branches", "NMuon,Muon_Charge", "--depth", "Muon=2", "--fill", "-999", "-q"])

    assert status == 0
    text = output.read_text().splitlines()
    assert text[0] == '"NMuon","Muon_Charge_0","Muon_Charge_1"'
    charges = uproot.open(data_dir / "uproot-HZZ.root")["events"]["Muon_Charge"].array()
    expected = expected_padded(charges, 2, -999)
    table = pacsv.read_csv(output)
    np.testing.assert_array_equal(table.column("Muon_Charge_1").to_numpy(), expected[:, 1])
    assert "-999.0" not in output.read_text()
    assert any(line.endswith(",-999") for line in text[1:])


def test_export_glob_pattern_and_collection_depth(data_dir, tmp_path):
    output = tmp_path / "jets.parquet"

    main(["export", str(data_dir / "uproot-HZZ.root"), "-o", str(output),
          "--branches", "Jet_P*", "--depth", "2", "--depth", "Jet=3", "-q"])

    names = pq.read_schema(output).names
    assert names == [f"Jet_{c}_{j}" for c in ("Px", "Py", "Pz") for j in range(3)]


def test_export_nested_tree_path(data_dir, tmp_path):
    output = tmp_path / "nested.parquet"

    status = main(["export", str(data_dir / "uproot-nesteddirs.root"), "--tree", "one/two/tree",
                   "-o", str(output), "--branches", "Int32,ArrayInt32", "-q"])

    assert status == 0
    table = pq.read_table(output)
    tree = uproot.open(data_dir / "uproot-nesteddirs.root")["one/two/tree"]
    assert table.num_rows == tree.num_entries
    np.testing.assert_array_equal(table.column("ArrayInt32_3").to_numpy(), tree["ArrayInt32"].array(library="np")[:, 3])


def test_export_cut_and_entry_range(data_dir, tmp_path):
    output = tmp_path / "cut.parquet"
    cut = "(nJet >= 2) & (MET_pt > 20)"

    main(["export", str(data_dir / "nano_dy.root"), "-o", str(output), "--branches", "nJet,MET_pt",
          "--cut", cut, "--entry-start", "5", "--entry-stop", "35", "--entry-column", "-q"])

    events = uproot.open(data_dir / "nano_dy.root")["Events"].arrays(["nJet", "MET_pt"], library="np")
    selected = np.flatnonzero((events["nJet"] >= 2) & (events["MET_pt"] > 20))
    selected = selected[(selected >= 5) & (selected < 35)]
    table = pq.read_table(output)
    np.testing.assert_array_equal(table.column("entry").to_numpy(), selected)
    np.testing.assert_array_equal(table.column("MET_pt").to_numpy(), events["MET_pt"][selected])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["{data}/missing.root"], "missing.root: file not found"),
        (["{data}/bad_delphes.root"], "bad_delphes.root: the file has no readable objects"),
        (["{data}/README.md"], "README.md: not a ROOT file"),
        (["{data}/nano_dy.root", "--branches", "Jet_ptt"], "did you mean 'Jet_pt'"),
        (["{data}/nano_dy.root", "--tree", "Event"], "tree 'Event' not found (did you mean 'Events'"),
        (["{data}/nano_dy.root", "--cut", "nJets > 2"], "unknown name 'nJets' (did you mean 'nJet'"),
        (["{data}/nano_dy.root", "--depth", "-1"], "the depth must be 0 or more"),
        (["{data}/uproot-stl_containers.root", "--branches", "map_int32_int16"], "cannot be flattened"),
        (["{data}/nano_dy.root", "--branches", "Jte_*"], "no branch matches the pattern 'Jte_*'"),
        (["{data}/nano_dy.root", "--depth", "Jte=2"], "no collection of that name in 'Events' (did you mean 'Jet'"),
        (["{data}/nano_dy.root", "--inner-depth", "Jet_pt=2"], "only doubly jagged branches take one"),
        (["{data}/nano_dy.root", "--tree", "Nope"], "tree 'Nope' not found (the file has: Events, Runs)"),
        (["{data}/nano_dy.root", "--fill", "lots"], "expected a number, nan, inf, -inf, true or false"),
        (["{data}/nano_dy.root", "--cut", "MET_pt >"], "invalid cut 'MET_pt >': invalid syntax"),
    ],
)
def test_export_bad_input_prints_one_line(data_dir, tmp_path, capsys, arguments, message):
    args = [a.format(data=data_dir) for a in arguments]
    if "--branches" not in args:
        args += ["--branches", "nJet"]

    status = main(["export", *args, "-o", str(tmp_path / "out.parquet")])

    error = capsys.readouterr().err
    assert status == 2
    assert message in error
    assert error.count("\n") == 1
    assert error.startswith("rootable: error: ")
    assert not (tmp_path / "out.parquet").exists()


def test_export_output_folder_is_a_file(data_dir, tmp_path, capsys):
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a folder")

    status = main(["export", str(data_dir / "nano_dy.root"), "--branches", "nJet", "-o", str(blocker / "x.parquet")])

    assert status == 2
    assert "output folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain-file"]


def test_export_unwritable_folder(data_dir, tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):
        pytest.skip("running as a user that ignores folder permissions")

    status = main(["export", str(data_dir / "nano_dy.root"), "--branches", "nJet", "-o", str(folder / "x.parquet")])

    assert status == 2
    assert "cannot write to folder" in capsys.readouterr().err


def test_export_unknown_suffix(data_dir, tmp_path, capsys):
    status = main(["export", str(data_dir / "nano_dy.root"), "--branches", "nJet", "-o", str(tmp_path / "x.txt")])

    assert status == 2
    assert "cannot tell the output format" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_inspect_lists_collections_and_refusals(data_dir, capsys):
    status = main(["inspect", str(data_dir / "uproot-stl_containers.root")])

    text = capsys.readouterr().out
    assert status == 0
    assert "TTree tree: 5 entries" in text
    assert "vector_vector_int32" in text
    assert "doubly jagged" in text
    assert "map_int32_int16" in text
    assert "not flattened: std::set and std::map have no fixed column layout" in text


def test_inspect_nano_shows_jet_collection(data_dir, capsys):
    main(["inspect", str(data_dir / "nano_dy.root"), "--tree", "Events", "--titles"])

    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.strip().startswith("Jet (counter nJet)"))
    assert header.strip().startswith("Jet (counter nJet): ")
    jet_pt = next(line for line in lines if line.strip().startswith("Jet_pt "))
    assert "float[]" in jet_pt
    assert "jagged" in jet_pt
    assert "| pt" in jet_pt


def test_help_does_not_import_qt():
    code = "import sys; from rootable.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\nprint('PySide6' in sys.modules, 'uproot' in sys.modules)"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip().splitlines()[-1] == "False False"


def write_events(path, pt_type):
    counts = np.array([2, 0, 1])
    jets = ak.zip({
        "pt": ak.unflatten(np.arange(3, dtype=pt_type) + 10, counts),
        "eta": ak.unflatten(np.zeros(3, dtype=np.float32), counts),
    })
    with uproot.recreate(path) as output:
        tree = output.mktree("Events", {"Jet": jets.type, "MET_pt": np.float32})
        tree.extend({"Jet": jets, "MET_pt": np.array([1.0, 2.0, 3.0], dtype=np.float32)})


def test_export_folder_of_files_in_order(tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    for name in ("b.root", "a.root"):
        write_events(folder / name, np.float32)
    output = tmp_path / "all.parquet"

    status = main(["export", str(folder), "-o", str(output), "--branches", "Jet_pt,MET_pt",
                   "--depth", "2", "--source-column", "--entry-column", "-q"])

    table = pq.read_table(output)
    assert status == 0
    assert table.column("source_file").to_pylist() == ["a.root"] * 3 + ["b.root"] * 3
    assert table.column("entry").to_pylist() == list(range(6))
    np.testing.assert_array_equal(table.column("Jet_pt_1").to_numpy()[:3], [11.0, np.nan, np.nan])


def test_export_source_column_same_file_names(tmp_path):
    for folder in ("d1", "d2"):
        (tmp_path / folder).mkdir()
        write_events(tmp_path / folder / "nano.root", np.float32)
    first, second = str(tmp_path / "d1" / "nano.root"), str(tmp_path / "d2" / "nano.root")
    output = tmp_path / "both.parquet"

    status = main(["export", first, second, "-o", str(output), "--branches", "MET_pt", "--source-column", "-q"])

    # Two inputs named nano.root: the column keeps the paths as given, so they stay apart.
    assert status == 0
    assert pq.read_table(output).column("source_file").to_pylist() == [first] * 3 + [second] * 3


def test_export_warns_about_repeated_input(tmp_path, capsys):
    path = tmp_path / "a.root"
    write_events(path, np.float32)

    status = main(["export", str(path), str(path), "-o", str(tmp_path / "twice.csv"), "--branches", "MET_pt", "-q"])

    assert status == 0
    assert f"rootable: warning: {path} is listed more than once" in capsys.readouterr().err


def test_export_many_repeated_inputs_one_warning(tmp_path, capsys):
    path = tmp_path / "a.root"
    write_events(path, np.float32)
    links = []
    for number in range(5):
        link = tmp_path / f"link{number}.root"
        link.symlink_to(path)
        links.append(str(link))

    status = main(["export", str(path), *links, "-o", str(tmp_path / "out.csv"), "--branches", "MET_pt", "-q"])

    warnings = capsys.readouterr().err.strip().splitlines()
    assert status == 0
    assert warnings == [
        f"rootable: warning: 5 inputs are files listed before them ({links[0]}, {links[1]}, {links[2]}, ...), "
        "through links or repeated names; their events are read each time"
    ]


@pytest.mark.parametrize(("make", "message"), [("folder", "the folder has no .root files"), ("pattern", "no file matches this pattern")])
def test_export_empty_folder_or_pattern(tmp_path, capsys, make, message):
    item = tmp_path / "empty"
    if make == "folder":
        item.mkdir()
    else:
        item = tmp_path / "nothing_*.root"

    status = main(["export", str(item), "-o", str(tmp_path / "out.csv"), "--branches", "MET_pt"])

    assert status == 2
    assert capsys.readouterr().err.strip() == f"rootable: error: {item}: {message}"


def test_export_schema_mismatch_stops_before_writing(tmp_path, capsys):
    write_events(tmp_path / "a.root", np.float32)
    write_events(tmp_path / "b.root", np.float64)
    output = tmp_path / "out.parquet"

    status = main(["export", str(tmp_path / "a.root"), str(tmp_path / "b.root"), "-o", str(output),
                   "--branches", "Jet_pt,MET_pt"])

    error = capsys.readouterr().err
    assert status == 2
    assert "b.root: differs from the first input in 1 selected branch (" in error
    assert "'Jet_pt' is double[] instead of float[]" in error
    assert not output.exists()


def test_export_refuses_to_overwrite_input(data_dir, tmp_path, capsys):
    source = tmp_path / "input.root"
    source.write_bytes((data_dir / "uproot-HZZ.root").read_bytes())
    before = source.read_bytes()

    status = main(["export", str(source), "--branches", "NJet", "-o", str(source)])

    assert status == 2
    assert "the output file is also an input" in capsys.readouterr().err
    assert source.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["input.root"]


def test_export_output_has_usual_permissions(data_dir, tmp_path):
    output = tmp_path / "out.parquet"

    main(["export", str(data_dir / "nano_dy.root"), "--branches", "nJet", "-o", str(output), "-q"])

    umask = os.umask(0)
    os.umask(umask)
    assert output.stat().st_mode & 0o777 == 0o666 & ~umask


def test_export_without_branches_names_the_option(data_dir, tmp_path, capsys):
    status = main(["export", str(data_dir / "nano_dy.root"), "-o", str(tmp_path / "out.parquet")])

    assert status == 2
    assert "--branches" in capsys.readouterr().err


def test_export_empty_range_says_so(data_dir, tmp_path, capsys):
    status = main(["export", str(data_dir / "nano_dy.root"), "--branches", "nJet", "--entry-start", "500",
                   "-o", str(tmp_path / "out.csv")])

    assert status == 0
    assert "0 rows, 1 column" in capsys.readouterr().out
    assert (tmp_path / "out.csv").read_text().strip() == '"nJet"'


def test_gui_without_display_prints_one_line(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")

    status = main([])

    assert status == 2
    assert "no display found" in capsys.readouterr().err


def test_export_training_options(data_dir, tmp_path, capsys):
    signal, background = data_dir / "nano_dy.root", data_dir / "nano_dimuon.root"

    status = main(["export", str(signal), str(background), "--branches", "MET_pt", "--label", "nano_dy.root=1",
                   "--label", "nano_dimuon.root=0", "--split", "train=0.75,test=0.25", "--seed", "5", "--stats",
                   "-o", str(tmp_path / "set.csv")])

    report = capsys.readouterr().out
    train = pacsv.read_csv(tmp_path / "set.train.csv")
    test = pacsv.read_csv(tmp_path / "set.test.csv")
    assert status == 0
    assert train.num_rows + test.num_rows == 80
    assert sorted(set(train.column("label").to_pylist())) == [0, 1]
    assert "wrote 2 parts of" in report
    assert (tmp_path / "set.stats.json").exists()


def test_export_label_for_unknown_file(data_dir, tmp_path, capsys):
    status = main(["export", str(data_dir / "nano_dy.root"), "--branches", "MET_pt", "--label", "other.root=1",
                   "-o", str(tmp_path / "x.parquet")])

    assert status == 2
    assert "'other.root' is not one of the input files" in capsys.readouterr().err


def write_without_jets(path):
    with uproot.recreate(path) as output:
        output.mktree("Events", {"MET_pt": np.float32}).extend({"MET_pt": np.array([7.0, 8.0], dtype=np.float32)})


def test_export_missing_branch_filled(tmp_path):
    write_events(tmp_path / "a.root", np.float32)
    write_without_jets(tmp_path / "b.root")
    output = tmp_path / "out.parquet"

    status = main(["export", str(tmp_path / "a.root"), str(tmp_path / "b.root"), "-o", str(output),
                   "--branches", "nJet,Jet_pt,MET_pt", "--depth", "2", "--missing", "fill", "-q"])

    table = pq.read_table(output)
    assert status == 0
    assert table.column("MET_pt").to_pylist() == [1.0, 2.0, 3.0, 7.0, 8.0]
    assert table.column("nJet").to_pylist() == [2, 0, 1, -1, -1]
    assert table.column("nJet").type == "int32"
    np.testing.assert_array_equal(table.column("Jet_pt_0").to_numpy(), [10.0, np.nan, 12.0, np.nan, np.nan])


def test_export_missing_branch_stops_with_hint(tmp_path, capsys):
    write_events(tmp_path / "a.root", np.float32)
    write_without_jets(tmp_path / "b.root")

    status = main(["export", str(tmp_path / "a.root"), str(tmp_path / "b.root"), "-o", str(tmp_path / "o.parquet"),
                   "--branches", "Jet_pt,MET_pt"])

    error = capsys.readouterr().err
    assert status == 2
    assert "'Jet_pt' is missing" in error
    assert "--missing fill" in error


def test_code_warns_about_left_out_options(data_dir, capsys):
    status = main(["code", str(data_dir / "nano_dy.root"), "--branches", "MET_pt", "--split", "train=0.8,test=0.2",
                   "--stats", "-o", "out.npz"])

    captured = capsys.readouterr()
    assert status == 0
    assert "leaves out split, stats" in captured.err
    assert "# NOTE: this script leaves out split, stats" in captured.out
    assert "np.savez(OUTPUT" in captured.out


def test_export_interrupted_exit_status(tmp_path, capsys, monkeypatch):
    from rootable.core import pipeline

    path = tmp_path / "a.root"
    write_events(path, np.float32)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "export", interrupt)

    status = main(["export", str(path), "-o", str(tmp_path / "out.csv"), "--branches", "MET_pt", "-q"])

    assert status == 130
    assert capsys.readouterr().err == "\nrootable: interrupted\n"
