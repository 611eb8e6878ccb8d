"""Refreshing the scores of a local book: bulk write, progress, merge, cancel, SQL = pandas."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select, text

from tests.synth.scoring_data import synthetic_book
from workbench.core.scoring.features import build_features, history_features, spec_for
from workbench.core.scoring.models import train_score_model
from workbench.core.scoring.tiers import TierThresholds
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import ContactEvent, Customer
from workbench.services.score_refresh import (
    RefreshCancelled,
    _score_texts,
    load_book,
    load_history_sql,
    refresh_book,
)

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    customers, events = synthetic_book(400, seed=21, now=NOW)
    path = Path(tmp_path_factory.mktemp("book")) / "local.db"
    engine = open_local(path)
    rows = customers.to_dict("records")
    for r in rows:
        r.update(birth_year=int(r["birth_year"]), tenure_months=int(r["tenure_months"]),
                 plan_fee=int(r["plan_fee"]), open_complaint=bool(r["open_complaint"]), scores={})
    ev = events.drop(columns=["true_p"]).to_dict("records")
    for r in ev:
        r.update(started_at=r["started_at"].floor("us").to_pydatetime(), duration_s=int(r["duration_s"]))
    with engine.begin() as conn:
        conn.execute(insert(Customer.__table__), rows)
        conn.execute(insert(ContactEvent.__table__), ev)
    reached = events[events["wrapup"] != "no_answer"].reset_index(drop=True)
    port = customers.set_index("id").loc[reached["customer_id"]].reset_index()
    spec = spec_for("deal", customers)
    X = build_features(spec, port, events, as_of=reached["started_at"])
    y = (reached["wrapup"] == "accepted").to_numpy(int)
    deal = train_score_model("deal", X, y, spec=spec, candidates=("gam",), calibration="sigmoid")
    churn = train_score_model("churn", X.drop(columns=["lifecycle_stage"]), y,
                              spec=spec_for("churn", customers), candidates=("gam",),
                              calibration="sigmoid")
    yield engine, deal, churn, customers, events
    engine.dispose()


def test_sql_history_equals_pandas_history(book) -> None:
    engine, *_ = book
    factory = session_factory(engine)
    as_of = NOW - dt.timedelta(days=90)
    with factory() as s:
        customers, events = load_book(s)
        ids = customers["id"].tolist()
        sql = load_history_sql(s, ids, as_of)
    pandas = history_features(events, pd.DataFrame({"customer_id": ids, "as_of": [as_of] * len(ids)}))
    pd.testing.assert_frame_equal(sql.reset_index(drop=True), pandas.reset_index(drop=True),
                                  check_dtype=False, atol=1e-6)


def test_refresh_writes_scores_and_tiers_with_progress(book) -> None:
    engine, deal, churn, customers, events = book
    factory = session_factory(engine)
    with factory.begin() as s:  # a score of another kind must survive the refresh
        s.get(Customer, customers["id"].iloc[0]).scores = {"legacy": 0.5}
    calls: list[tuple[int, int]] = []
    n = refresh_book(factory, {"deal": deal, "churn": churn}, lambda d, t: calls.append((d, t)),
                     now=NOW, chunk_size=150)
    assert n == len(customers)
    assert calls[-1] == (2 * len(customers), 2 * len(customers))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) == 6
    with factory() as s:
        got = {c.id: (c.scores, c.lead_tier) for c in s.execute(select(Customer)).scalars()}
    first = got[customers["id"].iloc[0]][0]
    assert first["legacy"] == 0.5 and 0 < first["deal"] < 1 and 0 < first["churn"] < 1
    tiers = pd.Series([t for _, t in got.values()]).value_counts()
    assert set(tiers.index) == {"A", "B", "C"} and tiers["A"] == pytest.approx(80, abs=3)
    # the stored deal score equals the screen pop's score for the same customer and moment
    cid = customers["id"].iloc[5]
    portrait = customers[customers["id"] == cid].iloc[0].to_dict()
    history = events[events["customer_id"] == cid].to_dict("records")
    assert got[cid][0]["deal"] == pytest.approx(deal.predict_one(portrait, history, now=NOW).probability,
                                                abs=1e-5)


def test_fixed_thresholds_and_cancel(book) -> None:
    engine, deal, _churn, customers, _ = book
    factory = session_factory(engine)
    refresh_book(factory, deal, None, now=NOW, tiers=TierThresholds(a=1.0, b=1.0))
    with factory() as s:
        assert set(s.execute(select(Customer.lead_tier)).scalars()) == {"C"}
    with pytest.raises(RefreshCancelled):
        refresh_book(factory, deal, None, now=NOW, tiers=TierThresholds(a=0.0, b=0.0),
                     cancel=lambda: True)
    with factory() as s:  # nothing written by the cancelled run
        assert set(s.execute(select(Customer.lead_tier)).scalars()) == {"C"}
    assert refresh_book(factory, [], None) == 0


def test_score_texts_are_the_json_of_each_row() -> None:
    deal = np.array([0.1234567, 0.5, float("nan"), 1.0])
    churn = np.array([0.25, 1e-7, 0.3, float("inf")])
    texts = _score_texts(["deal", "churn"], [deal, churn])
    assert [json.loads(t) for t in texts] == [
        {"deal": 0.123457, "churn": 0.25}, {"deal": 0.5, "churn": 0.0},
        {"deal": None, "churn": 0.3}, {"deal": 1.0, "churn": None}]
    assert texts[0] == json.dumps({"deal": 0.123457, "churn": 0.25})


def test_unreadable_stored_scores_are_replaced(book) -> None:
    engine, deal, _churn, customers, _ = book
    cid = customers["id"].iloc[3]
    with engine.begin() as conn:
        conn.execute(text("UPDATE customers SET scores = '{broken' WHERE id = :id"), {"id": cid})
    refresh_book(session_factory(engine), deal, None, now=NOW)
    with session_factory(engine)() as s:
        scores = s.get(Customer, cid).scores
    assert set(scores) == {"deal"} and 0 < scores["deal"] < 1


def test_cancel_midway_with_two_models_stops_both_and_writes_nothing(book) -> None:
    engine, deal, churn, customers, _ = book
    factory = session_factory(engine)
    with factory() as s:
        before = {r[0]: r[1] for r in s.execute(select(Customer.id, Customer.scores)).all()}
    calls: list[tuple[int, int]] = []
    with pytest.raises(RefreshCancelled):
        refresh_book(factory, {"deal": deal, "churn": churn}, lambda d, t: calls.append((d, t)),
                     now=NOW, chunk_size=50, cancel=lambda: len(calls) >= 2)
    assert 2 <= len(calls) < 2 * len(customers) // 50  # stopped well before the end
    with factory() as s:
        assert {r[0]: r[1] for r in s.execute(select(Customer.id, Customer.scores)).all()} == before


def test_one_statement_write_equals_executemany(book, monkeypatch) -> None:
    """The whole book written by one UPDATE ... FROM json_each stores the same text as the
    row-by-row executemany (the path of SQLite before 3.33)."""
    import workbench.services.score_refresh as refresh

    engine, deal, churn, customers, _ = book
    factory = session_factory(engine)
    with factory.begin() as s:  # other kinds and an unreadable value must be merged alike
        s.get(Customer, customers["id"].iloc[1]).scores = {"legacy": 0.25, "deal": 0.9}
    with engine.begin() as conn:
        conn.execute(text("UPDATE customers SET scores = 'nope' WHERE id = :id"),
                     {"id": customers["id"].iloc[2]})

    def stored() -> dict[str, tuple[str, str | None]]:
        with engine.connect() as conn:
            return {r[0]: (r[1], r[2]) for r in conn.execute(
                text("SELECT id, scores, lead_tier FROM customers")).all()}

    before = stored()
    results = []
    for force in (True, False):
        with engine.begin() as conn:  # back to the same starting point
            for cid, (scores, tier) in before.items():
                conn.execute(text("UPDATE customers SET scores = :s, lead_tier = :t WHERE id = :id"),
                             {"s": scores, "t": tier, "id": cid})
        monkeypatch.setattr(refresh, "_FORCE_EXECUTEMANY", force)
        refresh_book(factory, {"deal": deal, "churn": churn}, None, now=NOW)
        results.append(stored())
    assert results[0] == results[1]
    first = json.loads(results[1][customers["id"].iloc[1]][0])
    assert first["legacy"] == 0.25 and first["deal"] != 0.9


def test_update_rows_json_escapes_odd_ids() -> None:
    from workbench.services.score_refresh import _update_rows_json

    ids = ["C1", 'say "hi"', "back\\slash", "tab\there", "ünï"]
    texts = ['{"deal": 0.5}', '{"deal": null}', '{"deal": 0.1}', '{"deal": 1.0}', '{"deal": 0.0}']
    rows = json.loads(_update_rows_json([1, 2, 3, 4, 5], ids, texts, ["A", None, "B", "C", "A"]))
    assert rows[1] == [2, 'say "hi"', {"deal": None}, None] and [r[1] for r in rows] == ids
    assert json.loads(_update_rows_json([7], ["plain"], ['{"x": 1}'], None)) == [[7, "plain", {"x": 1}]]



def test_columnar_portrait_read_equals_row_read(book, tmp_path, monkeypatch) -> None:
    """The column-wise read of the portraits (one group_concat per column) gives the frame
    of the row-by-row read, NULLs included, and the refresh stores the same scores; a value
    holding the separator sends it back to the row read."""
    import workbench.services.score_refresh as refresh

    _engine, deal, churn, _customers, _events = book
    customers, events = synthetic_book(60, seed=5, now=NOW)
    engine = open_local(tmp_path / "small.db")
    rows = customers.to_dict("records")
    for i, r in enumerate(rows):
        r.update(birth_year=None if i % 7 == 0 else int(r["birth_year"]),
                 tenure_months=int(r["tenure_months"]), plan_fee=int(r["plan_fee"]),
                 open_complaint=bool(r["open_complaint"]), scores={})
    rows[3]["province"] = ""  # an empty text is not a NULL
    ev = events.drop(columns=["true_p"]).to_dict("records")
    for r in ev:
        r.update(started_at=r["started_at"].floor("us").to_pydatetime(), duration_s=int(r["duration_s"]))
    with engine.begin() as conn:
        conn.execute(insert(Customer.__table__), rows)
        conn.execute(insert(ContactEvent.__table__), ev)
    factory = session_factory(engine)

    def read(force: bool) -> pd.DataFrame:
        monkeypatch.setattr(refresh, "_FORCE_ROWS", force)
        with factory() as s:
            return load_book(s, with_events=False)[0]

    def scores(force: bool) -> dict[str, tuple[str, str | None]]:
        monkeypatch.setattr(refresh, "_FORCE_ROWS", force)
        refresh_book(factory, {"deal": deal, "churn": churn}, None, now=NOW)
        with engine.connect() as conn:
            return {r[0]: (r[1], r[2]) for r in conn.execute(
                text("SELECT id, scores, lead_tier FROM customers")).all()}

    with factory() as s:
        assert refresh._portraits_columnar(s) is not None  # the columnar path is taken
    columnar = read(False)
    assert columnar["birth_year"].isna().sum() == 9
    pd.testing.assert_frame_equal(columnar, read(True))
    assert scores(False) == scores(True)
    with engine.begin() as conn:  # the separator inside a value: row read, same frame
        conn.execute(text("UPDATE customers SET plan_name = :p WHERE rowid = 2"),
                     {"p": "odd" + refresh._SEP + "plan"})
    with factory() as s:
        assert refresh._portraits_columnar(s) is None
    pd.testing.assert_frame_equal(read(False), read(True))
    engine.dispose()


def test_columnar_history_read_equals_row_read(book, monkeypatch) -> None:
    """The history aggregates read column-wise give the frame of the rows read back."""
    import workbench.services.score_refresh as refresh

    engine, *_ = book
    factory = session_factory(engine)
    with factory() as s:
        ids = load_book(s, with_events=False)[0]["id"]
    frames = []
    for force in (False, True):
        monkeypatch.setattr(refresh, "_FORCE_ROWS", force)
        cols = (*refresh._history_aside(factory, NOW, 0), *refresh._history_aside(factory, NOW, 1))
        frames.append(refresh.history_from_columns(cols, ids))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert frames[0]["hist_contacts"].gt(0).any() and frames[0]["hist_last_intent"].isna().any()
    with factory() as s:  # the columnar read is the one taken
        cur = s.connection().connection.dbapi_connection.cursor()
        for name, (sql, params) in zip(("a", "b"), refresh._history_queries(NOW), strict=True):
            cur.execute(f"CREATE TEMP TABLE {name} AS {sql}", params)
        assert refresh._history_columns_read(cur, "a", "b") is not None
