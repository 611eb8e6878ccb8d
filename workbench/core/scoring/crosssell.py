"""Cross-sell: "customers who took X also took Y", from acceptance history.

Item-item association rules over baskets (the set of policies each customer accepted):

* support(X→Y) = share of customers who took both X and Y;
* confidence(X→Y) = P(took Y | took X);
* lift(X→Y) = confidence / P(took Y) — above 1 means X makes Y more likely than average.

Co-occurrence counts come from one sparse matrix product, so a book of a million
acceptances is mined in well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse


@dataclass(frozen=True)
class Rule:
    """One association rule ``antecedent -> consequent``."""

    antecedent: str
    consequent: str
    count: int
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True)
class Suggestion:
    """A policy to suggest, with the strongest rule behind it."""

    policy_id: str
    confidence: float
    lift: float
    support: float
    because: tuple[str, ...] = field(default_factory=tuple)


def mine_rules(acceptances: pd.DataFrame | Sequence[Mapping[str, Any]], *,
               min_count: int = 5, min_confidence: float = 0.05, min_lift: float = 1.0,
               statuses: Iterable[str] = ("accepted",)) -> list[Rule]:
    """Association rules between policies from acceptance rows.

    Args:
        acceptances: rows with ``customer_id`` and ``policy_id`` (and optional ``status``:
            only ``statuses`` count; cancelled acceptances are ignored).
        min_count: minimum number of customers who took both.
        min_confidence, min_lift: rule filters (``min_lift`` 1.0 keeps only positive rules).

    Returns:
        Rules sorted by antecedent, then confidence (highest first).
    """
    df = acceptances if isinstance(acceptances, pd.DataFrame) else pd.DataFrame.from_records(
        [dict(r) for r in acceptances])
    if df.empty:
        return []
    if "status" in df:
        df = df[df["status"].isin(list(statuses))]
    df = df[["customer_id", "policy_id"]].dropna().drop_duplicates()
    if df.empty:
        return []
    cust = pd.Categorical(df["customer_id"].astype(str))
    items = pd.Categorical(df["policy_id"].astype(str))
    n_customers = len(cust.categories)
    m = sparse.csr_matrix(
        (np.ones(len(df), dtype=np.int32), (cust.codes, items.codes)),
        shape=(n_customers, len(items.categories)),
    )
    co = (m.T @ m).tocoo()
    item_count = np.asarray(m.sum(axis=0)).ravel()
    names = list(items.categories)
    rules: list[Rule] = []
    for a, b, both in zip(co.row, co.col, co.data, strict=True):
        if a == b or both < min_count:
            continue
        confidence = both / item_count[a]
        lift = confidence / (item_count[b] / n_customers)
        if confidence < min_confidence or lift < min_lift:
            continue
        rules.append(Rule(names[a], names[b], int(both), both / n_customers, float(confidence),
                          float(lift)))
    rules.sort(key=lambda r: (r.antecedent, -r.confidence, -r.lift, r.consequent))
    return rules


def cross_sell(accepted_policy_ids: Iterable[str], rules: Sequence[Rule], *, top_n: int = 3,
               exclude: Iterable[str] = ()) -> list[Suggestion]:
    """Policies to suggest to a customer who accepted ``accepted_policy_ids``.

    For every policy the customer does not have (nor in ``exclude``, e.g. ineligible ones),
    the strongest rule from any policy they have is kept; suggestions are ordered by
    confidence, then lift. ``because`` lists every accepted policy that points to it.
    """
    have = set(map(str, accepted_policy_ids))
    skip = have | set(map(str, exclude))
    best: dict[str, Rule] = {}
    sources: dict[str, list[str]] = {}
    for r in rules:
        if r.antecedent not in have or r.consequent in skip:
            continue
        sources.setdefault(r.consequent, []).append(r.antecedent)
        cur = best.get(r.consequent)
        if cur is None or (r.confidence, r.lift) > (cur.confidence, cur.lift):
            best[r.consequent] = r
    ranked = sorted(best.values(), key=lambda r: (-r.confidence, -r.lift, r.consequent))
    return [Suggestion(r.consequent, r.confidence, r.lift, r.support,
                       tuple(sorted(set(sources[r.consequent]))))
            for r in ranked[:top_n]]


def rules_to_rows(rules: Sequence[Rule]) -> list[dict[str, Any]]:
    """Rules as plain dicts (for JSON, sync or a table)."""
    return [r.__dict__.copy() for r in rules]


def rules_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Rule]:
    """The inverse of :func:`rules_to_rows`."""
    return [Rule(str(r["antecedent"]), str(r["consequent"]), int(r["count"]),
                 float(r["support"]), float(r["confidence"]), float(r["lift"])) for r in rows]
