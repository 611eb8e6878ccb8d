"""Calibration on known probabilities, model files (corrupt / wrong version), explanations."""

from __future__ import annotations

import base64
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from tests.synth.scoring_data import synthetic_book
from workbench.core.scoring.features import build_features, spec_for
from workbench.core.scoring.models import (
    MAGIC,
    AutoTabularClassifier,
    FrequencyNaiveBayes,
    LogisticBaseline,
    ModelLoadError,
    ModelRegistry,
    ScoreModel,
    calibration_slope,
    fit_calibrated,
    hgb_positive_proba,
    metrics,
    reliability,
    top_decile_lift,
    train_score_model,
)

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _known_probabilities(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.uniform(-2, 2, size=n),
                      "c": rng.choice(["x", "y", "z"], size=n)})
    z = -1.0 + 1.2 * X["a"] - 0.8 * np.sin(2 * X["b"]) + X["c"].map({"x": 0.0, "y": 0.7, "z": -0.5})
    p = 1 / (1 + np.exp(-z.to_numpy()))
    y = (rng.random(n) < p).astype(int)
    return X, y, p


def test_calibration_on_known_probabilities() -> None:
    X, y, p = _known_probabilities(7000, seed=3)
    tr, te = np.arange(5000), np.arange(5000, 7000)
    fit = fit_calibrated(X.iloc[tr], y[tr], seed=0, candidates=("hgb", "gam"))
    q = fit.estimator.predict_proba(X.iloc[te])[:, 1]
    irreducible = float(np.mean(p[te] * (1 - p[te])))  # Brier of the true probabilities, expected
    brier = metrics(y[te], q)["brier"]
    oracle = metrics(y[te], p[te])["brier"]
    assert brier - oracle < 0.01
    assert abs(brier - irreducible) < 0.02
    slope, intercept = calibration_slope(y[te], q)
    assert 0.8 < slope < 1.25
    assert abs(intercept) < 0.25
    # predictions track the true probabilities closely
    assert np.mean(np.abs(q - p[te])) < 0.06


def test_metrics_helpers_on_known_values() -> None:
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1] * 10)
    p = np.where(y == 1, 0.9, 0.1)
    assert top_decile_lift(y, p) == pytest.approx(5.0)  # top 10% all positive, base rate 20%
    pts = reliability(y, p, bins=10)
    assert [round(r["observed"], 2) for r in pts] == [0.0, 1.0]
    assert sum(r["count"] for r in pts) == 100


def test_baselines_and_candidates_learn_signal() -> None:
    X, y, _ = _known_probabilities(2000, seed=5)
    for est in (FrequencyNaiveBayes(), LogisticBaseline(), AutoTabularClassifier("hgb"),
                AutoTabularClassifier("gam"), AutoTabularClassifier("blend")):
        q = est.fit(X.iloc[:1500], y[:1500]).predict_proba(X.iloc[1500:])[:, 1]
        assert metrics(y[1500:], q)["auc"] > 0.7, type(est).__name__


def test_unseen_categories_and_missing_values_are_scored() -> None:
    X, y, _ = _known_probabilities(600, seed=6)
    est = AutoTabularClassifier("blend").fit(X, y)
    odd = pd.DataFrame({"a": [np.nan, 0.1], "b": [0.0, np.nan], "c": ["never seen", None]})
    q = est.predict_proba(odd)[:, 1]
    assert np.isfinite(q).all()


def test_binned_boosting_prediction_equals_scikit_learn_predict_proba() -> None:
    """The refresh's fast path walks the trees on binned rows: same numbers, to the bit."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(8)
    n = 3000
    M = np.column_stack([
        rng.integers(0, 6, n).astype(float),          # a categorical code column
        rng.normal(size=n), rng.exponential(2.0, n), rng.integers(0, 4, n).astype(float),
    ])
    M[rng.random(n) < 0.1, 1] = np.nan                 # missing numbers
    M[rng.random(n) < 0.05, 0] = np.nan                # missing categories
    z = M[:, 1] * 0.8 - np.nan_to_num(M[:, 0]) * 0.3 + np.log1p(M[:, 2])
    y = (rng.random(n) < 1 / (1 + np.exp(-np.nan_to_num(z)))).astype(int)
    model = HistGradientBoostingClassifier(max_iter=80, categorical_features=[True, False, False, False],
                                           random_state=0).fit(M[:2000], y[:2000])
    test = M[2000:].copy()
    test[:50, 0] = 17.0                                 # a category never seen in training
    test[50:60, 1] = 1e9                                # beyond every threshold
    test[60:70, 2] = -1e9
    fast = hgb_positive_proba(model, test)
    assert np.array_equal(fast, model.predict_proba(test)[:, 1])
    # the caller's matrix is left as it was
    assert (test[:50, 0] == 17.0).all()


@pytest.mark.parametrize(("max_depth", "max_bins", "categorical"), [
    (3, 255, [True, False, False, False, False]),   # our models: shallow trees, categories first
    (4, 255, [True, False, False, False, True]),    # some trees too big for the leaf table
    (2, 63, [False, False, False, True, True]),     # categories not first, fewer bins
    (3, 255, [False] * 5),
])
def test_column_wise_shallow_trees_equal_scikit_learn(max_depth: int, max_bins: int,
                                                      categorical: list[bool]) -> None:
    """Shallow trees are evaluated column-wise with a leaf table: still the same bits."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(12)
    n = 5000
    M = np.column_stack([
        rng.integers(0, 6, n).astype(float), rng.normal(size=n), rng.exponential(2.0, n),
        rng.integers(0, 4, n).astype(float), rng.integers(0, 40, n).astype(float),
    ])
    for j, share in ((0, 0.05), (1, 0.1), (2, 0.02), (4, 0.05)):
        M[rng.random(n) < share, j] = np.nan
    z = (np.nan_to_num(M[:, 1]) * 0.8 - np.nan_to_num(M[:, 0]) * 0.3 + np.log1p(np.nan_to_num(M[:, 2]))
         + (np.nan_to_num(M[:, 4]) % 3 == 0))
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    model = HistGradientBoostingClassifier(max_iter=60, max_depth=max_depth, max_bins=max_bins,
                                           categorical_features=categorical,
                                           random_state=0).fit(M[:3500], y[:3500])
    test = M[3500:].copy()
    test[:40, 0] = 17.0                                 # unseen category (or a large number)
    test[40:50, 1] = 1e9
    test[50:60, 2] = -1e9
    assert np.array_equal(hgb_positive_proba(model, test), model.predict_proba(test)[:, 1])
    # in chunks too (the refresh predicts chunk by chunk)
    chunks = [hgb_positive_proba(model, test[i:i + 300]) for i in range(0, len(test), 300)]
    assert np.array_equal(np.concatenate(chunks), model.predict_proba(test)[:, 1])


# ------------------------------------------------------------------ the shipped model


@pytest.fixture(scope="module")
def deal_model() -> tuple[ScoreModel, pd.DataFrame, pd.DataFrame]:
    customers, events = synthetic_book(1500, seed=11, now=NOW)
    reached = events[events["wrapup"] != "no_answer"].reset_index(drop=True)
    rows = customers.set_index("id").loc[reached["customer_id"]].reset_index()
    spec = spec_for("deal", customers)
    X = build_features(spec, rows, events, as_of=reached["started_at"])
    y = (reached["wrapup"] == "accepted").to_numpy(int)
    model = train_score_model("deal", X, y, spec=spec, order=reached["started_at"], version=3,
                              candidates=("hgb", "gam"))
    return model, customers, events


def test_round_trip_and_predict_one_with_plain_word_factors(deal_model) -> None:
    model, customers, events = deal_model
    data = model.to_bytes()
    assert data.startswith(MAGIC)
    loaded = ScoreModel.load(data)
    assert (loaded.kind, loaded.version, loaded.features) == ("deal", 3, model.features)
    portrait = customers.iloc[0].to_dict()
    history = events[events["customer_id"] == portrait["id"]].to_dict("records")
    a = model.predict_one(portrait, history, now=NOW)
    b = loaded.predict_one(portrait, history, now=NOW)
    assert 0.0 < a.probability < 1.0
    assert a.probability == pytest.approx(b.probability)
    assert 1 <= len(a.top_factors) <= 3
    weights = [abs(f.weight) for f in a.top_factors]
    assert weights == sorted(weights, reverse=True)
    for f in a.top_factors:
        assert f.key in model.features and f.text_zh and f.text_en
        assert "百分点" in f.text_zh and "pts" in f.text_en
    # a customer with missing fields and no history still gets a score
    bare = model.predict_one({"id": "NEW"}, [], now=NOW)
    assert 0.0 < bare.probability < 1.0


def test_model_files_from_before_the_package_split_still_load(deal_model, monkeypatch) -> None:
    """Files written when everything lived in ``scoring/models.py`` pickle our classes as
    ``workbench.core.scoring.models.<Class>``: the package keeps re-exporting them."""
    import pickletools

    import workbench.core.scoring.models as package

    model = deal_model[0]
    for cls in (AutoTabularClassifier, FrequencyNaiveBayes, LogisticBaseline):
        assert cls.__module__ != package.__name__  # they live in the package's rooms now
        monkeypatch.setattr(cls, "__module__", package.__name__)
    old_file = model.to_bytes()
    monkeypatch.undo()
    payload = old_file[old_file.index(b"\n", len(MAGIC)) + 1:]
    globals_used = {arg for op, arg, _ in pickletools.genops(payload) if isinstance(arg, str)}
    assert "workbench.core.scoring.models" in globals_used
    assert not any(g.startswith("workbench.core.scoring.models.") for g in globals_used)
    loaded = ScoreModel.load(old_file)
    portrait = deal_model[1].iloc[0].to_dict()
    assert loaded.predict_one(portrait, [], now=NOW).probability == pytest.approx(
        model.predict_one(portrait, [], now=NOW).probability)


def test_base64_and_path_sources(deal_model, tmp_path) -> None:
    model = deal_model[0]
    assert ScoreModel.load(model.to_b64()).version == 3
    path = model.save(tmp_path / "deal-v3.wbscore")
    assert ScoreModel.load(path).version == 3


def _tamper_header(data: bytes, **changes: object) -> bytes:
    end = data.index(b"\n", len(MAGIC))
    header = json.loads(data[len(MAGIC):end])
    header.update(changes)
    return MAGIC + json.dumps(header).encode() + data[end:]


@pytest.mark.parametrize("case, message", [
    ("garbage", "not a scoring model"),
    ("truncated", "corrupt|truncated"),
    ("flipped", "checksum"),
    ("format", "format 99"),
    ("sklearn", "scikit-learn 0.1"),
    ("header", "unreadable header"),
])
def test_corrupt_or_wrong_version_files_are_rejected(deal_model, case: str, message: str) -> None:
    good = deal_model[0].to_bytes()
    bad = {
        "garbage": b"PK\x03\x04 not a model",
        "truncated": good[: len(good) // 2],
        "flipped": good[:-100] + bytes([good[-100] ^ 0xFF]) + good[-99:],
        "format": _tamper_header(good, format=99),
        "sklearn": _tamper_header(good, sklearn="0.1.0"),
        "header": MAGIC + b"{not json\n" + good[-50:],
    }[case]
    with pytest.raises(ModelLoadError, match=message):
        ScoreModel.load(bad)


def test_registry_keeps_the_previous_model_when_a_new_one_fails(deal_model, tmp_path) -> None:
    model = deal_model[0]
    errors: list[str] = []
    reg = ModelRegistry(on_error=lambda kind, exc: errors.append(str(exc)))
    reg.install(model.to_bytes())
    assert reg.get("deal").version == 3
    good = model.to_bytes()
    with pytest.raises(ModelLoadError):
        reg.install(good[:-10])  # corrupt
    with pytest.raises(ModelLoadError):
        reg.install(_tamper_header(good, format=2, version=4))  # wrong version
    with pytest.raises(ModelLoadError):
        reg.install(tmp_path / "missing.wbscore")
    assert reg.get("deal").version == 3 and len(errors) == 3
    # synced rows: the newest (v5, corrupt) fails, nothing newer loads, v3 stays in use
    rows = [{"kind": "deal", "version": 5, "payload_b64": base64.b64encode(good[:-10]).decode()}]
    errs = reg.install_rows(rows)
    assert len(errs) == 1 and reg.get("deal").version == 3


def test_registry_install_rows_takes_newest_loadable(deal_model) -> None:
    model = deal_model[0]
    newer = ScoreModel(**{**model.__dict__, "version": 4})
    rows = [
        {"kind": "deal", "version": 3, "payload_b64": model.to_b64()},
        {"kind": "deal", "version": 4, "payload_b64": newer.to_b64()},
        {"kind": "deal", "version": 6, "payload_b64": base64.b64encode(b"junk").decode()},
    ]
    reg = ModelRegistry()
    errs = reg.install_rows(rows)
    assert len(errs) == 1 and reg.get("deal").version == 4


# ------------------------------------------------------------------ boosting: rounds, order, constraints


def _drifting(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Oldest rows first: x drives y, except in the latest 15 % where y is a coin toss."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b", "c"], size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-2.5 * X["x"].to_numpy()))).astype(int)
    late = np.arange(n) >= int(n * 0.85)
    y[late] = (rng.random(late.sum()) < 0.5).astype(int)
    return X, y


def test_time_ordered_boosting_stops_early_on_the_latest_rows() -> None:
    X, y = _drifting(4000, seed=5)
    timed = AutoTabularClassifier(algorithm="hgb", time_ordered=True).fit(X, y)
    shuffled = AutoTabularClassifier(algorithm="hgb", time_ordered=False).fit(X, y)
    # the latest rows carry no signal: validated on them, the boosting stops almost at once;
    # on a stratified 15 % (mostly informative rows) it keeps learning
    assert timed.best_iteration_ < 40 < shuffled.best_iteration_
    # refitted on every row with the rounds found (scaled by the rows added)
    assert timed.models_[0].n_iter_ == max(1, round(timed.best_iteration_ * 4000 / 3400))
    kept = AutoTabularClassifier(algorithm="hgb", time_ordered=True, refit=False).fit(X, y)
    assert kept.models_[0].n_iter_ > kept.best_iteration_  # scikit-learn's rounds past the best


def test_monotone_constraint_holds_and_fast_path_agrees() -> None:
    rng = np.random.default_rng(9)
    n = 3000
    X = pd.DataFrame({"calls": rng.integers(1, 15, n).astype(float), "age": rng.normal(45, 12, n),
                      "job": rng.choice(["a", "b", "c", "d"], size=n)})
    # noisy data where the number of calls looks helpful at high counts (chance)
    z = -1 - 0.15 * X["calls"] + 0.4 * np.sin(X["calls"]) + 0.02 * (X["age"] - 45)
    y = (rng.random(n) < 1 / (1 + np.exp(-z.to_numpy()))).astype(int)
    model = AutoTabularClassifier(algorithm="hgb", monotonic={"calls": -1}).fit(X, y)
    grid = pd.DataFrame({"calls": np.arange(1, 15, dtype=float), "age": 45.0, "job": "b"})
    p = model.predict_proba(grid)[:, 1]
    assert np.all(np.diff(p) <= 1e-12)
    free = AutoTabularClassifier(algorithm="hgb").fit(X, y).predict_proba(grid)[:, 1]
    assert np.any(np.diff(free) > 1e-6)  # the constraint is what made it monotone
    # our best-first trees (8 leaves, 7 splits) all compile for the fast path, same bits
    from workbench.core.scoring.models.fast_predict import _forest, _ShallowTree

    hgb = model.models_[0]
    M = model._matrix(X)
    assert np.array_equal(hgb_positive_proba(hgb, M), hgb.predict_proba(M)[:, 1])
    forest = _forest(hgb, hgb._predictors, int(hgb._bin_mapper.missing_values_bin_idx_))
    assert all(isinstance(t, _ShallowTree) for t in forest.trees)


def test_fit_calibrated_sorts_by_order_before_fitting() -> None:
    X, y = _drifting(3000, seed=6)
    shuffle = np.random.default_rng(0).permutation(len(y))
    fit = fit_calibrated(X.iloc[shuffle], y[shuffle], order=shuffle, seed=0, candidates=("hgb",))
    # every fitted boosting model validated on its latest rows (the coin-toss tail)
    final = fit.estimator.calibrated_classifiers_[0].estimator
    assert final.time_ordered and final.best_iteration_ < 40


def test_naive_bayes_candidate_is_measured_and_scores_unseen_values() -> None:
    X, y, _ = _known_probabilities(3000, seed=4)
    # an interaction no additive model sees: naive Bayes (and the spline model) lose to boosting
    rng = np.random.default_rng(4)
    y_xor = (rng.random(len(X)) < np.where(X["a"] * X["b"] > 0, 0.8, 0.2)).astype(int)
    fit = fit_calibrated(X, y_xor, seed=0)
    assert set(fit.selection) == {"hgb", "gam", "blend", "nb"}
    assert fit.selection["nb"] < 0.6 < fit.selection["hgb"] and fit.algorithm in ("hgb", "blend")
    nb = AutoTabularClassifier(algorithm="nb").fit(X, y)
    odd = pd.DataFrame({"a": [0.5, np.nan], "c": ["never seen", None]})  # column b absent
    p = nb.predict_proba(odd)[:, 1]
    assert p.shape == (2,) and np.all((p > 0) & (p < 1))
    assert np.array_equal(nb.predict_proba(X.iloc[:5]), nb.models_[0].predict_proba(X.iloc[:5]))
