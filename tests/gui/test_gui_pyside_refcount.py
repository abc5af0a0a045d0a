"""PySide6 keeps Python's reference counts intact on calls from Qt into Python.

PySide6-Essentials 6.12.0 dropped one reference to None on each such call, so that Python
3.11 freed None and crashed after a few thousand signals or model calls.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QAbstractListModel, QObject, Qt, Signal

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on, so its count never changes"
)

CALLS = 200


class _Emitter(QObject):
    fired = Signal()


class _NoneModel(QAbstractListModel):
    def rowCount(self, parent=None):
        return 10

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return None


def test_signal_to_slot_keeps_none_count(qapp):
    emitter = _Emitter()
    emitter.fired.connect(lambda: None)
    before = sys.getrefcount(None)

    for _ in range(CALLS):
        emitter.fired.emit()

    assert sys.getrefcount(None) - before >= 0


def test_model_data_keeps_none_count(qapp):
    model = _NoneModel()
    before = sys.getrefcount(None)

    for row in range(CALLS):
        model.index(row % 10, 0).data()

    assert sys.getrefcount(None) - before >= 0
