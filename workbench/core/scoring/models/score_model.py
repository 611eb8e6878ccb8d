"""The shipped model: a calibrated estimator with its features, versioned file format and loading checks."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn

from workbench.core import jsontext
from workbench.core.errors import UserError
from workbench.core.scoring.explain import Score, explain_row
from workbench.core.scoring.features import FeatureSpec, check_pre_call, one_row
from workbench.core.scoring.models.threads import limited_threads
from workbench.core.scoring.models.training import baseline_values, fit_calibrated

FORMAT_VERSION = 1
MAGIC = b"WBSCORE\n"
KINDS = ("deal", "deal_policy", "churn", "renewal")


class ModelLoadError(UserError):
    """A model file could not be used. The message is safe to show to the user."""


# ------------------------------------------------------------------ the shipped model


@dataclass
class ScoreModel:
    """A trained, calibrated, versioned scoring model with what it needs to explain itself.

    Attributes:
        kind: what it predicts ("deal", "deal_policy", "churn", "renewal", or any name).
        version: increases with every training run of that kind.
        features: input columns, in order.
        estimator: the calibrated scikit-learn estimator.
        spec: the feature spec for portrait-based models (``None`` for generic tables).
        baseline: per feature, the reference value of explanations.
        metrics: report figures (AUC, Brier, ...), informative only.
        pre_call: whether the model predicts before the call (then the leakage guard applies).
        created_at: ISO 8601 UTC time of training.
    """

    kind: str
    version: int
    features: list[str]
    estimator: Any
    spec: FeatureSpec | None = None
    baseline: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    pre_call: bool = True
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())

    # -- prediction

    def predict_frame(self, X: pd.DataFrame, *, limit_threads: bool = True) -> np.ndarray:
        """Probabilities for a frame of model input (columns = :attr:`features`).

        ``limit_threads=False`` when the caller already holds :func:`limited_threads` (the
        limit is process-wide: threads entering and leaving it in turn would undo it).
        """
        if not limit_threads:
            return self.estimator.predict_proba(X[self.features])[:, 1]
        with limited_threads():
            return self.estimator.predict_proba(X[self.features])[:, 1]

    def predict_one(self, portrait: Mapping[str, Any], history: Sequence[Mapping[str, Any]] = (),
                    policy: Mapping[str, Any] | None = None, now: dt.datetime | None = None,
                    top_n: int = 3) -> Score:
        """Score one customer now, with the ``top_n`` features that moved the score.

        Args:
            portrait: the customer's portrait (CustomerCols keys; missing keys are fine).
            history: the customer's contact events (ContactEventCols keys), any order.
            policy: the offered policy (PolicyCols keys), for the ``deal_policy`` model.
            now: the prediction moment (default: now, UTC).
        """
        if self.spec is None:
            raise ValueError("this model was trained on a generic table; use predict_frame")
        row = one_row(self.spec, portrait, history, policy, now)
        p, factors = explain_row(self.predict_frame, row, self.baseline, top_n=top_n)
        return Score(probability=p, top_factors=factors, kind=self.kind, model_version=self.version)

    # -- serialisation

    def header(self, payload: bytes) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "kind": self.kind,
            "version": self.version,
            "features": list(self.features),
            "sklearn": sklearn.__version__,
            "sha256": hashlib.sha256(payload).hexdigest(),
            "created_at": self.created_at,
            "pre_call": self.pre_call,
            "metrics": _jsonable(self.metrics),
        }

    def to_bytes(self) -> bytes:
        """The model file's bytes: magic, JSON header line, pickled payload."""
        payload = pickle.dumps(
            {"estimator": self.estimator, "spec": self.spec.to_dict() if self.spec else None,
             "baseline": self.baseline},
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        head = jsontext.dumpb(self.header(payload))
        return MAGIC + head + b"\n" + payload

    def save(self, path: str | Path) -> Path:
        """Write the model file to ``path`` (atomically: temp file + rename)."""
        path = Path(path)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(self.to_bytes())
        tmp.replace(path)
        return path

    def to_b64(self) -> str:
        """The model file as base64 text (the sync wire's ``payload_b64``)."""
        return base64.b64encode(self.to_bytes()).decode("ascii")

    @staticmethod
    def read_header(data: bytes) -> tuple[dict[str, Any], bytes]:
        """(header, payload) of a model file's bytes; raises :class:`ModelLoadError`."""
        if not data.startswith(MAGIC):
            raise ModelLoadError("not a scoring model file (unknown format or corrupt)")
        end = data.find(b"\n", len(MAGIC))
        if end < 0:
            raise ModelLoadError("the scoring model file is truncated (no header)")
        try:
            header = json.loads(data[len(MAGIC):end].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ModelLoadError("the scoring model file is corrupt (unreadable header)") from None
        if not isinstance(header, dict):
            raise ModelLoadError("the scoring model file is corrupt (bad header)")
        return header, data[end + 1:]

    @classmethod
    def load(cls, source: bytes | bytearray | str | Path) -> ScoreModel:
        """Load a model from its bytes, a path, or base64 text (from sync).

        Raises:
            ModelLoadError: unreadable, corrupt (checksum), a format newer or older than this
                app reads, built with another scikit-learn release, or leaking post-call
                features. The message says which and what to do.
        """
        data = _read_source(source)
        header, payload = cls.read_header(data)
        fmt = header.get("format")
        if fmt != FORMAT_VERSION:
            raise ModelLoadError(
                f"scoring model format {fmt} is not supported by this app (it reads format "
                f"{FORMAT_VERSION}); update the app or retrain the model"
            )
        built = str(header.get("sklearn", "?"))
        if built.split(".")[:2] != sklearn.__version__.split(".")[:2]:
            raise ModelLoadError(
                f"scoring model built with scikit-learn {built}, this app has "
                f"{sklearn.__version__}; retrain the model on the server"
            )
        if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            raise ModelLoadError("the scoring model file is corrupt (checksum mismatch)")
        try:
            body = pickle.loads(payload)  # checksum-verified file from our own server
        except Exception as exc:
            raise ModelLoadError(f"the scoring model could not be read: {exc}") from None
        try:
            spec = FeatureSpec.from_dict(body["spec"]) if body.get("spec") else None
            model = cls(kind=str(header["kind"]), version=int(header["version"]),
                        features=list(header["features"]), estimator=body["estimator"],
                        spec=spec, baseline=dict(body.get("baseline") or {}),
                        metrics=dict(header.get("metrics") or {}),
                        pre_call=bool(header.get("pre_call", True)),
                        created_at=str(header.get("created_at", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelLoadError(f"the scoring model file is incomplete: {exc}") from None
        if not hasattr(model.estimator, "predict_proba"):
            raise ModelLoadError("the scoring model file holds no usable estimator")
        # a model trained by an older release uses a subset of today's columns: still fine
        if spec is not None and not set(model.features) <= set(spec.columns):
            raise ModelLoadError("the scoring model's feature list does not match its spec")
        if model.pre_call and spec is not None:
            from workbench.core.scoring.features import LeakageError

            try:
                check_pre_call(model.features, model.kind)
            except LeakageError as exc:
                raise ModelLoadError(f"rejected scoring model: {exc}") from None
        return model


def _read_source(source: bytes | bytearray | str | Path) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if isinstance(source, Path) or (isinstance(source, str) and not source.startswith("V0JTQ09SRQ")):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise ModelLoadError(f"cannot read the scoring model file: {exc}") from None
    try:
        return base64.b64decode(source, validate=True)
    except ValueError:
        raise ModelLoadError("the scoring model text is not valid base64") from None


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def train_score_model(kind: str, X: pd.DataFrame, y: Any, *, version: int = 1,
                      spec: FeatureSpec | None = None, order: Any = None, seed: int = 0,
                      pre_call: bool = True, candidates: Sequence[str] = ("hgb", "gam", "blend"),
                      calibration: str | None = None) -> ScoreModel:
    """Train a calibrated :class:`ScoreModel` of ``kind`` on ``X``/``y``.

    With a ``spec`` and ``pre_call`` (the default for portrait models), the leakage guard runs
    first: a post-call field among the columns raises
    :class:`~workbench.core.scoring.features.LeakageError` before anything is fitted.
    """
    if pre_call and spec is not None:
        check_pre_call(X.columns, kind)
    fit = fit_calibrated(X, y, order=order, seed=seed, candidates=candidates,
                         calibration=calibration)
    return ScoreModel(
        kind=kind, version=version, features=list(X.columns), estimator=fit.estimator,
        spec=spec, baseline=baseline_values(X),
        metrics={"algorithm": fit.algorithm, "calibration": fit.calibration,
                 "selection_auc": fit.selection},
        pre_call=pre_call,
    )
