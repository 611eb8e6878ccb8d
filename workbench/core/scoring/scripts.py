"""Script suggestions: fill templates, match objections, rank variants with a bandit.

* Templates are :class:`~workbench.core.entities.ScriptCols` rows (policy × lifecycle
  stage × section × variant). :func:`fill` formats a body from the portrait, the policy and
  the agent; a missing or unknown placeholder stays visible as ``{name}`` instead of crashing.
* :class:`ObjectionMatcher` ranks the objection library against what the agent typed:
  TF-IDF over character 1–3-grams (Chinese has no spaces; character n-grams need no word
  segmenter), with each script's keywords counted twice.
* :class:`ThompsonBandit` ranks variants by how often they led to acceptance: a Beta(1+wins,
  1+losses) per (policy, section, variant); choosing samples each arm once and takes the
  best. The agent's choice and the call outcome are the feedback (:meth:`ThompsonBandit.record`).
"""

from __future__ import annotations

import functools
import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SECTIONS = ("opening", "probing", "offer", "objection", "closing")


# ------------------------------------------------------------------ filling


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _SafeFormatter(string.Formatter):
    """``str.format_map`` that never raises: bad fields and specs are left as written."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        try:
            return super().get_field(field_name, args, kwargs)
        except (KeyError, AttributeError, IndexError, TypeError, ValueError):
            return "{" + field_name + "}", field_name

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            return super().format_field(value, format_spec)
        except (ValueError, TypeError):
            return str(value)


_FORMATTER = _SafeFormatter()


def fill_values(portrait: Mapping[str, Any] | None, policy: Mapping[str, Any] | None = None,
                extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Placeholder values from a portrait and a policy (same names as the screen pop's)."""
    p = dict(portrait or {})
    pol = dict(policy or {})
    name = str(p.get("name") or "")
    gender = p.get("gender") or ""
    value = pol.get("value")
    values: dict[str, Any] = {
        "name": name, "surname": name[:1],
        "salutation": "先生" if gender == "M" else "女士" if gender == "F" else "",
        "plan_name": p.get("plan_name", ""), "plan_fee": p.get("plan_fee", ""),
        "tenure_months": p.get("tenure_months", ""), "device": p.get("device", ""),
        "city": p.get("city", ""), "network": p.get("network", ""),
        "policy_name": pol.get("name", ""), "pitch": pol.get("pitch", ""),
        "value": f"{float(value):.0f}" if isinstance(value, int | float) else (value or ""),
    }
    values.update(extra or {})
    return values


def fill(body: str, portrait: Mapping[str, Any] | None = None,
         policy: Mapping[str, Any] | None = None, extra: Mapping[str, Any] | None = None) -> str:
    """The template ``body`` filled; never raises on missing fields or odd braces."""
    values = _Values(fill_values(portrait, policy, extra))
    try:
        return _FORMATTER.vformat(body or "", (), values)
    except (ValueError, IndexError):  # unbalanced braces: fill the well-formed placeholders only
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), body or "")


# ------------------------------------------------------------------ objection matching


def _get(row: Any, key: str, default: Any = None) -> Any:
    if isinstance(row, Mapping):
        return row.get(key, default)
    return getattr(row, key, default)


class ObjectionMatcher:
    """TF-IDF (character 1–3-grams) over the objection scripts; :meth:`match` ranks them."""

    def __init__(self, scripts: Sequence[Any]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.scripts = [s for s in scripts if _get(s, "section") == "objection"]
        docs = []
        for s in self.scripts:
            keywords = " ".join(_get(s, "keywords") or [])
            docs.append(f"{keywords} {keywords} {_get(s, 'title', '')} {_get(s, 'body', '')}")
        self._vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self._matrix = self._vec.fit_transform(docs) if docs else None

    def match(self, text: str, top_n: int = 3, min_score: float = 0.05) -> list[tuple[Any, float]]:
        """(script, cosine similarity) for the best-matching objections, best first."""
        if self._matrix is None or not (text or "").strip():
            return []
        q = self._vec.transform([text])
        sims = (self._matrix @ q.T).toarray().ravel()
        order = np.argsort(-sims, kind="mergesort")
        return [(self.scripts[i], float(sims[i])) for i in order[:top_n] if sims[i] >= min_score]


@functools.lru_cache(maxsize=8)
def _cached_matcher(key: str) -> ObjectionMatcher:
    return ObjectionMatcher(json.loads(key))


def matcher_for(scripts: Sequence[Any]) -> ObjectionMatcher:
    """A matcher for ``scripts``, cached by their content (the library rarely changes)."""
    rows = [{"id": _get(s, "id"), "section": _get(s, "section"), "title": _get(s, "title", ""),
             "body": _get(s, "body", ""), "keywords": list(_get(s, "keywords") or []),
             "policy_id": _get(s, "policy_id"), "variant": _get(s, "variant", "A"),
             "lifecycle_stage": _get(s, "lifecycle_stage")}
            for s in scripts if _get(s, "section") == "objection"]
    return _cached_matcher(json.dumps(rows, ensure_ascii=False, sort_keys=True))


# ------------------------------------------------------------------ bandit


class ThompsonBandit:
    """Thompson sampling over script variants; arms are keyed ``policy|section|variant``.

    Each arm holds a Beta(alpha, beta) posterior of its acceptance rate, starting at
    Beta(1, 1). :meth:`choose` draws once from every candidate and returns the best draw —
    good variants are shown more often while weak ones still get tried now and then.
    """

    def __init__(self, state: Mapping[str, Sequence[float]] | None = None, seed: int | None = None) -> None:
        self.state: dict[str, list[float]] = {k: [float(v[0]), float(v[1])]
                                              for k, v in (state or {}).items()}
        self.rng = np.random.default_rng(seed)

    @staticmethod
    def key(policy_id: str | None, section: str, variant: str) -> str:
        return f"{policy_id or '*'}|{section}|{variant}"

    def choose(self, arms: Sequence[str]) -> str:
        """One of ``arms`` (keys), by one posterior draw each."""
        if not arms:
            raise ValueError("no arms to choose from")
        draws = [self.rng.beta(a, b) for a, b in (self.state.get(k, [1.0, 1.0]) for k in arms)]
        return arms[int(np.argmax(draws))]

    def record(self, arm: str, accepted: bool) -> None:
        """Feedback: the variant the agent used on a call and whether the customer accepted."""
        a, b = self.state.get(arm, [1.0, 1.0])
        self.state[arm] = [a + 1.0, b] if accepted else [a, b + 1.0]

    def mean(self, arm: str) -> float:
        """Posterior mean acceptance rate of ``arm``."""
        a, b = self.state.get(arm, [1.0, 1.0])
        return a / (a + b)

    def trials(self, arm: str) -> int:
        a, b = self.state.get(arm, [1.0, 1.0])
        return int(a + b - 2)

    def to_json(self) -> str:
        return json.dumps(self.state, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, seed: int | None = None) -> ThompsonBandit:
        return cls(json.loads(text), seed=seed)


# ------------------------------------------------------------------ suggestion


@dataclass(frozen=True)
class ScriptSuggestion:
    """The script to show for one section, filled, with the alternatives.

    Attributes:
        script_id, variant, section, title: of the chosen template.
        text: the filled body.
        arm: the bandit key to pass to :meth:`ThompsonBandit.record` with the outcome.
        match_score: objection similarity to the typed words (0 when not matched by text).
        alternatives: ids of the other candidate scripts, best first.
    """

    script_id: str
    variant: str
    section: str
    title: str
    text: str
    arm: str
    match_score: float = 0.0
    alternatives: tuple[str, ...] = field(default_factory=tuple)


def _candidates(scripts: Sequence[Any], policy_id: str | None, stage: str | None,
                section: str, channel: str | None = None) -> list[Any]:
    here = [s for s in scripts if _get(s, "section") == section
            and (not _get(s, "channel") or _get(s, "channel") == channel)]
    if channel:
        # a hotline agent answers a caller, a receptionist greets a walk-in: their channel's
        # own scripts (the policy's, else generic ones) win over the outbound ones
        own = [s for s in here if _get(s, "channel") == channel]
        mine = [s for s in own if policy_id and _get(s, "policy_id") == policy_id] or \
            [s for s in own if not _get(s, "policy_id")]
        if mine:
            here = mine
    for_policy = [s for s in here if _get(s, "policy_id") == policy_id] if policy_id else []
    pool = for_policy or [s for s in here if not _get(s, "policy_id")]
    staged = [s for s in pool if stage and _get(s, "lifecycle_stage") == stage]
    generic = [s for s in pool if not _get(s, "lifecycle_stage")]
    return sorted(staged or generic, key=lambda s: (str(_get(s, "variant", "A")), str(_get(s, "id"))))


def suggest_script(scripts: Sequence[Any], portrait: Mapping[str, Any] | None,
                   policy: Mapping[str, Any] | None, stage: str | None, section: str,
                   typed_text: str | None = None, bandit: ThompsonBandit | None = None,
                   extra: Mapping[str, Any] | None = None,
                   channel: str | None = None) -> ScriptSuggestion | None:
    """The script to show for ``section`` of a call, or ``None`` if no template fits.

    Args:
        scripts: script rows (dicts or objects with ScriptCols attributes).
        portrait: the customer (fills the template).
        policy: the offered policy (chooses the templates and fills them); may be ``None``
            for generic scripts.
        stage: the customer's lifecycle stage (stage-specific templates win over generic).
        section: opening / probing / offer / objection / closing.
        typed_text: what the agent typed (the customer's objection in their words); in the
            objection section the best TF-IDF match wins.
        bandit: ranks the variants (Thompson sampling); without one, variant A comes first.
        extra: more placeholder values (``agent_name``, ``store_name``, ...).
        channel: the call's channel: its own scripts win; other channels' scripts never show.
    """
    policy_id = _get(policy, "id") if policy else None
    candidates = _candidates(scripts, policy_id, stage, section, channel)
    if not candidates:
        return None
    score = 0.0
    chosen = candidates[0]
    if section == "objection" and typed_text and typed_text.strip():
        ranked = matcher_for(candidates).match(typed_text, top_n=len(candidates))
        if ranked:
            best_id = _get(ranked[0][0], "id")
            chosen = next(s for s in candidates if _get(s, "id") == best_id)
            score = ranked[0][1]
            order = [_get(r[0], "id") for r in ranked]
            candidates = sorted(candidates, key=lambda s: order.index(_get(s, "id"))
                                if _get(s, "id") in order else len(order))
    elif bandit is not None and len(candidates) > 1:
        arms = [ThompsonBandit.key(policy_id, section, str(_get(s, "variant", "A")))
                for s in candidates]
        pick = bandit.choose(arms)
        chosen = candidates[arms.index(pick)]
        candidates = sorted(candidates, key=lambda s: -bandit.mean(
            ThompsonBandit.key(policy_id, section, str(_get(s, "variant", "A")))))
    variant = str(_get(chosen, "variant", "A"))
    return ScriptSuggestion(
        script_id=str(_get(chosen, "id")), variant=variant, section=section,
        title=str(_get(chosen, "title", "")),
        text=fill(str(_get(chosen, "body", "")), portrait, policy, extra),
        arm=ThompsonBandit.key(policy_id, section, variant), match_score=score,
        alternatives=tuple(str(_get(s, "id")) for s in candidates if s is not chosen),
    )
