"""Interface language: Chinese first, English too. Qt translators from workbench/resources/translations (package data)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

RESOURCES = Path(__file__).resolve().parent / "resources"
TRANSLATIONS = RESOURCES / "translations"
LANGUAGES = {"zh": "zh_CN", "en": "en"}

_installed: list[QTranslator] = []


def install_language(app: QCoreApplication, language: str) -> bool:
    """Install the translators of ``language`` ("zh" or "en"), removing earlier ones.

    Source strings are English; "en" loads only the small catalogue of English plural
    forms (Qt numerus forms, ``workbench_en.qm``). Returns False if the catalogue for the
    language is missing (the UI then shows the English source texts).
    """
    for tr in _installed:
        app.removeTranslator(tr)
    _installed.clear()
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    if language == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        plurals = QTranslator(app)
        if not plurals.load(str(TRANSLATIONS / "workbench_en.qm")):
            return False
        app.installTranslator(plurals)
        _installed.append(plurals)
        return True
    locale = LANGUAGES[language]
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    ok = True
    ours = QTranslator(app)
    if ours.load(str(TRANSLATIONS / f"workbench_{locale}.qm")):
        app.installTranslator(ours)
        _installed.append(ours)
    else:
        ok = False
    qt_tr = QTranslator(app)
    if qt_tr.load(f"qtbase_{locale}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_tr)
        _installed.append(qt_tr)
    return ok
