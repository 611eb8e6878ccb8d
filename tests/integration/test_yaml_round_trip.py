"""YAML round trip on the demo (issue 17 point 4): what export-policies writes, import-policies
takes back unchanged, for every kind of object it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server_stub.cli import main as cli_main


def test_demo_export_imports_back_unchanged(tmp_path: Path, capsys: Any) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    assert cli_main(["seed-demo", "--db", url, "--customers", "300", "--quiet"]) == 0
    first = tmp_path / "first.yaml"
    assert cli_main(["export-policies", str(first), "--db", url]) == 0
    text = first.read_text(encoding="utf-8")
    assert "P-SUMMER-10G" in text and "status: retired" in text  # the ended campaign
    capsys.readouterr()
    assert cli_main(["import-policies", str(first), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "policy: 0 created, 0 updated, 12 unchanged" in out
    # every script of the demo (outbound, hotline and store channels) comes back unchanged
    from sqlalchemy import func, select

    from server_stub.storage.db import open_central, session_factory
    from server_stub.storage.models import Script

    engine = open_central(url)
    with session_factory(engine)() as s:
        scripts = s.scalar(select(func.count()).select_from(Script))
    engine.dispose()
    assert scripts and scripts > 100
    assert f"script: 0 created, 0 updated, {scripts} unchanged" in out
    assert "pressure_limit: 0 created, 0 updated, 3 unchanged" in out
    second = tmp_path / "second.yaml"
    assert cli_main(["export-policies", str(second), "--db", url]) == 0
    assert second.read_text(encoding="utf-8") == text
    # and into an empty store: everything created, exported the same
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert cli_main(["import-policies", str(first), "--db", other]) == 0
    assert "policy: 12 created" in capsys.readouterr().out
    third = tmp_path / "third.yaml"
    assert cli_main(["export-policies", str(third), "--db", other]) == 0
    assert third.read_text(encoding="utf-8") == text
