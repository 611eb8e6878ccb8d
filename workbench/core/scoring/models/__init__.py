"""Training, calibration, evaluation and versioned serialisation of scoring models.

Our model (:class:`AutoTabularClassifier`) is chosen by measurement among four candidates
on an inner validation split of the training data (time-ordered when the rows have a time):

* ``hgb`` — histogram gradient boosting (small best-first trees, native categorical splits,
  early stopping on the latest rows, then refitted on all);
* ``gam`` — a spline logistic regression (an additive model: one smooth curve per number,
  one weight per category);
* ``blend`` — the mean of the two probabilities;
* ``nb`` — frequency-table naive Bayes (coarse bins; it holds up when the rows drift).

The winner is then calibrated (:class:`~sklearn.calibration.CalibratedClassifierCV`, isotonic
with enough data, sigmoid otherwise) and wrapped in a :class:`ScoreModel` that knows its
features, baseline values (for explanations) and report figures.

A model file is ``MAGIC`` + one JSON header line (format version, kind, version, feature
list, scikit-learn version, SHA-256 of the payload) + the pickled payload. :meth:`ScoreModel.load`
checks all of it before unpickling and raises :class:`ModelLoadError` with a sentence a user
can act on; :class:`ModelRegistry` keeps the previous model when a new one fails to load.
Model files come from our own server (checksum-verified), never from the user: pickle is
acceptable for that trust level.

The package's rooms, one job each (callers import from the package, which re-exports the
public API; the rooms import each other directly):

* :mod:`.estimators`: :class:`AutoTabularClassifier` and the baselines.
* :mod:`.fast_predict`: the compiled fast path for boosting probabilities.
* :mod:`.training`: fitting and calibration (:func:`fit_calibrated`).
* :mod:`.evaluation`: report figures (:func:`metrics`, reliability, lift).
* :mod:`.score_model`: :class:`ScoreModel`, its file format and :func:`train_score_model`.
* :mod:`.registry`: :class:`ModelRegistry`, the models in use.
* :mod:`.threads`: the native thread cap for scoring work.
"""

from __future__ import annotations

from workbench.core.scoring.models.estimators import (
    AutoTabularClassifier,
    FrequencyNaiveBayes,
    LogisticBaseline,
    split_columns,
)
from workbench.core.scoring.models.evaluation import (
    calibration_slope,
    metrics,
    reliability,
    top_decile_lift,
)
from workbench.core.scoring.models.fast_predict import (
    hgb_positive_proba,
)
from workbench.core.scoring.models.registry import (
    ModelRegistry,
)
from workbench.core.scoring.models.score_model import (
    FORMAT_VERSION,
    KINDS,
    MAGIC,
    ModelLoadError,
    ScoreModel,
    train_score_model,
)
from workbench.core.scoring.models.threads import (
    compute_threads,
    limited_threads,
)
from workbench.core.scoring.models.training import (
    ENSEMBLE_BELOW_ROWS,
    FitResult,
    baseline_values,
    fit_calibrated,
)

__all__ = [
    "AutoTabularClassifier",
    "ENSEMBLE_BELOW_ROWS",
    "FORMAT_VERSION",
    "FitResult",
    "FrequencyNaiveBayes",
    "KINDS",
    "LogisticBaseline",
    "MAGIC",
    "ModelLoadError",
    "ModelRegistry",
    "ScoreModel",
    "baseline_values",
    "calibration_slope",
    "compute_threads",
    "fit_calibrated",
    "hgb_positive_proba",
    "limited_threads",
    "metrics",
    "reliability",
    "split_columns",
    "top_decile_lift",
    "train_score_model",
]
