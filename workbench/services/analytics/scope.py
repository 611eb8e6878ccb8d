"""What a user may analyse and how they ask: scope, filters, view options, cost settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from workbench.core.clock import BUSINESS_TZ_NAME
from workbench.core.codes import Channel, Role
from workbench.core.errors import UserError

#: Business-local time zone used for days, weeks, months and years (no DST in China).
BUSINESS_TZ = BUSINESS_TZ_NAME

#: Age bands, in display order (ages at the reference year).
AGE_BANDS: tuple[str, ...] = ("<25", "25-34", "35-44", "45-54", "55-64", "65+", "unknown")

Freq = Literal["day", "week", "month", "year"]
Page = Literal["efficiency", "trends", "breakdowns", "experiments"]
PAGES: tuple[str, ...] = ("efficiency", "trends", "breakdowns", "experiments")


#: Breakdown dimensions: name -> column of the prepared events frame.
DIMENSIONS: dict[str, str] = {
    "day": "day",
    "week": "week",
    "month": "month",
    "region": "province",
    "city": "city",
    "channel": "channel",
    "gender": "gender",
    "age_band": "age_band",
    "job_type": "job_type",
    "policy": "policy_name",
    "product": "product",
    "value_tier": "value_tier",
    "lifecycle_stage": "lifecycle_stage",
    "agent": "agent",
    "team": "team_id",
}

#: Metrics of :func:`summarise` whose lower values are better (rankings sort them ascending).
LOWER_IS_BETTER = frozenset({"cost", "cost_per_contact", "cost_per_conversion"})


class ScopeError(UserError, PermissionError):
    """A request outside what the user's role may see. The message is safe to show."""


@dataclass(frozen=True)
class Scope:
    """Whose contact history a user may analyse.

    An admin sees everything, a lead their team, an agent (and anyone else) only their own
    events. The scope is applied in SQL when loading and again on every computation.
    """

    role: str
    user_id: str | None = None
    team_id: str | None = None

    @classmethod
    def for_user(cls, user: Any) -> Scope:
        """The scope of ``user``: a ``User`` row, an ``Actor`` (``user_id``) or anything with
        ``id`` / ``user_id``, ``role`` and ``team_id``."""
        return cls(
            role=str(getattr(user, "role", "") or ""),
            user_id=getattr(user, "user_id", None) or getattr(user, "id", None),
            team_id=getattr(user, "team_id", None),
        )

    @property
    def level(self) -> Literal["all", "team", "own"]:
        """``all`` for admins, ``team`` for leads, ``own`` for everyone else."""
        if self.role == Role.ADMIN:
            return "all"
        if self.role == Role.LEAD:
            return "team"
        return "own"

    def allowed_pages(self) -> tuple[str, ...]:
        """Dashboard pages this scope may open: agents get their own efficiency and trends."""
        if self.level == "own":
            return ("efficiency", "trends")
        return PAGES

    def check_page(self, page: str) -> None:
        """Raise :class:`ScopeError` if this scope may not open ``page``."""
        if page not in PAGES:
            raise ValueError(f"unknown dashboard page: {page!r}")
        if page not in self.allowed_pages():
            raise ScopeError(f"the {page} dashboard is for team leads and admins")


@dataclass(frozen=True)
class CostSettings:
    """What a contact costs when the event itself records no cost, per channel.

    ``per_contact`` is charged once per contact, ``per_minute`` per minute of talk time.
    With ``prefer_recorded`` a positive recorded cost on the event wins.
    """

    per_contact: Mapping[str, float] = field(
        default_factory=lambda: {
            Channel.OUTBOUND.value: 0.30,
            Channel.HOTLINE.value: 0.20,
            Channel.STORE.value: 8.00,
            Channel.SMS.value: 0.05,
            Channel.ONLINE.value: 0.10,
        }
    )
    per_minute: Mapping[str, float] = field(
        default_factory=lambda: {
            Channel.OUTBOUND.value: 0.12,
            Channel.HOTLINE.value: 0.10,
            Channel.STORE.value: 0.0,
            Channel.SMS.value: 0.0,
            Channel.ONLINE.value: 0.0,
        }
    )
    prefer_recorded: bool = True


@dataclass(frozen=True)
class Filters:
    """Freely combinable filters; an empty tuple means "any". Dates are inclusive, local."""

    start: dt.date | None = None
    end: dt.date | None = None
    channels: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    job_types: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    value_tiers: tuple[str, ...] = ()
    lifecycle_stages: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()

    def with_(self, **changes: Any) -> Filters:
        """A copy with ``changes``; single strings become one-element tuples, None "any"."""
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if key in ("start", "end"):
                clean[key] = value
            elif value is None or value == "":
                clean[key] = ()
            elif isinstance(value, str):
                clean[key] = (value,)
            else:
                clean[key] = tuple(value)
        return replace(self, **clean)


#: Filters field -> column of the prepared events (and acceptances) frame.
_FILTER_COLUMNS: dict[str, str] = {
    "channels": "channel",
    "provinces": "province",
    "cities": "city",
    "genders": "gender",
    "age_bands": "age_band",
    "job_types": "job_type",
    "policies": "policy_id",
    "products": "product",
    "value_tiers": "value_tier",
    "lifecycle_stages": "lifecycle_stage",
    "users": "user_id",
    "teams": "team_id",
}


@dataclass(frozen=True)
class ViewOptions:
    """What the pages show besides the filters: trend granularity, metric, dimension, rank."""

    trend_freq: Freq = "month"
    trend_metric: str = "conversions"
    breakdown_dim: str = "region"
    rank_by: str = "ratio"
    top_n: int = 15
