"""Dashboard aggregates against small hand-computed frames, scope rules, loading and exports."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.services import analytics as A

UTC = dt.UTC
COSTS = A.CostSettings(per_contact={"outbound": 0.5, "sms": 0.05}, per_minute={"outbound": 0.1, "sms": 0.0})

CUSTOMERS = pd.DataFrame(
    {
        "province": ["广东", "广东", "广西"],
        "city": ["广州", "深圳", "南宁"],
        "gender": ["M", "F", "M"],
        "birth_year": [1990, 1960, None],
        "job_type": ["白领", "退休", "学生"],
        "value_tier": ["high", "ordinary", "low"],
        "lifecycle_stage": ["growth", "maturity", "decline"],
    },
    index=pd.Index(["C1", "C2", "C3"], name="id"),
)
POLICIES = pd.DataFrame(
    {"name": ["预存168送504", "5G升档"], "product": ["话费预存", "套餐升档"]}, index=pd.Index(["P1", "P2"], name="id")
)
AGENTS = pd.DataFrame(
    {"name": ["张伟", "李娜", "王芳", "赵强"], "team_id": ["T1", "T1", "T1", "T2"]},
    index=pd.Index(["U1", "U2", "U3", "U9"], name="id"),
)

# id, customer, channel, user, team, local time, duration, recorded cost, wrap-up, intent, policy, p, deal value
ROWS = [
    ("e1", "C1", "outbound", "U1", "T1", "2026-03-02 10:00", 120, 0.0, "refused", "none", "P1", 0.2, 0.0),
    ("e2", "C1", "outbound", "U1", "T1", "2026-03-04 10:00", 300, 0.0, "accepted", "high", "P1", 0.3, 336.0),
    ("e3", "C2", "outbound", "U1", "T1", "2026-03-05 10:00", 0, 0.0, "no_answer", "none", "P2", 0.5, 0.0),
    ("e4", "C2", "sms", "U2", "T1", "2026-03-10 10:00", 0, 0.05, "refused", "none", "P2", 0.4, 0.0),
    ("e5", "C3", "outbound", "U2", "T1", "2026-03-11 10:00", 60, 0.0, "interested", "medium", "P2", 0.1, 0.0),
    ("e6", "C3", "outbound", "U2", "T1", "2026-03-12 10:00", 180, 0.0, "accepted", "high", "P2", 0.15, 240.0),
    ("e7", "C3", "outbound", "U2", "T1", "2026-03-13 10:00", 200, 0.0, "accepted", "high", "P1", 0.15, 336.0),
    ("e8", "C1", "outbound", "U9", "T2", "2026-04-01 10:00", 100, 0.0, "accepted", "high", "P1", 0.6, 336.0),
]
COLS = ["id", "customer_id", "channel", "user_id", "team_id", "started_at", "duration_s", "cost", "wrapup", "intent",
        "policy_id", "predicted_p", "deal_value"]


def raw_events() -> pd.DataFrame:
    df = pd.DataFrame(ROWS, columns=COLS)
    df["started_at"] = pd.to_datetime(df["started_at"])  # naive = business-local already
    return df


def events(rows: pd.DataFrame | None = None) -> pd.DataFrame:
    return A.prepare_events(raw_events() if rows is None else rows, CUSTOMERS, POLICIES, AGENTS, as_of_year=2026)


def flagged(df: pd.DataFrame | None = None) -> pd.DataFrame:
    return A.add_flags(events() if df is None else df, COSTS)


def data_for(scope: A.Scope, experiments: pd.DataFrame | None = None) -> A.AnalyticsData:
    ev = events()
    acc = ev[ev["wrapup"] == "accepted"]
    return A.AnalyticsData(scope, ev, acc, AGENTS[["name", "team_id"]], POLICIES, experiments, dt.date(2026, 4, 2))


LEAD = A.Scope("lead", "U-lead", "T1")
ADMIN = A.Scope("admin", "U-admin")
AGENT_U1 = A.Scope("agent", "U1", "T1")


# ----------------------------------------------------------------------- efficiency


def test_agent_efficiency_matches_hand_computation() -> None:
    eff = A.agent_efficiency(flagged(), AGENTS)
    u1, u2, u9 = eff.loc["U1"], eff.loc["U2"], eff.loc["U9"]
    assert u1["agent"] == "张伟"
    assert (u1["contacts"], u1["reached"], u1["talk_time_s"]) == (3, 2, 420)
    assert u1["avg_duration_s"] == pytest.approx(210.0)
    assert u1["cost"] == pytest.approx(0.7 + 1.0 + 0.5)
    assert u1["cost_per_contact"] == pytest.approx(2.2 / 3)
    assert u1["conversions"] == 1
    assert u1["expected"] == pytest.approx(0.2 + 0.5)  # p at each customer's first contact
    assert u1["ratio"] == pytest.approx(1 / 0.7)
    assert u1["cost_per_conversion"] == pytest.approx(2.2)
    assert u1["conversion_rate"] == pytest.approx(0.5)
    assert u1["deal_value"] == pytest.approx(336.0)

    # Two acceptances by C3 from U2: two deals, one conversion; the SMS cost is the recorded one.
    assert (u2["contacts"], u2["reached"], u2["conversions"], u2["deals"]) == (4, 4, 1, 2)
    assert u2["cost"] == pytest.approx(0.05 + 0.6 + 0.8 + 0.5 + 0.1 * 200 / 60)
    assert u2["expected"] == pytest.approx(0.4 + 0.1)
    assert u2["ratio"] == pytest.approx(2.0)
    assert u2["avg_deal_value"] == pytest.approx(288.0)
    assert u9["ratio"] == pytest.approx(1 / 0.6)


def test_agent_without_calls_gets_zeros_and_nan_ratios() -> None:
    eff = A.agent_efficiency(flagged(), AGENTS)
    u3 = eff.loc["U3"]
    assert u3["agent"] == "王芳"
    assert (u3["contacts"], u3["reached"], u3["conversions"], u3["talk_time_s"]) == (0, 0, 0, 0)
    assert u3["expected"] == 0 and u3["cost"] == 0
    for col in ("ratio", "avg_duration_s", "cost_per_contact", "cost_per_conversion", "conversion_rate",
                "reach_rate", "avg_deal_value"):
        assert math.isnan(u3[col]), col


def test_empty_frame_and_division_by_zero_give_nan_not_errors() -> None:
    empty = flagged(events().iloc[0:0])
    total = A.summarise(empty).iloc[0]
    assert total["contacts"] == 0 and math.isnan(total["ratio"]) and math.isnan(total["cost_per_conversion"])
    eff = A.agent_efficiency(empty, AGENTS)
    assert list(eff.index) == ["U1", "U2", "U3", "U9"]
    assert eff["contacts"].sum() == 0 and eff["ratio"].isna().all()
    assert A.funnel(empty)["customers"].tolist() == [0, 0, 0, 0]
    assert A.funnel(empty)["rate_from_first"].isna().all()
    assert A.hot_products(empty).empty
    assert A.breakdown(empty, "region").empty
    assert A.channel_comparison(empty).empty
    assert A.trend(empty, "month").empty
    # Recorded costs of zero with no settings for the channel: cost 0, cost per call 0, per conversion NaN.
    free = A.add_flags(events(), A.CostSettings(per_contact={}, per_minute={}))
    row = A.summarise(free[free["channel"] == "outbound"]).iloc[0]
    assert row["cost"] == 0 and row["cost_per_contact"] == 0


def test_rank_by_puts_best_first_and_nan_last() -> None:
    eff = A.agent_efficiency(flagged(), AGENTS)
    ranked = A.rank_by(eff, "ratio")
    assert list(ranked.index) == ["U2", "U9", "U1", "U3"]
    assert ranked["rank"].tolist()[:3] == [1, 2, 3] and pd.isna(ranked["rank"].iloc[3])
    cheapest = A.rank_by(eff, "cost_per_contact")  # lower is better: ascending
    assert list(cheapest.index)[0] == "U2" and cheapest.index[-1] == "U3"
    with pytest.raises(ValueError):
        A.rank_by(eff, "nonsense")


# --------------------------------------------------------------------------- periods


def test_weekly_trend_fills_empty_weeks_and_shows_previous_period() -> None:
    tr = A.trend(flagged(), "week")
    assert tr["label"].tolist() == ["2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14"]
    assert tr["contacts"].tolist() == [3, 4, 0, 0, 1]
    assert tr["conversions"].tolist() == [1, 1, 0, 0, 1]
    assert tr["expected"].tolist() == pytest.approx([0.7, 0.5, 0.0, 0.0, 0.6])
    assert tr["prev_conversions"].tolist() == [0, 1, 1, 0, 0]
    assert tr["change_conversions"].iloc[1] == 0.0 and tr["change_conversions"].iloc[2] == -1.0
    assert math.isnan(tr["change_conversions"].iloc[0]) and math.isnan(tr["change_conversions"].iloc[4])
    assert math.isnan(tr["ratio"].iloc[2]) and math.isnan(tr["avg_duration_s"].iloc[3])


def test_trend_over_an_empty_range_has_rows_of_zeros() -> None:
    tr = A.trend(flagged(events().iloc[0:0]), "month", dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert tr["label"].tolist() == ["2026-01", "2026-02", "2026-03"]
    assert tr["contacts"].tolist() == [0, 0, 0] and tr["ratio"].isna().all()


def test_monthly_and_yearly_trend() -> None:
    month = A.trend(flagged(), "month")
    assert month["label"].tolist() == ["2026-03", "2026-04"]
    assert month["contacts"].tolist() == [7, 1]
    assert month["prev_contacts"].tolist() == [0, 7]
    year = A.trend(flagged(), "year")
    assert year["label"].tolist() == ["2026"] and year["conversions"].tolist() == [3]


def test_period_comparison_this_vs_previous() -> None:
    pc = A.period_comparison(flagged(), dt.date(2026, 3, 13))
    week, month = pc.loc["week"], pc.loc["month"]
    assert (week["current_label"], week["previous_label"]) == ("2026-W11", "2026-W10")
    assert (week["current_contacts"], week["previous_contacts"]) == (4, 3)
    assert week["change_contacts"] == pytest.approx(1 / 3)
    assert (month["current_contacts"], month["previous_contacts"]) == (7, 0)
    assert math.isnan(month["change_contacts"])  # nothing the month before: no change ratio


# ------------------------------------------------------------------------ breakdowns


def test_breakdowns_by_dimension() -> None:
    f = flagged()
    region = A.breakdown(f, "region").set_index("value")
    assert region.loc["广东", "contacts"] == 5 and region.loc["广西", "contacts"] == 3
    assert region.loc["广东", "conversions"] == 2 and region.loc["广西", "conversions"] == 1
    assert region["share_contacts"].sum() == pytest.approx(1.0)
    ages = A.breakdown(f, "age_band").set_index("value")
    assert ages.loc["35-44", "contacts"] == 3 and ages.loc["65+", "contacts"] == 2
    assert ages.loc["unknown", "contacts"] == 3
    product = A.breakdown(f, "product").set_index("value")
    assert product.loc["话费预存", "deals"] == 3 and product.loc["套餐升档", "deals"] == 1
    gender = A.breakdown(f, "gender").set_index("value")
    assert gender.loc["M", "contacts"] == 6
    by_week = A.breakdown(f, "week")
    assert by_week["value"].tolist() == ["2026-W10", "2026-W11", "2026-W14"]
    for dim in A.DIMENSIONS:
        assert A.breakdown(f, dim)["contacts"].sum() == 8, dim
    with pytest.raises(ValueError):
        A.breakdown(f, "shoe_size")


def test_filters_combine_freely() -> None:
    ev = events()
    assert len(A.apply_filters(ev, A.Filters(channels=("outbound",), genders=("M",)))) == 6
    assert len(A.apply_filters(ev, A.Filters(channels=("outbound",), genders=("M",), provinces=("广西",)))) == 3
    assert len(A.apply_filters(ev, A.Filters(start=dt.date(2026, 3, 9), end=dt.date(2026, 3, 13)))) == 4
    assert len(A.apply_filters(ev, A.Filters(value_tiers=("high", "low"), lifecycle_stages=("decline",)))) == 3
    assert len(A.apply_filters(ev, A.Filters(age_bands=("65+",), job_types=("退休",), products=("套餐升档",)))) == 2
    assert len(A.apply_filters(ev, A.Filters(users=("U2",), policies=("P1",)))) == 1
    assert len(A.apply_filters(ev, A.Filters(channels=("store",)))) == 0
    assert A.Filters().with_(channels="sms", start=None).channels == ("sms",)


def test_hot_products_region_channels_and_funnel() -> None:
    f = flagged()
    ev = events()
    hot = A.hot_products(f, ev[ev["wrapup"] == "accepted"])
    assert hot["policy_id"].tolist() == ["P1", "P2"]
    p1 = hot.iloc[0]
    assert (p1["policy"], p1["product"], p1["offers"], p1["deals"]) == ("预存168送504", "话费预存", 4, 3)
    assert p1["offer_conversion"] == pytest.approx(0.75) and p1["deal_value"] == pytest.approx(1008.0)
    assert p1["accepted_all_channels"] == 3
    assert A.region_distribution(f)["value"].tolist() == ["广东", "广西"]

    ch = A.channel_comparison(f).set_index("value")
    assert ch.loc["outbound", "contacts"] == 7 and ch.loc["outbound", "customers_gained"] == 2
    assert ch.loc["sms", "customers_gained"] == 0 and math.isnan(ch.loc["sms", "cost_per_customer_gained"])
    assert ch.loc["outbound", "avg_deal_value"] == pytest.approx(1248.0 / 4)

    fn = A.funnel(f)
    assert fn["stage"].tolist() == ["contacted", "reached", "interested", "accepted"]
    assert fn["customers"].tolist() == [3, 3, 2, 2]
    assert fn["rate_from_previous"].tolist() == pytest.approx([1.0, 1.0, 2 / 3, 1.0])


# ---------------------------------------------------------------------- experiments


def test_rule_experiment_wilson_intervals() -> None:
    frame = pd.DataFrame({"rule": ["A"] * 10 + ["B"] * 5, "converted": [1, 1] + [0] * 8 + [0] * 5})
    ex = A.rule_experiment(frame).set_index("rule")
    assert ex.loc["A", "leads"] == 10 and ex.loc["A", "conversions"] == 2
    assert ex.loc["A", "rate"] == pytest.approx(0.2)
    assert ex.loc["A", "ci_low"] == pytest.approx(0.0567, abs=1e-4)
    assert ex.loc["A", "ci_high"] == pytest.approx(0.5098, abs=1e-4)
    assert ex.loc["B", "ci_low"] == 0.0 and ex.loc["B", "ci_high"] == pytest.approx(0.4345, abs=1e-4)
    assert ex.loc["B", "lift_vs_first"] == pytest.approx(-1.0)
    assert ex.loc["B", "diff"] == pytest.approx(-0.2)
    assert ex.loc["B", "diff_low"] == pytest.approx(-0.5098, abs=1e-4)
    assert ex.loc["B", "diff_high"] == pytest.approx(0.2575, abs=1e-4)
    assert not ex.loc["B", "significant"] and ex.loc["A", "diff"] == 0.0
    assert A.rule_experiment(None).empty and A.rule_experiment(frame.iloc[0:0]).empty
    assert all(math.isnan(v) for v in A.wilson_interval(0, 0))


def test_rule_experiment_agrees_with_the_scoring_comparison() -> None:
    tiers = pytest.importorskip("workbench.core.scoring.tiers")
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"rule": rng.choice(["A", "B", "C"], 900), "converted": rng.random(900) < 0.12})
    ours = A.rule_experiment(frame).set_index("rule")
    counts = {r: (int(ours.loc[r, "conversions"]), int(ours.loc[r, "leads"])) for r in ours.index}
    for arm in tiers.compare_arms(counts):
        assert ours.loc[arm.arm, "ci_low"] == pytest.approx(arm.ci_low, abs=1e-6)
        assert ours.loc[arm.arm, "ci_high"] == pytest.approx(arm.ci_high, abs=1e-6)
        if arm.arm != "A":
            assert ours.loc[arm.arm, "diff_low"] == pytest.approx(arm.diff_low, abs=1e-6)
            assert ours.loc[arm.arm, "diff_high"] == pytest.approx(arm.diff_high, abs=1e-6)


def test_experiment_frame_from_recorded_assignments(tmp_path: Path) -> None:
    factory = _seed_store(tmp_path / "local.db")
    assignments = {"C1": "A 轮询", "C2": "B 技能", "C3": "B 技能"}
    frame = A.load_experiment_outcomes(factory, assignments)
    assert frame.set_index("customer_id")["converted"].to_dict() == {"C1": True, "C2": False, "C3": True}
    ex = A.rule_experiment(frame).set_index("rule")
    assert ex.loc["B 技能", "leads"] == 2 and ex.loc["B 技能", "conversions"] == 1
    late = A.load_experiment_outcomes(factory, assignments, since=dt.datetime(2026, 3, 20, tzinfo=UTC))
    assert late["converted"].tolist() == [True, False, False]  # only C1 accepted again (April)
    factory.kw["bind"].dispose()  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- scope


def test_scope_levels_and_pages() -> None:
    assert ADMIN.level == "all" and LEAD.level == "team" and AGENT_U1.level == "own"
    assert A.Scope("receptionist", "U5").level == "own"
    assert AGENT_U1.allowed_pages() == ("efficiency", "trends")
    with pytest.raises(A.ScopeError):
        AGENT_U1.check_page("breakdowns")
    with pytest.raises(A.ScopeError):
        A.compute_page(data_for(AGENT_U1), "experiments")


def test_compute_page_enforces_scope_even_on_wider_data() -> None:
    agents = A.compute_page(data_for(AGENT_U1), "efficiency", costs=COSTS).tables["agents"]
    assert agents["user_id"].tolist() == ["U1"]
    # A filter naming someone else cannot widen an agent's scope.
    other = A.compute_page(data_for(AGENT_U1), "efficiency", A.Filters(users=("U2",)), costs=COSTS)
    assert other.tables["agents"]["user_id"].tolist() == [] and other.facts["events"] == 0

    lead = A.compute_page(data_for(LEAD), "efficiency", costs=COSTS).tables["agents"]
    assert sorted(lead["user_id"]) == ["U1", "U2", "U3"]
    assert lead["contacts"].sum() == 7
    admin = A.compute_page(data_for(ADMIN), "efficiency", costs=COSTS).tables["agents"]
    assert sorted(admin["user_id"]) == ["U1", "U2", "U3", "U9"]
    lead_regions = A.compute_page(data_for(LEAD), "breakdowns", costs=COSTS).tables["regions"]
    assert lead_regions["contacts"].sum() == 7
    assert A.compute_page(data_for(A.Scope("lead", "U-x", None)), "trends").facts["events"] == 0


def test_compute_page_every_page_and_cancellation() -> None:
    exp = pd.DataFrame({"rule": ["A", "B"], "converted": [True, False]})
    for page in A.PAGES:
        res = A.compute_page(data_for(ADMIN, exp), page, A.Filters(channels=("outbound",)), costs=COSTS)
        assert res.page == page and res.tables
    with pytest.raises(A.Cancelled):
        A.compute_page(data_for(ADMIN), "breakdowns", cancelled=lambda: True)


# ----------------------------------------------------------------- loading from store


def _seed_store(path: Path) -> object:
    from workbench.local_store.db import open_local, session_factory
    from workbench.local_store.models import Acceptance, ContactEvent, Customer, Policy, User

    engine = open_local(path)
    factory = session_factory(engine)
    with factory.begin() as s:
        for cid, r in CUSTOMERS.iterrows():
            s.add(Customer(id=cid, name="客户", phone="13800000000", province=r["province"], city=r["city"],
                           gender=r["gender"], birth_year=None if pd.isna(r["birth_year"]) else int(r["birth_year"]),
                           job_type=r["job_type"], value_tier=r["value_tier"], lifecycle_stage=r["lifecycle_stage"]))
        for pid, r in POLICIES.iterrows():
            s.add(Policy(id=pid, code=pid, name=r["name"], product=r["product"]))
        for uid, r in AGENTS.iterrows():
            s.add(User(id=uid, username=uid.lower(), display_name=r["name"], role="agent", team_id=r["team_id"]))
        s.add(User(id="U-lead", username="lead", display_name="组长", role="lead", team_id="T1"))
        for row in ROWS:
            rec = dict(zip(COLS, row, strict=True))
            local = dt.datetime.fromisoformat(rec.pop("started_at")).replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
            s.add(ContactEvent(started_at=local.astimezone(UTC), **rec))
            if rec["wrapup"] == "accepted":
                s.add(Acceptance(id="A" + rec["id"], customer_id=rec["customer_id"], policy_id=rec["policy_id"],
                                 channel=rec["channel"], user_id=rec["user_id"], team_id=rec["team_id"],
                                 accepted_at=local.astimezone(UTC), value=rec["deal_value"]))
    return factory


def test_load_data_from_a_real_local_store_applies_scope_in_sql(tmp_path: Path) -> None:
    factory = _seed_store(tmp_path / "local.db")
    lead = A.load_data(factory, LEAD, as_of=dt.date(2026, 4, 2))
    assert len(lead.events) == 7 and set(lead.events["team_id"].astype(str)) == {"T1"}
    assert sorted(lead.agents.index) == ["U1", "U2", "U3"]
    assert len(lead.acceptances) == 3
    first = lead.events.iloc[0]
    assert first["started_at"] == pd.Timestamp("2026-03-02 10:00")  # business-local time
    assert (first["province"], first["age_band"], first["policy_name"], first["agent"]) == ("广东", "35-44", "预存168送504", "张伟")
    assert isinstance(lead.events["channel"].dtype, pd.CategoricalDtype)

    eff = A.compute_page(lead, "efficiency", costs=COSTS).tables["agents"].set_index("user_id")
    assert eff.loc["U1", "ratio"] == pytest.approx(1 / 0.7) and eff.loc["U3", "contacts"] == 0

    agent = A.load_data(factory, AGENT_U1)
    assert set(agent.events["user_id"].astype(str)) == {"U1"} and list(agent.agents.index) == ["U1"]
    admin = A.load_data(factory, ADMIN)
    assert len(admin.events) == 8 and len(admin.agents) == 4
    window = A.load_data(factory, ADMIN, start=dt.date(2026, 3, 9), end=dt.date(2026, 3, 13))
    assert len(window.events) == 4
    nobody = A.load_data(factory, A.Scope("agent", None))
    assert nobody.events.empty and A.compute_page(nobody, "efficiency").tables["agents"].empty
    factory.kw["bind"].dispose()  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- export


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exports_re_read_equal(tmp_path: Path, suffix: str) -> None:
    table = A.compute_page(data_for(ADMIN), "efficiency", costs=COSTS).tables["agents"]
    cols = ["user_id", "agent", "contacts", "conversions", "expected", "ratio", "cost_per_conversion"]
    path = A.export_table(table[cols], tmp_path / f"agents{suffix}")
    back = pd.read_csv(path, encoding="utf-8-sig") if suffix == ".csv" else pd.read_excel(path)
    pd.testing.assert_frame_equal(back, table[cols].reset_index(drop=True), check_dtype=False)
    assert back["ratio"].isna().sum() == 1  # the agent without calls

    headers = {"agent": "座席", "conversions": "成交"}
    path2 = A.export_table(table, tmp_path / f"named{suffix}", headers)
    back2 = pd.read_csv(path2, encoding="utf-8-sig") if suffix == ".csv" else pd.read_excel(path2)
    assert list(back2.columns) == ["座席", "成交"]
    assert back2["座席"].tolist() == table["agent"].tolist()
    assert back2["成交"].tolist() == table["conversions"].tolist()


def test_export_trend_dates_and_unknown_suffix(tmp_path: Path) -> None:
    tr = A.trend(flagged(), "week")
    back = pd.read_csv(A.export_table(tr, tmp_path / "t.csv"), encoding="utf-8-sig")
    assert back["period"].tolist() == ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30"]
    assert np.allclose(back["expected"], tr["expected"])
    with pytest.raises(ValueError):
        A.export_table(tr, tmp_path / "t.pdf")


def test_synthetic_history_is_consistent() -> None:
    from tests.synth.analytics_history import synthetic_data, synthetic_history

    hist = synthetic_history(5000, as_of=dt.date(2026, 6, 30), seed=1)
    data = synthetic_data(hist, LEAD.__class__("lead", "U-lead1", "T01"))
    assert set(data.events["team_id"].astype(str)) == {"T01"}
    res = A.compute_page(data, "efficiency")
    ratio = res.facts["totals"]["ratio"]
    assert 0.5 < ratio < 2.0
