"""Central scoring (issue 17 point 1): the same scores as the desktop, only changes published."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from server_stub.auth import Principal
from server_stub.lifecycle.scoring import (
    ScoringError,
    load_history,
    parse_kinds,
    score_central,
)
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from server_stub.sync import pull, wire_row
from server_stub.training import publish
from tests.synth.scoring_data import synthetic_book
from workbench.core.scoring.features import build_features, history_features, spec_for
from workbench.core.scoring.models import ScoreModel, train_score_model
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import ContactEvent as LocalEvent
from workbench.local_store.models import Customer as LocalCustomer
from workbench.services.score_refresh import refresh_book

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
N = 300


@pytest.fixture(scope="module")
def book() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, ScoreModel]]:
    customers, events = synthetic_book(N, seed=5, now=NOW)
    customers["team_id"] = ["T1" if i % 2 else "T2" for i in range(len(customers))]
    reached = events[events["wrapup"] != "no_answer"].reset_index(drop=True)
    port = customers.set_index("id").loc[reached["customer_id"]].reset_index()
    X = build_features(spec_for("deal", customers), port, events, as_of=reached["started_at"])
    y = (reached["wrapup"] == "accepted").to_numpy(int)
    models = {
        "deal": train_score_model("deal", X, y, spec=spec_for("deal", customers),
                                  candidates=("gam",), calibration="sigmoid"),
        "churn": train_score_model("churn", X.drop(columns=["lifecycle_stage"]), y,
                                   spec=spec_for("churn", customers), candidates=("gam",),
                                   calibration="sigmoid"),
    }
    return customers, events, models


def _rows(customers: pd.DataFrame, events: pd.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = customers.to_dict("records")
    for r in rows:
        r.update(birth_year=int(r["birth_year"]), tenure_months=int(r["tenure_months"]),
                 plan_fee=int(r["plan_fee"]), open_complaint=bool(r["open_complaint"]), scores={})
    ev = events.drop(columns=["true_p"]).to_dict("records")
    for r in ev:
        r.update(started_at=r["started_at"].floor("us").to_pydatetime(), duration_s=int(r["duration_s"]))
    return rows, ev


def _central(url: str, book: Any) -> Any:
    customers, events, models = book
    engine = open_central(url)
    rows, ev = _rows(customers, events)
    with engine.begin() as conn:
        conn.execute(insert(m.Customer.__table__), rows)
        conn.execute(insert(m.ContactEvent.__table__), ev)
    with Session(engine) as s, s.begin():
        for model in models.values():
            publish(s, model)
    return engine


def _log_count(engine: Any) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(m.ChangeLog).where(
            m.ChangeLog.entity == "customer")).scalar_one()


def test_central_history_sql_equals_pandas(central_url: str, book: Any) -> None:
    customers, events, _ = book
    engine = _central(central_url, book)
    as_of = NOW - dt.timedelta(days=60)
    ids = customers["id"].tolist()
    with Session(engine) as s:
        sql = load_history(s, ids, as_of)
    expected = history_features(events, pd.DataFrame({"customer_id": ids, "as_of": [as_of] * len(ids)}))
    pd.testing.assert_frame_equal(sql.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_dtype=False, atol=1e-6)
    engine.dispose()


def test_central_scores_equal_desktop_scores(central_url: str, book: Any, tmp_path: Path) -> None:
    customers, events, models = book
    engine = _central(central_url, book)
    progress: list[tuple[int, int]] = []
    report = score_central(engine, ["deal", "churn", "renewal"], now=NOW,
                           progress=lambda d, t: progress.append((d, t)), chunk_size=100)
    assert report.customers == N and report.changed == N
    assert set(report.kinds) == {"deal", "churn"}  # no renewal model published: skipped
    assert progress[-1] == (2 * N, 2 * N)
    with Session(engine) as s:
        central = {c.id: (c.scores, c.lead_tier) for c in s.execute(select(m.Customer)).scalars()}

    # the desktop scores the same book with the same models at the same moment
    local = open_local(tmp_path / "local.db")
    rows, ev = _rows(customers, events)
    with local.begin() as conn:
        conn.execute(insert(LocalCustomer.__table__), rows)
        conn.execute(insert(LocalEvent.__table__), ev)
    refresh_book(session_factory(local), list(models.values()), now=NOW)
    with session_factory(local)() as s:
        desk = {c.id: (c.scores, c.lead_tier) for c in s.execute(select(LocalCustomer)).scalars()}
    local.dispose()
    assert desk.keys() == central.keys()
    for cid, (scores, tier) in desk.items():
        assert central[cid][0] == pytest.approx(scores, abs=1e-6), cid
        assert central[cid][1] == tier
    assert {t for _, t in central.values()} == {"A", "B", "C"}
    engine.dispose()


def test_only_changed_rows_are_published_and_desktops_get_them(central_url: str, book: Any) -> None:
    customers, _, _ = book
    engine = _central(central_url, book)
    report = score_central(engine, now=NOW)
    assert _log_count(engine) == N
    # every published row is exactly the stored row as the sync protocol ships it
    with Session(engine) as s:
        stored = {c.id: wire_row("customer", c) for c in s.execute(select(m.Customer)).scalars()}
        logged = s.execute(select(m.ChangeLog).where(m.ChangeLog.entity == "customer")).scalars().all()
        for entry in logged:
            assert entry.data == stored[entry.entity_id]
            assert entry.team_id == stored[entry.entity_id]["team_id"]
        assert [e.cursor for e in logged] == list(range(report.first_cursor, report.last_cursor + 1))
        # an agent of team T1 pulls exactly the T1 customers' new scores
        agent = Principal("u1", "agent1", "agent", "T1", None, "s1")
        page = pull(s, agent, 0, 5000)
        pulled = {c["data"]["id"] for c in page.changes if c["entity"] == "customer"}
        assert pulled == {c for c, row in stored.items() if row["team_id"] == "T1"}

    again = score_central(engine, now=NOW)  # nothing new: nothing written, nothing published
    assert again.changed == 0 and _log_count(engine) == N

    cid = customers["id"].iloc[7]
    with Session(engine) as s, s.begin():  # one stale score, plus a kind we do not score
        row = s.get(m.Customer, cid)
        assert row is not None
        row.scores = {**row.scores, "deal": 0.0, "legacy": 0.5}
    third = score_central(engine, now=NOW)
    assert third.changed == 1 and _log_count(engine) == N + 1
    with Session(engine) as s:
        row = s.get(m.Customer, cid)
        assert row is not None and row.scores["legacy"] == 0.5 and row.scores["deal"] > 0
    engine.dispose()


def test_no_model_and_bad_kinds_are_refused(central_url: str) -> None:
    engine = open_central(central_url)
    with pytest.raises(ScoringError, match="train"):
        score_central(engine, now=NOW)
    engine.dispose()
    with pytest.raises(ValueError, match="deal_policy"):
        parse_kinds("deal,deal_policy")
    with pytest.raises(ValueError, match="known"):
        parse_kinds(" , ")


def test_unreadable_stored_scores_are_replaced_on_sqlite(tmp_path: Path, book: Any) -> None:
    engine = _central(f"sqlite:///{tmp_path / 'c.db'}", book)
    cid = book[0]["id"].iloc[3]
    with engine.begin() as conn:
        conn.execute(text("UPDATE customers SET scores = '{broken' WHERE id = :id"), {"id": cid})
    score_central(engine, ["deal"], now=NOW)
    with Session(engine) as s:
        scores = json.loads(s.execute(text("SELECT scores FROM customers WHERE id = :id"),
                                      {"id": cid}).scalar_one())
    assert set(scores) == {"deal"} and 0 < scores["deal"] < 1
    engine.dispose()


def test_demo_retention_policy_makes_tasks_for_high_churn_high_value(central_url: str) -> None:
    from server_stub.cli import main as cli_main
    from server_stub.task_generation import generate_tasks
    from tests.integration import factories

    world = factories.make_world(central_url, customers_per_team=4, with_tasks=False)
    churn = {0: 0.8, 1: 0.2, 2: 0.9, 3: None}
    with factories.central_session(central_url) as s:
        for team_ids in world.customers.values():
            for i, cid in enumerate(team_ids):
                row = s.get(m.Customer, cid)
                assert row is not None
                row.value_tier = "high" if i != 2 else "ordinary"
                row.scores = {"deal": 0.3} if churn[i] is None else {"deal": 0.3, "churn": churn[i]}
    yaml_path = Path(__file__).resolve().parents[2] / "server_stub" / "lifecycle" / "demo_retention.yaml"
    assert cli_main(["import-policies", str(yaml_path), "--db", central_url]) == 0
    engine = open_central(central_url)
    generate_tasks(engine, policy_id="P-RETAIN-CHURN", channels=["outbound"])
    with Session(engine) as s:
        got = set(s.execute(select(m.Task.customer_id).where(m.Task.policy_id == "P-RETAIN-CHURN")).scalars())
    # churn 0.8 and high value only: 0.2 is low risk, 0.9 is not high value, None is not scored
    assert got == {ids[0] for ids in world.customers.values()}
    engine.dispose()
