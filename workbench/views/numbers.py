"""Numbers as the locale writes them (QLocale), without pandas: the pop uses it before the
first paint, when nothing heavy may be imported yet."""

from __future__ import annotations

from PySide6.QtCore import QLocale

__all__ = ["format_number", "number_locale"]

_EN_US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


def number_locale() -> QLocale:
    """The locale numbers are written in: the app's (``i18n.install_language`` sets it), or US
    English where none is set (the "C" locale would drop the thousands separators)."""
    loc = QLocale()
    return _EN_US if loc.language() == QLocale.Language.C else loc


def format_number(x: float, decimals: int) -> str:
    """``x`` with ``decimals`` places and the locale's group separator (1,234.50)."""
    return number_locale().toString(float(x), "f", decimals)
