"""seed-demo: realistic, deterministic demo data in a real SQLite central store."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import string
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from server_stub.cli import main as cli_main
from server_stub.seed import SeedError, seed_demo
from server_stub.seed.demo import DEFAULT_TODAY
from server_stub.seed.generate import generate
from server_stub.seed.reference import PLACEHOLDERS
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from server_stub.sync import wire_row
from workbench.core import codes
from workbench.core.entities import to_wire
from workbench.core.rules import check_rule, compile_rule
from workbench.core.tags import TAGS, label

N = 1500
PHONE = re.compile(r"^1(3\d|5[0-35-9]|8\d|9[1356789])\d{8}$")


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A central store seeded once with N customers (shared by the read-only tests)."""
    path = tmp_path_factory.mktemp("seed") / "central.db"
    calls: list[tuple[str, int, int]] = []
    summary = seed_demo(_url(path), N, 11, progress=lambda *a: calls.append(a))
    assert summary.customers == N
    assert calls and calls[-1][0] == "committing" and calls[-1][1] == calls[-1][2]
    engine = open_central(_url(path))
    yield engine
    engine.dispose()


def _frame(engine: Engine, model: type[m.Base]) -> pd.DataFrame:
    with Session(engine) as s:
        rows = s.scalars(select(model)).all()
        return pd.DataFrame([to_wire(r) for r in rows])


def _count(engine: Engine, model: type[m.Base]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model.__table__)).scalar() or 0)


# ------------------------------------------------------------------ accounts and reference data


def test_demo_accounts_exist_with_password_demo(seeded: Engine) -> None:
    with Session(seeded) as s:
        users = {u.username: u for u in s.scalars(select(m.User))}
        stores = {st.id: st for st in s.scalars(select(m.Store))}
        t01_cities = set(s.scalars(select(m.Customer.city).where(m.Customer.team_id == "T01")))
    expected = {
        "agent1": ("agent", "T01", None), "agent2": ("agent", "T01", None),
        "agent9": ("agent", "T02", None), "reception1": ("receptionist", None, "S001"),
        "lead1": ("lead", "T01", None), "admin": ("admin", None, None),
    }
    hasher = PasswordHasher()
    for name, (role, team, store) in expected.items():
        user = users[name]
        assert user.id == f"U-{name}"
        assert (user.role, user.team_id, user.store_id) == (role, team, store)
        assert hasher.verify(user.password_hash, "demo")
    assert {u.role for u in users.values()} == {r.value for r in codes.Role}
    assert len({u.password_hash for u in users.values()}) == 1  # hashed once
    assert users["agent1"].skills and users["agent9"].skills
    assert stores["S001"].city in t01_cities  # reception1 serves T01's customers


def test_seed_policies_exist_with_their_rules(seeded: Engine) -> None:
    policies = _frame(seeded, m.Policy).set_index("id")
    assert policies.loc["P-168-504", "rule"] == "plan_fee == 96"
    assert policies.loc["P-168-504", "name"] == "预存168得504"
    assert policies.loc["P-228-684", "rule"] == "plan_fee == 126"
    assert policies.loc["P-SIM-4G", "rule"] == 'network == "3G"'
    assert "store" in policies.loc["P-SIM-4G", "channels"]
    assert "upgrade_intent" in policies.loc["P-PHONE-500", "rule"]
    assert policies.loc["P-168-504", "exclusive_group"] == policies.loc["P-228-684", "exclusive_group"]
    for pid, row in policies.iterrows():
        assert check_rule(row["rule"]) is None, pid
        assert set(row["channels"]) <= {c.value for c in codes.Channel}
        assert row["value"] > 0 and row["script_id"]
    active = policies[policies["status"] == "published"]
    now = dt.datetime.combine(DEFAULT_TODAY, dt.time(), dt.UTC).isoformat()
    assert (active["valid_from"] < now).all() and (active["valid_to"] > now).all()


def test_scripts_cover_every_section_with_placeholders(seeded: Engine) -> None:
    scripts = _frame(seeded, m.Script)
    policies = _frame(seeded, m.Policy)
    assert set(policies["script_id"]) <= set(scripts["id"])
    for pid in policies["id"]:
        sections = set(scripts.loc[scripts["policy_id"] == pid, "section"])
        assert sections == {s.value for s in codes.ScriptSection}, pid
    objections = scripts[scripts["section"] == "objection"]
    words = {w for ks in objections["keywords"] for w in ks}
    assert {"太贵", "不需要", "考虑一下", "合约"} <= words
    assert scripts["body"].str.contains("{name}").any()
    assert scripts["body"].str.contains("{plan_fee}").any()
    assert (scripts["variant"] == "B").any()
    assert scripts["lifecycle_stage"].notna().any()
    used = {f for body in scripts["body"] for _, f, _, _ in string.Formatter().parse(body) if f}
    assert used <= PLACEHOLDERS, used - PLACEHOLDERS


def test_pressure_limits(seeded: Engine) -> None:
    limits = _frame(seeded, m.PressureLimit).set_index("id")
    out = limits.loc["PL-OUTBOUND-MONTH"]
    assert (out["channel"], out["period"], out["max_contacts"]) == ("outbound", "month", 2)
    assert (out["quiet_start"], out["quiet_end"], out["cooldown_days_after_refusal"]) == (
        "21:00", "09:00", 7)
    assert limits.loc["PL-SMS-MONTH", "max_contacts"] == 4


# ------------------------------------------------------------------ customers


def test_every_customer_has_a_full_portrait(seeded: Engine) -> None:
    cust = _frame(seeded, m.Customer)
    stores = _frame(seeded, m.Store).set_index("id")
    assert len(cust) == N
    assert list(cust["id"][:3]) == ["C0000001", "C0000002", "C0000003"]
    for col in ("name", "phone", "id_number_masked", "id_suffix", "gender", "province", "city",
                "timezone", "job_type", "plan_name", "device", "network", "team_id", "store_id"):
        assert cust[col].map(lambda v: isinstance(v, str) and v != "").all(), col
    assert cust["phone"].map(lambda p: bool(PHONE.match(p))).all()
    phones = list(cust["phone"]) + [p for p in cust["phone2"] if isinstance(p, str)]
    assert len(phones) == len(set(phones))
    assert 0.05 < cust["phone2"].notna().mean() < 0.3
    assert cust["id_number_masked"].str.fullmatch(r"\d{6}\*{8}\d{3}[\dX]").all()
    assert (cust["id_number_masked"].str[-4:] == cust["id_suffix"].str[-4:]).all()
    assert set(cust["gender"]) == {"M", "F"}
    assert cust["birth_year"].between(1940, 2010).all()
    assert (cust["tenure_months"] > 0).all() and (cust["arpu"] > 0).all()
    assert {56, 96, 126, 196} <= set(cust["plan_fee"]) and cust["plan_fee"].nunique() >= 7
    assert set(cust["network"]) == {"3G", "4G", "5G"}
    assert set(cust["lifecycle_stage"]) == {s.value for s in codes.Lifecycle}
    assert set(cust["value_tier"]) == {t.value for t in codes.ValueTier}
    assert set(cust["preferred_channel"]) == {c.value for c in codes.Channel}
    assert 0 < cust["do_not_call"].mean() < 0.1
    assert 0 < cust["open_complaint"].mean() < 0.1
    assert cust["province"].nunique() >= 10
    assert (cust.loc[cust["province"] == "新疆", "timezone"] == "Asia/Urumqi").all()
    assert cust["timezone"].value_counts().index[0] == "Asia/Shanghai"
    # each customer's store is in the customer's city
    assert (stores.loc[cust["store_id"], "city"].to_numpy() == cust["city"].to_numpy()).all()
    assert set(cust["team_id"]) >= {"T01", "T02", "T03", "T04", "T05"}


def test_tags_use_the_vocabulary_with_at_least_20_kinds(seeded: Engine) -> None:
    cust = _frame(seeded, m.Customer)
    used = Counter(t for tags in cust["tags"] for t in tags)
    assert len(used) >= 20
    assert set(used) <= set(TAGS)
    assert label("price_sensitive") == "资费敏感" and label("price_sensitive", "en")
    assert label("unknown_tag") == "unknown_tag"


def test_rule_strings_agree_with_the_generator(seeded: Engine) -> None:
    """The history's notion of "fits the policy" is the policy's own rule, evaluated."""
    cust = _frame(seeded, m.Customer)
    policies = _frame(seeded, m.Policy)
    events = _frame(seeded, m.ContactEvent)
    fits = {}
    for pid, rule in zip(policies["id"], policies["rule"], strict=True):
        mask = compile_rule(rule).mask(cust, today=DEFAULT_TODAY)
        fits[pid] = set(cust.loc[mask.to_numpy(), "id"])
        assert 0 < len(fits[pid]) < N, pid
    offered = events[events["policy_id"].notna()]
    targeted = [c in fits[p] for c, p in zip(offered["customer_id"], offered["policy_id"],
                                               strict=True)]
    # most offers go to customers who fit (precision marketing), some are broadcast
    assert 0.55 < sum(targeted) / len(targeted) < 0.95


def test_showcase_customers(seeded: Engine) -> None:
    with Session(seeded) as s:
        c1 = s.get(m.Customer, "C0000001")
        c4 = s.get(m.Customer, "C0000004")
        tasks = s.scalars(select(m.Task).where(m.Task.customer_id == "C0000008")).all()
        wos = s.scalars(select(m.WorkOrder).where(
            m.WorkOrder.customer_id.in_(["C0000003", "C0000005"]))).all()
    assert (c1.phone, c1.plan_fee, c1.team_id, c1.store_id) == ("13800138000", 96, "T01", "S001")
    assert c4.do_not_call
    assert any(t.policy_id == "P-168-504" and t.status == "suppressed" for t in tasks)
    states = {w.customer_id: w.status for w in wos if w.created_at.date() > dt.date(2026, 10, 1)}
    assert states == {"C0000003": "created", "C0000005": "arrived"}


# ------------------------------------------------------------------ history


def test_contact_history_is_valid_and_respects_pressure(seeded: Engine) -> None:
    ev = _frame(seeded, m.ContactEvent)
    cust = _frame(seeded, m.Customer).set_index("id")
    assert 3.0 <= len(ev) / N <= 6.0
    assert set(ev["channel"]) == {c.value for c in codes.Channel}
    assert set(ev["wrapup"]) <= {w.value for w in codes.WrapUp}
    assert set(ev["intent"]) <= {i.value for i in codes.Intent}
    when = pd.to_datetime(ev["started_at"])
    end = pd.Timestamp(DEFAULT_TODAY, tz="UTC")
    assert when.max() < end and when.min() >= end - pd.Timedelta(days=366)
    out = ev[ev["channel"] == "outbound"].copy()
    assert out["user_id"].str.startswith("U-agent").all()
    assert out["predicted_p"].between(0, 1).all()
    # outbound only between 09:00 and 21:00 in the customer's time zone
    tz = cust.loc[out["customer_id"], "timezone"].to_numpy()
    offset = pd.to_timedelta([6 if z == "Asia/Urumqi" else 8 for z in tz], unit="h")
    local = pd.to_datetime(out["started_at"]).dt.tz_localize(None) + offset
    assert local.dt.hour.between(9, 20).all()
    # at most 2 outbound calls per customer and month; do-not-call: at most the one that asked
    out["month"] = local.dt.to_period("M").to_numpy()
    assert out.groupby(["customer_id", "month"]).size().max() <= 2
    # cool-down: no outbound call within 7 days after a refused one
    out = out.sort_values(["customer_id", "started_at"])
    prev_refused = out.groupby("customer_id")["wrapup"].shift() == "refused"
    gap = pd.to_datetime(out["started_at"]).groupby(out["customer_id"]).diff()
    assert not (prev_refused & (gap < pd.Timedelta(days=7))).any()
    dnc = out[out["customer_id"].map(cust["do_not_call"])]
    assert dnc.groupby("customer_id").size().max() <= 1
    assert (dnc["wrapup"] == "do_not_call").all()
    # cost and duration
    assert (ev.loc[ev["channel"] == "sms", "duration_s"] == 0).all()
    assert (ev.loc[ev["wrapup"] == "accepted", "duration_s"] > 0).sum() > 0
    assert (ev["cost"] >= 0).all()
    assert (ev.loc[ev["wrapup"] == "accepted", "deal_value"] > 0).all()
    assert (ev.loc[ev["wrapup"] != "accepted", "deal_value"] == 0).all()


def _two_proportion_z(k1: int, n1: int, k2: int, n2: int) -> float:
    p = (k1 + k2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return (k1 / n1 - k2 / n2) / se


def test_outcomes_depend_on_the_portrait(seeded: Engine) -> None:
    """Acceptance is far likelier when the customer fits the policy: real, learnable signal."""
    ev = _frame(seeded, m.ContactEvent)
    cust = _frame(seeded, m.Customer).set_index("id")
    offers = ev[ev["policy_id"].notna()].copy()
    offers["won"] = offers["wrapup"].isin(["accepted", "transferred"])
    assert len(offers) > 3000
    c168 = offers[offers["policy_id"] == "P-168-504"]
    fit = cust.loc[c168["customer_id"], "plan_fee"].to_numpy() == 96
    z = _two_proportion_z(int(c168["won"][fit].sum()), int(fit.sum()),
                          int(c168["won"][~fit].sum()), int((~fit).sum()))
    assert z > 4, z
    # across all offers: fitting customers vs the rest
    rules = {p.id: compile_rule(p.rule) for p in _frame(seeded, m.Policy).itertuples()}
    cust_reset = cust.reset_index()
    fits = {pid: set(cust_reset.loc[r.mask(cust_reset, today=DEFAULT_TODAY).to_numpy(), "id"])
            for pid, r in rules.items()}
    is_fit = [c in fits[p] for c, p in zip(offers["customer_id"], offers["policy_id"], strict=True)]
    is_fit_s = pd.Series(is_fit, index=offers.index)
    z_all = _two_proportion_z(int(offers["won"][is_fit_s].sum()), int(is_fit_s.sum()),
                              int(offers["won"][~is_fit_s].sum()), int((~is_fit_s).sum()))
    assert z_all > 8, z_all
    # the latent probability ranks outcomes (AUC well above 0.5)
    ranks = offers["predicted_p"].rank()
    pos = offers["won"]
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    auc = (ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    assert auc > 0.7, auc
    # value tier and lifecycle matter too
    by_life = offers.groupby(offers["customer_id"].map(cust["lifecycle_stage"]))["won"].mean()
    assert by_life["growth"] > by_life["churned"]


def test_acceptances_tasks_and_work_orders_are_consistent(seeded: Engine) -> None:
    ev = _frame(seeded, m.ContactEvent)
    acc = _frame(seeded, m.Acceptance)
    tasks = _frame(seeded, m.Task)
    wos = _frame(seeded, m.WorkOrder)
    users = _frame(seeded, m.User).set_index("id")
    cust = _frame(seeded, m.Customer).set_index("id")
    accepted = ev[(ev["wrapup"] == "accepted") & ev["policy_id"].notna()]
    assert len(acc) == len(accepted)
    assert set(acc["status"]) <= {s.value for s in codes.AcceptanceStatus}
    live = acc[acc["status"] == "accepted"]
    assert not live.duplicated(["customer_id", "policy_id"]).any()
    # tasks: no open task for a policy the customer accepted
    done = set(zip(live["customer_id"], live["policy_id"], strict=True))
    open_tasks = tasks[tasks["status"] == "open"]
    assert not any((c, p) in done for c, p in zip(open_tasks["customer_id"],
                                                   open_tasks["policy_id"], strict=True))
    assert {"open", "suppressed"} <= set(tasks["status"])
    out = tasks[tasks["channel"] == "outbound"]
    assert (users.loc[out["assignee_id"], "team_id"].to_numpy()
            == cust.loc[out["customer_id"], "team_id"].to_numpy()).all()
    assert not cust.loc[out["customer_id"], "do_not_call"].any()
    assert set(tasks["lead_tier"]) == {"A", "B", "C"}
    # a settled task was created before the acceptance that settled it
    first_acc = live.groupby(["customer_id", "policy_id"])["accepted_at"].min()
    settled = tasks[tasks["status"] == "done"].set_index(["customer_id", "policy_id"])
    assert (settled["created_at"] < first_acc.reindex(settled.index)).all()
    # contacts that worked a task point at it
    linked = ev[ev["task_id"].notna()].merge(tasks, left_on="task_id", right_on="id",
                                             suffixes=("", "_task"))
    assert len(linked) > 0
    assert (linked["customer_id"] == linked["customer_id_task"]).all()
    assert (linked["policy_id"] == linked["policy_id_task"]).all()
    assert (linked["started_at"] >= linked["created_at"]).all()
    # work orders in every state, failed ones with a reason
    assert {"created", "arrived", "done", "failed", "returned"} <= set(wos["status"])
    assert set(wos["status"]) <= {s.value for s in codes.WorkOrderStatus}
    assert (wos.loc[wos["status"] == "failed", "result_reason"] != "").all()
    assert wos.loc[wos["status"] == "arrived", "handled_by"].notna().all()
    assert (wos["updated_at"] >= wos["created_at"]).all()


def test_change_log_holds_every_row_as_its_wire_form(seeded: Engine) -> None:
    with Session(seeded) as s:
        log = {(c.entity, c.entity_id): c for c in s.scalars(select(m.ChangeLog))}
        counter = s.scalar(select(m.CursorCounter.value))
        customers = {c.id: c for c in s.scalars(select(m.Customer))}
        total = 0
        for entity, model in m.ENTITIES.items():
            rows = s.scalars(select(model)).all()
            total += len(rows)
            for row in rows:
                change = log[(entity, row.id)]
                assert change.data == wire_row(entity, row), (entity, row.id)
                assert change.op == "upsert"
                cid = getattr(row, "customer_id", None) or (row.id if entity == "customer" else None)
                if cid:
                    owner = customers[cid]
                    assert (change.team_id, change.store_id) == (owner.team_id, owner.store_id)
                elif entity == "user":  # each role receives the names it shows (issue #13)
                    assert (change.team_id, change.store_id) == (row.team_id, row.store_id)
                else:
                    assert (change.team_id, change.store_id) == (None, None)
    assert len(log) == total == counter
    assert sorted(c.cursor for c in log.values()) == list(range(1, total + 1))


# ------------------------------------------------------------------ determinism and errors


def test_same_seed_same_rows(tmp_path: Path) -> None:
    a, b, c = (tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db")
    seed_demo(_url(a), 300, 5)
    seed_demo(_url(b), 300, 5)
    seed_demo(_url(c), 300, 6)
    ea, eb, ec = (open_central(_url(p)) for p in (a, b, c))
    try:
        for model in m.ENTITIES.values():
            fa, fb = _frame(ea, model), _frame(eb, model)
            if model is m.User:
                fa, fb = fa.drop(columns="password_hash"), fb.drop(columns="password_hash")
            pd.testing.assert_frame_equal(fa, fb)
        la = _frame(ea, m.ChangeLog).drop(columns="created_at")
        lb = _frame(eb, m.ChangeLog).drop(columns="created_at")
        pd.testing.assert_frame_equal(la, lb)
        assert not _frame(ea, m.Customer).equals(_frame(ec, m.Customer))
    finally:
        for e in (ea, eb, ec):
            e.dispose()


def test_generation_is_deterministic_in_memory() -> None:
    one = generate(200, 3, DEFAULT_TODAY)
    two = generate(200, 3, DEFAULT_TODAY)
    for t1, t2 in zip(one.tables, two.tables, strict=True):
        assert t1.entity == t2.entity
        for key in t1.columns:
            assert list(t1.columns[key]) == list(t2.columns[key]), (t1.entity, key)


def test_today_moves_the_history(tmp_path: Path) -> None:
    summary = seed_demo(_url(tmp_path / "d.db"), 50, 1, today=dt.date(2027, 3, 1))
    engine = open_central(_url(tmp_path / "d.db"))
    try:
        with Session(engine) as s:
            last = s.scalar(select(func.max(m.ContactEvent.started_at)))
        assert summary.reference_date == dt.date(2027, 3, 1)
        assert dt.datetime(2027, 1, 1, tzinfo=dt.UTC) < last < dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    finally:
        engine.dispose()


def _empty(engine: Engine) -> bool:
    return all(_count(engine, model) == 0 for model in (*m.ENTITIES.values(), m.ChangeLog))


@pytest.mark.parametrize("customers", [-5, 0])
def test_bad_customer_count_changes_nothing(tmp_path: Path, customers: int) -> None:
    url = _url(tmp_path / "e.db")
    engine = open_central(url)
    try:
        with pytest.raises(SeedError, match="positive"):
            seed_demo(engine, customers, 1)
        assert _empty(engine)
    finally:
        engine.dispose()


def test_unknown_url_scheme_is_refused() -> None:
    with pytest.raises(SeedError, match="unsupported database URL scheme 'mysql'"):
        seed_demo("mysql://root@localhost/x", 10, 1)
    with pytest.raises(SeedError, match="not a database URL"):
        seed_demo("no such thing", 10, 1)


def test_seeding_twice_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    url = _url(tmp_path / "f.db")
    seed_demo(url, 30, 1)
    engine = open_central(url)
    try:
        before = {model.__tablename__: _count(engine, model)
                  for model in (*m.ENTITIES.values(), m.ChangeLog)}
        with pytest.raises(SeedError, match="already has data"):
            seed_demo(engine, 30, 2)
        after = {model.__tablename__: _count(engine, model)
                 for model in (*m.ENTITIES.values(), m.ChangeLog)}
        assert before == after
    finally:
        engine.dispose()


def test_cli_reports_bad_arguments_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "g.db"
    assert cli_main(["seed-demo", "--db", _url(db), "--customers", "-3"]) == 2
    assert "--customers must be a positive whole number" in capsys.readouterr().err
    assert not db.exists()
    assert cli_main(["seed-demo", "--db", "oracle://x/y", "--customers", "10"]) == 2
    assert "unsupported database URL scheme 'oracle'" in capsys.readouterr().err
    assert cli_main(["seed-demo", "--db", _url(db), "--customers", "10", "--today", "soon"]) == 2
    assert "--today" in capsys.readouterr().err


def test_cli_creates_the_folder_and_reports_an_unreachable_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "new" / "folder" / "central.db"
    assert cli_main(["seed-demo", "--db", _url(db), "--customers", "5", "--quiet"]) == 0
    assert db.exists()
    capsys.readouterr()
    bad = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
    assert cli_main(["seed-demo", "--db", bad, "--customers", "5"]) == 1
    err = capsys.readouterr().err
    assert "cannot open the central store" in err and "secret" not in err


def test_cli_seeds_and_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = _url(tmp_path / "h.db")
    assert cli_main(["seed-demo", "--db", url, "--customers", "40", "--seed", "2"]) == 0
    out = capsys.readouterr()
    assert "40 customers" in out.out and "C0000001 13800138000" in out.out
    assert "seed-demo:" in out.err  # the progress line
    assert cli_main(["seed-demo", "--db", url, "--customers", "40", "--if-empty"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert cli_main(["seed-demo", "--db", url, "--customers", "40"]) == 1
    assert "already has data" in capsys.readouterr().err


def test_wire_json_is_plain_json(seeded: Engine) -> None:
    with Session(seeded) as s:
        row = s.scalars(select(m.ChangeLog).where(m.ChangeLog.entity == "customer").limit(1)).one()
    text = json.dumps(row.data, ensure_ascii=False)
    assert json.loads(text) == row.data


def _indexes(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return set(conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'").all())


def test_indexes_are_rebuilt_after_the_bulk_load(tmp_path: Path) -> None:
    url = _url(tmp_path / "i.db")
    engine = open_central(url)
    try:
        before = _indexes(engine)
        assert any(name == "ix_customers_phone" for name, _ in before)
        seed_demo(engine, 20, 1)
        assert _indexes(engine) == before
        with engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal"
    finally:
        engine.dispose()


def test_a_failure_while_writing_changes_nothing(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from server_stub.seed import demo

    url = _url(tmp_path / "j.db")
    engine = open_central(url)
    real = demo._insert
    calls = {"n": 0}

    def failing(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] > 12:
            raise OSError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    try:
        before = _indexes(engine)
        monkeypatch.setattr(demo, "_insert", failing)
        with pytest.raises(OSError, match="disk full"):
            seed_demo(engine, 50, 1)
        assert _empty(engine)
        assert _indexes(engine) == before
        with Session(engine) as s:
            assert not s.scalar(select(m.CursorCounter.value))
    finally:
        engine.dispose()


def test_offers_fall_inside_the_policy_validity(seeded: Engine) -> None:
    ev = _frame(seeded, m.ContactEvent)
    policies = _frame(seeded, m.Policy).set_index("id")
    offers = ev[ev["policy_id"].notna()]
    when = pd.to_datetime(offers["started_at"])
    start = pd.to_datetime(policies.loc[offers["policy_id"], "valid_from"]).to_numpy()
    end = pd.to_datetime(policies.loc[offers["policy_id"], "valid_to"]).to_numpy()
    assert ((when.to_numpy() >= start) & (when.to_numpy() <= end)).all()
    # few outbound calls on Sundays (local time)
    out = pd.to_datetime(ev.loc[ev["channel"] == "outbound", "started_at"]) + pd.Timedelta(hours=8)
    share = (out.dt.day_of_week == 6).mean()
    assert share < 0.07
