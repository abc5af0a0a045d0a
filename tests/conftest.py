"""Shared fixtures: the folder of real ROOT files written by ROOT itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Return the test data folder from ROOTABLE_TEST_DATA, by default ../shared/data."""
    folder = Path(os.environ.get("ROOTABLE_TEST_DATA", REPOSITORY.parent / "shared" / "data"))
    if not folder.is_dir():
        pytest.fail(f"test data folder {folder} not found; set ROOTABLE_TEST_DATA to the shared/data folder")
    return folder
