"""Which script to show: variants ranked by a Thompson-sampling bandit, objections matched
to the customer's words by TF-IDF, feedback from the outcome of each call.

The bandit's state is kept in the local store (``sync_state``), so what one agent learns
survives restarts. Plain Python, no Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from workbench.core.dbutil import unit_of_work
from workbench.core.scoring.scripts import ThompsonBandit, fill, matcher_for, suggest_script
from workbench.local_store.models import SyncState

STATE_KEY = "script_bandit"
SECTIONS = ("opening", "probing", "offer", "objection", "closing")


class ScriptAdvisor:
    """Thread-safe; one per desktop."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sf = session_factory
        self._lock = threading.Lock()
        self._bandit: ThompsonBandit | None = None

    def bandit(self) -> ThompsonBandit:
        with self._lock:
            if self._bandit is None:
                with self._sf() as s:
                    row = s.get(SyncState, STATE_KEY)
                    self._bandit = ThompsonBandit.from_json(row.value) if row else ThompsonBandit()
            return self._bandit

    def sections(self, scripts: Sequence[Any], portrait: Mapping[str, Any], policy: Mapping[str, Any] | None,
                 stage: str | None, extra: Mapping[str, Any],
                 channel: str | None = None) -> list[tuple[str, str, str, tuple[str, ...], str]]:
        """(section, title, filled text, keywords, bandit arm) for the script of a call.

        One variant per section, chosen by the bandit; every objection answer (the agent
        steps through them, or finds one by the customer's words).
        """
        bandit = self.bandit()
        out: list[tuple[str, str, str, tuple[str, ...], str]] = []
        with self._lock:
            for section in SECTIONS:
                if section == "objection":
                    first = suggest_script(scripts, portrait, policy, stage, section, extra=extra, channel=channel)
                    if first is None:
                        continue
                    ids = [first.script_id, *first.alternatives]
                    by_id = {str(getattr(s, "id", "")): s for s in scripts}
                    for sid in ids:
                        sc = by_id.get(sid)
                        if sc is not None:
                            out.append((section, sc.title, fill(sc.body, portrait, policy, extra),
                                        tuple(sc.keywords or ()), ""))
                    continue
                sug = suggest_script(scripts, portrait, policy, stage, section, bandit=bandit, extra=extra,
                                     channel=channel)
                if sug is not None:
                    by_id = {str(getattr(s, "id", "")): s for s in scripts}
                    kw = tuple(getattr(by_id.get(sug.script_id), "keywords", None) or ())
                    out.append((section, sug.title, sug.text, kw, sug.arm))
        return out

    def match_objection(self, scripts: Sequence[Any], portrait: Mapping[str, Any], policy: Mapping[str, Any] | None,
                        stage: str | None, typed: str, extra: Mapping[str, Any]) -> tuple[str, str, float] | None:
        """The objection answer that best matches what the customer said: (title, text, score)."""
        if not typed.strip():
            return None
        sug = suggest_script(scripts, portrait, policy, stage, "objection", typed_text=typed, extra=extra)
        if sug is not None and sug.match_score > 0:
            return sug.title, sug.text, sug.match_score
        # nothing for this policy matched: try the whole objection library
        hits = matcher_for([s for s in scripts if getattr(s, "section", "") == "objection"]).match(typed, top_n=1)
        if not hits:
            return None
        sc, score = hits[0]
        return sc.title, fill(sc.body, portrait, policy, extra), score

    def record(self, arms: Iterable[str], accepted: bool) -> None:
        """Feedback: the variants shown on a call, and whether the customer accepted."""
        arms = [a for a in arms if a]
        if not arms:
            return
        bandit = self.bandit()
        with self._lock:
            for arm in arms:
                bandit.record(arm, accepted)
            text = bandit.to_json()
        with unit_of_work(self._sf) as s:
            row = s.get(SyncState, STATE_KEY)
            if row is None:
                s.add(SyncState(key=STATE_KEY, value=text))
            else:
                row.value = text
