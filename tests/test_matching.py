"""Watch terms: whole words for Latin, substrings for CJK, folded widths, scripts and cases."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config.file import Config, ConfigError, Watch, parse_config
from bot.delivery.alerts import excerpt
from bot.domain import Item
from bot.matching.terms import Rule, TermError
from bot.matching.watchlist import Watchlist


@dataclass(frozen=True)
class Case:
    """A post, a watch, and whether the watch should alert on the post."""

    text: str
    any: tuple[str, ...] = ()
    all: tuple[str | tuple[str, ...], ...] = ()
    none: tuple[str, ...] = ()
    expected: bool = True
    ignore_accents: bool = False


def case(
    text: str,
    any_: list[str],
    expected: bool,
    *,
    all_: list[str | tuple[str, ...]] | None = None,
    none: list[str] | None = None,
    accents: bool = False,
) -> Case:
    return Case(text, tuple(any_), tuple(all_ or ()), tuple(none or ()), expected, accents)


CASES = {
    # model numbers are words: no match inside a longer number or name
    "pixel-9-pro": case("Pixel 9 Pro renders leak", ["Pixel 9"], True),
    "pixel-90": case("Google Pixel 90 is not real", ["Pixel 9"], False),
    "pixel-9-apostrophe": case("The Pixel 9's camera bump", ["Pixel 9"], True),
    "pixel-9-curly-apostrophe": case("The Pixel 9’s camera bump", ["Pixel 9"], True),
    "apostrophe-forms": case("the Pixel 9’s camera", ["Pixel 9's"], True),
    "pixel-9-line-break": case("Pixel\n9 spotted", ["Pixel 9"], True),
    "pixel-9-double-space": case("Pixel  9 spotted", ["Pixel 9"], True),
    "pixel-9-point-release": case("Android on the Pixel 9.", ["Pixel 9"], True),
    "pixel-hyphen-is-not-space": case("Pixel-9 spotted", ["Pixel 9"], False),
    "s240": case("Galaxy S240 is a typo", ["S24"], False),
    "s24-ultra": case("Galaxy S24 Ultra battery", ["S24"], True),
    "s24-plus": case("Galaxy S24+ price", ["S24"], True),
    "s24fe-one-word": case("Galaxy S24FE", ["S24"], False),
    "s24-end-of-text": case("it is the S24", ["S24"], True),
    "iphone-pro-max": case("iPhone 17 Pro Max leaks", ["iPhone 17 Pro Max"], True),
    "iphone-pro-not-max": case("iPhone 17 Pro case", ["iPhone 17 Pro Max"], False),
    "iphone-longer-name": case("iPhone 17 Pro Max", ["iPhone 17 Pro"], True),
    "iphone-170": case("iPhone 170 rumor", ["iPhone 17"], False),
    "iphone-no-space-alias": case("iPhone17 Pro", ["iPhone 17", "iPhone17"], True),
    "model-code": case("SM-S928B firmware", ["SM-S928B"], True),
    "model-code-longer": case("SM-S928BR firmware", ["SM-S928B"], False),
    "case-insensitive": case("LEICA summilux", ["Leica"], True),
    "plural-is-another-word": case("two Leicas", ["Leica"], False),
    # full-width and half-width forms are the same characters
    "full-width-text": case("Ｌｅｉｃａ branding spotted", ["Leica"], True),
    "full-width-model": case("三星Ｓ２４ Ｕｌｔｒａ", ["S24"], True),
    "full-width-term": case("Galaxy S24", ["Ｓ２４"], True),
    "half-width-katakana": case("ｿﾆｰ Xperia", ["ソニー"], True),
    # Chinese, in both scripts; a switch between CJK and Latin is a word boundary
    "cjk-substring": case("小米12 徕卡影像", ["徕卡"], True),
    "traditional-text": case("小米15 徠卡影像", ["徕卡"], True),
    "traditional-term": case("小米15 徕卡影像", ["徠卡"], True),
    "traditional-brand": case("華為Mate 70 發佈", ["华为"], True),
    "traditional-apple": case("蘋果 iPhone 17 發佈會", ["苹果"], True),
    "cjk-then-model": case("三星S24 国行版", ["S24"], True),
    "cjk-then-longer-model": case("三星S240", ["S24"], False),
    "cjk-model-name": case("华为Mate 70 Pro 曝光", ["Mate 70"], True),
    "cjk-term-digit-end": case("小米15 Ultra", ["小米1"], False),
    "cjk-term-whole-number": case("小米15 Ultra", ["小米15"], True),
    "alias-chinese": case("小米 with Leica optics", ["Leica"], True, all_=[("Xiaomi", "小米")]),
    "alias-missing": case("Huawei with Leica optics", ["Leica"], False, all_=[("Xiaomi", "小米")]),
    # German: whole words, so a compound is one word
    "german-compound": case("Die neue Handykamera von Leica", ["Kamera"], False),
    "german-word": case("Die Kamera des Pixel 9", ["Kamera"], True),
    "german-hyphen-compound": case("Handy-Kamera im Test", ["Kamera"], True),
    "german-compound-start": case("Kameramodul geleakt", ["Kamera"], False),
    "german-compound-alias": case("Die Handykamera", ["Kamera", "Handykamera"], True),
    "german-sharp-s": case("Straße der Leaks", ["Strasse"], True),
    # Japanese and Korean: substrings of kana, kanji and Hangul
    "japanese-katakana": case("ソニーのXperia 1 VIIがリーク", ["ソニー"], True),
    "japanese-model": case("ソニーのXperia 1 VIIがリーク", ["Xperia 1"], True),
    "japanese-model-longer": case("ソニーのXperia 10 VIIがリーク", ["Xperia 1"], False),
    "japanese-katakana-inside": case("新型プレイステーション6", ["プレイステーション"], True),
    "japanese-kanji": case("新製品の発表会", ["発表"], True),
    "japanese-hiragana-is-not-katakana": case("ソニーの新型", ["そにー"], False),
    "korean-brand-then-model": case("갤럭시S24 울트라 유출", ["갤럭시"], True),
    "korean-particle": case("갤럭시가 곧 나온다", ["갤럭시"], True),
    "korean-model": case("갤럭시S24 울트라", ["S24"], True),
    "korean-digit-end": case("삼성 갤럭시 Z 폴드7 유출", ["폴드7"], True),
    "korean-longer-number": case("폴드70", ["폴드7"], False),
    # hashtags match their word; a term written as a hashtag wants the hashtag
    "hashtag-text": case("#Pixel9 is coming", ["Pixel9"], True),
    "hashtag-term": case("soon #Pixel9", ["#Pixel9"], True),
    "hashtag-term-plain-text": case("Pixel9 is coming", ["#Pixel9"], False),
    "hashtag-longer": case("#Pixel90", ["Pixel9"], False),
    "hashtag-chinese": case("#小米15Ultra# 曝光", ["小米"], True),
    "hashtag-underscore": case("#Galaxy_S24 leak", ["S24"], True),
    # words inside URLs count: slugs leak names too
    "url-slug": case("https://store.google.com/pixel-9", ["pixel"], True),
    "url-longer-word": case("https://example.com/pixelbook", ["pixel"], False),
    "url-underscore-slug": case("gsmarena.com/samsung_galaxy_s24-12773.php", ["S24"], True),
    "url-short-link": case("leak at https://t.co/S24x9", ["S24"], False),
    # emoji end words like punctuation does
    "emoji-around": case("🔥Pixel 9🔥 leaked", ["Pixel 9"], True),
    "emoji-around-brand": case("📸Leica📸", ["Leica"], True),
    "emoji-in-chinese": case("小米🔥徕卡", ["徕卡"], True),
    "emoji-zwj": case("👨‍💻S24 dev build", ["S24"], True),
    # accents: significant unless the watch ignores them
    "accent-kept": case("Café Leica", ["cafe"], False),
    "accent-ignored": case("Café Leica", ["cafe"], True, accents=True),
    "accent-in-term-ignored": case("Huawei Nova 13 Pro", ["Nóva"], True, accents=True),
    "accents-both-sides": case("Crème brûlée", ["crème brulee"], True, accents=True),
    "accent-decomposed": case("Cafe\u0301 Leica", ["café"], True),
    "accent-decomposed-continues-word": case("Cafe\u0301 Leica", ["cafe"], False),
    "accent-caron": case("Škoda phone", ["Skoda"], True, accents=True),
    "accent-letter-without-mark": case("Smørrebrød", ["smorrebrod"], True, accents=True),
    "accent-vietnamese": case("Điện thoại mới", ["dien thoai"], True, accents=True),
    "kana-voicing-is-no-accent": case("ガラケー", ["カラケー"], False, accents=True),
    # none vetoes the match
    "none-veto": case("Leica giveaway inside", ["Leica"], False, none=["giveaway"]),
    "none-veto-case": case("Leica GIVEAWAY", ["Leica"], False, none=["giveaway"]),
    "none-whole-word": case("Leica giveaways", ["Leica"], True, none=["giveaway"]),
    "none-regex": case("Leica phone case", ["Leica"], False, none=["re:\\bcase\\b"]),
    "none-regex-miss": case("Leica showcase", ["Leica"], True, none=["re:\\bcase\\b"]),
    "none-chinese": case("徕卡 抽奖", ["Leica", "徕卡"], False, none=["抽奖"]),
    "none-traditional": case("徠卡 抽獎", ["Leica", "徕卡"], False, none=["抽奖"]),
    # all: every entry, each entry any of its aliases
    "all-aliases": case("Xiaomi 17 with Leica", ["Leica"], True, all_=[("Xiaomi", "小米"), "17"]),
    "all-one-missing": case("Xiaomi 16 Leica", ["Leica"], False, all_=[("Xiaomi", "小米"), "17"]),
    "all-chinese": case("小米17 徕卡", ["徕卡"], True, all_=[("Xiaomi", "小米"), "17"]),
    "all-without-any": case("Pixel leak today", [], True, all_=["Pixel", "leak"]),
    "all-without-any-miss": case("Pixel news today", [], False, all_=["Pixel", "leak"]),
    # regular expressions
    "regex-model-family": case("SM-S938B spotted", ["re:sm-s9\\d\\db"], True),
    "regex-traditional": case("小米 徕卡", ["re:徠卡"], True),
    "regex-alias-in-all": case("Xiaomi 17", [], True, all_=[("re:xiaomi\\s*1[5-7]",)]),
    # a watch without any or all follows every post of its sources
    "follow-everything": case("anything at all", [], True),
    "follow-everything-veto": case("a giveaway post", [], False, none=["giveaway"]),
}


def _rule(c: Case, watch_id: str = "w") -> Rule:
    return Rule.compile(watch_id, c.any, c.all, c.none, ignore_accents=c.ignore_accents)


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", list(CASES))
def test_verdicts(name: str) -> None:
    c = CASES[name]
    assert _rule(c).judge(c.text).matched is c.expected


def _item(text: str, source: str = "tipster") -> Item:
    return Item(source, text, "", text, "", None, None, None, ())


def _watch(name: str, c: Case) -> Watch:
    return Watch(
        id=name,
        any=c.any,
        all=c.all,
        none=c.none,
        ignore_accents=c.ignore_accents,
        sources=None if (c.any or c.all) else ("tipster",),
    )


def test_one_watchlist_of_every_watch_agrees_with_each_rule_alone() -> None:
    watchlist = Watchlist(Config(watches=tuple(_watch(n, c) for n, c in CASES.items())))
    for c in CASES.values():
        found = {m.watch.id: m.verdict for m in watchlist.matches(_item(c.text))}
        alone = {n: _rule(w, n).judge(c.text) for n, w in CASES.items()}
        assert found == {n: v for n, v in alone.items() if v.matched}, c.text
        assert {n: watchlist.judge(n, c.text) for n in CASES} == alone, c.text


@pytest.mark.parametrize(
    ("text", "terms", "bold"),
    [
        ("Ｌｅｉｃａ on the Xiaomi 17", ["Leica", "Xiaomi"], ["Ｌｅｉｃａ", "Xiaomi"]),
        ("小米15 徠卡影像…🔥 Leica", ["徕卡", "Leica"], ["徠卡", "Leica"]),
        ("…… Cafe\u0301 and ｿﾆｰ", ["café", "ソニー"], ["Cafe\u0301", "ｿﾆｰ"]),
        ("ﬁrst   Pixel\t9 soft\u00adware", ["first", "Pixel 9", "software"], None),
    ],
)
def test_hits_point_into_the_original_text(
    text: str, terms: list[str], bold: list[str] | None
) -> None:
    watchlist = Watchlist(Config(watches=(Watch(id="w", any=tuple(terms)),)))
    [match] = watchlist.matches(_item(text))
    found = [text[h.start : h.end] for h in match.verdict.hits]
    expected = bold or ["ﬁrst", "Pixel\t9", "soft\u00adware"]
    assert found == expected
    assert set(match.verdict.matched_terms) == set(terms)
    shown = excerpt(text, list(match.verdict.hits))
    for word in expected:
        assert f"**{word}**" in shown.replace("\\", "")


def test_watches_that_ignore_accents_share_a_watchlist_with_those_that_do_not() -> None:
    watchlist = Watchlist(
        Config(
            watches=(
                Watch(id="strict", any=("cafe",)),
                Watch(id="loose", any=("cafe",), ignore_accents=True),
            )
        )
    )
    assert [m.watch.id for m in watchlist.matches(_item("Café leak"))] == ["loose"]
    assert [m.watch.id for m in watchlist.matches(_item("cafe leak"))] == ["strict", "loose"]


def test_a_rebuilt_watchlist_knows_the_new_watch() -> None:
    watchlist = Watchlist(Config(watches=(Watch(id="pixel", any=("Pixel 9",)),)))
    post = _item("三星S24 国行版")
    assert watchlist.matches(post) == []
    rebuilt = watchlist.with_watches([*watchlist.watches, Watch(id="galaxy", any=("S24",))])
    assert [m.watch.id for m in rebuilt.matches(post)] == ["galaxy"]
    assert len(rebuilt) == 2


def test_a_watch_only_looks_at_its_sources() -> None:
    config = Config(watches=(Watch(id="w", any=("S24",), sources=("gsmarena",)),))
    watchlist = Watchlist(config)
    assert watchlist.matches(_item("Galaxy S24", source="weibo")) == []
    assert len(watchlist.matches(_item("Galaxy S24", source="gsmarena"))) == 1


def test_catastrophic_pattern_answers_in_milliseconds() -> None:
    rule = Rule.compile("w", ["re:(a+)+$"])
    started = time.perf_counter()
    verdict = rule.judge("a" * 50_000 + "b")
    assert time.perf_counter() - started < 0.5
    assert verdict.matched is False


@pytest.mark.parametrize(
    ("term", "reason"),
    [
        ("re:(unclosed", "missing )"),
        ("re:(?<=x)y", "invalid perl operator"),
        ("re:(?:(?:a{100}){100}){100}", "invalid repetition size"),
        ("re:(\\p{L}|\\d){1000}x{1000}", "too large"),
        ("re:", "empty regular expression"),
        ("   ", "empty term"),
    ],
)
def test_unusable_terms_are_refused(term: str, reason: str) -> None:
    with pytest.raises(TermError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        Rule.compile("w", [term])


def test_a_huge_regex_is_refused_when_the_config_is_loaded() -> None:
    text = 'watches:\n  - id: w\n    any: [Leica, "re:(\\\\p{L}|\\\\d){1000}x{1000}"]\n'
    with pytest.raises(ConfigError) as error:
        parse_config(text, Path("leakbot.yaml"))
    assert str(error.value).startswith("leakbot.yaml:3: watches[0].any[1]: bad regular expression")
    assert "too large" in str(error.value)


def test_explain_names_hits_and_misses() -> None:
    text = "Leica giveaway"
    lines = (
        Rule.compile("w", ["Leica", "徕卡"], [["Xiaomi", "小米"]], ["giveaway"])
        .judge(text)
        .explain()
    )
    assert lines == [
        "watch w: no match",
        "  any: at least one must hit",
        "    hit     Leica",
        "              'Leica' at 0-5: [Leica] giveaway",
        "    missed  徕卡",
        "  all: every entry must hit (an entry may list aliases)",
        "    MISSED  Xiaomi / 小米",
        "  none: any hit vetoes the match",
        "    VETO    giveaway",
        "              'giveaway' at 6-14: Leica [giveaway]",
    ]
