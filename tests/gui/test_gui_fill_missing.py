"""The selection panel's "Fill missing branches" box maps to the recipe's missing option."""

from __future__ import annotations

from rootable.core.recipe import Recipe
from rootable.gui.selection_panel import SelectionPanel


def test_fill_missing_box_round_trip(qtbot):
    panel = SelectionPanel()
    qtbot.addWidget(panel)
    recipe = Recipe()

    panel.apply_to(recipe)
    assert recipe.missing == "stop"

    with qtbot.waitSignal(panel.changed):
        panel.fill_missing_box.setChecked(True)
    panel.apply_to(recipe)
    assert recipe.missing == "fill"

    other = SelectionPanel()
    qtbot.addWidget(other)
    other.set_from(recipe)
    assert other.fill_missing_box.isChecked()
