"""Vectorised generation of the demo data set (no database access here).

:func:`generate` draws every table column-wise with numpy from one seeded generator, so a
given ``(customers, seed, today)`` always yields the same rows. Times are int64 epoch
seconds (UTC) until the writer formats them.

The contact history comes from a latent logistic model of the portrait: each offer's
probability of acceptance (stored as ``predicted_p``) rises when the customer fits the
policy's rule, with tenure, value tier, growth stage, matching tags and a good agent whose
skills match the product, and falls with contact fatigue, complaints, decline and churn. The
outcome is a Bernoulli draw from that probability, so models trained on the history later
find real, learnable signal; see ``docs/benchmarks.md`` (Demo data) for the rates it yields.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from server_stub.seed import reference as ref
from workbench.core.tags import TAGS

DAY = 86_400
CHANNELS: tuple[str, ...] = ("outbound", "hotline", "store", "sms", "online")
OUT, HOT, STO, SMS, ONL = range(5)
LIFECYCLES: tuple[str, ...] = ("acquisition", "growth", "maturity", "decline", "churned")
TIERS: tuple[str, ...] = ("high", "potential", "ordinary", "low")
WRAPUPS: tuple[str, ...] = (
    "accepted", "interested", "refused", "no_answer", "busy", "wrong_number", "complaint",
    "do_not_call", "transferred", "info_only",
)
W = {w: i for i, w in enumerate(WRAPUPS)}
INTENTS: tuple[str, ...] = ("high", "medium", "low", "none")


@dataclass
class TableData:
    """One table, column-wise: column name -> list or numpy array, all of equal length.

    ``team_tag`` / ``store_tag`` are the change log's scope tags per row (None = untagged).
    Datetime columns hold int64 epoch seconds (``-1`` for none).
    """

    entity: str
    columns: dict[str, Any]
    team_tag: Any = None
    store_tag: Any = None

    def __len__(self) -> int:
        first = next(iter(self.columns.values()))
        return len(first)


@dataclass
class DemoData:
    """Every generated table, in the order they are written, plus a few facts for the report."""

    reference_date: dt.date
    tables: list[TableData] = field(default_factory=list)
    showcase: list[tuple[str, str, str]] = field(default_factory=list)

    def table(self, entity: str) -> TableData:
        """The table of ``entity`` (e.g. ``"customer"``)."""
        return next(t for t in self.tables if t.entity == entity)


# ------------------------------------------------------------------ helpers


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (rows, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    r = rng.random(len(probs))
    return np.minimum((r[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _ids(prefix: str, n: int, width: int) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def _uuid4s(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` ids in the form desktops give acceptances (random UUID4, 32 hex digits), drawn
    from their own stream so the demo stays reproducible for a seed and the other draws do
    not move. (Demo data only: real acceptance ids come from the desktops' CSPRNG.)"""
    raw = rng.bytes(16 * n)
    return [uuid.UUID(bytes=raw[16 * i:16 * i + 16], version=4).hex for i in range(n)]


def _hour_probs(weights: list[float]) -> np.ndarray:
    arr = np.asarray(weights, dtype=float)
    return arr / arr.sum()


#: Local hour of day by channel (outbound respects the 21:00-09:00 quiet hours).
HOURS = np.stack([
    _hour_probs([0] * 9 + [6, 9, 9, 4, 3, 7, 8, 8, 6, 5, 6, 4] + [0] * 3),     # outbound
    _hour_probs([0] * 8 + [4, 8, 9, 9, 6, 6, 8, 8, 7, 6, 6, 5, 4, 3] + [0] * 2),  # hotline
    _hour_probs([0] * 9 + [4, 8, 10, 8, 6, 8, 9, 9, 8, 6, 4] + [0] * 4),       # store
    _hour_probs([0] * 10 + [8, 8, 6, 6, 8, 8, 6, 4] + [0] * 6),                # sms
    _hour_probs([1, 1, .5, .3, .2, .2, .5, 2, 3, 4, 4, 5, 6, 5, 4, 4, 4, 4, 5, 6, 7, 7, 5, 3]),
])
HOURS_CUM = np.cumsum(HOURS, axis=1)

#: Channel mix of contacts by preferred channel (rows) -> channel (columns).
_BASE_MIX = np.array([0.44, 0.14, 0.12, 0.17, 0.13])
CHANNEL_MIX = 0.65 * _BASE_MIX[None, :] + 0.35 * np.eye(5)

#: Base logit of acceptance by channel (online visitors select themselves; SMS rarely works).
CHANNEL_BASE = np.array([-2.8, -2.7, -1.6, -4.6, -3.0])
PRODUCT_SKILL = {
    "contract": "contract", "sim": "retention", "handset": "handset", "plan": "5g",
    "broadband": "broadband", "family": "family", "data": "data", "retention": "retention",
    "roaming": "roaming",
}


# ------------------------------------------------------------------ the generator


class _Gen:
    """Holds the generator state while the tables are drawn, one method per table."""

    def __init__(self, n: int, seed: int, today: dt.date) -> None:
        from faker import Faker

        self.n = n
        self.seed = seed
        self.today = today
        self.ref_year = today.year
        self.anchor = _epoch(today)
        self.rng = np.random.default_rng(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.policies = ref.POLICIES
        self.pol_index = {p.id: i for i, p in enumerate(self.policies)}
        self.data = DemoData(reference_date=today)

    # -------------------------------------------------------- reference data

    def reference(self) -> None:
        fake, rng = self.fake, self.rng
        teams = ref.TEAMS
        self.data.tables.append(TableData("team", {
            "id": list(teams), "name": [v[0] for v in teams.values()],
            "province": [v[1] for v in teams.values()],
            # the hotline team serves every caller (serve grants)
            "serves_callers": [t == ref.HOTLINE_TEAM for t in teams],
        }))
        # stores: one per district, S001 = 广州天河
        s_ids, s_names, s_prov, s_city, s_addr = [], [], [], [], []
        self.city_stores: list[list[int]] = []
        for city in ref.CITIES:
            idxs = []
            for district in city.districts:
                idxs.append(len(s_ids))
                s_ids.append(f"S{len(s_ids) + 1:03d}")
                s_names.append(f"{city.city}{district}营业厅")
                s_prov.append(city.province)
                s_city.append(city.city)
                full = {"广西": "广西壮族自治区", "新疆": "新疆维吾尔自治区"}.get(
                    city.province, city.province + "省")
                prefix = city.city if city.province == city.city else full + city.city
                street = ref.STREETS[int(rng.integers(len(ref.STREETS)))]
                s_addr.append(f"{prefix}市{district}区{street}{int(rng.integers(1, 300))}号")
            self.city_stores.append(idxs)
        self.store_ids = s_ids
        self.store_names = s_names
        self.data.tables.append(TableData("store", {
            "id": s_ids, "name": s_names, "province": s_prov, "city": s_city, "address": s_addr,
        }))

        # users
        u: dict[str, list[Any]] = {k: [] for k in
                                   ("id", "username", "display_name", "role", "team_id",
                                    "store_id", "skills", "password_hash", "active")}

        def add(username: str, role: str, team: str | None, store: str | None,
                skills: list[str]) -> int:
            male = rng.random() < 0.5
            name = fake.last_name() + (fake.first_name_male() if male else fake.first_name_female())
            u["id"].append(f"U-{username}")
            u["username"].append(username)
            u["display_name"].append(name)
            u["role"].append(role)
            u["team_id"].append(team)
            u["store_id"].append(store)
            u["skills"].append(skills)
            u["password_hash"].append("")  # filled by the writer (hashed once)
            u["active"].append(True)
            return len(u["id"]) - 1

        self.team_agents: dict[str, list[int]] = {}
        self.agent_effect: dict[int, float] = {}
        self.agent_skills: dict[int, set[str]] = {}
        number = 0
        fixed_skills = {1: ["contract", "handset", "broadband"], 2: ["contract", "5g", "family"]}
        for team, (_name, _prov, count) in teams.items():
            members = []
            for _ in range(count):
                number += 1
                if team == ref.HOTLINE_TEAM:
                    skills = ["hotline"] + sorted(
                        rng.choice(ref.SKILLS, size=2, replace=False).tolist())
                else:
                    skills = fixed_skills.get(number) or sorted(rng.choice(
                        ref.SKILLS, size=int(rng.integers(2, 5)), replace=False).tolist())
                idx = add(f"agent{number}", "agent", team, None, skills)
                members.append(idx)
                self.agent_effect[idx] = float(rng.normal(0.0, 0.35))
                self.agent_skills[idx] = set(skills)
            self.team_agents[team] = members
        # agent1 is the demo's strong performer, agent2 an average one
        self.agent_effect[self.team_agents["T01"][0]] = 0.45
        self.agent_effect[self.team_agents["T01"][1]] = -0.05
        self.store_staff: list[list[int]] = []
        for i, sid in enumerate(s_ids):
            staff = [add(f"reception{i + 1}", "receptionist", None, sid, ["store"])]
            self.agent_effect[staff[0]] = float(rng.normal(0.0, 0.25))
            self.agent_skills[staff[0]] = {"store"}
            self.store_staff.append(staff)
        extra = len(s_ids)
        for i in (0, 1, 3, 6, 10):  # busy stores get a second receptionist
            extra += 1
            idx = add(f"reception{extra}", "receptionist", None, s_ids[i], ["store"])
            self.agent_effect[idx] = float(rng.normal(0.0, 0.25))
            self.agent_skills[idx] = {"store"}
            self.store_staff[i].append(idx)
        for k, team in enumerate(t for t in teams if t != ref.HOTLINE_TEAM):
            add(f"lead{k + 1}", "lead", team, None, [])
        add("lead6", "lead", ref.HOTLINE_TEAM, None, [])
        add("admin", "admin", None, None, [])
        add("ops1", "admin", None, None, [])
        # assignment (issue 17): a grade from the agent's hidden skill, a daily capacity;
        # derived, no draws (the rest of the demo stays as it was)
        grade_of = {i: ("A" if e >= 0.2 else "B" if e >= -0.2 else "C") for i, e in self.agent_effect.items()}
        agent_rows = [r == "agent" for r in u["role"]]
        u["grade"] = [grade_of.get(i) if a else None for i, a in enumerate(agent_rows)]
        u["daily_capacity"] = [60 if a else None for a in agent_rows]
        u["away"] = [False] * len(u["id"])
        self.user_ids = u["id"]
        self.data.tables.append(TableData("user", u, u["team_id"], u["store_id"]))

        # policies
        p: dict[str, list[Any]] = {k: [] for k in (
            "id", "code", "name", "pitch", "description", "product", "rule", "valid_from",
            "valid_to", "channels", "quota_total", "quota_per_store", "quota_used", "priority",
            "value", "script_id", "exclusive_group", "status", "version")}
        for spec in self.policies:
            p["id"].append(spec.id)
            p["code"].append(spec.code)
            p["name"].append(spec.name)
            p["pitch"].append(spec.pitch)
            p["description"].append(spec.description)
            p["product"].append(spec.product)
            p["rule"].append(spec.rule)
            p["valid_from"].append(-1 if spec.valid_from_days is None
                                   else self.anchor + spec.valid_from_days * DAY)
            p["valid_to"].append(-1 if spec.valid_to_days is None
                                 else self.anchor + spec.valid_to_days * DAY)
            p["channels"].append(list(spec.channels))
            p["quota_total"].append(spec.quota_total)
            p["quota_per_store"].append(spec.quota_per_store)
            p["quota_used"].append(0)  # filled from the acceptances
            p["priority"].append(spec.priority)
            p["value"].append(spec.value)
            p["script_id"].append(_script_id(spec.id, "opening", "A"))
            p["exclusive_group"].append(spec.exclusive_group)
            p["status"].append("published" if (spec.valid_to_days or 1) > 0 else "retired")  # ended: a status the studio and YAML know
            p["version"].append(1)
        self.data.tables.append(TableData("policy", {
            k: (np.asarray(v, dtype=np.int64) if k in ("valid_from", "valid_to") else v)
            for k, v in p.items()}))

        self.data.tables.append(TableData("script", _scripts()))
        pl = ref.PRESSURE_LIMITS
        self.data.tables.append(TableData("pressure_limit", {
            "id": [x[0] for x in pl], "channel": [x[1] for x in pl], "period": [x[2] for x in pl],
            "max_contacts": [x[3] for x in pl], "quiet_start": [x[4] for x in pl],
            "quiet_end": [x[5] for x in pl], "cooldown_days_after_refusal": [x[6] for x in pl],
        }))

    # -------------------------------------------------------- customers

    def customers(self) -> None:
        n, rng, fake = self.n, self.rng, self.fake
        cities = ref.CITIES
        w = np.array([c.weight for c in cities], dtype=float)
        city = rng.choice(len(cities), size=n, p=w / w.sum())
        age = np.clip(rng.normal(41, 14, n), 16, 85).astype(np.int64)
        male = rng.random(n) < 0.51
        jobs = np.array(ref.JOBS + ("学生", "退休"))
        jw = np.array(ref.JOB_WEIGHTS, dtype=float)
        job = rng.choice(len(ref.JOBS), size=n, p=jw / jw.sum())
        job = np.where((age < 23) & (rng.random(n) < 0.75), len(ref.JOBS), job)
        job = np.where((age >= 60) & (rng.random(n) < 0.75), len(ref.JOBS) + 1, job)
        young, senior = age < 30, age >= 60

        # network, plan, device
        u = rng.random(n)
        p3 = np.where(senior, 0.20, 0.04)
        p5 = np.where(age < 35, 0.55, np.where(senior, 0.15, 0.42))
        net = np.where(u < p3, 0, np.where(u < p3 + p5, 2, 1))
        plan = np.zeros(n, dtype=np.int64)
        dev_brand = np.empty(n, dtype=object)
        dev_name = np.empty(n, dtype=object)
        dev_age = np.zeros(n, dtype=np.int64)
        for k, network in enumerate(ref.NETWORKS):
            mask = net == k
            cnt = int(mask.sum())
            pw = np.array(ref.PLAN_WEIGHTS_BY_NETWORK[network], dtype=float)
            plan[mask] = rng.choice(len(ref.PLAN_FEES), size=cnt, p=pw / pw.sum())
            devs = ref.DEVICES[network]
            d = rng.choice(len(devs), size=cnt)
            dev_brand[mask] = np.array([x[0] for x in devs], dtype=object)[d]
            dev_name[mask] = np.array([f"{x[0]} {x[1]}" for x in devs], dtype=object)[d]
            dev_age[mask] = np.array([x[2] for x in devs])[d]
        fee = np.array(ref.PLAN_FEES)[plan]
        allowance = np.array(ref.PLAN_ALLOWANCE_GB)[plan]
        max_tenure = np.maximum((age - 16) * 12, 1)
        tenure = np.clip((rng.gamma(2.0, 24.0, n) + 1).astype(np.int64), 1,
                         np.minimum(max_tenure, 240))
        usage = allowance * rng.lognormal(-0.6 + 0.3 * young, 0.5, n)
        usage = np.where(net == 0, usage * 0.3, usage)
        overage = usage > allowance
        arpu = fee * rng.lognormal(0.03, 0.12, n) + np.where(
            overage, np.minimum((usage - allowance) * 3, 80), 0)

        # tags from the portrait
        r = lambda: rng.random(n)  # noqa: E731
        mid = ~young & ~senior
        is_student = job == len(ref.JOBS)
        office = np.isin(job, [0, 4, 6, 7])
        tag = {
            "price_sensitive": r() < 0.14 + 0.2 * (fee <= 56) + 0.1 * np.isin(job, [2, 10, 12, 13]),
            "data_overage": overage & (r() < 0.9),
            "contract_expiring": r() < 0.16,
            "heavy_data": usage > 35,
            "video_user": r() < 0.1 + 0.25 * young,
            "gamer": r() < 0.04 + 0.3 * (young & male),
            "music_user": r() < 0.18,
            "social_heavy": r() < 0.12 + 0.3 * young,
            "online_shopper": r() < 0.2 + 0.1 * ~senior,
            "night_active": r() < 0.06 + 0.28 * young,
            "cloud_storage": r() < 0.1,
            "device_pref_apple": (dev_brand == "苹果") & (r() < 0.85),
            "device_pref_huawei": np.isin(dev_brand, ["华为", "荣耀"]) & (r() < 0.85),
            "upgrade_intent": r() < np.where(dev_age >= 5, 0.42, np.where(dev_age >= 3, 0.18, 0.04)),
            "dual_sim": r() < 0.18,
            "iot_user": r() < 0.05 + 0.04 * mid,
            "family": r() < 0.1 + 0.28 * ((age >= 30) & (age < 56)),
            "senior": senior & (r() < 0.95),
            "student": is_student,
            "business_traveller": office & (r() < 0.22),
            "car_owner": r() < 0.04 + 0.18 * mid,
            "complaint_prone": r() < 0.06,
            "broadband_prospect": r() < 0.12,
            "sms_responsive": r() < 0.18,
        }
        tag["intl_roaming"] = r() < 0.02 + 0.3 * tag["business_traveller"]
        tag["port_out_risk"] = r() < (0.04 + 0.1 * tag["complaint_prone"]
                                      + 0.05 * tag["price_sensitive"])
        tag["broadband_prospect"] |= tag["family"] & (r() < 0.12)
        tag["secondary_card_prospect"] = r() < 0.05 + 0.35 * tag["family"]
        tag["5g_prospect"] = (net == 1) & (dev_age <= 4) & (r() < 0.45 + 0.15 * young)
        tag["high_spender"] = (arpu >= 150) & (r() < 0.85)
        tag["low_activity"] = (usage < 0.3 * allowance) & (r() < 0.5)

        # lifecycle and value tier
        u = rng.random(n)
        risk = 0.12 * tag["port_out_risk"] + 0.08 * tag["complaint_prone"]
        p_growth = 0.18 + 0.1 * young
        p_decline = 0.15 + risk
        p_churn = 0.03 + 0.5 * risk * 0.2
        life = np.where(u < p_growth, 1, np.where(u < p_growth + p_decline, 3,
                        np.where(u < p_growth + p_decline + p_churn, 4, 2)))
        life = np.where((tenure <= 6) & (rng.random(n) < 0.85), 0, life)
        score = np.log(arpu) + 0.004 * tenure + rng.normal(0, 0.25, n)
        q = np.quantile(score, [0.25, 0.6, 0.85])
        tier = np.where(score >= q[2], 0, np.where(score >= q[1], np.where(
            (age < 40) | (life == 1), 1, 2), np.where(score >= q[0], 2, 3)))
        tier = np.where((tier == 2) & (life == 1) & (rng.random(n) < 0.5), 1, tier)

        # preferred channel by age
        mix = np.where(senior[:, None], np.array([0.25, 0.30, 0.35, 0.08, 0.02]),
                       np.where(young[:, None], np.array([0.22, 0.08, 0.05, 0.2, 0.45]),
                                np.array([0.40, 0.10, 0.15, 0.15, 0.20])))
        pref = _pick(rng, mix)
        tag["prefers_online"] = (pref == ONL) & (rng.random(n) < 0.8)

        codes = [c for c in TAGS if c in tag]
        mat = np.stack([tag[c] for c in codes], axis=1)

        dnc = rng.random(n) < 0.025 + 0.08 * tag["complaint_prone"]
        dns = rng.random(n) < 0.02
        complaint = rng.random(n) < 0.01 + 0.12 * tag["complaint_prone"]

        # teams, stores, owners
        teams = np.array([c.teams[0] for c in cities], dtype=object)[city]
        two = np.array([len(c.teams) == 2 for c in cities])[city]
        teams = np.where(two & (rng.random(n) >= ref.T01_SHARE_OF_GUANGDONG), "T02", teams)
        sizes = np.array([len(s) for s in self.city_stores])[city]
        first = np.array([s[0] for s in self.city_stores])[city]
        store_idx = first + rng.integers(0, 1 << 30, n) % sizes
        owner = np.zeros(n, dtype=np.int64)
        for team, members in self.team_agents.items():
            mask = teams == team
            owner[mask] = np.array(members)[rng.integers(0, len(members), int(mask.sum()))]

        # showcase customers for the demo: fixed numbers and portraits
        show = _showcase_rows(n)
        for i, spec in show:
            city[i] = 0 if spec.get("city", "广州") == "广州" else 1
            teams[i] = spec.get("team", "T01")
            store_idx[i] = self.city_stores[city[i]][0]
            owner[i] = self.team_agents[teams[i]][0]  # agent1 (T01) or agent9 (T02)
            age[i] = spec.get("age", 38)
            net[i] = ref.NETWORKS.index(spec.get("network", "4G"))
            plan[i] = ref.PLAN_FEES.index(spec["fee"])
            fee[i] = spec["fee"]
            allowance[i] = ref.PLAN_ALLOWANCE_GB[plan[i]]
            tenure[i] = spec.get("tenure", 30)
            arpu[i] = spec["fee"] * 1.04
            life[i] = LIFECYCLES.index(spec.get("life", "maturity"))
            tier[i] = TIERS.index(spec.get("tier", "ordinary"))
            default_dev = ("华为 Mate 60", 1) if net[i] == 2 else ("华为 P30", 5)
            dev_name[i], dev_age[i] = spec.get("device", default_dev)
            mat[i, :] = False
            for c in spec["tags"]:
                mat[i, codes.index(c)] = True
            dnc[i] = spec.get("dnc", False)
            dns[i] = False
            complaint[i] = spec.get("complaint", False)
            pref[i] = OUT
        senior = age >= 60
        young = age < 30

        # names, numbers, ids
        surnames = np.array([fake.last_name() for _ in range(400)], dtype=object)
        given_m = np.array([fake.first_name_male() for _ in range(1500)], dtype=object)
        given_f = np.array([fake.first_name_female() for _ in range(1500)], dtype=object)
        sur = surnames[rng.integers(0, len(surnames), n)]
        given = np.where(male, given_m[rng.integers(0, len(given_m), n)],
                         given_f[rng.integers(0, len(given_f), n)])
        names = (sur + given).tolist()

        has2 = rng.random(n) < 0.15
        n2 = int(has2.sum())
        numbers = _unique_phones(rng, n + n2, exclude={s["phone"] for _, s in show})
        phone = numbers[:n].astype(str).astype(object)
        for i, spec in show:
            phone[i] = spec["phone"]
        phone2 = np.full(n, None, dtype=object)
        phone2[has2] = numbers[n:].astype(str)
        member = np.full(n, None, dtype=object)
        has_member = rng.random(n) < 0.7
        member_vals = 30_000_000 + rng.permutation(n)
        member[has_member] = np.char.add("M", member_vals[has_member].astype(str)).astype(object)

        birth_year = self.ref_year - age
        area = np.array([int(c.area_code) for c in cities])[city]
        other = rng.random(n) < 0.12
        area = np.where(other, np.array([int(c.area_code) for c in cities])[
            rng.integers(0, len(cities), n)], area)
        month = rng.integers(1, 13, n)
        day = rng.integers(1, 29, n)
        seq = rng.integers(0, 500, n) * 2 + male.astype(np.int64)
        body = area * 10**11 + (birth_year * 10_000 + month * 100 + day) * 1000 + seq
        digits = (body[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))) % 10
        weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
        check = np.array(list("10X98765432"))[(digits * weights).sum(axis=1) % 11]
        full = np.char.add(np.char.zfill(body.astype(str), 17), check)
        id_masked = [f"{s[:6]}********{s[14:]}" for s in full.tolist()]
        id_suffix = [s[12:] for s in full.tolist()]

        # tags as lists (cache per distinct combination: far fewer than rows)
        packed = np.packbits(mat, axis=1)
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel() if n else packed
        uniq, inverse = np.unique(keys, return_inverse=True)
        first_of = np.full(len(uniq), -1, dtype=np.int64)
        first_of[inverse[::-1]] = np.arange(n)[::-1]
        code_arr = np.array(codes, dtype=object)
        combos = [code_arr[mat[i]].tolist() for i in first_of.tolist()]
        tags = [combos[k] for k in inverse.tolist()]

        tz = np.array([c.timezone for c in cities], dtype=object)[city]
        provinces = np.array([c.province for c in cities], dtype=object)[city]
        city_names = np.array([c.city for c in cities], dtype=object)[city]
        plan_names = [f"{ref.PLAN_SERIES[ref.NETWORKS[k]]}{f}元套餐"
                      for k, f in zip(net.tolist(), fee.tolist(), strict=True)]
        self.cust_ids = _ids("C", n, 7)
        store_ids = np.array(self.store_ids, dtype=object)[store_idx]
        cols = {
            "id": self.cust_ids,
            "name": names,
            "phone": phone.tolist(),
            "phone2": phone2.tolist(),
            "member_no": member.tolist(),
            "id_number_masked": id_masked,
            "id_suffix": id_suffix,
            "gender": np.where(male, "M", "F").tolist(),
            "birth_year": birth_year.tolist(),
            "province": provinces.tolist(),
            "city": city_names.tolist(),
            "timezone": tz.tolist(),
            "job_type": jobs[job].tolist(),
            "plan_name": plan_names,
            "plan_fee": fee.tolist(),
            "tenure_months": tenure.tolist(),
            "device": dev_name.tolist(),
            "network": np.array(ref.NETWORKS)[net].tolist(),
            "arpu": np.round(arpu, 2).tolist(),
            "data_usage_gb": np.round(usage, 1).tolist(),
            "tags": tags,
            "lifecycle_stage": np.array(LIFECYCLES)[life].tolist(),
            "value_tier": np.array(TIERS)[tier].tolist(),
            "preferred_channel": np.array(CHANNELS)[pref].tolist(),
            "do_not_call": dnc.tolist(),
            "do_not_sms": dns.tolist(),
            "open_complaint": complaint.tolist(),
            "is_lead": [False] * n,
            "team_id": teams.tolist(),
            "store_id": store_ids.tolist(),
            "scores": [{} for _ in range(n)],
            "lead_tier": [None] * n,
            "note": [""] * n,
            "updated_at": np.full(n, self.anchor, dtype=np.int64),
        }
        self.data.tables.append(TableData("customer", cols, cols["team_id"], cols["store_id"]))

        # what later stages need, as arrays
        self.c_city, self.c_age, self.c_net, self.c_fee = city, age, net, fee
        self.c_tenure, self.c_life, self.c_tier, self.c_pref = tenure, life, tier, pref
        self.c_dnc, self.c_dns, self.c_complaint = dnc, dns, complaint
        self.c_team = teams
        self.c_store = store_idx
        self.c_owner = owner
        self.c_tz_off = np.where(tz == "Asia/Urumqi", 6 * 3600, 8 * 3600).astype(np.int64)
        self.tag = {c: mat[:, j] for j, c in enumerate(codes)}
        self.show = show
        self.elig = self._eligibility()
        self.data.showcase = [
            (self.cust_ids[i], str(phone[i]), s["what"]) for i, s in show]

    def _eligibility(self) -> np.ndarray:
        """(customers, policies) booleans, mirroring each policy's rule string."""
        t, fee, net, age = self.tag, self.c_fee, self.c_net, self.c_age
        tier = self.c_tier
        rules = {
            "P-168-504": fee == 96,
            "P-228-684": fee == 126,
            "P-SIM-4G": net == 0,
            "P-PHONE-500": t["upgrade_intent"],
            "P-5G-UP": (net == 1) & t["5g_prospect"] & (fee >= 56),
            "P-BB-FUSION": t["broadband_prospect"] & (fee >= 76),
            "P-FAMILY-2ND": (t["family"] | t["secondary_card_prospect"]) & (fee >= 96),
            "P-DATA-20G": t["data_overage"] | t["heavy_data"],
            "P-SENIOR-CARE": (age >= 60) & (fee <= 56),
            "P-RETAIN-VIP": t["port_out_risk"] & np.isin(tier, [0, 1]),
            "P-ROAM-98": t["intl_roaming"] | t["business_traveller"],
            "P-SUMMER-10G": t["student"],
        }
        return np.stack([rules[p.id] for p in self.policies], axis=1)

    # -------------------------------------------------------- history

    def history(self) -> None:
        rng, n = self.rng, self.n
        lam = np.array([3.6, 5.0, 4.6, 5.0, 2.5])[self.c_life]
        k = np.clip(rng.poisson(lam), 0, 14)
        cust = np.repeat(np.arange(n), k)
        m = len(cust)
        window = np.clip(self.c_tenure * 30.4, 30, 365)
        day = np.floor(rng.random(m) * window[cust]).astype(np.int64)
        ch = _pick(rng, CHANNEL_MIX[self.c_pref[cust]])
        ch = np.where((ch == SMS) & self.c_dns[cust], ONL, ch)

        # policy: mostly one the customer fits (precision), else a broadcast pitch
        prio = np.array([p.priority for p in self.policies], dtype=float)
        e = self.elig[cust]
        any_e = e.any(axis=1)
        targeted = any_e & (rng.random(m) < 0.72)
        wts = np.where(e, prio[None, :], 0.0)
        wts[~targeted] = 1.0
        pol = _pick(rng, wts)
        allowed = np.array([[c in p.channels for c in CHANNELS] for p in self.policies])
        no_pol = ~allowed[pol, ch] | ((ch == HOT) & (rng.random(m) < 0.35))
        pol = np.where(no_pol, -1, pol)
        summer = self.pol_index["P-SUMMER-10G"]
        spec = self.policies[summer]
        is_summer = pol == summer
        lo, hi = -(spec.valid_to_days or 0), -(spec.valid_from_days or 0)
        day = np.where(is_summer, rng.integers(lo, hi, m), day)

        # call centres work Saturdays but rarely Sundays: most Sunday calls move to a day
        # of the week before
        weekday = (self.today.weekday() - (day + 1)) % 7
        moved = day + rng.integers(1, 7, m)
        sunday_call = ((ch == OUT) & (weekday == 6) & (rng.random(m) < 0.75)
                       & (moved < np.floor(window[cust])) & ~is_summer)
        day = np.where(sunday_call, moved, day)
        hour = (rng.random(m)[:, None] >= HOURS_CUM[ch]).sum(axis=1)
        ts = (self.anchor - self.c_tz_off[cust] - (day + 1) * DAY + hour * 3600
              + rng.integers(0, 3600, m))

        order = np.lexsort((ts, cust))
        cust, ch, pol, ts = cust[order], ch[order], pol[order], ts[order]

        # contact pressure in the history: do-not-call, monthly caps
        df = pd.DataFrame({"c": cust, "ch": ch, "ts": ts})
        local = (ts + self.c_tz_off[cust]).astype("datetime64[s]").astype("datetime64[M]")
        df["month"] = local.astype(np.int64)
        df["rank"] = df.groupby(["c", "ch", "month"], sort=False).cumcount().to_numpy()
        df["nth_out"] = df.groupby(["c", "ch"], sort=False).cumcount().to_numpy()
        dnc_c = self.c_dnc[cust]
        keep = ~((ch == OUT) & (df["rank"].to_numpy() >= 2))
        keep &= ~((ch == SMS) & (df["rank"].to_numpy() >= 4))
        keep &= ~((ch == OUT) & dnc_c & (df["nth_out"].to_numpy() >= 1))
        dnc_event = (ch == OUT) & dnc_c & (df["nth_out"].to_numpy() == 0)
        cust, ch, pol, ts, dnc_event = (a[keep] for a in (cust, ch, pol, ts, dnc_event))
        m = len(cust)

        # who handled it
        user = np.full(m, -1, dtype=np.int64)
        out = ch == OUT
        team_sizes = {t: len(v) for t, v in self.team_agents.items()}
        rand_agent = np.zeros(m, dtype=np.int64)
        for team, members in self.team_agents.items():
            mask = out & (self.c_team[cust] == team)
            rand_agent[mask] = np.array(members)[rng.integers(0, team_sizes[team], int(mask.sum()))]
        user = np.where(out, np.where(rng.random(m) < 0.8, self.c_owner[cust], rand_agent), user)
        hot_agents = np.array(self.team_agents[ref.HOTLINE_TEAM])
        user = np.where(ch == HOT, hot_agents[rng.integers(0, len(hot_agents), m)], user)
        staff_n = np.array([len(s) for s in self.store_staff])
        staff_all = np.array([x for s in self.store_staff for x in s])
        staff_off = np.concatenate([[0], np.cumsum(staff_n)[:-1]])
        st = self.c_store[cust]
        pick = staff_off[st] + rng.integers(0, 1 << 20, m) % staff_n[st]
        user = np.where(ch == STO, staff_all[pick], user)

        # contact fatigue: contacts of the customer in the previous 30 days
        key = cust.astype(np.int64) * (1 << 32) + ts
        prior30 = np.arange(m) - np.searchsorted(key, key - 30 * DAY, side="left")

        has_pol = pol >= 0
        p = np.zeros(m)
        logit = self._logit(cust[has_pol], pol[has_pol], ch[has_pol], user[has_pol],
                            prior30[has_pol])
        p[has_pol] = _sigmoid(logit)

        # outcomes
        wr = np.full(m, W["info_only"], dtype=np.int64)
        u1, u2, u3 = rng.random(m), rng.random(m), rng.random(m)
        age = self.c_age[cust]
        reach_p = np.where(age >= 60, 0.72, np.where(age < 30, 0.5, 0.62))
        reached = np.where(out, u1 < reach_p, True)
        success = has_pol & reached & (u2 < p)
        for i, _spec in self.show:
            success &= cust != i
        complaint = self.c_complaint[cust] | self.tag["complaint_prone"][cust]
        p_int = np.clip(0.2 + 0.9 * p, 0, 0.6)
        p_cmp = 0.012 + 0.15 * complaint
        fail_wr = np.where(u3 < p_int, W["interested"],
                           np.where(u3 < p_int + p_cmp, W["complaint"],
                                    np.where((u3 < p_int + p_cmp + 0.004) & out,
                                             W["do_not_call"], W["refused"])))
        wr = np.where(has_pol & reached & ~success, fail_wr, wr)
        noans = np.where(u3 < 0.7, W["no_answer"], np.where(u3 < 0.95, W["busy"],
                                                              W["wrong_number"]))
        wr = np.where(out & ~reached, noans, wr)
        wr = np.where(has_pol & (ch == SMS) & ~success, W["no_answer"], wr)
        wr = np.where(has_pol & (ch == ONL) & ~success,
                      np.where(u3 < 0.2, W["interested"], W["info_only"]), wr)
        wr = np.where(success, W["accepted"], wr)
        needs_store = np.array([sp.needs_store for sp in self.policies])
        store_ok = allowed[np.maximum(pol, 0), STO] & has_pol
        to_store = success & out & needs_store[np.maximum(pol, 0)] & (
            (pol == self.pol_index["P-SIM-4G"]) | (u3 < 0.6))
        # some prefer to sign in a store: the agent hands them over with a work order
        to_store |= success & out & store_ok & (u1 < 0.15)
        wr = np.where(to_store, W["transferred"], wr)
        wr = np.where(dnc_event, W["do_not_call"], wr)

        # one acceptance per policy and per exclusive group and customer
        groups = {g: k for k, g in enumerate(sorted(
            {p.exclusive_group for p in self.policies if p.exclusive_group}))}
        grp = np.array([groups.get(p.exclusive_group or "", -1) for p in self.policies])
        acc = (wr == W["accepted"]) | (wr == W["transferred"])
        d2 = pd.DataFrame({"c": cust, "p": pol, "g": np.where(has_pol, grp[np.maximum(pol, 0)], -1),
                           "a": acc.astype(np.int64)})
        prior_p = d2.groupby(["c", "p"], sort=False)["a"].cumsum().to_numpy() - d2["a"].to_numpy()
        prior_g = d2.groupby(["c", "g"], sort=False)["a"].cumsum().to_numpy() - d2["a"].to_numpy()
        keep = ~(has_pol & ((prior_p > 0) | ((d2["g"].to_numpy() >= 0) & (prior_g > 0))))
        cust, ch, pol, ts, user, p, wr = (a[keep] for a in (cust, ch, pol, ts, user, p, wr))
        keep = _cooldown_keep(cust, ch, ts, wr)
        cust, ch, pol, ts, user, p, wr = (a[keep] for a in (cust, ch, pol, ts, user, p, wr))

        # showcase customers: a quiet last month, then the hand-written recent touches
        recent = np.zeros(len(cust), dtype=bool)
        for i, _spec in self.show:
            recent |= (cust == i) & (ts > self.anchor - 35 * DAY)
        cust, ch, pol, ts, user, p, wr = (a[~recent] for a in (cust, ch, pol, ts, user, p, wr))
        extra: list[tuple[int, int, int, int, int, float, int]] = []
        self.show_wo: dict[int, str] = {}
        for i, spec in self.show:
            for policy, channel, wrapup, days_ago in spec.get("events", ()):
                c_ch = CHANNELS.index(channel)
                who = (self.c_owner[i] if c_ch == OUT
                       else self.store_staff[self.c_store[i]][0])
                when = self.anchor - days_ago * DAY - self.c_tz_off[i] + 10 * 3600 + 1200
                extra.append((i, c_ch, self.pol_index[policy], when, who, 0.35, W[wrapup]))
            if "work_order" in spec:
                self.show_wo[i] = spec["work_order"]
        if extra:
            cols = list(zip(*extra, strict=True))
            cust, ch, pol, ts, user, p, wr = (
                np.concatenate([a, np.asarray(b, dtype=a.dtype)])
                for a, b in zip((cust, ch, pol, ts, user, p, wr), cols, strict=True))
            order = np.lexsort((ts, cust))
            cust, ch, pol, ts, user, p, wr = (a[order] for a in (cust, ch, pol, ts, user, p, wr))
        self.ev = {"cust": cust, "ch": ch, "pol": pol, "ts": ts, "user": user, "p": p, "wr": wr}

    def _logit(self, c: np.ndarray, pol: np.ndarray, ch: np.ndarray, user: np.ndarray,
               prior30: np.ndarray) -> np.ndarray:
        """The latent acceptance logit of offering policy ``pol`` to customer ``c``."""
        t = self.tag
        specs = self.policies
        fit = self.elig[c, pol]
        x = CHANNEL_BASE[ch] + np.where(fit, 1.3, -1.3)
        prod = np.array([s.product for s in specs])[pol]
        contract = prod == "contract"
        x += 0.6 * (contract & t["price_sensitive"][c]) + 0.5 * (contract & t["contract_expiring"][c])
        x += 0.4 * ((prod == "data") & t["data_overage"][c])
        x += 0.4 * ((prod == "family") & t["family"][c])
        x += 0.35 * ((prod == "broadband") & t["family"][c])
        x += 0.3 * ((prod == "plan") & (self.c_age[c] < 35))
        x += 0.25 * ((prod == "handset") & (t["device_pref_apple"][c] | t["device_pref_huawei"][c]))
        x += 0.35 * np.log1p(self.c_tenure[c] / 12.0) - 0.35
        age = self.c_age[c]
        x += np.where((age >= 60) & (ch == ONL), -0.6, 0.0) + np.where((age < 30) & (ch == ONL), 0.3, 0.0)
        x += np.where((age >= 60) & (ch == STO), 0.3, 0.0)
        x += np.array([0.3, 0.45, 0.0, -0.35])[self.c_tier[c]]
        x += np.array([0.1, 0.35, 0.0, -0.45, -1.3])[self.c_life[c]]
        x += -0.3 * np.minimum(prior30, 5)
        x += -1.0 * self.c_complaint[c] - 0.4 * t["complaint_prone"][c]
        x += -0.25 * (t["port_out_risk"][c] & (prod != "retention"))
        x += 0.3 * (t["sms_responsive"][c] & (ch == SMS))
        eff = np.zeros(len(self.user_ids))
        for k, v in self.agent_effect.items():
            eff[k] = v
        skills = np.array([PRODUCT_SKILL[s.product] for s in specs])[pol]
        has = user >= 0
        x += np.where(has, eff[np.maximum(user, 0)], 0.0)
        match = np.zeros(len(c), dtype=bool)
        for k, sk in self.agent_skills.items():
            sel = user == k
            if sel.any():
                match[sel] = np.isin(skills[sel], list(sk))
        x += 0.4 * match
        return x

    # -------------------------------------------------------- work orders, acceptances, events

    def outcomes(self) -> None:
        rng = self.rng
        ev = self.ev
        specs = self.policies
        values = np.array([s.value for s in specs])

        # work orders from outbound transfers
        tr = np.flatnonzero(ev["wr"] == W["transferred"])
        k = len(tr)
        wc, wp, wts, wu, wpp = (ev[x][tr] for x in ("cust", "pol", "ts", "user", "p"))
        store = self.c_store[wc]
        staff_n = np.array([len(s) for s in self.store_staff])
        staff_all = np.array([x for s in self.store_staff for x in s])
        staff_off = np.concatenate([[0], np.cumsum(staff_n)[:-1]])
        handler = staff_all[staff_off[store] + rng.integers(0, 1 << 20, k) % staff_n[store]]
        arrive_at = wts + rng.integers(1, 7, k) * DAY + rng.integers(-3, 4, k) * 3600
        came = rng.random(k) < np.clip(0.55 + 0.4 * wpp, 0, 0.92)
        forced = np.array([self.show_wo.get(int(c), "") for c in wc], dtype=object)
        forced[wts < self.anchor - 35 * DAY] = ""
        first_staff = np.array([s[0] for s in self.store_staff])
        handler = np.where(forced != "", first_staff[store], handler)
        came = np.where(forced == "created", False, np.where(forced == "arrived", True, came))
        arrive_at = np.where(forced == "arrived", self.anchor - 14 * 3600, arrive_at)
        arrived = came & (arrive_at < self.anchor)
        store_logit = np.log(wpp / (1 - wpp + 1e-9) + 1e-9) - CHANNEL_BASE[OUT] + CHANNEL_BASE[STO] + 1.0
        store_p = _sigmoid(store_logit)
        done = arrived & (rng.random(k) < store_p)
        age_days = (self.anchor - wts) / DAY
        fresh_visit = arrived & (arrive_at > self.anchor - 7 * DAY) & (rng.random(k) < 0.6)
        fresh_visit |= forced == "arrived"
        status = np.full(k, "created", dtype=object)
        reason = np.full(k, "", dtype=object)
        updated = wts.copy()
        # not (yet) arrived
        gave_up = ~arrived & (age_days > 21)
        cancelled = gave_up & (rng.random(k) < 0.1)
        status[gave_up] = "failed"
        reason[gave_up] = ref.WORK_ORDER_FAIL_REASONS[0]
        updated[gave_up] = wts[gave_up] + 10 * DAY
        status[cancelled] = "cancelled"
        reason[cancelled] = ""
        status[arrived] = "arrived"
        updated[arrived] = arrive_at[arrived]
        closed = arrived & ~fresh_visit
        status[closed & done] = "done"
        failed_at_store = closed & ~done
        status[failed_at_store] = "failed"
        reasons = np.array(ref.WORK_ORDER_FAIL_REASONS[1:], dtype=object)
        reason[failed_at_store] = reasons[rng.integers(0, len(reasons), int(failed_at_store.sum()))]
        ended = np.isin(status, ["done", "failed"])
        returned = ended & (updated < self.anchor - 2 * DAY) & (rng.random(k) < 0.75)
        status[returned] = "returned"
        updated = np.where(returned, updated + rng.integers(1, 2 * DAY, k), updated)
        updated = np.minimum(updated, self.anchor - 60)
        handled = np.where(arrived, handler, -1)
        notes = np.array(ref.WORK_ORDER_NOTES, dtype=object)[rng.integers(0, len(ref.WORK_ORDER_NOTES), k)]
        order = np.argsort(wts, kind="stable")
        uid = np.array(self.user_ids, dtype=object)
        # the customers still expected at a store have mostly agreed a time (seed 001, case 1):
        # today and the next two days, on the half hour from 10:00 to 19:30 Beijing time (UTC+8),
        # spread by position so that no random draw moves and the rest of the data stays as it was
        pos = np.arange(k)
        waiting = (status[order] == "created") & (pos % 4 != 3)
        slot_at = self.anchor + (pos % 3) * DAY + 2 * 3600 + ((pos * 37) % 20) * 1800
        appointment_at = np.where(waiting, slot_at, -1)
        appointment_minutes = [30 if w else None for w in waiting.tolist()]
        self.data.tables.append(TableData("work_order", {
            "id": _ids("WO", k, 7),
            "customer_id": np.array(self.cust_ids, dtype=object)[wc[order]].tolist(),
            "policy_id": np.array([s.id for s in specs], dtype=object)[wp[order]].tolist(),
            "from_user_id": uid[wu[order]].tolist(),
            "team_id": self.c_team[wc[order]].tolist(),
            "store_id": np.array(self.store_ids, dtype=object)[store[order]].tolist(),
            "status": status[order].tolist(),
            "note": notes[order].tolist(),
            "result_reason": reason[order].tolist(),
            "handled_by": [None if h < 0 else uid[h] for h in handled[order].tolist()],
            "appointment_at": appointment_at,
            "appointment_minutes": appointment_minutes,
            "created_at": wts[order],
            "updated_at": updated[order],
        }, self.c_team[wc[order]].tolist(),
            np.array(self.store_ids, dtype=object)[store[order]].tolist()))

        # the store visits of arrived customers become contact events too
        a = arrived
        visit_wr = np.where(done, W["accepted"], np.where(fresh_visit, W["interested"], W["refused"]))
        ev2 = {
            "cust": wc[a], "ch": np.full(int(a.sum()), STO), "pol": wp[a], "ts": arrive_at[a],
            "user": handler[a], "p": store_p[a], "wr": visit_wr[a],
        }
        ev2["wr"] = np.where(fresh_visit[a] & done[a], W["interested"], ev2["wr"])
        allev = {x: np.concatenate([ev[x], ev2[x]]) for x in ev}
        order = np.lexsort((allev["ts"], allev["cust"]))
        allev = {x: v[order] for x, v in allev.items()}
        by_time = np.argsort(allev["ts"], kind="stable")
        allev = {x: v[by_time] for x, v in allev.items()}
        self._events(allev, values)

    def _events(self, ev: dict[str, np.ndarray], values: np.ndarray) -> None:
        rng = self.rng
        m = len(ev["cust"])
        ch, wr, pol, cust = ev["ch"], ev["wr"], ev["pol"], ev["cust"]
        specs = self.policies
        # duration (s): talk time by channel and outcome
        med = np.select(
            [wr == W["accepted"], wr == W["transferred"], wr == W["interested"],
             wr == W["refused"], wr == W["complaint"], wr == W["info_only"],
             wr == W["wrong_number"], wr == W["do_not_call"]],
            [290, 260, 200, 80, 260, 180, 15, 40], 0).astype(float)
        med = np.where(ch == STO, med * 3, med)
        med = np.where((ch == SMS) | (ch == ONL), 0, med)
        dur = np.where(med > 0, med * rng.lognormal(0, 0.35, m), 0).astype(np.int64)
        cost = np.select(
            [ch == OUT, ch == HOT, ch == STO, ch == SMS, ch == ONL],
            [0.3 + dur / 60 * 1.1, dur / 60 * 0.9, 12 + dur / 60 * 0.5,
             np.full(m, 0.05), np.full(m, 0.02)])
        intent = np.select(
            [(wr == W["accepted"]) | (wr == W["transferred"]),
             wr == W["interested"], wr == W["refused"]],
            [0, np.where(rng.random(m) < 0.3, 0, 1), np.where(rng.random(m) < 0.5, 2, 3)], 3)
        notes = np.empty(m, dtype=object)
        rr = rng.integers(0, 1 << 20, m)
        for code, texts in ref.NOTES.items():
            sel = wr == W[code]
            arr = np.array(texts, dtype=object)
            notes[sel] = arr[rr[sel] % len(arr)]
        notes = np.where((ch == SMS) | (ch == ONL), "", notes)
        callback = np.where(wr == W["interested"], ev["ts"] + rng.integers(2, 8, m) * DAY, -1)
        accepted = wr == W["accepted"]
        deal = np.where(accepted & (pol >= 0), values[np.maximum(pol, 0)], 0.0)
        uid = np.array(self.user_ids + [None], dtype=object)
        pid = np.array([s.id for s in specs] + [None], dtype=object)
        store_ids = np.array(self.store_ids, dtype=object)
        team = self.c_team[cust]
        store = store_ids[self.c_store[cust]]
        cids = np.array(self.cust_ids, dtype=object)[cust]
        ids = _ids("E", m, 9)
        self.ev_final = {"cust": cust, "pol": pol, "ch": ch, "ts": ev["ts"]}
        self.data.tables.append(TableData("contact_event", {
            "id": ids,
            "customer_id": cids.tolist(),
            "channel": np.array(CHANNELS, dtype=object)[ch].tolist(),
            "user_id": uid[ev["user"]].tolist(),
            "team_id": team.tolist(),
            "store_id": store.tolist(),
            "started_at": ev["ts"],
            "duration_s": dur.tolist(),
            "cost": np.round(cost, 2).tolist(),
            "wrapup": np.array(WRAPUPS, dtype=object)[wr].tolist(),
            "intent": np.array(INTENTS, dtype=object)[intent].tolist(),
            "policy_id": pid[pol].tolist(),
            "task_id": [None] * m,
            "note": notes.tolist(),
            "callback_at": callback,
            "predicted_p": [None if q is None else round(q, 4) for q in
                            np.where(pol >= 0, ev["p"], np.nan).tolist()],
            "deal_value": deal.tolist(),
        }, team.tolist(), store.tolist()))
        pp = self.data.table("contact_event").columns["predicted_p"]
        self.data.table("contact_event").columns["predicted_p"] = [
            None if q != q else q for q in pp]

        # acceptances
        a = np.flatnonzero(accepted & (pol >= 0))
        ka = len(a)
        cancelled = (rng.random(ka) < 0.03) & ~np.isin(cust[a], [i for i, _ in self.show])
        acc_team = team[a]
        acc_store_all = store[a]
        at = ev["ts"][a] + dur[a]
        self.data.tables.append(TableData("acceptance", {
            "id": _uuid4s(np.random.default_rng([self.seed, 4]), ka),
            "customer_id": cids[a].tolist(),
            "policy_id": pid[pol[a]].tolist(),
            "channel": np.array(CHANNELS, dtype=object)[ch[a]].tolist(),
            "user_id": uid[ev["user"][a]].tolist(),
            "team_id": acc_team.tolist(),
            "store_id": np.where(ch[a] == STO, acc_store_all, None).tolist(),
            "accepted_at": at,
            "value": values[pol[a]].tolist(),
            "status": np.where(cancelled, "cancelled", "accepted").tolist(),
        }, acc_team.tolist(), acc_store_all.tolist()))
        used = np.bincount(pol[a][~cancelled], minlength=len(specs))
        self.data.table("policy").columns["quota_used"] = used.tolist()
        self.acc_pairs = pd.DataFrame({"c": cust[a][~cancelled], "p": pol[a][~cancelled],
                                       "ch": ch[a][~cancelled], "ts": at[~cancelled]})

    # -------------------------------------------------------- tasks

    def tasks(self) -> None:
        rng, n = self.rng, self.n
        specs = self.policies
        active = np.array([(s.valid_to_days or 1) > 0 for s in specs])
        order = np.argsort([-s.priority for s in specs], kind="stable")
        taken = np.zeros(n, dtype=np.int64)
        group_taken: dict[str, np.ndarray] = {}
        pairs_c, pairs_p = [], []
        for j in order:
            if not active[j]:
                continue
            g = specs[j].exclusive_group
            sel = self.elig[:, j] & (taken < 2)
            if g:
                gt = group_taken.setdefault(g, np.zeros(n, dtype=bool))
                sel &= ~gt
                gt |= sel
            taken += sel
            idx = np.flatnonzero(sel)
            pairs_c.append(idx)
            pairs_p.append(np.full(len(idx), j))
        c = np.concatenate(pairs_c) if pairs_c else np.zeros(0, dtype=np.int64)
        p = np.concatenate(pairs_p) if pairs_p else np.zeros(0, dtype=np.int64)
        allowed = np.array([[ch in s.channels for ch in CHANNELS] for s in specs])
        dnc = self.c_dnc[c]
        out_ok = allowed[p, OUT] & ~dnc
        store_ok = allowed[p, STO]
        sim = p == self.pol_index["P-SIM-4G"]
        # outbound tasks to the customer's account manager; store tasks for store policies
        rows_c = np.concatenate([c[out_ok], c[(sim | ~out_ok) & store_ok]])
        rows_p = np.concatenate([p[out_ok], p[(sim | ~out_ok) & store_ok]])
        rows_ch = np.concatenate([np.full(int(out_ok.sum()), OUT),
                                  np.full(int(((sim | ~out_ok) & store_ok).sum()), STO)])
        sort = np.lexsort((rows_p, rows_c))
        rows_c, rows_p, rows_ch = rows_c[sort], rows_p[sort], rows_ch[sort]
        k = len(rows_c)

        # status: done / suppressed where accepted (same policy, or same exclusive group)
        acc = self.acc_pairs
        groups = np.array([s.exclusive_group or "" for s in specs], dtype=object)
        # (customer, policy) -> (channel, time) and (customer, group) -> time, first acceptance
        acc_pol: dict[tuple[int, int], tuple[int, int]] = {}
        acc_grp: dict[tuple[int, str], int] = {}
        for cc, pp, chh, tt in zip(acc["c"].tolist(), acc["p"].tolist(), acc["ch"].tolist(),
                                   acc["ts"].tolist(), strict=True):
            acc_pol.setdefault((cc, pp), (chh, tt))
            if groups[pp]:
                acc_grp.setdefault((cc, groups[pp]), tt)
        status = []
        settled = np.full(k, -1, dtype=np.int64)  # when the acceptance settled the task
        for i, (cc, pp, chh) in enumerate(zip(rows_c.tolist(), rows_p.tolist(),
                                              rows_ch.tolist(), strict=True)):
            if (cc, pp) in acc_pol:
                a_ch, settled[i] = acc_pol[(cc, pp)]
                status.append("done" if a_ch == chh else "suppressed")
            elif groups[pp] and (cc, groups[pp]) in acc_grp:
                settled[i] = acc_grp[(cc, groups[pp])]
                status.append("suppressed")
            else:
                status.append("open")
        # lead tier from the latent probability of an outbound offer
        x = self._logit(rows_c, rows_p, np.full(k, OUT), np.full(k, -1), np.zeros(k, np.int64))
        q = np.quantile(x, [0.5, 0.8]) if k else np.zeros(2)
        tier = np.where(x >= q[1], "A", np.where(x >= q[0], "B", "C"))
        created = self.anchor - rng.integers(1, 29, k) * DAY + 3600
        # a settled task was created before the acceptance that settled it
        created = np.where(settled >= 0, settled - rng.integers(1, 31, k) * DAY, created)
        uid = np.array(self.user_ids, dtype=object)
        assignee = np.where(rows_ch == OUT, uid[self.c_owner[rows_c]], None)
        store = np.array(self.store_ids, dtype=object)[self.c_store[rows_c]]
        team = self.c_team[rows_c]
        self.data.tables.append(TableData("task", {
            "id": _ids("TK", k, 8),
            "customer_id": np.array(self.cust_ids, dtype=object)[rows_c].tolist(),
            "policy_id": np.array([s.id for s in specs], dtype=object)[rows_p].tolist(),
            "channel": np.array(CHANNELS, dtype=object)[rows_ch].tolist(),
            "assignee_id": assignee.tolist(),
            "team_id": np.where(rows_ch == OUT, team, None).tolist(),
            "store_id": store.tolist(),
            "status": status,
            "priority": np.array([s.priority for s in specs])[rows_p].tolist(),
            "lead_tier": tier.tolist(),
            "created_at": created,
            "due_at": created + 30 * DAY,
            "experiment_id": [None] * k,  # the demo's tasks were not assigned by an experiment
            "assignment_rule": [None] * k,
            # the team pool's columns (issue 17): held since creation, nothing warned yet
            "assigned_at": np.where(rows_ch == OUT, created, -1),
            "recycle_at": np.full(k, -1),
            "previous_assignee_id": [None] * k,
            "barred_until": np.full(k, -1),
        }, team.tolist(), store.tolist()))
        self._link_events_to_tasks(rows_c, rows_p, rows_ch, created)

    def _link_events_to_tasks(self, c: np.ndarray, p: np.ndarray, ch: np.ndarray,
                              created: np.ndarray) -> None:
        """Set ``task_id`` on the contacts that worked a task (same customer, policy and
        channel, between the task's creation and its due date)."""
        ev = self.ev_final
        tasks = pd.DataFrame({"c": c, "p": p, "ch": ch, "t0": created, "k": np.arange(len(c))})
        events = pd.DataFrame({"c": ev["cust"], "p": ev["pol"], "ch": ev["ch"], "ts": ev["ts"],
                               "e": np.arange(len(ev["cust"]))})
        both = events.merge(tasks, on=["c", "p", "ch"])
        both = both[(both["ts"] >= both["t0"]) & (both["ts"] < both["t0"] + 30 * DAY)]
        task_ids = self.data.table("task").columns["id"]
        column = self.data.table("contact_event").columns["task_id"]
        for e, k in zip(both["e"].tolist(), both["k"].tolist(), strict=True):
            column[e] = task_ids[k]


def _cooldown_keep(cust: np.ndarray, ch: np.ndarray, ts: np.ndarray,
                   wr: np.ndarray) -> np.ndarray:
    """Which events survive the cool-down: no outbound call within 7 days of a refusal.

    Events must be sorted by (customer, time). Sequential by nature, but only over the
    outbound calls, so a plain loop is quick enough.
    """
    keep = np.ones(len(cust), dtype=bool)
    out_idx = np.flatnonzero(ch == OUT)
    refused = W["refused"]
    last_c, until = -1, -1
    for k, c, t, w in zip(out_idx.tolist(), cust[out_idx].tolist(), ts[out_idx].tolist(),
                          wr[out_idx].tolist(), strict=True):
        if c != last_c:
            last_c, until = c, -1
        if t < until:
            keep[k] = False
        elif w == refused:
            until = t + 7 * DAY
    return keep


def _script_id(policy_id: str, section: str, variant: str) -> str:
    return f"SCR-{policy_id.removeprefix('P-')}-{section}-{variant}"


def _scripts() -> dict[str, list[Any]]:
    """Script templates: policy x section (A/B for offers), objections, lifecycle openings."""
    cols: dict[str, list[Any]] = {k: [] for k in (
        "id", "policy_id", "lifecycle_stage", "section", "variant", "title", "body", "keywords", "channel")}

    def add(sid: str, pid: str | None, stage: str | None, section: str, variant: str,
            title: str, body: str, keywords: list[str], channel: str | None = None) -> None:
        cols["channel"].append(channel)
        cols["id"].append(sid)
        cols["policy_id"].append(pid)
        cols["lifecycle_stage"].append(stage)
        cols["section"].append(section)
        cols["variant"].append(variant)
        cols["title"].append(title)
        cols["body"].append(body)
        cols["keywords"].append(keywords)

    names = {p.id: p.name for p in ref.POLICIES}
    for pid, (opening, probing, offer_a, offer_b, closing) in ref.SCRIPT_TEXTS.items():
        name = names[pid]
        add(_script_id(pid, "opening", "A"), pid, None, "opening", "A", f"{name}·开场", opening, [])
        add(_script_id(pid, "probing", "A"), pid, None, "probing", "A", f"{name}·需求探询",
            probing, [])
        add(_script_id(pid, "offer", "A"), pid, None, "offer", "A", f"{name}·推荐", offer_a, [])
        if offer_b:
            add(_script_id(pid, "offer", "B"), pid, None, "offer", "B", f"{name}·推荐(B)",
                offer_b, [])
        for key, words, body in ref.OBJECTIONS:
            add(_script_id(pid, "obj", key), pid, None, "objection", "A",
                f"{name}·异议处理·{words[0]}", body, list(words))
        add(_script_id(pid, "closing", "A"), pid, None, "closing", "A", f"{name}·促成", closing, [])
        if ref.POLICIES[[p.id for p in ref.POLICIES].index(pid)].product in ("contract", "retention"):
            for stage, body in ref.LIFECYCLE_OPENINGS.items():
                add(_script_id(pid, "opening", stage), pid, stage, "opening", "A",
                    f"{name}·开场({stage})", body, [])
    # the hotline answers a caller and the store greets a walk-in: their own words (seed 001)
    for channel, sections in ref.CHANNEL_SCRIPTS.items():
        for section, (title, body) in sections.items():
            add(f"SCR-{channel}-{section}", None, None, section, "A", title, body, [], channel)
    return cols


def _unique_phones(rng: np.random.Generator, count: int, exclude: set[str]) -> np.ndarray:
    """``count`` distinct 11-digit mobile numbers (int64) in random order."""
    prefixes = np.array(ref.PHONE_PREFIXES, dtype=np.int64)
    excl = np.array([int(x) for x in exclude], dtype=np.int64)
    got = np.zeros(0, dtype=np.int64)
    while len(got) < count:
        need = int((count - len(got)) * 1.05) + 16
        cand = prefixes[rng.integers(0, len(prefixes), need)] * 10**8 + rng.integers(0, 10**8, need)
        allc = np.concatenate([got, cand])
        _, first = np.unique(allc, return_index=True)
        allc = allc[np.sort(first)]
        got = allc[~np.isin(allc, excl)]
    return got[:count]


_SHOWCASE: tuple[dict[str, Any], ...] = (
    {"phone": "13800138000", "fee": 96, "tags": ["price_sensitive", "contract_expiring",
                                                  "video_user", "family"],
     "tenure": 30, "events": [("P-168-504", "outbound", "interested", 12)],
     "what": "96元套餐, 可推预存168得504 (T01, 广州)"},
    {"phone": "13900139000", "fee": 126, "network": "5G", "tags": ["contract_expiring", "heavy_data",
                                                                      "business_traveller", "intl_roaming"],
     "tier": "high", "tenure": 52, "what": "126元套餐, 可推预存228得684 (T01, 广州)"},
    {"phone": "13700137000", "fee": 38, "network": "3G", "age": 68, "tags": ["senior", "price_sensitive"],
     "tenure": 140, "device": ("诺基亚 C5", 9),
     "events": [("P-SIM-4G", "outbound", "transferred", 2)], "work_order": "created",
     "what": "3G老用户, 到厅换4G卡 (工单待到厅 S001) + 孝心卡 (T01, 广州)"},
    {"phone": "13600136000", "fee": 96, "dnc": True, "tags": ["complaint_prone", "price_sensitive"],
     "what": "免打扰 do-not-call, 96元套餐 (T01)"},
    {"phone": "13500135000", "fee": 136, "tags": ["upgrade_intent", "device_pref_apple", "gamer"],
     "device": ("苹果 iPhone 11", 5), "age": 27, "life": "growth", "tier": "potential",
     "events": [("P-PHONE-500", "outbound", "transferred", 4)], "work_order": "arrived",
     "what": "换机意向, 购机直降500 (工单: 已到厅 S001) (T01)"},
    {"phone": "13300133000", "fee": 96, "team": "T02", "city": "深圳",
     "tags": ["family", "secondary_card_prospect"], "what": "T02 (agent9) 的96元套餐客户, 深圳"},
    {"phone": "18800188000", "fee": 196, "network": "5G", "tier": "high", "life": "decline",
     "complaint": True, "tags": ["port_out_risk", "complaint_prone", "high_spender"],
     "what": "投诉未结 + 携号转网风险, 高价值挽留礼包 (T01)"},
    {"phone": "15800158000", "fee": 96, "tags": ["price_sensitive", "contract_expiring"],
     "events": [("P-168-504", "store", "accepted", 20)],
     "what": "已在营业厅办理预存168得504 (任务已抑制)"},
)


def _showcase_rows(n: int) -> list[tuple[int, dict[str, Any]]]:
    return list(enumerate(_SHOWCASE[: min(n, len(_SHOWCASE))]))


def generate(customers: int, seed: int, today: dt.date) -> DemoData:
    """Draw the whole demo data set; deterministic for ``(customers, seed, today)``."""
    gen = _Gen(customers, seed, today)
    gen.reference()
    gen.customers()
    gen.history()
    gen.outcomes()
    gen.tasks()
    return gen.data
