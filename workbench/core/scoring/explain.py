"""Per-customer explanations: the features that moved this customer's score, in plain words.

The attribution is local and cheap enough for the screen pop: for each feature whose value
differs from the training baseline (median of a number, most common category), predict once
more with that feature set to its baseline; the drop (or rise) in probability is the
feature's weight. All variants are scored in one batch call, so a model with 50 features
costs one prediction of ~50 rows (a few milliseconds).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.core.scoring.features import TAG_PREFIX


@dataclass(frozen=True)
class Factor:
    """One reason for a score.

    Attributes:
        key: the feature name (stable, e.g. ``tenure_months``).
        text_zh: the reason in Chinese, e.g. ``在网 3 个月（+8 个百分点）``.
        text_en: the reason in English, e.g. ``3 months on the network (+8 pts)``.
        weight: change in probability this feature's value causes, vs. the baseline value.
        value: the customer's value of that feature.
    """

    key: str
    text_zh: str
    text_en: str
    weight: float
    value: Any = None


@dataclass(frozen=True)
class Score:
    """A calibrated probability with its top contributing features."""

    probability: float
    top_factors: list[Factor] = field(default_factory=list)
    kind: str = ""
    model_version: int = 0


#: feature -> (Chinese template, English template); ``{v}`` is the customer's value.
FEATURE_TEXT: dict[str, tuple[str, str]] = {
    "age": ("年龄 {v} 岁", "aged {v}"),
    "plan_fee": ("套餐月费 {v} 元", "plan fee {v} a month"),
    "tenure_months": ("在网 {v} 个月", "{v} months on the network"),
    "arpu": ("月均消费 {v} 元", "average bill {v} a month"),
    "data_usage_gb": ("月流量 {v} GB", "{v} GB of data a month"),
    "n_tags": ("有 {v} 个标签", "{v} tags"),
    "do_not_call": ("免打扰：{v}", "do-not-call: {v}"),
    "do_not_sms": ("拒收短信：{v}", "no SMS: {v}"),
    "open_complaint": ("有未结投诉：{v}", "open complaint: {v}"),
    "is_lead": ("新线索：{v}", "new lead: {v}"),
    "gender": ("性别 {v}", "gender {v}"),
    "province": ("所在省份 {v}", "lives in {v}"),
    "job_type": ("职业 {v}", "works as {v}"),
    "network": ("网络 {v}", "on {v}"),
    "lifecycle_stage": ("生命周期：{v}", "lifecycle stage: {v}"),
    "value_tier": ("价值层级：{v}", "value tier: {v}"),
    "preferred_channel": ("偏好渠道：{v}", "prefers {v}"),
    "plan_name": ("套餐 {v}", "plan {v}"),
    "hist_contacts": ("此前接触 {v} 次", "{v} earlier contacts"),
    "hist_reached": ("此前接通 {v} 次", "reached {v} times before"),
    "hist_refused": ("此前拒绝 {v} 次", "refused {v} times before"),
    "hist_interested": ("此前表示有兴趣 {v} 次", "showed interest {v} times"),
    "hist_accepted": ("此前办理 {v} 次", "accepted {v} offers before"),
    "hist_complaints": ("此前投诉 {v} 次", "{v} earlier complaints"),
    "hist_no_answer": ("此前未接通 {v} 次", "{v} unanswered calls"),
    "hist_talk_minutes": ("累计通话 {v} 分钟", "{v} minutes talked so far"),
    "hist_days_since_last": ("距上次接触 {v} 天", "last contact {v} days ago"),
    "hist_days_since_refusal": ("距上次拒绝 {v} 天", "last refusal {v} days ago"),
    "hist_last_intent": ("上次办理意向：{v}", "last intent: {v}"),
    "hist_contacts_30d": ("近 30 天接触 {v} 次", "{v} contacts in the last 30 days"),
    "policy_value": ("政策价值 {v} 元", "offer worth {v}"),
    "policy_priority": ("政策优先级 {v}", "offer priority {v}"),
    "policy_id": ("政策 {v}", "offer {v}"),
    "policy_product": ("产品 {v}", "product {v}"),
}

#: Factors moving the probability by less than this (half a point) are not worth showing.
MIN_WEIGHT = 0.005

#: Words for codes, so that the Chinese text does not show English codes.
CODE_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "lifecycle_stage": {"acquisition": ("获取期", "acquisition"), "growth": ("提升期", "growth"),
                        "maturity": ("成熟期", "maturity"), "decline": ("衰退期", "decline"),
                        "churned": ("流失期", "churned")},
    "value_tier": {"high": ("高价值", "high value"), "potential": ("潜力", "potential"),
                   "ordinary": ("普通", "ordinary"), "low": ("低价值", "low value")},
    "gender": {"M": ("男", "male"), "F": ("女", "female")},
    "preferred_channel": {"outbound": ("外呼", "phone calls"), "hotline": ("热线", "the hotline"),
                          "store": ("营业厅", "the store"), "sms": ("短信", "SMS"),
                          "online": ("线上", "online")},
    "hist_last_intent": {"0": ("无", "none"), "1": ("低", "low"), "2": ("中", "medium"),
                         "3": ("高", "high")},
}

_YES_NO_ZH = {0: "否", 1: "是"}
_YES_NO_EN = {0: "no", 1: "yes"}
_FLAGS = {"do_not_call", "do_not_sms", "open_complaint", "is_lead"}


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float | np.floating):
        value = float(value)
        return f"{value:.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:.1f}"
    return str(value)


def _words(key: str) -> str:
    """A key nobody wrote words for, readable: ``complaint_prone`` -> ``complaint prone``."""
    return key.replace("_", " ").strip()


def describe(key: str, value: Any, weight: float) -> tuple[str, str]:
    """Plain Chinese and English words for ``key = value`` moving the score by ``weight``."""
    pts = weight * 100
    sign = "+" if pts >= 0 else "−"
    tail_zh = f"（{sign}{abs(pts):.0f} 个百分点）"
    tail_en = f" ({sign}{abs(pts):.0f} pts)"
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if key.startswith(TAG_PREFIX):
        from workbench.core.tags import label as tag_label

        tag = key[len(TAG_PREFIX):]
        tag_zh, tag_en = tag_label(tag, "zh"), tag_label(tag, "en")  # words, never the raw key
        if tag_en == tag:
            tag_zh = tag_en = _words(tag)
        has = not missing and float(value) > 0
        zh = f"带有标签「{tag_zh}」" if has else f"没有标签「{tag_zh}」"
        en = f"tagged “{tag_en}”" if has else f"not tagged “{tag_en}”"
        return zh + tail_zh, en + tail_en
    if key.startswith("hist_") and missing:
        return "此前没有相关记录" + tail_zh, "no earlier record" + tail_en
    if key in _FLAGS and not missing:
        flag = int(float(value) > 0)
        zh_t, en_t = FEATURE_TEXT[key]
        return zh_t.format(v=_YES_NO_ZH[flag]) + tail_zh, en_t.format(v=_YES_NO_EN[flag]) + tail_en
    zh_t, en_t = FEATURE_TEXT.get(key, (f"{_words(key)}：{{v}}", f"{_words(key)}: {{v}}"))
    v = _fmt(value)
    words = CODE_WORDS.get(key, {}).get(v)
    v_zh, v_en = words if words else (v, v)
    return zh_t.format(v=v_zh) + tail_zh, en_t.format(v=v_en) + tail_en


def _same(a: Any, b: Any) -> bool:
    a_nan = a is None or (isinstance(a, float | np.floating) and math.isnan(a))
    b_nan = b is None or (isinstance(b, float | np.floating) and math.isnan(b))
    if a_nan or b_nan:
        return a_nan and b_nan
    return bool(a == b)


def explain_row(predict: Callable[[pd.DataFrame], np.ndarray], row: pd.DataFrame,
                baseline: Mapping[str, Any], top_n: int = 3,
                probability: float | None = None) -> tuple[float, list[Factor]]:
    """The probability of the single row ``row`` and its ``top_n`` factors.

    Args:
        predict: maps a feature frame to probabilities (the calibrated model).
        row: one row of model input.
        baseline: feature -> baseline value (from training).
        top_n: how many factors to return (largest absolute weight first).
        probability: the row's probability if already known (saves nothing big; for reuse).
    """
    if len(row) != 1:
        raise ValueError("explain_row needs exactly one row")
    values = row.iloc[0]
    keys = [k for k in row.columns if k in baseline and not _same(values[k], baseline[k])]
    variants = [row]
    for k in keys:
        v = row.copy()
        v[k] = baseline[k]
        variants.append(v)
    batch = pd.concat(variants, ignore_index=True)
    for col in row.columns:
        if row[col].dtype != object and batch[col].dtype != row[col].dtype:
            batch[col] = batch[col].astype(row[col].dtype)
    probs = np.asarray(predict(batch), dtype=float)
    p = float(probs[0]) if probability is None else probability
    weights = float(probs[0]) - probs[1:]
    order = np.argsort(-np.abs(weights))
    factors: list[Factor] = []
    for i in order[:top_n]:
        w = float(weights[i])
        if abs(w) < MIN_WEIGHT:
            continue
        key = keys[i]
        value = values[key]
        value = value.item() if isinstance(value, np.generic) else value
        zh, en = describe(key, value, w)
        factors.append(Factor(key=key, text_zh=zh, text_en=en, weight=w, value=value))
    return p, factors
