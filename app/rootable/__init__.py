"""rootable: turn ROOT TTrees and RNTuples into flat per-event tables.

``rootable.read`` returns the flat table as a pandas DataFrame and ``rootable.iterate``
yields it chunk by chunk; both take the options of ``rootable export``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "iterate", "make_recipe", "read"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that "import rootable" and "rootable --help" stay fast.
    if name in ("read", "iterate", "make_recipe"):
        from rootable import api

        return getattr(api, name)
    raise AttributeError(f"module 'rootable' has no attribute {name!r}")
