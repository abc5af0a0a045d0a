"""Dialogs of the app: errors with details, the export path, and the open-file chooser.

File dialogs start in the last folder of their kind once ``set_folder_memory`` is called.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from PySide6 import QtCore
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from rootable.core.errors import RootableError

#: File dialog filters for export; the chosen suffix picks the format.
EXPORT_FILTERS = (
    "Parquet (*.parquet)",
    "CSV (*.csv)",
    "Compressed CSV (*.csv.gz)",
    "Feather (*.feather)",
    "Arrow IPC (*.arrow)",
    "HDF5 (*.h5)",
    "ROOT TTree (*.root)",
)
OPEN_FILTERS = ("ROOT files (*.root)", "All files (*)")
RECIPE_FILTERS = ("Recipes (*.toml)", "All files (*)")
#: Modules whose ``__version__`` the About dialog lists. Modules, not distribution names,
#: because PySide6 installs as PySide6-Essentials or PySide6 depending on the wheel.
ABOUT_MODULES = ("rootable", "uproot", "awkward", "numpy", "pyarrow", "PySide6")


class FolderMemory(Protocol):
    """Stores the last folder of each kind of file dialog (``open``, ``export``, ``recipe``)."""

    def folder(self, kind: str) -> str: ...

    def remember(self, kind: str, path: str) -> None: ...


_folder_memory: FolderMemory | None = None


def set_folder_memory(memory: FolderMemory | None) -> None:
    """Make the file dialogs start in the last folder of their kind; None turns that off."""
    global _folder_memory
    _folder_memory = memory


def _start_folder(kind: str, fallback: str) -> str:
    remembered = _folder_memory.folder(kind) if _folder_memory is not None else ""
    return remembered or fallback


def _remember(kind: str, path: str) -> None:
    if _folder_memory is not None and path:
        _folder_memory.remember(kind, path)


def show_error(parent: QWidget | None, headline: str, error: BaseException | str, details: str = "") -> None:
    """Show a modal error: a short headline, the message, and the traceback under "details".

    Errors of rootable carry a message meant for the user; other exceptions also name their type.
    """
    if isinstance(error, (RootableError, str)):
        message = str(error)
    else:
        message = f"{type(error).__name__}: {error}"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("rootable")
    box.setText(headline)
    box.setInformativeText(message)
    if details:
        box.setDetailedText(details)
    box.exec()


def ask_export_path(parent: QWidget | None, folder: str = "") -> str | None:
    """Ask where to export; return the path with the suffix of the chosen filter, or None."""
    start = _start_folder("export", folder)
    path, chosen = QFileDialog.getSaveFileName(parent, "Export table", start, ";;".join(EXPORT_FILTERS))
    if not path:
        return None
    _remember("export", path)
    return with_filter_suffix(path, chosen)


def with_filter_suffix(path: str, chosen_filter: str) -> str:
    """Append the suffix of ``chosen_filter`` when ``path`` has no known export suffix."""
    known = [f.split("(*")[1].rstrip(")") for f in EXPORT_FILTERS]
    if any(path.lower().endswith(suffix) for suffix in known):
        return path
    if "(*" not in chosen_filter:
        return path
    return path + chosen_filter.split("(*")[1].rstrip(")")


def ask_open_paths(parent: QWidget | None, folder: str = "") -> list[str]:
    """Ask for ROOT files to open; the first one is browsed, all are read on export."""
    start = _start_folder("open", folder)
    paths, _ = QFileDialog.getOpenFileNames(parent, "Open ROOT files", start, ";;".join(OPEN_FILTERS))
    if paths:
        _remember("open", paths[0])
    return [str(Path(p)) for p in paths]


def ask_recipe_path(parent: QWidget | None, folder: str = "", save: bool = False) -> str | None:
    """Ask for a recipe file to save (``.toml`` appended when missing) or to open; None on cancel."""
    filters = ";;".join(RECIPE_FILTERS)
    start = _start_folder("recipe", folder)
    if save:
        path, _ = QFileDialog.getSaveFileName(parent, "Save recipe", start, filters)
    else:
        path, _ = QFileDialog.getOpenFileName(parent, "Open recipe", start, filters)
    if not path:
        return None
    _remember("recipe", path)
    if save and not path.lower().endswith(".toml"):
        path += ".toml"
    return path


def package_versions() -> list[tuple[str, str]]:
    """Return (name, version) of rootable and the libraries it is built on; Qt's from the runtime."""
    versions = []
    for name in ABOUT_MODULES:
        try:
            version = str(importlib.import_module(name).__version__)
        except ImportError:
            version = "not installed"
        versions.append((name, version))
    versions.append(("Qt", QtCore.qVersion()))
    return versions


def about_text() -> str:
    """Return the About dialog's text as HTML: what rootable does and the library versions."""
    rows = "".join(f"<tr><td>{name}</td><td>{version}</td></tr>" for name, version in package_versions())
    return (
        "<p><b>rootable</b> turns ROOT files into flat per-event tables.</p>"
        f"<table cellspacing='6'>{rows}</table>"
    )


def show_about(parent: QWidget) -> QMessageBox:
    """Open the About dialog without blocking and return it."""
    box = QMessageBox(parent)
    box.setWindowTitle("About rootable")
    box.setTextFormat(QtCore.Qt.TextFormat.RichText)
    box.setText(about_text())
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
