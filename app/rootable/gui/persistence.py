"""Settings kept between runs with QSettings: window layout, dialog folders, recent files, and
the last recipe of each file, restored when that file is opened again.

``app.run_app`` installs this on its window; a bare ``MainWindow`` (tests, scripts) keeps
nothing, so that runs do not leak into one another.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSplitter

from rootable.core.errors import RecipeError
from rootable.core.recipe import Recipe
from rootable.gui import dialogs, recipe_actions
from rootable.gui.window_tools import file_menu

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

if TYPE_CHECKING:
    from rootable.gui.main_window import MainWindow
    from rootable.gui.tasks import PreviewResult

log = logging.getLogger(__name__)

ORGANIZATION = "rootable"
APPLICATION = "rootable"
MAX_RECENT_FILES = 8
#: Files whose last recipe is kept; the least recently used are forgotten first.
MAX_REMEMBERED_RECIPES = 100

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
SPLITTER_KEY = "splitters/{name}"
FOLDER_KEY = "folders/{kind}"
RECENT_KEY = "recent/files"
RECIPES_KEY = "recipes/by_file"


def open_settings() -> QSettings:
    """Return the user's settings: an INI file in the platform's user configuration folder.

    The INI format is used on every platform, so ``QSettings.setPath(IniFormat, UserScope, …)``
    moves the file (the tests point it at a temporary folder).
    """
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


class FolderMemory:
    """The last folder of each file dialog (``open``, ``export``, ``recipe``)."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def folder(self, kind: str) -> str:
        return str(self.settings.value(FOLDER_KEY.format(kind=kind), "") or "")

    def remember(self, kind: str, path: str) -> None:
        """Store the folder of ``path`` (a file the dialog returned) for the next dialog of ``kind``."""
        self.settings.setValue(FOLDER_KEY.format(kind=kind), str(Path(path).absolute().parent))


class SessionSettings(QObject):
    """Saves and restores the window's settings; created by ``install``."""

    recent_changed = Signal()

    def __init__(self, window: MainWindow, settings: QSettings) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.folders = FolderMemory(settings)
        self._recent_pending: str | None = None
        self.recent_menu = QMenu("Open &Recent", window)
        # Parented to this object, because QMenu.clear() deletes the actions the menu owns.
        self.clear_recent_action = QAction("&Clear Menu", self)
        self.clear_recent_action.triggered.connect(self.clear_recent)
        file_menu(window).insertMenu(window.open_recipe_action, self.recent_menu)
        self._name_splitters()
        window.installEventFilter(self)
        window.catalog_loaded.connect(self._on_catalog)
        window.open_failed.connect(self._on_open_failed)
        window.preview_ready.connect(self._on_preview)
        self._rebuild_recent_menu()

    # -- layout -------------------------------------------------------------------------------

    def _name_splitters(self) -> None:
        central = self.window.centralWidget()
        if isinstance(central, QSplitter):
            central.setObjectName(central.objectName() or "main splitter")
            right = central.widget(1)
            if isinstance(right, QSplitter):
                right.setObjectName(right.objectName() or "preview splitter")

    def _splitters(self) -> list[QSplitter]:
        return [s for s in self.window.findChildren(QSplitter) if s.objectName()]

    def restore_layout(self) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray):
            self.window.restoreGeometry(geometry)
        state = self.settings.value(STATE_KEY)
        if isinstance(state, QByteArray):
            self.window.restoreState(state)
        for splitter in self._splitters():
            saved = self.settings.value(SPLITTER_KEY.format(name=splitter.objectName()))
            if isinstance(saved, QByteArray):
                splitter.restoreState(saved)

    def save_layout(self) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.window.saveGeometry())
        self.settings.setValue(STATE_KEY, self.window.saveState())
        for splitter in self._splitters():
            self.settings.setValue(SPLITTER_KEY.format(name=splitter.objectName()), splitter.saveState())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.save_layout()
            self.save_current_recipe()
            self.settings.sync()
        return False

    # -- recent files -------------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self.settings.value(RECENT_KEY, [])
        if isinstance(value, str):
            # QSettings returns a one-element list stored in an INI file as a plain string.
            value = [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def set_recent_files(self, paths: list[str]) -> None:
        self.settings.setValue(RECENT_KEY, list(paths[:MAX_RECENT_FILES]))
        self._rebuild_recent_menu()
        self.recent_changed.emit()

    def add_recent(self, path: str) -> None:
        path = str(Path(path).absolute())
        self.set_recent_files([path, *[p for p in self.recent_files() if p != path]])

    def clear_recent(self) -> None:
        self.set_recent_files([])

    def prune_recent(self) -> None:
        """Drop recent files that no longer exist, checked in the "settings" lane."""
        paths = self.recent_files()
        self.window.runner.submit(
            "settings",
            existing_files_task(paths),
            lambda existing: self._keep_recent(paths, existing),
            lambda error, details: log.warning("checking the recent files failed: %s", error),
        )

    def _keep_recent(self, checked: list[str], existing: list[str]) -> None:
        missing = set(checked) - set(existing)
        if missing:
            log.info("removed %d missing files from the recent files", len(missing))
            self.set_recent_files([p for p in self.recent_files() if p not in missing])

    def open_recent(self, path: str) -> None:
        self._recent_pending = path
        self.window.open_files([path])

    def _on_open_failed(self, _message: str) -> None:
        # A recent file that cannot be opened (moved, deleted, damaged) leaves the menu.
        if self._recent_pending is not None:
            failed, self._recent_pending = self._recent_pending, None
            self.set_recent_files([p for p in self.recent_files() if p != failed])

    def _rebuild_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = self.recent_files()
        for number, path in enumerate(paths, start=1):
            action = menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.setData(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_recent(p))
        menu.addSeparator()
        menu.addAction(self.clear_recent_action)
        self.clear_recent_action.setEnabled(bool(paths))
        menu.setEnabled(bool(paths))

    # -- recipes per file ---------------------------------------------------------------------

    def remembered_recipes(self) -> dict[str, str]:
        text = self.settings.value(RECIPES_KEY, "")
        try:
            data = json.loads(str(text)) if text else {}
        except json.JSONDecodeError:
            log.warning("ignored the stored recipes: %s is not valid JSON", RECIPES_KEY)
            return {}
        return data if isinstance(data, dict) else {}

    def remember_recipe(self, recipe: Recipe) -> None:
        """Store ``recipe`` as TOML text under the absolute path of its first input."""
        if not recipe.inputs:
            return
        key = str(Path(recipe.inputs[0]).absolute())
        recipes = self.remembered_recipes()
        recipes.pop(key, None)
        recipes[key] = tomli_w.dumps(recipe.to_dict())
        while len(recipes) > MAX_REMEMBERED_RECIPES:
            recipes.pop(next(iter(recipes)))
        self.settings.setValue(RECIPES_KEY, json.dumps(recipes))

    def recipe_for(self, path: str) -> Recipe | None:
        """Return the last recipe of ``path``, or None when there is none or it no longer loads."""
        text = self.remembered_recipes().get(str(Path(path).absolute()))
        if not text:
            return None
        try:
            return Recipe.from_dict(tomllib.loads(text))
        except (tomllib.TOMLDecodeError, RecipeError, TypeError) as exc:
            log.warning("ignored the stored recipe of %s: %s", path, exc)
            return None

    def save_current_recipe(self) -> None:
        if self.window.catalog is None:
            return
        try:
            self.remember_recipe(self.window.recipe())
        except RecipeError as exc:
            log.info("did not store the recipe of %s: %s", self.window.inputs[0], exc)

    def _on_preview(self, result: PreviewResult) -> None:
        self.remember_recipe(result.job.recipe)

    def _on_catalog(self, _catalog: Any) -> None:
        self._recent_pending = None
        path = self.window.inputs[0]
        self.add_recent(path)
        recipe = self.recipe_for(path)
        if recipe is None or not recipe.branches:
            return
        # The stored choices come back; the inputs stay those the user just opened.
        recipe.inputs = list(self.window.inputs)
        recipe.labels = {p: v for p, v in recipe.labels.items() if p in recipe.inputs}
        if len(recipe.labels) != len(recipe.inputs):
            recipe.labels = {}
        recipe_actions.apply_recipe(self.window, recipe, show_errors=False)


def existing_files_task(paths: list[str]) -> Callable[..., list[str]]:
    def run(cancelled: Callable[[], bool], progress: Callable[[int, int], None]) -> list[str]:
        return [path for path in paths if Path(path).is_file()]

    return run


def install(window: MainWindow, settings: QSettings | None = None) -> SessionSettings:
    """Keep ``window``'s settings in ``settings`` (default: ``open_settings()``) and restore them."""
    session = SessionSettings(window, settings if settings is not None else open_settings())
    dialogs.set_folder_memory(session.folders)
    session.restore_layout()
    session.prune_recent()
    window.session = session  # type: ignore[attr-defined]
    return session
