"""Scores on the desktop: the synced models, book refresh, explanations, cross-sell.

Plain Python (no Qt). The models arrive through sync as ``scoring_model`` rows; a model that
fails to load is reported and the previous one stays in use (``ModelRegistry``). Cross-sell
rules are mined from the acceptances in the local store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.lazy_import import LazyModule
from workbench.local_store.models import Acceptance, ContactEvent, Customer, ScoringModelFile

# scikit-learn and pandas load on first use (after the window is up), not at start-up.
_models: Any = LazyModule("workbench.core.scoring.models")

Progress = Callable[[int, int], None]
HISTORY_LIMIT = 200


def load_local_models(session: Session, registry: Any) -> list[Any]:
    """Install the models stored in the local store's ``scoring_models`` table into
    ``registry`` (a ``ModelRegistry``); returns the ``ModelLoadError`` of each that failed."""
    rows = [
        {"kind": r.kind, "version": r.version, "payload_b64": r.payload_b64}
        for r in session.execute(select(ScoringModelFile)).scalars()
    ]
    errors: list[Any] = registry.install_rows(rows)
    return errors


class DeskScoring:
    """The desktop's models and what it does with them. Thread-safe."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sf = session_factory
        self._registry: Any = None
        self._lock = threading.Lock()
        self._seen: tuple[tuple[str, int], ...] = ()
        self._rules: list[Any] = []

    @property
    def registry(self) -> Any:
        """The models in use (a ``ModelRegistry``), created on first use."""
        if self._registry is None:
            self._registry = _models.ModelRegistry()
        return self._registry

    def reload_models(self) -> tuple[bool, list[str]]:
        """Install models newer than those in use; returns (anything new?, error messages)."""
        with self._sf() as s:
            seen = tuple(s.execute(select(ScoringModelFile.kind, func.max(ScoringModelFile.version))
                                   .group_by(ScoringModelFile.kind).order_by(ScoringModelFile.kind)).tuples())
            with self._lock:
                if seen == self._seen:
                    return False, []
                before = {k: self.registry.get(k).version for k in self.registry.kinds}
                errors = load_local_models(s, self.registry)
                self._seen = seen
                after = {k: self.registry.get(k).version for k in self.registry.kinds}
        return after != before, [str(e) for e in errors]

    def refresh_book(self, progress: Progress | None = None, cancel: Callable[[], bool] | None = None) -> int:
        """Re-score every customer of the local store with the models in use."""
        from workbench.services.score_refresh import refresh_book

        models = [self.registry.get(k) for k in self.registry.kinds if k != "deal_policy"]
        models = [m for m in models if m is not None and m.spec is not None]
        if not models:
            return 0
        return refresh_book(self._sf, models, progress, cancel=cancel)

    def explain(self, customer_id: str, kind: str = "deal") -> Any:
        """The customer's score with its top contributing features, or None without a model."""
        model = self.registry.get(kind)
        if model is None or model.spec is None:
            return None
        with self._sf() as s:
            c = s.execute(select(Customer.__table__).where(Customer.id == customer_id)).mappings().first()
            if c is None:
                return None
            history = s.execute(
                select(ContactEvent.__table__).where(ContactEvent.customer_id == customer_id)
                .order_by(ContactEvent.started_at.desc()).limit(HISTORY_LIMIT)
            ).mappings().all()
        return model.predict_one(dict(c), [dict(h) for h in history])

    def mine_cross_sell(self) -> list[Any]:
        """Association rules between policies from the local acceptances (kept for the pops)."""
        from workbench.core.scoring.crosssell import mine_rules

        with self._sf() as s:
            rows = s.execute(select(Acceptance.customer_id, Acceptance.policy_id, Acceptance.status)).mappings().all()
        rules = mine_rules([dict(r) for r in rows])
        with self._lock:
            self._rules = rules
        return rules

    @property
    def cross_sell_rules(self) -> list[Any]:
        with self._lock:
            return list(self._rules)
