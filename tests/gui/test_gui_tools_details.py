"""Details pane of the branch selected in the tree, compared with uproot's own numbers."""

from __future__ import annotations

import uproot
from PySide6.QtCore import Qt

from rootable.gui.branch_details import PENDING

TIMEOUT_MS = 30_000


def select_branch(window, qtbot, key):
    tree = window.branch_model.active_tree
    source = window.branch_model.branch_index(tree, key)
    with qtbot.waitSignal(window.tools.details.extras_shown, timeout=TIMEOUT_MS):
        window.tree_view.setCurrentIndex(window.filter_model.mapFromSource(source))
    return shown_details(window)


def click_branch(window, qtbot, key):
    """Click a branch row with the mouse, which also works on greyed-out rows."""
    tree = window.branch_model.active_tree
    index = window.filter_model.mapFromSource(window.branch_model.branch_index(tree, key))
    window.tree_view.expand(index.parent())
    window.tree_view.scrollTo(index)
    position = window.tree_view.visualRect(index).center()
    with qtbot.waitSignal(window.tools.details.extras_shown, timeout=TIMEOUT_MS):
        qtbot.mouseClick(window.tree_view.viewport(), Qt.MouseButton.LeftButton, pos=position)
    return shown_details(window)


def shown_details(window):
    shown = {key: label.text() for key, label in window.tools.details.values.items()}
    assert shown["baskets"] != PENDING
    return shown


def test_details_jagged_branch(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")

    shown = select_branch(window, qtbot, "Jet_pt")

    with uproot.open(gui_data_dir / "nano_dy.root") as file:
        branch = file["Events"]["Jet_pt"]
        assert shown["baskets"] == f"{branch.num_baskets:,}"
        assert shown["interpretation"] == repr(branch.interpretation)
        assert shown["typename"] == branch.typename
        assert shown["title"] == branch.title
        assert shown["entries"] == f"{branch.num_entries:,}"
        assert shown["compressed"] == f"{branch.compressed_bytes} B"
        assert shown["uncompressed"] == f"{branch.uncompressed_bytes} B"
        ratio = branch.uncompressed_bytes / branch.compressed_bytes
    assert shown["ratio"] == f"{ratio:.2f}"
    assert shown["counter"] == "nJet"
    assert shown["collection"] == "Jet"
    assert shown["kind"] == "jagged"
    assert not window.tools.details.values["reason"].isVisible()


def test_details_refused_branch_reason(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "uproot-stl_containers.root")

    shown = click_branch(window, qtbot, "set_int32")

    assert shown["kind"] == "object"
    assert "std::set" in shown["reason"]
    assert window.tools.details.values["reason"].isVisible()
    with uproot.open(gui_data_dir / "uproot-stl_containers.root") as file:
        assert shown["baskets"] == f"{file['tree']['set_int32'].num_baskets:,}"


def test_details_rntuple_field(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "ntpl001_staff_rntuple_v1-0-0-0.root")
    key = window.branch_model.active_tree.branches[0].key

    shown = select_branch(window, qtbot, key)

    assert shown["baskets"].startswith("not applicable")
    assert shown["name"] == key


def test_details_cleared_on_collection_row(open_window, gui_data_dir, qtbot):
    window = open_window(gui_data_dir / "nano_dy.root")
    select_branch(window, qtbot, "Jet_pt")

    collection = window.branch_model.find("Events", "Jet")
    window.tree_view.setCurrentIndex(window.filter_model.mapFromSource(collection))

    assert window.tools.details.branch is None
    assert not window.tools.details.values["typename"].isVisible()
