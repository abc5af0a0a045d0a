"""Save the window's recipe as TOML and open one back, restoring every choice it holds.

Reading and writing the file run in the "recipe" lane of the window's TaskRunner, so the GUI
thread does no file I/O.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from rootable.core.catalog import TreeInfo
from rootable.core.errors import InputError, RecipeError, RootableError
from rootable.core.recipe import Recipe
from rootable.core.report import plural
from rootable.core.selection import resolve_branches
from rootable.gui import dialogs, tasks

if TYPE_CHECKING:
    from rootable.gui.main_window import MainWindow

log = logging.getLogger(__name__)


def ask_save_recipe(window: MainWindow) -> None:
    folder = str(Path(window.inputs[0]).parent) if window.inputs else ""
    path = dialogs.ask_recipe_path(window, folder, save=True)
    if path:
        save_recipe(window, path)


def save_recipe(window: MainWindow, path: str | os.PathLike[str]) -> bool:
    """Write the window's recipe to ``path`` in a worker; return False when the recipe is invalid."""
    try:
        recipe = window.recipe()
    except RecipeError as exc:
        dialogs.show_error(window, "Cannot save the recipe", exc)
        return False
    path = os.fspath(path)
    window.runner.submit(
        "recipe",
        tasks.save_recipe_task(recipe, path),
        lambda saved: _on_saved(window, saved),
        lambda error, details: dialogs.show_error(window, "Cannot save the recipe", error, details),
    )
    return True


def _on_saved(window: MainWindow, path: str) -> None:
    window.statusBar().showMessage(f"Saved the recipe to {path}")
    window.recipe_saved.emit(path)


def ask_open_recipe(window: MainWindow) -> None:
    folder = str(Path(window.inputs[0]).parent) if window.inputs else ""
    path = dialogs.ask_recipe_path(window, folder, save=False)
    if path:
        open_recipe(window, path)


def open_recipe(window: MainWindow, path: str | os.PathLike[str]) -> None:
    """Read a recipe in a worker, open its first input unless it is open, then restore it."""
    path = os.fspath(path)
    window.statusBar().showMessage(f"Opening the recipe {path}…")
    window.runner.submit(
        "recipe",
        tasks.load_recipe_task(path),
        lambda recipe: _on_loaded(window, path, recipe),
        lambda error, details: _on_failed(window, path, error, details),
    )


def _on_loaded(window: MainWindow, path: str, recipe: Recipe) -> None:
    if not recipe.inputs:
        _on_failed(window, path, RecipeError(f"{path}: the recipe has no input file"), "")
        return
    if window.catalog is not None and window.inputs and _same_file(window.inputs[0], recipe.inputs[0]):
        apply_recipe(window, recipe)
        return

    def apply_once_open() -> None:
        apply_recipe(window, recipe)

    window.open_files(recipe.inputs, on_opened=apply_once_open)


def _on_failed(window: MainWindow, path: str, error: BaseException, details: str) -> None:
    window.statusBar().showMessage(f"Cannot open the recipe {path}")
    dialogs.show_error(window, f"Cannot open the recipe {Path(path).name}", error, details)


def _same_file(first: str, second: str) -> bool:
    return Path(first).resolve() == Path(second).resolve()


def apply_recipe(window: MainWindow, recipe: Recipe, show_errors: bool = True) -> bool:
    """Show every choice of ``recipe`` in the window, whose catalog is its first input.

    Return False when the recipe does not fit the file. The error is shown in a dialog, but only
    logged when ``show_errors`` is False, as for a remembered recipe restored on opening.
    """
    assert window.catalog is not None
    try:
        tree = window.catalog.tree(recipe.tree)
        keys = [b.key for b in resolve_branches(tree, recipe.branches).branches]
        _check_names(tree, recipe)
    except RootableError as exc:
        if show_errors:
            dialogs.show_error(window, "Cannot apply the recipe", exc)
        else:
            log.info("did not restore the recipe of %s: %s", window.inputs[0], exc)
        return False
    window.inputs = list(recipe.inputs)
    window.step_size = recipe.step_size
    window.settings.depth_box.setValue(recipe.depth)
    window.settings.set_fill_values(recipe.fill)
    model = window.branch_model
    model.activate(tree)
    model.set_checked(keys, tree)
    for name, depth in recipe.depths.items():
        model.set_collection_depth(name, depth)
    for key, depth in recipe.inner_depths.items():
        model.set_inner_depth(key, depth)
    window.selection_panel.set_from(recipe)
    window.depth_assistant.set_sort_keys(tree, recipe.sort)
    window.refresh_title()
    window.statusBar().showMessage(f"Restored the recipe: {plural(len(keys), 'branch')} of {tree.path_string}")
    log.info("applied a recipe with %d branches of %s", len(keys), tree.path_string)
    window.recipe_applied.emit(recipe)
    return True


def _check_names(tree: TreeInfo, recipe: Recipe) -> None:
    collections = set(tree.collections)
    for name in [*recipe.depths, *recipe.sort]:
        if name not in collections:
            raise InputError(f"{tree.file_path}: the recipe names collection {name!r}, which "
                             f"{tree.path_string!r} does not have")
