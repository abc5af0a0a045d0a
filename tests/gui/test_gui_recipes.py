"""Recipes: saving the window's choices as TOML, restoring them, and running them headless."""

from __future__ import annotations

import pandas as pd
import pytest

from rootable.cli import main
from rootable.core.recipe import FillValues, Recipe, SortKey
from rootable.gui.main_window import MainWindow

TIMEOUT_MS = 30_000
EXPORT_TIMEOUT_MS = 60_000


@pytest.fixture
def chosen_window(open_window, qtbot, gui_data_dir):
    """A window with a choice in every recipe field the GUI shows."""
    window = open_window(gui_data_dir / "nano_dy.root")
    tree = window.catalog.tree()
    with qtbot.waitSignal(window.preview_ready, timeout=TIMEOUT_MS):
        window.branch_model.set_checked(["nJet", "Jet_pt", "Jet_btagDeepB", "Jet_jetId", "Muon_pt", "MET_pt"], tree)
        window.branch_model.set_collection_depth("Jet", 3)
        window.settings.depth_box.setValue(2)
        window.settings.set_fill_values(FillValues(floating=-9.5, integer=-7, boolean=1))
        panel = window.selection_panel
        panel.cut_box.setText("(nJet >= 2) & (MET_pt > 20)")
        panel.start_box.setText("3")
        panel.stop_box.setText("35")
        panel.masks_box.setChecked(True)
        panel.entry_column_box.setChecked(True)
        panel.source_column_box.setChecked(True)
        window.depth_assistant.set_sort_keys(tree, {"Jet": SortKey("btagDeepB", descending=False)})
    return window


def open_recipe_in_new_window(qtbot, path):
    fresh = MainWindow()
    qtbot.addWidget(fresh)
    with qtbot.waitSignal(fresh.recipe_applied, timeout=TIMEOUT_MS):
        fresh.open_recipe(path)
    return fresh


def test_recipes_round_trip(chosen_window, qtbot, tmp_path):
    path = tmp_path / "choices.toml"
    with qtbot.waitSignal(chosen_window.recipe_saved, timeout=TIMEOUT_MS):
        chosen_window.save_recipe(path)

    fresh = open_recipe_in_new_window(qtbot, path)
    try:
        assert fresh.recipe().to_dict() == chosen_window.recipe().to_dict()
        assert fresh.recipe().sort == {"Jet": SortKey("btagDeepB", descending=False)}
        assert fresh.settings.int_fill_box.text() == "-7"
        assert fresh.selection_panel.cut_box.text() == "(nJet >= 2) & (MET_pt > 20)"
    finally:
        fresh.close()


def test_recipes_saved_file_loads_in_core(chosen_window, qtbot, tmp_path):
    path = tmp_path / "choices.toml"
    with qtbot.waitSignal(chosen_window.recipe_saved, timeout=TIMEOUT_MS):
        chosen_window.save_recipe(path)

    loaded = Recipe.load(path)

    assert loaded.depths == {"Jet": 3}
    assert loaded.entry_start == 3
    assert loaded.entry_stop == 35
    assert loaded.masks


def test_recipes_cli_matches_gui_export(chosen_window, qtbot, tmp_path):
    recipe_path = tmp_path / "choices.toml"
    with qtbot.waitSignal(chosen_window.recipe_saved, timeout=TIMEOUT_MS):
        chosen_window.save_recipe(recipe_path)
    gui_out = tmp_path / "gui.parquet"
    with qtbot.waitSignal(chosen_window.export_finished, timeout=EXPORT_TIMEOUT_MS):
        assert chosen_window.export(str(gui_out))
    cli_out = tmp_path / "cli.parquet"

    main(["export", "--recipe", str(recipe_path), "-o", str(cli_out), "-q"])

    gui_frame = pd.read_parquet(gui_out)
    cli_frame = pd.read_parquet(cli_out)
    assert len(gui_frame) > 0
    assert "Jet_mask_0" in gui_frame.columns
    pd.testing.assert_frame_equal(gui_frame, cli_frame)


def test_recipes_open_switches_file(open_window, qtbot, gui_data_dir, tmp_path):
    recipe = Recipe(inputs=[str(gui_data_dir / "nano_dy.root")], branches=["Jet"], depths={"Jet": 2})
    path = tmp_path / "jets.toml"
    recipe.save(path)
    window = open_window(gui_data_dir / "uproot-HZZ.root")

    with qtbot.waitSignal(window.recipe_applied, timeout=TIMEOUT_MS):
        window.open_recipe(path)

    assert window.inputs == [str(gui_data_dir / "nano_dy.root")]
    assert "Jet_pt" in window.recipe().branches
    assert window.branch_model.collection_depth("Jet") == 2


def test_recipes_missing_file_shows_error(window, qtbot, errors_shown, tmp_path):
    window.open_recipe(tmp_path / "absent.toml")

    qtbot.waitUntil(lambda: bool(errors_shown))

    assert "recipe file not found" in errors_shown[0][1]


def test_recipes_unknown_branch_shows_error(window, qtbot, errors_shown, gui_data_dir, tmp_path):
    path = tmp_path / "typo.toml"
    Recipe(inputs=[str(gui_data_dir / "nano_dy.root")], branches=["Jet_ptt"]).save(path)

    window.open_recipe(path)
    qtbot.waitUntil(lambda: bool(errors_shown))

    assert errors_shown[0][0] == "Cannot apply the recipe"
    assert "Jet_ptt" in errors_shown[0][1]


def test_recipes_save_needs_valid_fill(chosen_window, errors_shown, tmp_path):
    chosen_window.settings.int_fill_box.setText("many")

    assert not chosen_window.save_recipe(tmp_path / "bad.toml")
    assert "many" in errors_shown[0][1]
    assert not (tmp_path / "bad.toml").exists()
