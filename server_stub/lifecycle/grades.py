"""Agent grades (issue 17 point 3): A/B/C from actual vs expected conversions.

Over a trailing window (``window_days``, default 90) of central contact events, for each
active agent:

* *handled customers*: the distinct customers the agent had a contact event with;
* *expected conversions* ``E``: for each (agent, customer) pair, the customer's predicted deal
  probability recorded at the pair's first contact in the window (none recorded: 0), summed —
  the same definition as the desk's efficiency page (``workbench/services/analytics.py``);
* *conversions* ``X``: the pairs with an ``accepted`` wrap-up in the window.

The raw ratio ``X / E`` is noisy for small samples (two lucky calls are a ratio of 10), so it
is shrunk toward the team's ratio ``R = ΣX / ΣE`` (1 when the team expected nothing) with a
conjugate gamma prior: conversions ~ Poisson(θ·E), θ ~ Gamma(shape k·R, rate k), whose
posterior mean is

    θ̂ = (X + k·R) / (E + k).

``k`` (``prior_strength``, default 20) is in units of expected conversions: an agent's own
record weighs as much as the team's when they have had ``k`` expected conversions (at a 20 %
deal probability, about 100 customers). The grade compares θ̂ with the team: ``A`` when
θ̂ ≥ ``a_at``·R (default 1.15), ``C`` when θ̂ < ``c_below``·R (default 0.85), else ``B``. An
agent with no calls in the window gets θ̂ = R, grade B.

:func:`grade_agents` writes ``users.grade`` and publishes only the users whose grade changed
(desktops receive them by sync; the lead's efficiency page shows them), with one audit entry.
It runs as the scheduler's ``grades`` job and as ``workbench-server grade-agents``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from server_stub.storage import models as m
from workbench.core.codes import Role, WrapUp
from workbench.core.entities import utcnow

GRADES = ("A", "B", "C")


@dataclass(frozen=True)
class GradeSettings:
    """How grades are computed (see the module docstring); ValueError when out of range."""

    window_days: int = 90
    prior_strength: float = 20.0
    a_at: float = 1.15
    c_below: float = 0.85

    def __post_init__(self) -> None:
        if not 1 <= self.window_days <= 3660:
            raise ValueError("the window must be 1 to 3660 days")
        for name, lo, hi in (("prior_strength", 0.0, 1e6), ("a_at", 1.0, 100.0), ("c_below", 0.0, 1.0)):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and lo <= v <= hi):
                raise ValueError(f"{name} must be a finite number from {lo:g} to {hi:g}")


@dataclass(frozen=True)
class AgentGrade:
    """One agent's figures and grade."""

    user_id: str
    team_id: str | None
    customers: int
    conversions: int
    expected: float
    team_ratio: float
    shrunk_ratio: float
    grade: str

    @property
    def raw_ratio(self) -> float:
        return self.conversions / self.expected if self.expected > 0 else math.nan


@dataclass
class GradeReport:
    """What a grading pass did."""

    grades: list[AgentGrade] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def line(self) -> str:
        counts = {g: sum(1 for a in self.grades if a.grade == g) for g in GRADES}
        return (f"graded {len(self.grades)} agents (A {counts['A']}, B {counts['B']}, C {counts['C']}); "
                f"{len(self.changed)} changed")


def _finite_p(p: float | None) -> float:
    if p is None or not math.isfinite(p):
        return 0.0
    return min(max(float(p), 0.0), 1.0)


def compute_grades(session: Session, now: dt.datetime | None = None,
                   settings: GradeSettings | None = None) -> list[AgentGrade]:
    """The grades of every active agent from the central contact events (nothing written)."""
    settings = settings or GradeSettings()
    now = now or utcnow()
    since = now - dt.timedelta(days=settings.window_days)
    agents = {uid: team for uid, team in session.execute(
        select(m.User.id, m.User.team_id).where(m.User.role == Role.AGENT.value, m.User.active.is_(True))
    ).tuples()}
    ce = m.ContactEvent
    rows = session.execute(
        select(ce.user_id, ce.customer_id, ce.wrapup, ce.predicted_p)
        .where(ce.user_id.in_(list(agents)) if agents else ce.user_id.is_(None))
        .where(ce.started_at >= since, ce.started_at < now)
        .order_by(ce.started_at, ce.id)
    ).tuples()
    first_p: dict[tuple[str, str], float] = {}
    converted: set[tuple[str, str]] = set()
    for uid, cid, wrapup, p in rows:
        pair = (uid, cid)
        if pair not in first_p:
            first_p[pair] = _finite_p(p)
        if wrapup == WrapUp.ACCEPTED.value:
            converted.add(pair)
    per: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])  # customers, conversions, expected
    for (uid, _cid), p in first_p.items():
        per[uid][0] += 1
        per[uid][2] += p
    for uid, _cid in converted:
        per[uid][1] += 1
    team_x: dict[str | None, float] = defaultdict(float)
    team_e: dict[str | None, float] = defaultdict(float)
    for uid, team in agents.items():
        team_x[team] += per[uid][1] if uid in per else 0
        team_e[team] += per[uid][2] if uid in per else 0.0
    k = settings.prior_strength
    out = []
    for uid in sorted(agents):
        team = agents[uid]
        n, x, e = per.get(uid, [0, 0, 0.0])
        r = team_x[team] / team_e[team] if team_e[team] > 0 else 1.0
        theta = (x + k * r) / (e + k) if e + k > 0 else r
        grade = "A" if theta >= settings.a_at * r else "C" if theta < settings.c_below * r else "B"
        out.append(AgentGrade(uid, team, int(n), int(x), float(e), r, theta, grade))
    return out


def grade_agents(engine: Engine, now: dt.datetime | None = None,
                 settings: GradeSettings | None = None, by_user: str = "scheduler") -> GradeReport:
    """Compute the grades, write the changed ones to ``users.grade`` and publish them."""
    from server_stub.audit import record
    from server_stub.storage.db import session_factory, unit_of_work
    from server_stub.sync import lock_log, publish

    report = GradeReport()
    with unit_of_work(session_factory(engine)) as session:
        lock_log(session)
        report.grades = compute_grades(session, now, settings)
        changed = []
        for g in report.grades:
            user = session.get(m.User, g.user_id)
            if user is not None and user.grade != g.grade:
                user.grade = g.grade
                changed.append(user)
        report.changed = [u.id for u in changed]
        if changed:
            session.flush()
            publish(session, "user", changed)
        record(session, "admin:grades", user_id=by_user, detail=report.line(), rows=len(changed))
    return report


# ------------------------------------------------------------------ command line


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``grade-agents``."""
    d = GradeSettings()
    parser.add_argument("--db", default=None, help="central store URL (default: $WORKBENCH_SERVER_DB)")
    parser.add_argument("--window-days", type=int, default=d.window_days,
                        help=f"trailing window of contact events (default {d.window_days})")
    parser.add_argument("--prior-strength", type=float, default=d.prior_strength,
                        help=f"k, in expected conversions, of the pull toward the team (default {d.prior_strength:g})")
    parser.add_argument("--dry-run", action="store_true", help="print the grades, write nothing")


def run(args: argparse.Namespace) -> int:
    from server_stub.storage.db import default_db_url, open_central

    try:
        settings = GradeSettings(window_days=args.window_days, prior_strength=args.prior_strength)
    except ValueError as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return 2
    engine = open_central(args.db or default_db_url())
    try:
        if args.dry_run:
            with Session(engine) as s:
                report = GradeReport(grades=compute_grades(s, settings=settings))
        else:
            report = grade_agents(engine, settings=settings, by_user="admin-cli")
    finally:
        engine.dispose()
    print("agent       team  customers  conv  expected  raw    shrunk  team   grade")
    for g in report.grades:
        raw = "—" if math.isnan(g.raw_ratio) else f"{g.raw_ratio:.2f}"
        print(f"{g.user_id:<11} {g.team_id or '-':<5} {g.customers:>9}  {g.conversions:>4}  {g.expected:>8.1f}  "
              f"{raw:<6} {g.shrunk_ratio:<7.2f} {g.team_ratio:<6.2f} {g.grade}")
    print(report.line())
    return 0
