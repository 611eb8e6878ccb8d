"""Chinese first, English too: every UI string has a Chinese translation, compiled and loaded."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from workbench.i18n import TRANSLATIONS, install_language

ROOT = Path(__file__).resolve().parents[2]


def _sources() -> list[str]:
    return [str(p) for sub in ("ui", "views") for p in sorted((ROOT / "workbench" / sub).rglob("*.py"))]


def test_every_ui_string_has_a_chinese_translation(tmp_path: Path) -> None:
    ts = tmp_path / "now.ts"
    subprocess.run([str(Path(sys.executable).parent / "pyside6-lupdate"), *_sources(), "-ts", str(ts)],
                   check=True, capture_output=True)
    table = json.loads((TRANSLATIONS / "zh_CN.json").read_text(encoding="utf-8"))
    sources = {m.findtext("source") for m in ET.parse(ts).getroot().iter("message")}
    missing = sorted(s for s in sources if s not in table)
    assert not missing, f"run `python scripts/update_translations.py` after adding: {missing}"


def test_the_compiled_catalogue_matches_the_dictionary() -> None:
    table = json.loads((TRANSLATIONS / "zh_CN.json").read_text(encoding="utf-8"))
    tr = QTranslator()
    assert tr.load(str(TRANSLATIONS / "workbench_zh_CN.qm"))
    stale = []
    for ctx in ET.parse(TRANSLATIONS / "workbench_zh_CN.ts").getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for m in ctx.iter("message"):
            source = m.findtext("source") or ""
            if tr.translate(name, source, None, 7) != table.get(source):  # %n is filled in later
                stale.append((name, source))
    assert not stale, f"recompile with scripts/update_translations.py: {stale[:5]}"


def test_switching_language(qapp) -> None:  # type: ignore[no-untyped-def]
    from workbench.ui.outcome_form import OutcomeForm

    assert install_language(qapp, "zh")
    assert QCoreApplication.translate("labels", "Do not send SMS") == "勿发短信"
    form = OutcomeForm()
    assert form.title() == "接触结果"
    assert install_language(qapp, "en")
    assert OutcomeForm().title() == "Outcome"
    form.deleteLater()


def test_no_translated_text_hides_inside_an_f_string() -> None:
    """lupdate cannot see tr() inside f-strings: such text would stay English in Chinese."""
    import re

    pattern = re.compile(r"""f["'][^"'\n]*\{[^}]*\btr\(""")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in map(Path, _sources())
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders


def test_counted_texts_use_numerus_forms_in_both_languages(qapp) -> None:  # type: ignore[no-untyped-def]
    """Every ``%n`` text has English one/many forms; Chinese has one form for every count."""
    en = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
    plural = {m.findtext("source") for m in ET.parse(TRANSLATIONS / "workbench_zh_CN.ts").getroot().iter("message")
              if m.get("numerus") == "yes"}
    assert plural and plural <= set(en), sorted(plural - set(en))
    assert install_language(qapp, "en")
    t = QCoreApplication.translate
    assert t("MainWindow", "Syncing… %n record(s)", None, 1) == "Syncing… 1 record"
    assert t("MainWindow", "Syncing… %n record(s)", None, 12) == "Syncing… 12 records"
    assert t("ScreenPopWidget", "%n year(s)", None, 1) == "1 year"
    assert install_language(qapp, "zh")
    assert t("MainWindow", "Syncing… %n record(s)", None, 1) == "同步中… 1 条记录"
    assert t("MainWindow", "Syncing… %n record(s)", None, 12) == "同步中… 12 条记录"
    install_language(qapp, "en")  # the other tests read English


def test_no_count_is_formatted_into_a_translated_text() -> None:
    """Counts go through Qt's numerus forms (``tr("%n …", "", n)``), not ``.format(n=…)``."""
    import re

    pattern = re.compile(r"""tr\(\s*["'][^"']*\{n\}""")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in map(Path, _sources())
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == [f"workbench/ui/main_window.py:{_dialling_line()}"], offenders


def _dialling_line() -> int:
    """The one ``{n}`` that is a phone number, not a count."""
    lines = (ROOT / "workbench" / "ui" / "main_window.py").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if 'tr("Dialling {n}' in line)


def test_table_numbers_and_money_are_written_by_the_locale(qapp) -> None:  # type: ignore[no-untyped-def]
    """Numbers go through QLocale (issue #14 point 4): the app's locale, US English where none."""
    from PySide6.QtCore import QLocale

    from workbench.views.numbers import format_number
    from workbench.views.table_models import format_value

    old = QLocale()
    try:
        QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
        assert format_value(1234.5, "money") == "¥1.234,50"
        assert format_number(1234567, 0) == "1.234.567"
        QLocale.setDefault(QLocale.c())  # no locale set: the C locale would drop the separators
        assert format_value(1234567.4, "int") == "1,234,567" and format_value(-0.05, "change") == "-5.0%"
        assert format_value(0.123, "percent") == "12.3%" and format_value(float("nan"), "money") == "—"
    finally:
        QLocale.setDefault(old)
