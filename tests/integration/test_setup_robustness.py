"""A set-up that cannot fail quietly: the lock file the installs use, skip reasons printed, a
failed apt step failing CI, and a throw-away PostgreSQL when none answers at 5432."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in ("desktop", "server", "test", "package"):
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return [r for r in reqs if r.marker is None or r.marker.evaluate()]


def test_the_lock_pins_every_dependency_within_its_range() -> None:
    pins = _pins()
    unpinned = [str(r) for r in _requirements() if canonicalize_name(r.name) not in pins]
    assert not unpinned, f"run `make lock` after changing pyproject.toml: not pinned {unpinned}"
    outside = [f"{r} (pinned {pins[canonicalize_name(r.name)]})" for r in _requirements()
               if not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)]
    assert not outside, f"run `make lock`: pins outside pyproject's ranges {outside}"


def test_the_tests_run_on_the_locked_versions() -> None:
    """The venv the suite runs in has exactly the pinned versions of the direct dependencies."""
    pins = _pins()
    drift = {}
    for r in _requirements():
        name = canonicalize_name(r.name)
        try:
            have = metadata.version(r.name)
        except metadata.PackageNotFoundError:
            drift[name] = ("missing", pins[name])
            continue
        if have != pins[name]:
            drift[name] = (have, pins[name])
    assert not drift, f"installed vs locked: {drift}"


def test_every_install_uses_the_lock_and_the_tests_print_skip_reasons(tmp_path: Path) -> None:
    dry = subprocess.run(["make", "-n", "-B", f"VENV={tmp_path / 'v'}", "test"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    installs = [line for line in dry.splitlines() if " install " in line and "pip" in line
                and "--upgrade pip" not in line]
    assert len(installs) >= 2 and all("-c requirements/constraints.txt" in line for line in installs), installs
    pytest_line = next(line for line in dry.splitlines() if "-m pytest" in line)
    assert " -rs" in pytest_line and "scripts/with-test-postgres.sh" in pytest_line


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="not a Debian system")
def test_a_failed_apt_step_fails_the_run_under_ci() -> None:
    script = ROOT / "scripts" / "install-system-packages.sh"
    env = {**os.environ, "APT_UPDATE": "0"}
    bogus = "no-such-package-agent-workbench"
    strict = subprocess.run(["bash", str(script), "bash", bogus], env={**env, "CI": "true"},
                            capture_output=True, text=True, timeout=300)
    assert strict.returncode != 0 and "CI=true" in strict.stderr, strict.stderr
    lenient = subprocess.run(["bash", str(script), bogus], env={k: v for k, v in env.items() if k != "CI"},
                             capture_output=True, text=True, timeout=300)
    assert lenient.returncode == 0 and "note:" in lenient.stderr, lenient.stderr
    done = subprocess.run(["bash", str(script), "bash"], env={**env, "CI": "true"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0  # nothing missing: nothing to do, even under CI


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
@pytest.mark.skipif(not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")),
                    reason="Debian's postgresql package is not installed")
def test_a_throwaway_cluster_runs_the_postgresql_half_and_is_removed() -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_TEST_PG"}
    env.update(WORKBENCH_TEST_PG_PORT=str(port), PYTHONPATH=str(ROOT))
    run = subprocess.run(["bash", str(ROOT / "scripts" / "with-test-postgres.sh"), sys.executable, "-m", "pytest",
                          "-q", "-rs", "-p", "no:cacheprovider", "tests/integration/test_migrations.py", "-k", "postgresql"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"throw-away cluster on 127.0.0.1:{port}" in run.stdout
    assert re.search(r"\b1 passed\b", run.stdout) and "skipped" not in run.stdout, run.stdout
    folder = re.search(r"\((/[^)]+workbench-pg\.[^)]+)\)", run.stdout)
    assert folder is not None and not Path(folder.group(1)).exists()  # removed afterwards
    assert not _answers(port)  # and stopped
