"""Dashboard analytics: load a scope's contact history into pandas and aggregate it.

No Qt here. :func:`load_data` reads contact events, acceptances, portraits, policies and
users of one :class:`Scope` from the local store with plain SQL (only the needed columns,
strings turned into categoricals, times converted once to business-local time). Everything
else is a pure function over those frames, so the dashboards, the tests and the benchmark
all call the same code.

Definitions (the glossary's "agent efficiency"):

* *contact*: one contact event. *Reached*: its wrap-up is in :data:`codes.REACHED`.
* *interested*: wrap-up interested / accepted / transferred, or intent high / medium.
* *conversion*: the first ``accepted`` wrap-up of an (agent, customer) pair inside the frame
  being aggregated. A customer who takes two offers from one agent is one conversion and
  two deals.
* *expected conversions*: for each (agent, customer) pair, the customer's predicted deal
  probability recorded at the pair's first contact inside the frame, summed. It is counted in
  the period of that first contact; the conversion in the period of the acceptance.
* *ratio*: conversions / expected conversions (NaN when nothing was expected).
* *cost*: the cost recorded on the event when positive, else the channel's cost settings
  (per contact + per minute of talk time), see :class:`CostSettings`.

Every ratio whose denominator is zero is NaN (shown as "—"), never an error.

The package's rooms, one job each (callers import from the package, which re-exports the
public API below; the rooms import each other directly):

* :mod:`.scope`: who may see what and how they ask (scope, filters, view options, costs).
* :mod:`.prepare`: the prepared frames (:class:`AnalyticsData`, :func:`prepare_events`).
* :mod:`.load`: reading a scope's history from the local store (:func:`load_data`).
* :mod:`.filters`: the scope and the user's filters applied to frames.
* :mod:`.metrics`: flags, costs, summary metrics, agent efficiency, rankings.
* :mod:`.periods`: trends and period comparisons.
* :mod:`.breakdowns`: breakdowns, hot products, channels, the funnel.
* :mod:`.experiments`: assignment-rule experiments with confidence intervals.
* :mod:`.pages`: everything one dashboard page shows (:func:`compute_page`).
* :mod:`.export`: CSV / Excel export.
"""

from __future__ import annotations

from workbench.core.stats import CONFIDENCE, diff_interval, wilson_interval
from workbench.services.analytics.breakdowns import (
    FUNNEL_STAGES,
    add_time_columns,
    breakdown,
    channel_comparison,
    funnel,
    hot_products,
    region_distribution,
)
from workbench.services.analytics.experiments import (
    EXPERIMENT_COLUMNS,
    experiment_frame,
    load_experiment_outcomes,
    rule_experiment,
)
from workbench.services.analytics.export import (
    export_table,
)
from workbench.services.analytics.filters import (
    apply_filters,
    enforce_scope,
)
from workbench.services.analytics.load import (
    load_data,
)
from workbench.services.analytics.metrics import (
    SUM_COLUMNS,
    SUMMARY_COLUMNS,
    add_flags,
    agent_efficiency,
    event_costs,
    outcome_flags,
    rank_by,
    summarise,
)
from workbench.services.analytics.pages import (
    Cancelled,
    PageResult,
    compute_page,
)
from workbench.services.analytics.periods import (
    TREND_METRICS,
    period_comparison,
    period_label,
    period_start,
    trend,
)
from workbench.services.analytics.prepare import (
    EVENT_COLUMNS,
    PORTRAIT_COLUMNS,
    AnalyticsData,
    prepare_events,
)
from workbench.services.analytics.scope import (
    AGE_BANDS,
    BUSINESS_TZ,
    DIMENSIONS,
    LOWER_IS_BETTER,
    PAGES,
    CostSettings,
    Filters,
    Freq,
    Page,
    Scope,
    ScopeError,
    ViewOptions,
)

__all__ = [
    "AGE_BANDS",
    "AnalyticsData",
    "BUSINESS_TZ",
    "CONFIDENCE",
    "Cancelled",
    "CostSettings",
    "DIMENSIONS",
    "EVENT_COLUMNS",
    "EXPERIMENT_COLUMNS",
    "FUNNEL_STAGES",
    "Filters",
    "Freq",
    "LOWER_IS_BETTER",
    "PAGES",
    "PORTRAIT_COLUMNS",
    "Page",
    "PageResult",
    "SUMMARY_COLUMNS",
    "SUM_COLUMNS",
    "Scope",
    "ScopeError",
    "TREND_METRICS",
    "ViewOptions",
    "add_flags",
    "add_time_columns",
    "agent_efficiency",
    "apply_filters",
    "breakdown",
    "channel_comparison",
    "compute_page",
    "diff_interval",
    "enforce_scope",
    "event_costs",
    "experiment_frame",
    "export_table",
    "funnel",
    "hot_products",
    "load_data",
    "load_experiment_outcomes",
    "outcome_flags",
    "period_comparison",
    "period_label",
    "period_start",
    "prepare_events",
    "rank_by",
    "region_distribution",
    "rule_experiment",
    "summarise",
    "trend",
    "wilson_interval",
]
