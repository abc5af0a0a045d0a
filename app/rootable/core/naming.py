"""The one rule that turns branch names into column names every output format accepts.

Every character other than ASCII letters, digits and ``_`` becomes ``_``, and a name that
starts with a digit gets a leading ``_``. Runs of ``_`` made by the replacement are kept as
they are, so ``Muon_dxy[10]`` becomes ``Muon_dxy_10_`` and ``P3.Px`` becomes ``P3_Px``. When two
columns end up with the same name, the later ones get ``__2``, ``__3``, ... in tree order.
"""

from __future__ import annotations

import re

_FORBIDDEN = re.compile(r"[^A-Za-z0-9_]")


def sanitize(name: str) -> str:
    """Map a branch or field name to a column-safe name."""
    safe = _FORBIDDEN.sub("_", name)
    if not safe or safe[0].isdigit():
        safe = "_" + safe
    return safe


class UniqueNames:
    """Hands out column names that are unique within one table, stable in call order."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, name: str) -> str:
        """Return ``name``, or ``name__N`` with the smallest N >= 2 that is still free."""
        candidate = name
        suffix = 2
        while candidate in self._taken:
            candidate = f"{name}__{suffix}"
            suffix += 1
        self._taken.add(candidate)
        return candidate
