"""Refresh the Qt translation catalogues from the code and compile them.

1. ``pyside6-lupdate`` collects every ``tr()`` / ``QT_TRANSLATE_NOOP`` string of the UI into
   ``workbench/resources/translations/workbench_zh_CN.ts``;
2. the Chinese texts come from ``workbench/resources/translations/zh_CN.json`` (English source -> 中文),
   the one file translators edit;
3. ``pyside6-lrelease`` compiles the ``.qm`` the app loads.

Counted texts use Qt's numerus forms (``self.tr("%n record(s)", "", n)``): Chinese has one
form; English (the source language) gets a small catalogue of its own, ``workbench_en.qm``,
built from ``en.json`` (source -> [one, many]).

Prints the strings still missing a translation; exits 1 if there are any (``--check``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TR_DIR = ROOT / "workbench" / "resources" / "translations"
TS = TR_DIR / "workbench_zh_CN.ts"
QM = TR_DIR / "workbench_zh_CN.qm"
DICT = TR_DIR / "zh_CN.json"
EN_TS = TR_DIR / "workbench_en.ts"
EN_QM = TR_DIR / "workbench_en.qm"
EN_DICT = TR_DIR / "en.json"
BIN = Path(sys.executable).parent


def sources() -> list[Path]:
    return sorted((ROOT / "workbench" / "ui").rglob("*.py")) + sorted((ROOT / "workbench" / "views").rglob("*.py"))


def main() -> int:
    check = "--check" in sys.argv
    subprocess.run([str(BIN / "pyside6-lupdate"), *map(str, sources()), "-no-obsolete", "-ts", str(TS)],
                   check=True, capture_output=True)
    table: dict[str, str] = json.loads(DICT.read_text(encoding="utf-8")) if DICT.exists() else {}
    tree = ET.parse(TS)
    missing: list[str] = []
    for message in tree.getroot().iter("message"):
        source = message.findtext("source") or ""
        if _fill(message, [table[source]] if source in table else None):
            missing.append(source)
    tree.getroot().set("language", "zh_CN")
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(QM)], check=True, capture_output=True)
    missing += _english_plurals(tree)
    for text in sorted(set(missing)):
        print(f"missing zh_CN: {text!r}")
    print(f"{TS.name}: {len(missing)} missing; compiled {QM.name}")
    return 1 if (check and missing) else 0


def _fill(message: ET.Element, forms: list[str] | None) -> bool:
    """Put ``forms`` into ``message`` (one text, or one per numerus form); True if missing."""
    tr = message.find("translation")
    if tr is None:
        tr = ET.SubElement(message, "translation")
    for child in list(tr):
        tr.remove(child)
    if forms is None:
        tr.text = ""
        tr.set("type", "unfinished")
        return True
    tr.attrib.pop("type", None)
    if message.get("numerus") == "yes":
        tr.text = None
        for form in forms:
            ET.SubElement(tr, "numerusform").text = form
    else:
        tr.text = forms[0]
    return False


def _english_plurals(zh_tree: ET.ElementTree) -> list[str]:
    """The English catalogue: only the numerus messages, with their one / many forms."""
    table: dict[str, list[str]] = json.loads(EN_DICT.read_text(encoding="utf-8")) if EN_DICT.exists() else {}
    root = ET.Element("TS", version="2.1", language="en")
    missing: list[str] = []
    for ctx in zh_tree.getroot().iter("context"):
        plural = [m for m in ctx.iter("message") if m.get("numerus") == "yes"]
        if not plural:
            continue
        out = ET.SubElement(root, "context")
        ET.SubElement(out, "name").text = ctx.findtext("name")
        for m in plural:
            source = m.findtext("source") or ""
            copy = ET.SubElement(out, "message", numerus="yes")
            ET.SubElement(copy, "source").text = source
            if _fill(copy, table.get(source)):
                missing.append(f"[en plural] {source}")
    ET.indent(root)
    ET.ElementTree(root).write(EN_TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(BIN / "pyside6-lrelease"), str(EN_TS), "-qm", str(EN_QM)], check=True, capture_output=True)
    return missing


if __name__ == "__main__":
    sys.exit(main())
