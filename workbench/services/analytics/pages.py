"""Everything one dashboard page shows, computed step by step and cancellable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from workbench.services.analytics.breakdowns import (
    _by_contacts,
    breakdown,
    channel_comparison,
    funnel,
    hot_products,
    region_distribution,
)
from workbench.services.analytics.experiments import rule_experiment
from workbench.services.analytics.filters import apply_filters, enforce_scope
from workbench.services.analytics.metrics import add_flags, agent_efficiency, rank_by, summarise
from workbench.services.analytics.periods import period_comparison, trend
from workbench.services.analytics.prepare import AnalyticsData
from workbench.services.analytics.scope import CostSettings, Filters, Freq, ViewOptions

_ANY = Filters()
_DEFAULT_VIEW = ViewOptions()


@dataclass(frozen=True)
class PageResult:
    """What one dashboard page shows: named tables (frames) plus scalar facts."""

    page: str
    tables: dict[str, pd.DataFrame]
    facts: dict[str, Any]


def compute_page(
    data: AnalyticsData,
    page: str,
    filters: Filters = _ANY,
    options: ViewOptions = _DEFAULT_VIEW,
    costs: CostSettings | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> PageResult:
    """Every table the ``page`` shows for ``filters``, within the data's scope.

    Raises :class:`ScopeError` if the scope may not open ``page``. ``cancelled`` is polled
    between steps; when it returns True the work stops with :class:`Cancelled`.
    """
    data.scope.check_page(page)

    def step() -> None:
        if cancelled is not None and cancelled():
            raise Cancelled()

    events = apply_filters(enforce_scope(data.events, data.scope), filters)
    step()
    flagged = add_flags(events, costs)
    step()
    facts: dict[str, Any] = {"events": len(events), "as_of": data.as_of, "scope": data.scope.level}
    tables: dict[str, pd.DataFrame] = {}
    if page == "efficiency":
        agents = data.agents
        if filters.users:
            agents = agents[agents.index.isin(filters.users)]
        if filters.teams:
            agents = agents[agents["team_id"].isin(filters.teams)]
        if data.scope.level == "own":
            agents = agents[agents.index == data.scope.user_id]
        elif data.scope.level == "team":
            agents = agents[agents["team_id"] == data.scope.team_id]
        eff = agent_efficiency(flagged, agents)
        metric = options.rank_by if options.rank_by in eff else "ratio"
        tables["agents"] = rank_by(eff, metric).reset_index()
        step()
        as_of = min(filters.end, data.as_of) if filters.end else data.as_of
        tables["periods"] = period_comparison(flagged, as_of).reset_index(names="period")
        tables["totals"] = summarise(flagged)
    elif page == "trends":
        tables["trend"] = trend(flagged, options.trend_freq, filters.start, filters.end)
    elif page == "breakdowns":
        dim = options.breakdown_dim
        tables["breakdown"] = breakdown(flagged, dim)
        step()
        acc = apply_filters(enforce_scope(data.acceptances, data.scope), filters)
        tables["products"] = hot_products(flagged, acc, top=options.top_n)
        step()
        tables["regions"] = (
            _by_contacts(tables["breakdown"]) if dim == "region" else region_distribution(flagged)
        )
        tables["channels"] = channel_comparison(flagged)
        step()
        tables["funnel"] = funnel(flagged)
        conv_freq: Freq = "week" if _span_days(events) <= 190 else "month"
        tables["conversion_trend"] = trend(flagged, conv_freq, filters.start, filters.end)
        facts["conversion_freq"] = conv_freq
    elif page == "experiments":
        tables["experiments"] = rule_experiment(data.experiments)
    facts["totals"] = summarise(flagged).iloc[0].to_dict() if page != "efficiency" else tables["totals"].iloc[0].to_dict()
    return PageResult(page, tables, facts)


class Cancelled(Exception):
    """Raised inside a computation that was superseded by a newer request."""


def _span_days(df: pd.DataFrame) -> int:
    if df.empty:
        return 0
    t = df["started_at"]
    return int((t.iloc[-1] - t.iloc[0]) / pd.Timedelta(days=1))
