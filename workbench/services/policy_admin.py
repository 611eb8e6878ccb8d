"""The policy studio's service: edit, check, preview, publish and exchange policies.

Plain Python over the local store (no Qt). The studio's view-model calls it off the GUI
thread. Rules are checked with :func:`workbench.core.rules.compile_rule`; matching
counts run vectorised over the local book (a :class:`PortraitFrame` loaded once and kept
until :meth:`PolicyAdminService.reload_book`). Publishing bumps the version and marks the
policy published; an optional ``publisher`` callback hands the published policy to whatever
carries it to the server (the server appends it to the change log, so desktops get it).
YAML import validates the whole file first and applies everything in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.errors import UserError
from workbench.core.policies import (
    PolicyBundle,
    PolicySpec,
    ScriptSpec,
    dump_yaml,
    load_document,
    load_yaml,
    publish,
)
from workbench.core.pressure import PressureLimitSpec
from workbench.core.rules import PortraitFrame, RuleError, compile_rule
from workbench.local_store.models import Customer, Policy, PressureLimit, Script

__all__ = ["PolicyAdminService", "PolicyInputError", "PreviewRow", "RuleCheck"]

#: Portrait columns loaded for counting and previews.
_BOOK_COLUMNS = tuple(
    c for c in Customer.__table__.columns.keys() if c not in ("updated_at", "note")
)


class PolicyInputError(UserError, ValueError):
    """A policy the studio cannot save or publish as given; the message says why."""


@dataclass(frozen=True)
class RuleCheck:
    """The result of checking a rule: an error, or how many local customers match."""

    text: str
    error: RuleError | None
    matching: int | None = None
    total: int = 0
    fields: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PreviewRow:
    """A customer a rule matches, and why."""

    customer_id: str
    name: str
    city: str
    plan_fee: int
    explanation: tuple[str, ...]


class PolicyAdminService:
    """Policies, scripts and pressure limits in the local store, for the studio."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        publisher: Callable[[PolicySpec], None] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._sf = session_factory
        self._publisher = publisher
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._book: PortraitFrame | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ reading

    def list_policies(self) -> list[PolicySpec]:
        with self._sf() as s:
            rows = s.scalars(select(Policy).order_by(Policy.id)).all()
            return [PolicySpec.from_row(r) for r in rows]

    def get(self, policy_id: str) -> PolicySpec | None:
        with self._sf() as s:
            row = s.get(Policy, policy_id)
            return None if row is None else PolicySpec.from_row(row)

    def book(self) -> PortraitFrame:
        """The local customers as a frame (loaded on first use, then kept)."""
        with self._lock:
            if self._book is None:
                cols = [getattr(Customer, c) for c in _BOOK_COLUMNS]
                with self._sf() as s:
                    rows = s.execute(select(*cols)).all()
                df = pd.DataFrame.from_records(rows, columns=list(_BOOK_COLUMNS))
                self._book = PortraitFrame(df, today=self._clock().date())
            return self._book

    def reload_book(self) -> None:
        """Forget the cached frame (after a sync brought new portraits)."""
        with self._lock:
            self._book = None

    # ------------------------------------------------------------ rules

    def check_rule(self, text: str, *, count: bool = True) -> RuleCheck:
        """Compile ``text``; when valid and ``count``, count matching local customers."""
        try:
            rule = compile_rule(text)
        except RuleError as exc:
            return RuleCheck(text, exc)
        if not count:
            return RuleCheck(text, None, fields=tuple(sorted(rule.fields)))
        book = self.book()
        matching = int(rule.mask(book).sum())
        return RuleCheck(text, None, matching, book.n, tuple(sorted(rule.fields)))

    def preview(self, text: str, limit: int = 50) -> list[PreviewRow]:
        """Up to ``limit`` matching customers with the clauses that made them match."""
        rule = compile_rule(text)
        book = self.book()
        mask = rule.mask(book).to_numpy()
        hits = book.df[mask].head(limit)
        out = []
        today = self._clock().date()
        for rec in hits.to_dict("records"):
            out.append(PreviewRow(
                customer_id=str(rec["id"]), name=str(rec.get("name") or ""),
                city=str(rec.get("city") or ""), plan_fee=int(rec.get("plan_fee") or 0),
                explanation=tuple(rule.explain(rec, today=today)),
            ))
        return out

    # ------------------------------------------------------------ writing

    def save(self, spec: PolicySpec) -> PolicySpec:
        """Store a policy (new ones as drafts). Raises :class:`RuleError`; nothing is stored then."""
        compile_rule(spec.rule or "")
        spec = dataclasses.replace(spec, rule=(spec.rule or "").strip() or "true")
        if not spec.id.strip() or not spec.name.strip():
            raise PolicyInputError("a policy needs an id and a name")
        with self._sf.begin() as s:
            row = s.get(Policy, spec.id)
            values = spec.to_row()
            if row is None:
                if spec.status == "published":
                    values["status"] = "draft"
                s.add(Policy(**values))
            else:
                # status and version change only through publish
                values["status"] = row.status
                values["version"] = row.version
                for key, value in values.items():
                    setattr(row, key, value)
        saved = self.get(spec.id)
        assert saved is not None
        return saved

    def publish(self, policy_id: str) -> PolicySpec:
        """Publish: status ``published``, version + 1; then hand it to the publisher."""
        with self._sf.begin() as s:
            row = s.get(Policy, policy_id)
            if row is None:
                raise PolicyInputError("there is no policy {id}", id=policy_id)
            spec = publish(PolicySpec.from_row(row))
            row.status = spec.status
            row.version = spec.version
        if self._publisher is not None:
            self._publisher(spec)
        return spec

    # ------------------------------------------------------------ scripts and limits

    def list_scripts(self) -> list[ScriptSpec]:
        with self._sf() as s:
            return [ScriptSpec.from_row(r) for r in s.scalars(select(Script).order_by(Script.id))]

    def list_limits(self) -> list[PressureLimitSpec]:
        with self._sf() as s:
            return [PressureLimitSpec.from_row(r)
                    for r in s.scalars(select(PressureLimit).order_by(PressureLimit.id))]

    def save_script(self, values: Mapping[str, Any]) -> ScriptSpec:
        """Validate (as in YAML import) and store a script; raises ``PolicyYamlError``."""
        spec = load_document({"scripts": [dict(values)]}).scripts[0]
        with self._sf.begin() as s:
            _upsert(s, Script, [_script_row(spec)])
        return spec

    def save_limit(self, values: Mapping[str, Any]) -> PressureLimitSpec:
        """Validate (as in YAML import) and store a pressure limit; raises ``PolicyYamlError``."""
        spec = load_document({"pressure_limits": [dict(values)]}).pressure_limits[0]
        with self._sf.begin() as s:
            _upsert(s, PressureLimit, [_limit_row(spec)])
        return spec

    # ------------------------------------------------------------ YAML

    def export_yaml(self) -> str:
        with self._sf() as s:
            return dump_yaml(
                s.scalars(select(Policy).order_by(Policy.id)).all(),
                s.scalars(select(Script).order_by(Script.id)).all(),
                s.scalars(select(PressureLimit).order_by(PressureLimit.id)).all(),
            )

    def import_yaml(self, text: str) -> PolicyBundle:
        """Validate the whole file (raises ``PolicyYamlError``), then upsert all of it at once."""
        bundle = load_yaml(text)
        with self._sf.begin() as s:
            _upsert(s, Policy, [p.to_row() for p in bundle.policies])
            _upsert(s, Script, [_script_row(x) for x in bundle.scripts])
            _upsert(s, PressureLimit, [_limit_row(x) for x in bundle.pressure_limits])
        return bundle


def _script_row(spec: ScriptSpec) -> dict[str, Any]:
    return spec.to_dict()


def _limit_row(spec: PressureLimitSpec) -> dict[str, Any]:
    return {
        "id": spec.id, "channel": spec.channel, "period": spec.period,
        "max_contacts": spec.max_contacts,
        "quiet_start": spec.quiet_start or "", "quiet_end": spec.quiet_end or "",
        "cooldown_days_after_refusal": spec.cooldown_days_after_refusal,
    }


def _upsert(session: Session, model: type, rows: Sequence[dict[str, Any]]) -> None:
    for values in rows:
        row = session.get(model, values["id"])
        if row is None:
            session.add(model(**values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
