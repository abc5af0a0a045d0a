"""Helpers shared by the app tests: ticking branches and counting entries."""

from __future__ import annotations

import uproot
from PySide6.QtCore import Qt


def tick(window, *keys):
    """Tick branches of the window's default tree by key, as a click on their boxes does."""
    tree = window.catalog.tree()
    model = window.branch_model
    for key in keys:
        index = model.branch_index(tree, key)
        model.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)


def entries_of(path):
    """Return the entries of the ``Events`` tree of ``path``, read with plain uproot."""
    with uproot.open(path) as file:
        return file["Events"].num_entries
