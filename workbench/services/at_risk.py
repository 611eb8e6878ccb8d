"""The lead's at-risk list (issue 17 point 7): customers by churn risk x value, seed 002's four
quadrants. No Qt.

* *churn risk*: the customer's synced ``scores.churn``; high at :data:`RISK_AT` or above (the
  demo retention policy's threshold). Customers without a churn score are not listed.
* *value*: high for value tiers in :data:`HIGH_VALUE_TIERS`; the list also shows the monthly
  fee and the *revenue at risk* = churn x 12 x monthly fee (the default sort, largest first).
* quadrants: ``retain`` (high risk, high value: retention tasks first), ``watch`` (high risk,
  low value), ``nurture`` (low risk, high value), ``maintain`` (low risk, low value).

The export writes what the page shows with numbers masked, and only once the server has
recorded it (like the work-list export, :mod:`workbench.services.exports`). The one action,
:meth:`AtRiskService.create_retention_tasks`, asks the server to create retention tasks for a
selection and hand them out by an assignment rule (``POST /api/v1/retention-tasks``).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from workbench.core.phone import mask_middle
from workbench.local_store.models import Customer
from workbench.services.exports import ExportRefused, Reporter
from workbench.services.server_api import OfflineError

RISK_AT = 0.5
HIGH_VALUE_TIERS = frozenset({"high"})
QUADRANTS = ("retain", "watch", "nurture", "maintain")


@dataclass(frozen=True)
class AtRiskRow:
    customer_id: str
    name: str
    phone: str  # full on the desk (to dial); masked on screen and in exports
    value_tier: str
    plan_fee: float
    churn: float
    renewal: float | None
    deal: float | None
    lead_tier: str | None

    @property
    def quadrant(self) -> str:
        high_risk = self.churn >= RISK_AT
        high_value = self.value_tier in HIGH_VALUE_TIERS
        return ("retain" if high_value else "watch") if high_risk else ("nurture" if high_value else "maintain")

    @property
    def at_risk_value(self) -> float:
        """Revenue at risk over a year: churn x 12 x monthly fee."""
        return self.churn * 12.0 * self.plan_fee


def _score(scores: Any, kind: str) -> float | None:
    v = scores.get(kind) if isinstance(scores, dict) else None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or not 0 <= v <= 1:
        return None
    return float(v)


def load_at_risk(engine: Engine, team_id: str | None = None) -> list[AtRiskRow]:
    """The scored customers of ``team_id`` (all in the store when None), largest revenue at
    risk first."""
    c = Customer
    stmt = select(c.id, c.name, c.phone, c.value_tier, c.plan_fee, c.scores, c.lead_tier)
    if team_id is not None:
        stmt = stmt.where(c.team_id == team_id)
    rows = []
    with engine.connect() as conn:
        for cid, name, phone, tier, fee, scores, lead_tier in conn.execute(stmt):
            churn = _score(scores, "churn")
            if churn is None:
                continue
            fee_f = float(fee) if fee is not None and math.isfinite(float(fee)) else 0.0
            rows.append(AtRiskRow(cid, name, phone, tier or "", fee_f, churn, _score(scores, "renewal"),
                                  _score(scores, "deal"), lead_tier))
    rows.sort(key=lambda r: (-r.at_risk_value, r.customer_id))
    return rows


def at_risk_rows(rows: Sequence[AtRiskRow]) -> list[list[str]]:
    """The list as exported: what the page shows, the number masked."""
    out = [["customer_id", "customer", "mobile", "quadrant", "churn", "renewal", "deal", "value_tier",
            "plan_fee", "revenue_at_risk"]]
    for r in rows:
        out.append([r.customer_id, r.name, mask_middle(r.phone), r.quadrant, f"{r.churn:.3f}",
                    "" if r.renewal is None else f"{r.renewal:.3f}", "" if r.deal is None else f"{r.deal:.3f}",
                    r.value_tier, f"{r.plan_fee:.2f}", f"{r.at_risk_value:.2f}"])
    return out


def export_at_risk(rows: Sequence[AtRiskRow], path: str | Path, report: Reporter | None) -> int:
    """Write ``rows`` (CSV, UTF-8 with BOM) once the server has recorded the export.

    Raises:
        ExportRefused: offline or no server link (the export could not be audited).
    """
    if report is None:
        raise ExportRefused("Exports are recorded on the server; connect to the server first.")
    try:
        report("at-risk list", len(rows))
    except OfflineError:
        raise ExportRefused("The server is not reachable, and exports are recorded there; try again online.") from None
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(at_risk_rows(rows))
    return len(rows)


#: ``create(customer_ids, policy_id, rule, reason) -> {"created", "skipped", "assigned", "waiting"}``
Creator = Callable[[list[str], str, str, str], dict[str, int]]


class AtRiskService:
    """What the at-risk page needs: its rows, its export and its one action."""

    def __init__(self, engine: Engine, team_id: str | None, report: Reporter | None,
                 create: Creator | None) -> None:
        self.engine, self.team_id, self._report, self._create = engine, team_id, report, create

    def load(self) -> list[AtRiskRow]:
        return load_at_risk(self.engine, self.team_id)

    def export(self, rows: Sequence[AtRiskRow], path: str | Path) -> int:
        return export_at_risk(rows, path, self._report)

    def create_retention_tasks(self, customer_ids: list[str], policy_id: str, rule: str,
                               reason: str) -> dict[str, int]:
        """Ask the server (raises OfflineError / the server's refusal as ServerError)."""
        if self._create is None:
            raise OfflineError("not connected to the server")
        return self._create(customer_ids, policy_id, rule, reason)
