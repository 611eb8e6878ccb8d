"""SMS text rules shared by the server and the policy studio: placeholders, the signature,
segments and sensitive words.

A template is plain text with portrait placeholders in braces (``{name}``, ``{policy}``,
``{link}`` …, see :data:`PLACEHOLDERS`) and the sender's signature in 【】 at its start or end
(mandatory for commercial SMS in China). :func:`validate_template` lists every problem with its
position (0-based character index) so an editor can point at it; :func:`segments` counts the
parts a phone will receive: GSM 7-bit text 160 characters in one part, 153 each when
concatenated; anything else is UCS-2, 70 in one part, 67 each when concatenated (counted in
UTF-16 units: an emoji takes two). Issues carry stable codes; the UI words them (Chinese
first, English too) and :meth:`TextIssue.describe` gives English for logs and the API.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.core.errors import UserError

__all__ = [
    "DEFAULT_SENSITIVE_WORDS",
    "MAX_TEMPLATE_BODY",
    "MAX_TEMPLATE_ID",
    "MAX_TEMPLATE_NAME",
    "OPT_OUT_WORDS",
    "PLACEHOLDERS",
    "TEMPLATE_PURPOSES",
    "SegmentInfo",
    "TextIssue",
    "find_sensitive",
    "is_opt_out",
    "placeholders_in",
    "render",
    "segments",
    "template_id_problem",
    "template_segments",
    "validate_free_text",
    "validate_template",
]

#: placeholder -> (what it becomes, a typical width for estimating segments while typing)
PLACEHOLDERS: Mapping[str, tuple[str, int]] = {
    "name": ("the customer's name", 3),
    "policy": ("the policy's name", 10),
    "pitch": ("the policy's one-line pitch", 20),
    "link": ("the customer's personal link to the online zone", 45),
    "plan": ("the customer's current plan", 8),
    "fee": ("the customer's monthly fee", 3),
    "city": ("the customer's city", 3),
    "code": ("a one-time login code", 6),
    "agent": ("the agent's display name", 3),
}

#: What a template is for: campaign SMS tasks, the hang-up SMS, login codes, order confirmations.
TEMPLATE_PURPOSES: tuple[str, ...] = ("campaign", "hangup", "code", "confirm")
#: Sizes a published template must keep (the server's columns and its checks).
MAX_TEMPLATE_ID, MAX_TEMPLATE_NAME, MAX_TEMPLATE_BODY = 40, 100, 1000

#: Replies that mean "stop sending me SMS" (compared after trimming, case-insensitively,
#: full-width letters folded).
OPT_OUT_WORDS = frozenset({"td", "t", "n", "退订", "退", "取消", "qx", "stop", "unsubscribe", "0000", "00000"})

#: A sensible default list (advertising-law absolutes and typical spam/fraud words); the
#: server keeps an admin-editable copy.
DEFAULT_SENSITIVE_WORDS: tuple[str, ...] = (
    "代开发票", "发票", "贷款", "套现", "博彩", "赌博", "六合彩", "色情", "枪支", "刷单",
    "中奖", "免费领取", "国家级", "最高级", "最佳", "第一品牌", "绝对", "史上最低", "稳赚",
    "返利", "日赚", "兼职",
)

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,30})\}")
_SIGNATURE = re.compile(r"【([^【】]{2,12})】")


@dataclass(frozen=True)
class SegmentInfo:
    """How a text travels: its encoding, length in that encoding's units, and parts."""

    encoding: str  # "gsm7" or "ucs2"
    units: int
    segments: int
    per_segment: int
    #: units left in the last part before one more part is needed
    remaining: int


@dataclass(frozen=True)
class TextIssue:
    """One problem of a text: a stable ``code``, where (``position``, or -1), and details."""

    code: str
    position: int = -1
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def describe(self) -> str:
        p = self.params
        at = f" at position {self.position}" if self.position >= 0 else ""
        return {
            "empty": "the text is empty",
            "unknown_placeholder": f"unknown placeholder {{{p.get('name')}}}{at} "
                                   f"(known: {', '.join(sorted(PLACEHOLDERS))})",
            "unbalanced_brace": f"a brace without its partner{at}",
            "no_signature": "the signature 【…】 (2 to 12 characters) is missing at the start or the end",
            "sensitive_word": f"sensitive word “{p.get('word')}”{at}",
            "too_long": f"{p.get('segments')} segments; at most {p.get('limit')}",
            "bad_character": f"a control character{at}",
            "too_many_characters": f"longer than {p.get('limit')} characters",
        }.get(self.code, self.code)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "position": self.position, "message": self.describe(), **dict(self.params)}


def segments(text: str) -> SegmentInfo:
    """The parts ``text`` is sent in (GSM 7-bit when it can be, else UCS-2)."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "gsm7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "ucs2"
    if units <= single:
        parts, per = 1, single
    else:
        parts, per = math.ceil(units / multi), multi
    return SegmentInfo(encoding, units, max(1, parts), per, per * max(1, parts) - units)


def placeholders_in(body: str) -> list[tuple[str, int]]:
    """The placeholders of ``body`` with their positions."""
    return [(m.group(1), m.start()) for m in _PLACEHOLDER.finditer(body)]


def find_sensitive(text: str, words: Iterable[str]) -> list[TextIssue]:
    """Every occurrence of a listed word in ``text`` (case-insensitive), by position."""
    folded = _fold(text)
    hits: list[TextIssue] = []
    for word in {w.strip() for w in words if w and w.strip()}:
        needle = _fold_word(word)
        start = folded.find(needle)
        while start >= 0:
            hits.append(TextIssue("sensitive_word", start, {"word": word}))
            start = folded.find(needle, start + 1)
    return sorted(hits, key=lambda i: (i.position, str(i.params.get("word"))))


_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


@functools.lru_cache(maxsize=20_000)
def _fold_word(word: str) -> str:
    return _fold(word)


def _fold(text: str) -> str:
    """Lower case with full-width ASCII folded, one character for one (positions stay)."""
    quick = text.translate(_FULL_WIDTH).lower()
    if len(quick) == len(text):
        return quick
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        out.append(ch.lower() if len(ch.lower()) == 1 else ch)
    return "".join(out)


def _control_chars(text: str) -> list[TextIssue]:
    return [TextIssue("bad_character", i) for i, ch in enumerate(text)
            if (ord(ch) < 32 and ch not in "\n\r") or ch == "\x7f"]


def validate_template(body: str, words: Iterable[str] = DEFAULT_SENSITIVE_WORDS, *,
                      max_segments: int = 6) -> list[TextIssue]:
    """Every problem of a template, in position order (empty list: it may be saved)."""
    if not body or not body.strip():
        return [TextIssue("empty", 0)]
    issues = _control_chars(body)
    if len(body) > MAX_TEMPLATE_BODY:
        issues.append(TextIssue("too_many_characters", MAX_TEMPLATE_BODY, {"limit": MAX_TEMPLATE_BODY}))
    for name, pos in placeholders_in(body):
        if name not in PLACEHOLDERS:
            issues.append(TextIssue("unknown_placeholder", pos, {"name": name}))
    stripped = _PLACEHOLDER.sub(lambda m: "\x00" * len(m.group(0)), body)
    for i, ch in enumerate(stripped):
        if ch in "{}":
            issues.append(TextIssue("unbalanced_brace", i))
    if not _has_signature(body):
        issues.append(TextIssue("no_signature", -1))
    issues.extend(find_sensitive(body, words))
    info = segments(estimate(body))
    if info.segments > max_segments:
        issues.append(TextIssue("too_long", -1, {"segments": info.segments, "limit": max_segments}))
    return sorted(issues, key=lambda i: i.position)


def validate_free_text(text: str, words: Iterable[str] = DEFAULT_SENSITIVE_WORDS, *,
                       max_segments: int = 6) -> list[TextIssue]:
    """Problems of a text about to be sent as it is (no placeholders left to fill)."""
    if not text or not text.strip():
        return [TextIssue("empty", 0)]
    issues = _control_chars(text) + find_sensitive(text, words)
    info = segments(text)
    if info.segments > max_segments:
        issues.append(TextIssue("too_long", -1, {"segments": info.segments, "limit": max_segments}))
    return sorted(issues, key=lambda i: i.position)


def _has_signature(body: str) -> bool:
    text = body.strip()
    first = _SIGNATURE.match(text)
    last = _SIGNATURE.search(text[-14:]) if text.endswith("】") else None
    return bool(first) or bool(last and text.endswith(last.group(0)))


def estimate(body: str) -> str:
    """``body`` with each known placeholder replaced by a typical-width filler (for counting
    segments while a template is typed)."""
    def fill(m: re.Match[str]) -> str:
        spec = PLACEHOLDERS.get(m.group(1))
        width = spec[1] if spec else len(m.group(0))
        # the link is ASCII, the rest usually Chinese
        return ("x" if m.group(1) in ("link", "code", "fee") else "字") * width
    return _PLACEHOLDER.sub(fill, body)


def template_id_problem(template_id: object) -> str | None:
    """Why ``template_id`` cannot name a template (None: it can): 1 to 40 characters, no blanks
    at its ends and no control characters."""
    if not isinstance(template_id, str) or not template_id.strip() or len(template_id) > MAX_TEMPLATE_ID:
        return f"required: text of 1 to {MAX_TEMPLATE_ID} characters"
    if template_id != template_id.strip() or any(ord(c) < 32 or c == "\x7f" for c in template_id):
        return "no blanks at the ends and no control characters"
    return None


def template_segments(body: str) -> SegmentInfo:
    """The parts a filled ``body`` will probably be sent in (placeholders at typical widths)."""
    return segments(estimate(body))


class RenderError(UserError, ValueError):
    """A template that cannot be filled (an unknown placeholder or a missing value)."""


def render(body: str, values: Mapping[str, str]) -> str:
    """``body`` with its placeholders filled from ``values``.

    Raises:
        RenderError: a placeholder that is unknown or has no value.
    """
    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in PLACEHOLDERS:
            raise RenderError(f"unknown placeholder {{{name}}} at position {m.start()}")
        if name not in values:
            raise RenderError(f"no value for {{{name}}}")
        return str(values[name])
    return _PLACEHOLDER.sub(fill, body)


def is_opt_out(reply: str) -> bool:
    """Whether a customer's reply asks to stop SMS (TD, T, 退订, N …)."""
    text = _fold(reply).strip().strip("。.!！ ")
    return text in OPT_OUT_WORDS
