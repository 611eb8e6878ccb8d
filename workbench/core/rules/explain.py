"""Explanations: why a rule matches or not, in Chinese and English words."""

from __future__ import annotations

from typing import Any

from workbench.core.rules.scalar import _MISSING, _Scalar
from workbench.core.rules.schema import FieldType
from workbench.core.rules.tree import And, Compare, Const, Field, ListConst, Node, Not, Or, unparse

# ---------------------------------------------------------------- explanations

#: Explanation wording by language: comparison words, membership words, customer value.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "==": "is", "!=": "is not", "<": "is below", "<=": "is at most", ">": "is above",
        ">=": "is at least", "include": "include", "not include": "do not include",
        "contains": "contains", "not contains": "does not contain", "one of": "is one of",
        "none of": "is none of", "customer": "customer", "yes": "yes", "no": "no",
        "unknown": "unknown", "everyone": "everyone", "no one": "no one", "nothing": "(nothing)",
        "sep": ", ",
    },
    "zh": {
        "==": "为", "!=": "不为", "<": "低于", "<=": "不高于", ">": "高于", ">=": "不低于",
        "include": "含", "not include": "不含", "contains": "包含", "not contains": "不包含",
        "one of": "属于", "none of": "不属于", "customer": "客户", "yes": "是", "no": "否",
        "unknown": "未知", "everyone": "所有客户", "no one": "无", "nothing": "(空)",
        "sep": "、",
    },
}
#: Chinese names of the portrait fields, for explanations in Chinese.
FIELD_LABELS_ZH: dict[str, str] = {
    "name": "姓名", "phone": "手机号", "phone2": "备用号码", "member_no": "会员号",
    "gender": "性别", "birth_year": "出生年份", "age": "年龄", "province": "省份",
    "region": "地区", "city": "城市", "timezone": "时区", "job_type": "职业",
    "plan_name": "套餐", "plan_fee": "套餐月费", "tenure_months": "在网时长(月)",
    "device": "终端", "network": "网络", "arpu": "ARPU", "data_usage_gb": "月流量(GB)",
    "tags": "标签", "lifecycle_stage": "生命周期", "value_tier": "价值层级",
    "preferred_channel": "偏好渠道", "do_not_call": "免打扰", "do_not_sms": "拒收短信",
    "open_complaint": "投诉中", "is_lead": "线索", "team_id": "团队", "store_id": "营业厅",
    "lead_tier": "线索等级", "note": "备注",
    "scores.deal": "成交概率", "scores.churn": "流失风险", "scores.renewal": "续约倾向",
}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


class _Words:
    """Wording of explanations in one language ("en" or "zh")."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in _WORDS else "en"
        self.w = _WORDS[self.lang]

    def field(self, name: str) -> str:
        if self.lang == "zh":
            return FIELD_LABELS_ZH.get(name, name)
        return name.replace("_", " ")

    def tag(self, code: str) -> str:
        if self.lang == "zh":
            from workbench.core.tags import label

            return label(code, "zh")
        return code

    def label(self, node: Node) -> str:
        if isinstance(node, Field):
            return self.field(node.name)
        if isinstance(node, Const):
            if isinstance(node.value, bool):
                return self.w["yes"] if node.value else self.w["no"]
            return str(node.value)
        if isinstance(node, ListConst):
            return self.w["sep"].join(self.label(i) for i in node.items) or self.w["nothing"]
        return f"({unparse(node)})"

    def shown(self, value: Any) -> str:
        if value is _MISSING:
            return self.w["unknown"]
        if isinstance(value, bool):
            return self.w["yes"] if value else self.w["no"]
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def quoted(self, text: str) -> str:
        return f"「{text}」" if self.lang == "zh" else f"'{text}'"

    def actual(self, value: Any) -> str:
        if self.lang == "zh":
            return f"（{self.w['customer']}: {self.shown(value)}）"
        return f" ({self.w['customer']}: {self.shown(value)})"

    def join(self, *parts: str) -> str:
        return ("" if self.lang == "zh" else " ").join(p for p in parts if p)


def _describe(node: Node, negated: bool, ev: _Scalar, words: _Words) -> str:
    """A clause in plain words, with the customer's value when it is a field."""
    w = words.w
    if isinstance(node, Field):  # a bare boolean field
        return f"{words.field(node.name)}: {w['no'] if negated else w['yes']}"
    if isinstance(node, Const):
        return w["everyone"] if node.value is not negated else w["no one"]
    assert isinstance(node, Compare)
    op = node.op
    left, right = node.left, node.right
    actual = ""
    if isinstance(left, Field) and not isinstance(right, Field):
        actual = words.actual(ev.value(left))
    if op in ("in", "not in"):
        inside = (op == "in") != negated
        if isinstance(right, Field) and ev.schema[right.name] is FieldType.STRING_LIST:
            verb = w["include"] if inside else w["not include"]
            what = words.tag(str(left.value)) if isinstance(left, Const) else words.label(left)
            return words.join(words.field(right.name), verb, words.quoted(what))
        if isinstance(right, Field):
            verb = w["contains"] if inside else w["not contains"]
            return words.join(words.label(right), verb, words.quoted(words.label(left))) + \
                words.actual(ev.value(right))
        verb = w["one of"] if inside else w["none of"]
        return words.join(words.label(left), verb, words.label(right)) + actual
    if negated:
        op = _NEGATED[op]
    return words.join(words.label(left), w[op], words.label(right)) + actual


def _explain(node: Node, want: bool, ev: _Scalar, out: list[str], words: _Words) -> None:
    if isinstance(node, And | Or):
        for item in node.items:
            _explain(item, want, ev, out, words)
    elif isinstance(node, Not):
        _explain(node.operand, not want, ev, out, words)
    elif ev.truth(node) is want:
        out.append(_describe(node, not want, ev, words))


