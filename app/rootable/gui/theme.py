"""Colours that follow the application palette, so text stays readable in light and dark themes.

Each colour is derived from the current ``QApplication.palette()`` when it is used, never
stored, so a palette change (the desktop switching to dark mode) applies on the next repaint.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

#: Red and amber for messages, one shade per background brightness.
_ERROR_ON_LIGHT = QColor("#b00020")
_ERROR_ON_DARK = QColor("#ff8a80")
_WARNING_ON_LIGHT = QColor("#8a5a00")
_WARNING_ON_DARK = QColor("#ffcc66")
_INVALID_BACKGROUND_ON_LIGHT = QColor("#ffd6d6")
_INVALID_BACKGROUND_ON_DARK = QColor("#6b1f24")


def palette() -> QPalette:
    return QApplication.palette()


def is_dark(current: QPalette | None = None) -> bool:
    """Return True when the window background is darker than its text."""
    current = current or palette()
    background = current.color(QPalette.ColorRole.Window).lightnessF()
    text = current.color(QPalette.ColorRole.WindowText).lightnessF()
    return background < text


def fill_color(current: QPalette | None = None) -> QColor:
    """Return the dimmed text colour of fill values: the palette's disabled text colour."""
    current = current or palette()
    return current.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


def error_color(current: QPalette | None = None) -> QColor:
    return QColor(_ERROR_ON_DARK if is_dark(current) else _ERROR_ON_LIGHT)


def warning_color(current: QPalette | None = None) -> QColor:
    return QColor(_WARNING_ON_DARK if is_dark(current) else _WARNING_ON_LIGHT)


def invalid_background(current: QPalette | None = None) -> QColor:
    """Return the background of an input box whose text is invalid."""
    return QColor(_INVALID_BACKGROUND_ON_DARK if is_dark(current) else _INVALID_BACKGROUND_ON_LIGHT)


def error_style() -> str:
    """Return a style sheet that draws a label's text in the error colour."""
    return f"color: {error_color().name()};"


def warning_style() -> str:
    """Return a style sheet that draws a label's text in the warning colour."""
    return f"color: {warning_color().name()};"


def contrast_ratio(first: QColor, second: QColor) -> float:
    """Return the WCAG 2.1 contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())
