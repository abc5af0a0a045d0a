"""Paths of the files in ``resources/`` (icons, desktop entry, AppStream metadata).

An installed wheel carries them as ``rootable/resources``; an editable install from a
checkout reads them from the repository's top-level ``resources/`` folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def resource_path(name: str) -> Path:
    """Return the path of ``name`` (e.g. ``icons/rootable.svg``), raising FileNotFoundError."""
    packaged = resources.files("rootable") / "resources" / name
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "resources" / name
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(f"resource {name!r} not found in the rootable package or checkout")
