"""Watch terms: case- and width-insensitive, whole words for Latin, substrings for CJK."""

from __future__ import annotations

import time

import pytest

from bot.matching import Rule, TermError

CASES = [
    # (any, all, none, text, expected)
    (["Pixel 9"], [], [], "Pixel 9 Pro renders leak", True),
    (["Pixel 9"], [], [], "Google Pixel 90 is not real", False),
    (["Pixel 9"], [], [], "The Pixel 9's camera bump", True),
    (["S24"], [], [], "Galaxy S240 is a typo", False),
    (["S24"], [], [], "三星S24 国行版", True),
    (["Leica"], [], [], "LEICA summilux", True),
    (["Leica"], [], [], "Ｌｅｉｃａ branding spotted", True),  # full-width letters
    (["徕卡"], [], [], "小米12 徕卡影像", True),
    (["Leica"], [["Xiaomi", "小米"]], [], "小米 with Leica optics", True),
    (["Leica"], [["Xiaomi", "小米"]], [], "Huawei with Leica optics", False),
    (["Leica"], [], ["giveaway"], "Leica giveaway inside", False),
    (["Leica"], [], ["re:\\bcase\\b"], "Leica phone case", False),
    (["Leica"], [], ["re:\\bcase\\b"], "Leica showcase", True),
    ([], [], [], "anything at all", True),
]


@pytest.mark.parametrize(("any_", "all_", "none", "text", "expected"), CASES)
def test_verdicts(
    any_: list[str], all_: list[list[str]], none: list[str], text: str, expected: bool
) -> None:
    assert Rule.compile("w", any_, all_, none).judge(text).matched is expected


def test_hits_point_into_the_original_text() -> None:
    text = "Ｌｅｉｃａ on the Xiaomi 17"
    verdict = Rule.compile("w", ["Leica"], [["Xiaomi"]]).judge(text)
    assert [text[h.start : h.end] for h in verdict.hits] == ["Ｌｅｉｃａ", "Xiaomi"]
    assert verdict.matched_terms == ("Leica", "Xiaomi")


def test_catastrophic_pattern_answers_in_milliseconds() -> None:
    rule = Rule.compile("w", ["re:(a+)+$"])
    started = time.perf_counter()
    verdict = rule.judge("a" * 50_000 + "b")
    assert time.perf_counter() - started < 0.5
    assert verdict.matched is False


@pytest.mark.parametrize("term", ["re:(unclosed", "re:(?<=x)y", "re:", "   "])
def test_unusable_terms_are_refused(term: str) -> None:
    with pytest.raises(TermError):
        Rule.compile("w", [term])


def test_explain_names_hits_and_misses() -> None:
    lines = (
        Rule.compile("w", ["Leica", "徕卡"], [["Xiaomi"]], ["giveaway"])
        .judge("Leica giveaway")
        .explain()
    )
    assert lines[0] == "watch w: no match"
    assert "Xiaomi: MISSED" in "\n".join(lines)
    assert "none: hit ['giveaway']" in "\n".join(lines)
