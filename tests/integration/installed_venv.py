"""Build the project's wheel and install it, non-editable, into fresh virtualenvs (tests only).

A fresh venv that sees the shared venv's site-packages through a plain path line in a
``.pth`` file (so PySide6 and friends are not downloaded again) — a plain line adds the
folder to ``sys.path`` without running the ``.pth`` files inside it, so the shared venv's
editable install of the checkout is not active there; the wheel installed into the fresh
venv comes first on the path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without PYTHONPATH: the checkout (and the ``*.egg-info`` a build leaves
    in it) must not be visible to the installed copy or to its pip."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(extra)
    return env


def build_wheel(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=600, env=clean_env())
    wheels = sorted(out.glob("agent_workbench-*.whl"))
    assert wheels, f"no wheel in {out}"
    return wheels[-1]


def fresh_venv(path: Path) -> Path:
    """A new, empty venv at ``path``; returns its python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin" / "python"


def see_shared_venv(py: Path) -> None:
    """Make the shared venv's packages importable from ``py``'s venv, behind its own. Done after
    installing the wheel: pip would otherwise take the shared editable install's metadata for
    an installed agent-workbench and skip the wheel."""
    own = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              check=True, capture_output=True, text=True).stdout.strip())
    (own / "zz_shared_venv.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")


def pip_install(py: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=timeout, env=clean_env())
