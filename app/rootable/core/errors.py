"""Exceptions that carry a message meant for the user, one line, naming the file and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class RootableError(Exception):
    """An error with a message fit to show to the user as it is."""


class InputError(RootableError):
    """A file that is missing, not ROOT, damaged, or lacks the requested tree or branch."""


class RecipeError(RootableError):
    """A recipe field with an invalid value."""


class CutError(RecipeError):
    """An event selection that does not parse or names unknown branches."""


class OutputError(RootableError):
    """An output path that cannot be written."""


class NotFlattenableError(RootableError):
    """A branch that has no flat form, with the reason."""


class Cancelled(RootableError):
    """The user cancelled a running job."""


def closest_names(name: str, candidates: Iterable[str], count: int = 3) -> list[str]:
    """Return up to ``count`` candidates closest to ``name``, best first."""
    pool = list(candidates)
    matches = difflib.get_close_matches(name, pool, n=count, cutoff=0.5)
    if not matches:
        lowered = name.lower()
        matches = [c for c in pool if lowered in c.lower()][:count]
    return matches


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return a ' (did you mean ...?)' suffix, or an empty string when nothing is close."""
    matches = closest_names(name, candidates)
    if not matches:
        return ""
    return " (did you mean " + ", ".join(repr(m) for m in matches) + "?)"
