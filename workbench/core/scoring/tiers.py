"""Lead tiers A/B/C, assignment rules, and experiments that compare rules.

* Tiers come from the deal probability: A at or above ``thresholds.a``, B at or above
  ``thresholds.b``, C below. Thresholds are fixed numbers or quantiles of a book
  (:meth:`TierThresholds.from_quantiles`: e.g. the top 20% are A, the next 30% B).
* An assignment rule maps each tier to the agent skills it needs and picks, among the agents
  who have them, the least loaded (ties by id). ``random`` is the control rule.
* An experiment splits customers at random between rules. The split is a pure function of
  (experiment id, customer id) — a hash — so it is recorded by construction and reproducible;
  :class:`Split` also serialises it as JSON for the record.
* Comparison: conversion rate per arm with a Wilson score interval, and the difference of
  each arm to the first one with Newcombe's hybrid score interval.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from workbench.core.stats import diff_interval, wilson_interval

TIERS = ("A", "B", "C")


@dataclass(frozen=True)
class TierThresholds:
    """Probability cut-offs: ``p >= a`` is A, ``p >= b`` is B, else C."""

    a: float = 0.35
    b: float = 0.15

    def __post_init__(self) -> None:
        if not 0.0 <= self.b <= self.a <= 1.0:
            raise ValueError("tier thresholds need 0 <= b <= a <= 1")

    @classmethod
    def from_quantiles(cls, probabilities: Iterable[float], a_share: float = 0.2,
                       b_share: float = 0.3) -> TierThresholds:
        """Thresholds that put the top ``a_share`` of a book in A and the next ``b_share`` in B."""
        p = np.asarray(list(probabilities) if not isinstance(probabilities, np.ndarray)
                       else probabilities, dtype=float)
        p = p[~np.isnan(p)]
        if len(p) == 0:
            return cls()
        a = float(np.quantile(p, 1 - a_share))
        b = float(np.quantile(p, max(0.0, 1 - a_share - b_share)))
        return cls(a=a, b=min(a, b))


def assign_tier(probability: float | None, thresholds: TierThresholds = TierThresholds()) -> str | None:
    """The tier of one probability (``None`` stays ``None``: not scored yet)."""
    if probability is None or (isinstance(probability, float) and math.isnan(probability)):
        return None
    if probability >= thresholds.a:
        return "A"
    return "B" if probability >= thresholds.b else "C"


def assign_tiers(probabilities: np.ndarray, thresholds: TierThresholds) -> np.ndarray:
    """Vectorised :func:`assign_tier` (object array of "A"/"B"/"C"/None)."""
    p = np.asarray(probabilities, dtype=float)
    out = np.where(p >= thresholds.a, "A", np.where(p >= thresholds.b, "B", "C")).astype(object)
    out[np.isnan(p)] = None
    return out


# ------------------------------------------------------------------ assignment


@dataclass(frozen=True)
class Agent:
    """An agent who can take leads: id, skills, and how many leads they can take."""

    id: str
    skills: frozenset[str] = frozenset()
    capacity: int | None = None


@dataclass(frozen=True)
class Lead:
    """A customer to assign, with its tier."""

    customer_id: str
    tier: str | None


@dataclass(frozen=True)
class AssignmentRule:
    """Maps tiers to required skills; ``strategy`` is ``skills`` or ``random`` (control).

    Example: ``AssignmentRule("senior-for-A", {"A": ["senior"], "B": [], "C": []})`` gives A
    leads only to agents with the ``senior`` skill and the rest to anyone, least loaded first.
    """

    name: str
    tier_skills: Mapping[str, Sequence[str]] = field(default_factory=dict)
    strategy: str = "skills"


def assign_leads(leads: Sequence[Lead], agents: Sequence[Agent], rule: AssignmentRule,
                 seed: int = 0) -> dict[str, str | None]:
    """customer id -> agent id (``None`` when every suitable agent is full).

    Higher tiers are assigned first so they get the best-suited agents before capacity runs
    out. With ``strategy="random"`` every lead goes to a random agent with room (seeded).
    """
    rng = np.random.default_rng(seed)
    load = {a.id: 0 for a in agents}
    out: dict[str, str | None] = {}
    order = sorted(leads, key=lambda ld: (TIERS.index(ld.tier) if ld.tier in TIERS else 3,
                                          ld.customer_id))

    def has_room(a: Agent) -> bool:
        return a.capacity is None or load[a.id] < a.capacity

    for lead in order:
        if rule.strategy == "random":
            pool = [a for a in agents if has_room(a)]
            chosen = pool[int(rng.integers(len(pool)))] if pool else None
        else:
            needed = set(rule.tier_skills.get(lead.tier or "", ()))
            pool = [a for a in agents if needed <= a.skills and has_room(a)]
            if not pool and needed:  # nobody qualified has room: fall back to anyone with room
                pool = [a for a in agents if has_room(a)]
            chosen = min(pool, key=lambda a: (load[a.id], a.id)) if pool else None
        out[lead.customer_id] = chosen.id if chosen else None
        if chosen:
            load[chosen.id] += 1
    return out


# ------------------------------------------------------------------ experiments


@dataclass(frozen=True)
class Split:
    """The recorded random split of an experiment: customer id -> arm (rule name)."""

    experiment_id: str
    arms: tuple[str, ...]
    weights: tuple[float, ...]
    assignments: Mapping[str, str]

    def to_json(self) -> str:
        return json.dumps({"experiment_id": self.experiment_id, "arms": list(self.arms),
                           "weights": list(self.weights), "assignments": dict(self.assignments)},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Split:
        d = json.loads(text)
        return cls(d["experiment_id"], tuple(d["arms"]), tuple(d["weights"]),
                   dict(d["assignments"]))

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(self.arms, 0)
        for arm in self.assignments.values():
            out[arm] += 1
        return out


def _unit(experiment_id: str, customer_id: str) -> float:
    digest = hashlib.sha256(f"{experiment_id}\x00{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_customers(experiment_id: str, customer_ids: Iterable[str], arms: Sequence[str],
                    weights: Sequence[float] | None = None) -> Split:
    """Split customers at random between ``arms`` (hash-based: reproducible, order-free)."""
    if not arms:
        raise ValueError("an experiment needs at least one arm")
    w = np.asarray(weights if weights is not None else [1.0] * len(arms), dtype=float)
    if len(w) != len(arms) or (w <= 0).any():
        raise ValueError("one positive weight per arm")
    edges = np.cumsum(w / w.sum())
    assignments = {}
    for cid in customer_ids:
        i = int(np.searchsorted(edges, _unit(experiment_id, str(cid)), side="right"))
        assignments[str(cid)] = arms[min(i, len(arms) - 1)]
    return Split(experiment_id, tuple(arms), tuple(float(x) for x in w), assignments)


@dataclass(frozen=True)
class ArmResult:
    """One arm's conversion with its 95% interval, and its difference to the reference arm."""

    arm: str
    customers: int
    conversions: int
    rate: float
    ci_low: float
    ci_high: float
    diff: float = 0.0
    diff_low: float = 0.0
    diff_high: float = 0.0

    @property
    def significant(self) -> bool:
        """Whether the difference to the reference arm excludes zero."""
        return self.diff_low > 0 or self.diff_high < 0


def compare_arms(counts: Mapping[str, tuple[int, int]], reference: str | None = None) -> list[ArmResult]:
    """Per arm ``(conversions, customers)`` -> rates, Wilson CIs and differences to ``reference``.

    ``reference`` defaults to the first arm.
    """
    if not counts:
        return []
    ref = reference or next(iter(counts))
    rs, rn = counts[ref]
    out = []
    for arm, (s, n) in counts.items():
        lo, hi = wilson_interval(s, n)
        d_lo, d_hi = diff_interval(s, n, rs, rn) if arm != ref else (0.0, 0.0)
        rate = s / n if n else 0.0
        out.append(ArmResult(arm, n, s, rate, lo, hi,
                             diff=rate - (rs / rn if rn else 0.0) if arm != ref else 0.0,
                             diff_low=d_lo, diff_high=d_hi))
    return out


def compare_split(split: Split, converted: Iterable[str]) -> list[ArmResult]:
    """Compare the arms of ``split`` given the ids of customers who converted."""
    won = set(map(str, converted))
    counts: dict[str, list[int]] = {arm: [0, 0] for arm in split.arms}
    for cid, arm in split.assignments.items():
        counts[arm][1] += 1
        counts[arm][0] += cid in won
    return compare_arms({a: (c[0], c[1]) for a, c in counts.items()})

