"""The layers of docs/architecture.md hold: the import-linter contracts in pyproject.toml,
and the migration scripts (not packages, so outside the contracts) import only the core."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: each store's migrations folder and the one module of its own they may import (for env.py)
MIGRATIONS = {
    "central": (ROOT / "server_stub" / "storage" / "migrations", "server_stub.storage.models"),
    "local": (ROOT / "workbench" / "local_store" / "migrations", "workbench.local_store.models"),
}


def _lint_imports() -> str:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.fail("lint-imports is missing: install the test extra (pip install -e '.[test]')")
    return exe


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_import_contracts_are_kept() -> None:
    run = subprocess.run([_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                         timeout=240)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_a_broken_layer_is_caught(tmp_path: Path) -> None:
    """The contracts can fail: a core module importing a service breaks one."""
    (tmp_path / "workbench").mkdir()
    shutil.copytree(ROOT / "workbench", tmp_path / "workbench", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "server_stub", tmp_path / "server_stub",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "workbench" / "core" / "bad_layer.py").write_text(
        "from workbench.services import outcomes  # noqa: F401\n", encoding="utf-8")
    run = subprocess.run([_lint_imports(), "--no-cache"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=240, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert run.returncode != 0
    assert "workbench.core.bad_layer -> workbench.services.outcomes" in run.stdout


@pytest.mark.parametrize("store", sorted(MIGRATIONS))
def test_migrations_import_only_the_core(store: str) -> None:
    folder, own_models = MIGRATIONS[store]
    scripts = [folder / "env.py", *sorted((folder / "versions").glob("*.py"))]
    assert len(scripts) > 1
    for script in scripts:
        ours = {m for m in _imports(script) if m.split(".")[0] in ("workbench", "server_stub")}
        stray = {m for m in ours - {own_models} if not m.startswith("workbench.core")}
        assert not stray, f"{script.relative_to(ROOT)} imports {sorted(stray)}"
