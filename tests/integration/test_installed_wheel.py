"""Chinese out of the box: the wheel carries its translations. Installed non-editable into a
fresh venv and started outside the checkout, the main window is Chinese by default and
English once the language setting says so, with English plural forms."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.installed_venv import (
    ROOT,
    build_wheel,
    clean_env,
    fresh_venv,
    pip_install,
    see_shared_venv,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # builds or installs a package: minutes on a busy box


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(base / "dist")
    py = fresh_venv(base / "venv")
    done = pip_install(py, "--no-deps", str(wheel))
    assert done.returncode == 0, done.stderr
    see_shared_venv(py)
    return py


def _window_texts(py: Path, tmp: Path, language: str | None) -> dict[str, object]:
    config = tmp / f"config-{language}"
    config.mkdir()
    if language:
        (config / "settings.json").write_text(json.dumps({"language": language}), encoding="utf-8")
    env = clean_env(QT_QPA_PLATFORM="offscreen", WORKBENCH_CONFIG_DIR=str(config))
    done = subprocess.run([str(py), str(ROOT / "tests" / "integration" / "installed_probe.py"), str(config)],
                          cwd=tmp, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_installed_wheel_is_chinese_by_default_and_switches_to_english(installed: Path, tmp_path: Path) -> None:
    zh = _window_texts(installed, tmp_path, None)
    assert not str(zh["file"]).startswith(str(ROOT)), zh["file"]  # the installed copy, not the checkout
    assert str(installed.parent.parent) in str(zh["file"])
    assert zh["language"] == "zh"
    assert zh["title"] == "坐席工作台 — 张三（客户经理）"
    assert zh["menus"] == ["工作台(&W)", "工具(&T)"]
    assert zh["progress_3"] == "同步中… 3 条记录"
    assert zh["offline_1"] == "离线 — 显示本地数据，1 条变更待上传"

    en = _window_texts(installed, tmp_path, "en")
    assert en["language"] == "en"
    assert en["menus"] == ["&Workbench", "&Tools"]
    assert en["title"] == "Agent Workbench — 张三 (Agent)"
    assert en["progress_1"] == "Syncing… 1 record" and en["progress_3"] == "Syncing… 3 records"
    assert en["offline_1"] == "Offline — showing local data, 1 change waiting"
    assert en["offline_3"] == "Offline — showing local data, 3 changes waiting"
