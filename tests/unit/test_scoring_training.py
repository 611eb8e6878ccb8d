"""``workbench-server train`` on a small demo store: files, report, publication through sync."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from server_stub.cli import main as server_main
from workbench.core.scoring.features import POST_CALL_FIELDS
from workbench.core.scoring.models import ModelRegistry, ScoreModel


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    demo = pytest.importorskip("server_stub.seed.demo")
    url = f"sqlite:///{tmp_path_factory.mktemp('central') / 'central.db'}"
    demo.seed_demo(url, 1200, 5)
    return url


def test_train_writes_versioned_models_reports_and_publishes(demo_url: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from server_stub.storage.db import open_central, session_factory
    from server_stub.storage.models import ChangeLog, ScoringModel

    out = tmp_path / "models"
    code = server_main(["train", "--db", demo_url, "--out", str(out), "--kinds", "deal,churn",
                        "--max-rows", "4000"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "deal v1: AUC" in printed
    for name in ("deal-v1.wbscore", "deal-v1.report.json", "deal-v1.report.md",
                 "deal-v1.reliability.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "deal-v1.reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((out / "deal-v1.report.json").read_text(encoding="utf-8"))
    assert report["split"].startswith("time-ordered")
    assert report["test_from"] >= report["train_until"]  # no training row after a test row
    for key in ("auc", "brier", "top_decile_lift", "calibration_slope", "reliability",
                "baseline_logistic"):
        assert key in report
    assert 0.5 < report["auc"] <= 1.0
    # the leakage guard held: no post-call field among the features
    assert not set(report["features"]) & POST_CALL_FIELDS
    model = ScoreModel.load(out / "deal-v1.wbscore")
    assert model.kind == "deal" and model.version == 1

    engine = open_central(demo_url)
    try:
        with session_factory(engine)() as s:
            rows = s.execute(select(ScoringModel).order_by(ScoringModel.kind)).scalars().all()
            changes = s.execute(select(ChangeLog).where(ChangeLog.entity == "scoring_model")).scalars().all()
        # churn may be skipped on a tiny store; deal is always there
        assert "deal" in {r.kind for r in rows}
        assert {c.entity_id for c in changes} == {r.id for r in rows}
        assert all(c.team_id is None and c.store_id is None for c in changes)  # visible to all
        registry = ModelRegistry()
        assert registry.install_rows([c.data for c in changes]) == []
        assert registry.get("deal").version == 1
    finally:
        engine.dispose()

    # a second run makes version 2
    assert server_main(["train", "--db", demo_url, "--out", str(out), "--kinds", "deal",
                        "--max-rows", "3000", "--no-publish"]) == 0
    assert (out / "deal-v2.wbscore").exists()
    capsys.readouterr()


def test_unknown_kind_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert server_main(["train", "--kinds", "astrology"]) == 2
    assert "unknown model kind" in capsys.readouterr().err
