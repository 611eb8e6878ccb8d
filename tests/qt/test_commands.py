"""The ``workbench`` command line: screenshot to PNG, no-display message, bad arguments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.local_data import WANG_PHONE, build_local_store


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True,
                          timeout=120, env=env or {**os.environ, "QT_QPA_PLATFORM": "offscreen"})


@pytest.fixture
def local_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # one per test: each command is a process of its own, and the in-memory keyring of the
    # tests forgets the key the first one made when it encrypted the store
    path = tmp_path_factory.mktemp("shot") / "local-agent1.db"
    build_local_store(path).kw["bind"].dispose()
    return path


@pytest.mark.parametrize(("size", "lang"), [("1366x768", "zh"), ("1920x1080", "en")])
def test_screenshot_renders_the_pop_to_png(local_store: Path, tmp_path: Path, size: str, lang: str) -> None:
    out = tmp_path / "pop.png"
    r = run("screenshot", "--local", str(local_store), "--user", "agent1", "--number", "+86 " + WANG_PHONE,
            "--out", str(out), "--size", size, "--lang", lang)
    assert r.returncode == 0, r.stderr
    img = QImage(str(out))
    w, h = (int(x) for x in size.split("x"))
    assert (img.width(), img.height()) == (w, h)
    # not a blank window: many distinct colours (text, badges, the table's alternate rows)
    colours = {img.pixel(x, y) for x in range(0, w, 7) for y in range(0, h, 7)}
    assert len(colours) > 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--number", "13800138000", "--size", "big"], "--size must look like"),
        (["--number", "not-a-number"], "not a phone number"),
        (["--number", "13500000000"], "no customer with number"),
    ],
)
def test_screenshot_bad_input_is_explained(local_store: Path, tmp_path: Path, args: list[str], message: str) -> None:
    r = run("screenshot", "--local", str(local_store), "--user", "agent1", "--out", str(tmp_path / "x.png"), *args)
    assert r.returncode == 2
    assert message in r.stderr
    assert not (tmp_path / "x.png").exists()


def test_screenshot_without_a_local_store(tmp_path: Path) -> None:
    r = run("screenshot", "--local", str(tmp_path / "none.db"), "--number", "13800138000", "--out", str(tmp_path / "x.png"))
    assert r.returncode == 2 and "no local store" in r.stderr


def test_no_display_says_so_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = run(env=env)
    assert r.returncode == 2
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "no display" in lines[0] and "xvfb-run" in lines[0]
