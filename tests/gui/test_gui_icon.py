"""The application icon loads from the package resources at every shipped size."""

from __future__ import annotations

from PySide6.QtCore import QSize

from rootable.gui.app import ICON_SIZES, app_icon


def test_app_icon_has_every_size(qapp):
    icon = app_icon()

    assert not icon.isNull()
    assert sorted(size.width() for size in icon.availableSizes()) == sorted(ICON_SIZES)
    assert icon.pixmap(QSize(64, 64)).width() == 64
