"""SMS text rules (workbench.core.sms_text): segments, placeholders, signature, words."""

from __future__ import annotations

import pytest

from workbench.core.sms_text import (
    DEFAULT_SENSITIVE_WORDS,
    RenderError,
    find_sensitive,
    is_opt_out,
    render,
    segments,
    validate_free_text,
    validate_template,
)

SIG = "【客户服务】"


@pytest.mark.parametrize(("text", "encoding", "parts"), [
    ("a" * 160, "gsm7", 1), ("a" * 161, "gsm7", 2), ("a" * 306, "gsm7", 2), ("a" * 307, "gsm7", 3),
    ("中" * 70, "ucs2", 1), ("中" * 71, "ucs2", 2), ("中" * 134, "ucs2", 2), ("中" * 135, "ucs2", 3),
    ("a" * 69 + "中", "ucs2", 1), ("a" * 70 + "中", "ucs2", 2),
    ("€" * 80, "gsm7", 1), ("€" * 81, "gsm7", 2),  # the euro sign takes two GSM septets
    ("😀" * 35, "ucs2", 1), ("😀" * 36, "ucs2", 2),  # an emoji is two UTF-16 units
    ("", "gsm7", 1),
])
def test_segments(text: str, encoding: str, parts: int) -> None:
    info = segments(text)
    assert (info.encoding, info.segments) == (encoding, parts)


def test_segments_remaining_counts_down_as_you_type() -> None:
    assert segments("中" * 60).remaining == 10
    assert segments("中" * 71).remaining == 67 * 2 - 71


def test_a_good_template_has_no_issues() -> None:
    assert validate_template(SIG + "{name}您好，{policy}：{pitch} 详情{link} 回TD退订") == []
    assert validate_template("{name}您好，详情{link}" + SIG) == []


def test_unknown_placeholder_is_named_with_its_position() -> None:
    body = SIG + "{name}您好{nmae}"
    issues = validate_template(body)
    assert [(i.code, i.position, i.params.get("name")) for i in issues] == [
        ("unknown_placeholder", body.index("{nmae}"), "nmae")]
    assert "{nmae}" in issues[0].describe() and str(body.index("{nmae}")) in issues[0].describe()


def test_unbalanced_braces() -> None:
    body = SIG + "{name 您好 }"
    assert {(i.code, i.position) for i in validate_template(body)} == {
        ("unbalanced_brace", body.index("{")), ("unbalanced_brace", body.index("}"))}


@pytest.mark.parametrize("body", ["{name}您好", "【】{name}您好", "【客】{name}", "{name}【客户服务】您好",
                                  "【" + "长" * 13 + "】您好"])
def test_signature_is_mandatory_at_start_or_end(body: str) -> None:
    assert "no_signature" in [i.code for i in validate_template(body)]


def test_sensitive_words_are_named_with_positions() -> None:
    body = SIG + "办理送发票，再送发票"
    hits = [(i.code, i.position, i.params["word"]) for i in validate_template(body)]
    assert hits == [("sensitive_word", body.index("发票"), "发票"),
                    ("sensitive_word", body.rindex("发票"), "发票")]
    assert find_sensitive("FREE ｓｐａｍ here", ["Spam"])[0].position == 5  # case and full-width folded
    assert validate_free_text("您好，可以免费领取流量", DEFAULT_SENSITIVE_WORDS)[0].params["word"] == "免费领取"
    assert validate_free_text("您好", []) == []


def test_too_long_and_empty() -> None:
    assert [i.code for i in validate_template(SIG + "长" * 500)] == ["too_long"]
    assert [i.code for i in validate_template("  ")] == ["empty"]
    assert [i.code for i in validate_free_text("")] == ["empty"]
    assert "bad_character" in [i.code for i in validate_template(SIG + "a\x07b")]


def test_render() -> None:
    assert render("{name}您好{link}", {"name": "张三", "link": "http://x/y"}) == "张三您好http://x/y"
    with pytest.raises(RenderError, match="unknown placeholder"):
        render("{oops}", {"oops": "x"})
    with pytest.raises(RenderError, match="no value"):
        render("{name}", {})


@pytest.mark.parametrize(("reply", "out"), [
    ("TD", True), ("td", True), (" T ", True), ("退订", True), ("N", True), ("ＴＤ", True), ("退订。", True),
    ("STOP", True), ("好的", False), ("TD 谢谢", False), ("", False), ("我想办理", False),
])
def test_opt_out_words(reply: str, out: bool) -> None:
    assert is_opt_out(reply) is out
