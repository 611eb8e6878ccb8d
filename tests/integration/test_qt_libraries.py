"""Qt finds every library it loads: ``ldd`` over the installed PySide6's Qt libraries, its
Python modules and the plugins a desktop uses, and each library outside the wheel comes from
a package of the Makefile's APT_PACKAGES (or what they pull in, or Debian's base system), so a
bare Debian 12 gets them from ``make setup``."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("ldd") is None or shutil.which("dpkg") is None,
                                reason="needs ldd and dpkg (Debian)")

# Parts of the wheel this app never loads, each with why: its libraries stay unresolved.
NOT_USED = (
    "plugins/sqldrivers/",                 # Qt SQL drivers: the app talks to SQLite via SQLAlchemy
    "plugins/designer/",                   # Qt Designer plugins
    "plugins/qmltooling/",                 # QML debugging
    "plugins/egldeviceintegrations/",      # eglfs (embedded boards without a window system)
    "plugins/platformthemes/libqgtk3.so",  # GTK dialogs theme: optional, Qt falls back to its own
    "plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",  # add-on module not in Essentials
    "plugins/imageformats/libqpdf.so",     # add-on module not in Essentials
)


def _pyside() -> Path:
    import PySide6

    return Path(PySide6.__file__).parent


def _binaries() -> list[Path]:
    base = _pyside()
    found = sorted((base / "Qt" / "lib").glob("*.so*")) + sorted(base.glob("*.so"))
    found += sorted((base / "Qt" / "plugins").rglob("*.so"))
    return [p for p in found if not any(part in str(p) for part in NOT_USED)]


@cache
def _ldd(path: Path) -> str:
    return subprocess.run(["ldd", str(path)], capture_output=True, text=True).stdout


def test_every_qt_library_and_plugin_resolves() -> None:
    binaries = _binaries()
    assert any(p.name == "libqxcb.so" for p in binaries) and any(p.name == "libQt6Widgets.so.6" for p in binaries)
    missing = {f"{p.relative_to(_pyside())}: {line.split()[0]}"
               for p in binaries for line in _ldd(p).splitlines() if "not found" in line}
    assert not missing, "add the Debian packages of these to APT_PACKAGES:\n" + "\n".join(sorted(missing))


def _apt_packages() -> list[str]:
    """APT_PACKAGES as make sees it (others append their own lines)."""
    out = subprocess.run(["make", "-s", "-f", "Makefile", "-f", "-", "print-apt"], cwd=ROOT, text=True,
                         input="print-apt:\n\t@echo $(APT_PACKAGES)\n", capture_output=True, check=True).stdout
    return out.split()


def _closure(packages: list[str]) -> set[str]:
    out = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                          "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", *packages],
                         capture_output=True, text=True, check=True).stdout
    names = {line.strip() for line in out.splitlines() if line and not line.startswith(" ")}
    names |= {m.group(1) for m in re.finditer(r"Depends: <?([^\s>]+)>?", out)}
    return {n.split(":")[0] for n in names}


def _base_system() -> set[str]:
    """Essential and required packages: on every Debian, even a bare container."""
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Essential} ${Priority}\n"],
                         capture_output=True, text=True, check=True).stdout
    return {f[0] for f in (line.split() for line in out.splitlines()) if len(f) == 3
            and (f[1] == "yes" or f[2] == "required")}


def test_the_apt_list_brings_every_library_qt_loads() -> None:
    libs = {line.split("=>")[1].split("(")[0].strip()
            for p in _binaries() for line in _ldd(p).splitlines() if "=>" in line and "not found" not in line}
    outside = sorted(lib for lib in libs if lib and not lib.startswith(str(_pyside())))
    owners: dict[str, str] = {}
    for lib in outside:
        real = str(Path(lib).resolve())
        found = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True)
        if found.returncode != 0:
            found = subprocess.run(["dpkg", "-S", lib], capture_output=True, text=True)
        assert found.returncode == 0, f"{lib}: no Debian package owns it"
        owners[lib] = found.stdout.split(":")[0].strip()
    apt = _apt_packages()
    assert "python3-venv" in apt and "libglib2.0-0" in apt and "libfontconfig1" in apt
    covered = _closure(apt) | _base_system()
    uncovered = sorted({f"{pkg} ({lib})" for lib, pkg in owners.items() if pkg not in covered})
    assert not uncovered, "add to APT_PACKAGES in the Makefile:\n" + "\n".join(uncovered)
