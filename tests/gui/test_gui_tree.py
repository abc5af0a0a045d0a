"""The branch tree: file structure, collections, filtering and non-flattenable branches."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox

from rootable.gui.branch_model import DEPTH, NAME, TITLE, TYPE


def visible_names(window, parent=None):
    """Return the names of the rows the filter keeps below ``parent`` (default: the whole tree)."""
    model = window.filter_model
    names = []
    stack = [parent] if parent is not None else [model.index(0, NAME)]
    while stack:
        index = stack.pop()
        names.append(index.data())
        stack.extend(model.index(row, NAME, index) for row in range(model.rowCount(index)))
    return names


def test_tree_title_names_file(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")

    assert "nano_dy.root" in window.windowTitle()


def test_tree_jet_collection_members(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    model = window.branch_model

    jet = model.find("Events", "Jet")
    members = [model.index(row, NAME, jet).data() for row in range(model.rowCount(jet))]

    assert jet.isValid()
    assert "nJet" in members
    assert "Jet_pt" in members
    assert "Jet_eta" in members
    assert "Muon_pt" not in members


def test_tree_event_level_group(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    model = window.branch_model

    event = model.find("Events", "Event")
    members = [model.index(row, NAME, event).data() for row in range(model.rowCount(event))]

    assert "MET_pt" in members
    assert "run" in members
    assert "Jet_pt" not in members


def test_tree_runs_group_named_run(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    model = window.branch_model

    events_group = model.find("Events", "Event")
    runs_group = model.find("Runs", "Event")
    runs_members = [model.index(row, NAME, runs_group).data() for row in range(model.rowCount(runs_group))]

    # The Runs tree has one entry per run, so its plain branches are run-level, not events.
    assert runs_group.data() == "Run"
    # Runs of nano_dy.root: run plus seven per-run sums.
    assert runs_group.siblingAtColumn(TITLE).data() == f"{len(runs_members)} branches"
    assert runs_group.siblingAtColumn(TYPE).data() == "run-level"
    assert "run" in runs_members
    assert "genEventCount_" in runs_members
    assert events_group.data() == "Event"
    assert events_group.siblingAtColumn(TYPE).data() == "event-level"


def test_tree_short_type_and_title(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    tree = window.catalog.tree()
    model = window.branch_model

    pt = model.branch_index(tree, "Jet_pt")

    assert pt.siblingAtColumn(TYPE).data() == "float[]"
    assert model.branch_index(tree, "Jet_pt", column=4).data() == tree.by_key["Jet_pt"].title
    assert model.branch_index(tree, "nJet", column=TYPE).data() == "uint32_t"


def test_tree_filter_narrows_branches(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")

    window.filter_box.setText("btag")
    qtbot.waitUntil(lambda: "Muon_pt" not in visible_names(window))
    names = visible_names(window)

    assert "Jet_btagDeepB" in names
    assert "Muon_pt" not in names
    assert "Jet_pt" not in names


def test_tree_filter_matches_title(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    title = window.catalog.tree().by_key["Jet_btagDeepB"].title

    window.filter_box.setText(title.upper())
    qtbot.waitUntil(lambda: "Muon_pt" not in visible_names(window))

    assert "Jet_btagDeepB" in visible_names(window)


def test_tree_filter_cleared_shows_all(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    window.filter_box.setText("btag")
    qtbot.waitUntil(lambda: "Muon_pt" not in visible_names(window))

    window.filter_box.clear()
    qtbot.waitUntil(lambda: "Muon_pt" in visible_names(window))

    assert len(visible_names(window)) > 1499


def test_tree_nested_directories(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "uproot-nesteddirs.root")
    model = window.branch_model

    nested = model.find("one", "two", "tree")
    slices = model.find("one", "two", "tree", "N", "SliceFloat32")

    assert nested.isValid()
    assert model.node(nested).kind == "tree"
    assert slices.isValid()
    assert model.find("three", "tree").isValid()
    assert window.tree_view.isExpanded(window.filter_model.mapFromSource(nested))


def test_tree_other_objects_not_checkable(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "uproot-histograms.root")
    model = window.branch_model
    file_row = model.index(0, NAME)
    objects = [model.index(row, NAME, file_row) for row in range(model.rowCount(file_row))]

    assert objects
    for index in objects:
        assert model.node(index).kind == "object"
        assert not model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
        assert index.data(Qt.ItemDataRole.CheckStateRole) is None


def test_tree_map_branch_greyed_out(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "uproot-stl_containers.root")
    tree = window.catalog.tree()
    index = window.branch_model.branch_index(tree, "map_int32_int16")

    flags = window.branch_model.flags(index)
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)

    assert not flags & Qt.ItemFlag.ItemIsUserCheckable
    assert not flags & Qt.ItemFlag.ItemIsEnabled
    assert "std::set and std::map have no fixed column layout" in tooltip


def test_tree_map_branch_tick_ignored(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "uproot-stl_containers.root")
    tree = window.catalog.tree()
    index = window.branch_model.branch_index(tree, "map_int32_int16")

    changed = window.branch_model.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)

    assert not changed
    assert window.branch_model.checked_keys() == []


def test_tree_collection_tick_is_tristate(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    tree = window.catalog.tree()
    model = window.branch_model
    jet = model.find("Events", "Jet")

    model.set_checked(["Jet_pt"], tree)
    partial = jet.data(Qt.ItemDataRole.CheckStateRole)
    model.setData(jet, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    full = jet.data(Qt.ItemDataRole.CheckStateRole)

    assert partial == Qt.CheckState.PartiallyChecked
    assert full == Qt.CheckState.Checked
    assert set(model.checked_keys()) == {b.key for b in tree.collections["Jet"]}


def test_tree_depth_spin_box_edits_collection(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    depth_cell = window.branch_model.find("Events", "Jet").siblingAtColumn(DEPTH)
    view_cell = window.filter_model.mapFromSource(depth_cell)

    window.tree_view.setCurrentIndex(view_cell)
    window.tree_view.edit(view_cell)
    editor = window.tree_view.indexWidget(view_cell)
    editor.setValue(2)
    with qtbot.waitSignal(window.branch_model.selection_changed):
        qtbot.keyClick(editor, Qt.Key.Key_Return)

    assert isinstance(editor, QSpinBox)
    assert window.branch_model.depths() == {"Jet": 2}
    assert window.recipe().depth_of("Jet") == 2
    assert window.recipe().depth_of("Muon") == 4


def test_tree_global_depth_shown_for_collections(open_window, gui_data_dir):
    window = open_window(gui_data_dir / "nano_dy.root")
    muon = window.branch_model.find("Events", "Muon").siblingAtColumn(DEPTH)

    window.settings.depth_box.setValue(7)

    assert muon.data() == 7
    assert window.recipe().depth == 7
    assert window.branch_model.find("Events", "Event").siblingAtColumn(DEPTH).data() is None


def test_tree_collection_title_singular():
    from types import SimpleNamespace

    from rootable.gui.branch_model import _collection_cell

    tree = SimpleNamespace(collections={"Event": ["nev"], "Jet": ["Jet.pt", "Jet.eta"]}, counters={"Jet": "nJet"})

    assert _collection_cell(tree, "Event", TITLE) == "1 branch"
    assert _collection_cell(tree, "Jet", TITLE) == "2 branches, counter nJet"
