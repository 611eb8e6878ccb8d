"""The pytest settings in pyproject.toml are strict: a Qt warning fails its test (except the
offscreen platform's two notices), unknown markers are errors, an unexpected pass fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
import pytest
from PySide6.QtCore import qWarning
from PySide6.QtWidgets import QWidget


def test_qt_warning(qtbot):
    qWarning("something is wrong")


def test_offscreen_notices(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    w.raise_()
    qWarning("This plugin does not support propagateSizeHints()")


@pytest.mark.xfail(reason="expected to fail")
def test_unexpected_pass():
    assert True
'''


def _run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "tests").mkdir(exist_ok=True)
    (tmp_path / "tests" / "test_probe.py").write_text(body, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q",
                           "tests/test_probe.py"], cwd=tmp_path, capture_output=True, text=True,
                          env=env, timeout=240)


def test_qt_warnings_fail_and_xpass_is_strict(tmp_path: Path) -> None:
    out = _run(tmp_path, PROBE).stdout
    assert "FAILED tests/test_probe.py::test_qt_warning" in out, out
    assert "PASSED tests/test_probe.py::test_offscreen_notices" in out, out
    assert "FAILED tests/test_probe.py::test_unexpected_pass" in out, out


def test_unknown_markers_are_errors(tmp_path: Path) -> None:
    run = _run(tmp_path, "import pytest\n\n\n@pytest.mark.no_such_marker\ndef test_x():\n    pass\n")
    assert run.returncode != 0
    assert "no_such_marker" in run.stdout + run.stderr
