"""Scoring: deal probability, churn risk, renewal propensity, cross-sell, tiers, scripts.

Plain Python (pandas + scikit-learn), no Qt. The screen pop and the workers use:

* :meth:`ScoreModel.load` (raises :class:`ModelLoadError`) and :meth:`ScoreModel.predict_one`
  -> :class:`Score` with ``top_factors`` (:class:`Factor`);
* :class:`ModelRegistry` — the models in use; a model that fails to load keeps the previous;
* :func:`cross_sell` with rules from :func:`mine_rules`;
* :func:`suggest_script` with an optional :class:`ThompsonBandit`.

Submodules are imported lazily so that importing this package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ScoreModel": "models", "ModelLoadError": "models", "ModelRegistry": "models",
    "train_score_model": "models",
    "Score": "explain", "Factor": "explain",
    "cross_sell": "crosssell", "mine_rules": "crosssell", "Suggestion": "crosssell",
    "Rule": "crosssell",
    "suggest_script": "scripts", "ScriptSuggestion": "scripts", "ThompsonBandit": "scripts",
    "ObjectionMatcher": "scripts",
    "TierThresholds": "tiers", "assign_tier": "tiers", "assign_leads": "tiers",
    "split_customers": "tiers", "compare_arms": "tiers", "wilson_interval": "tiers",
    "LeakageError": "features", "check_pre_call": "features",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
