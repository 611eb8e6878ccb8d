"""Refresh the Qt translation catalogues from the code and compile them.

1. ``pyside6-lupdate`` collects every ``tr()`` / ``QT_TRANSLATE_NOOP`` string of the UI into
   ``resources/translations/workbench_zh_CN.ts``;
2. the Chinese texts come from ``resources/translations/zh_CN.json`` (English source -> 中文),
   the one file translators edit;
3. ``pyside6-lrelease`` compiles the ``.qm`` the app loads.

Prints the strings still missing a translation; exits 1 if there are any (``--check``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TR_DIR = ROOT / "resources" / "translations"
TS = TR_DIR / "workbench_zh_CN.ts"
QM = TR_DIR / "workbench_zh_CN.qm"
DICT = TR_DIR / "zh_CN.json"
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
        tr = message.find("translation")
        if tr is None:
            tr = ET.SubElement(message, "translation")
        if source in table:
            tr.text = table[source]
            tr.attrib.pop("type", None)
        else:
            tr.text = ""
            tr.set("type", "unfinished")
            missing.append(source)
    tree.getroot().set("language", "zh_CN")
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(QM)], check=True, capture_output=True)
    for text in sorted(set(missing)):
        print(f"missing zh_CN: {text!r}")
    print(f"{TS.name}: {len(missing)} missing; compiled {QM.name}")
    return 1 if (check and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
