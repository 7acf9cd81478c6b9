"""What a post claims, the same in English and Chinese, and what it says is wrong.

A claim is a **fact** (``unit:value``: ``mah:6500``, ``usd:1099``, ``date:3-1``,
``when:2-late``, ``color:green``, ``when:spring``) or a **topic** (``battery``,
``periscope``, ``ltpo``, ``aperture``). The words of each, English and Chinese, are data in
``bot/stories/data/glossary.yaml``: a hand-kept glossary of the words leak coverage uses,
rather than a general dictionary (see docs/stories.md for why).

A figure a post says is wrong or old is not its claim but a **quoted** one: "6,000 mAh, not
5,500" claims ``mah:6000`` and quotes ``mah:5500``; "此前传 4500mAh，实际 5000mAh" claims
``mah:5000`` and quotes ``mah:4500``. A figure of the model before ("up from 4,500 mAh") is
neither. Everything here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.stories.devices import _data

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

# Letters after a number that are units, not models: "6500mAh", "2K", "5x", "8.2mm".
UNITS: Mapping[str, str] = {
    "mah": "mah",
    "wh": "wh",  # a laptop's or handheld's battery: "74Wh"
    "w": "w",
    "mp": "mp",
    "hz": "hz",
    "ghz": "ghz",
    "gb": "gb",
    "tb": "tb",
    "nm": "nm",
    "mm": "mm",
    "mm2": "mm2",  # a die's area: "408mm²"
    "g": "g",
    "grams": "g",
    "gram": "g",
    "x": "x",
    "k": "k",
    "inch": "inch",
    "inches": "inch",
    "megapixel": "mp",
    "megapixels": "mp",
    "nits": "nits",
    "mb": "mb",
    "bit": "bit",  # a memory bus: "512-bit", "512bit"
    "tflops": "tflops",  # "62 TFLOPS", a tipster's "62TF"
    "teraflops": "tflops",
    "tf": "tflops",
    "yen": "jpy",
    "日圆": "jpy",
    "euro": "eur",
    "euros": "eur",
    "eur": "eur",
    "days": "days",
    "day": "days",
    "天": "days",
    "minutes": "min",  # a drone's or a watch's time: "51 minutes", "51 分钟", "52-minute"
    "minute": "min",
    "min": "min",
    "mins": "min",
    "分钟": "min",
    "hours": "hours",
    "hrs": "hours",
    "小时": "hours",
    "亿像素": "mp",  # 2亿像素: 200 MP, see CHINESE_SCALE
    "万像素": "mp",
    "亿画素": "mp",  # 畫素, Taiwan's word for a pixel
    "万画素": "mp",
    "万像": "mp",  # "3200 萬像", short for 萬像素
    "亿像": "mp",
    "英寸": "inch",
    "吋": "inch",
    "克": "g",
    "日元": "jpy",
    "万日元": "jpy",
    "万日圆": "jpy",
    "元": "cny",
    "毫安": "mah",
    "瓦": "w",
    "尼特": "nits",
    "倍": "x",  # "5 倍长焦": a 5x telephoto
}
CHINESE_UNITS = (
    "亿像素|万像素|亿画素|万画素|亿像|万像|英寸|吋|克|万日元|万日圆|日元|日圆|元|毫安|瓦|尼特|天|小时"
    "|分钟|倍"
)
CHINESE_SCALE = {  # to megapixels, or to yen
    "亿像素": 100.0,
    "万像素": 0.01,
    "亿画素": 100.0,
    "万画素": 0.01,
    "亿像": 100.0,
    "万像": 0.01,
    "万日元": 10000.0,  # and to yen
    "万日圆": 10000.0,
}
MONTHS: Mapping[str, int] = {
    name: index
    for index, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
SPELLED = {
    **{
        word: str(value)
        for value, word in enumerate(
            [
                "one",
                "two",
                "three",
                "four",
                "five",
                "six",
                "seven",
                "eight",
                "nine",
                "ten",
                "eleven",
                "twelve",
            ],
            start=1,
        )
    },
    **{word: str(value) for value, word in enumerate("一二三四五六七八九十", start=1)},
    "两": "2",
}
# the currencies a price is written in ("usd:1099", "hkd:1950")
CURRENCIES = frozenset(("usd", "eur", "cny", "jpy", "krw", "inr", "gbp", "twd", "hkd"))
# facts a post may state several of without contradicting itself or another post (inches
# measure screens and camera sensors alike)
LISTED = frozenset(
    ("x", "k", "nm", "hz", "gb", "tb", "n", "model", "color", "when", "month", "no", "inch")
)
CHINESE_DATE = re.compile(r"(\d{1,2})月(\d{1,2})日")
CHINESE_UNIT = re.compile(rf"({NUMBER})\s?({CHINESE_UNITS})")


@dataclass(frozen=True, slots=True)
class Glossary:
    """The claims' words: each phrase (folded) and the token it is written as."""

    phrases: Mapping[str, str]  # "under-display camera" -> "topic-underdisplay"
    pattern: re.Pattern[str]
    month_parts: Mapping[str, str]  # "late" -> "late", "下旬" -> "late"
    asides: re.Pattern[str]  # a comparison, a deal, a review, a round-up
    opinion: re.Pattern[str]  # a title or text labelled an opinion: "Opinion: ..."
    denials: re.Pattern[str]  # a title that denies a leak: "否认", "no launch date yet"
    denied: re.Pattern[str]  # a text that opens denying it: "No. Jan 21 is NOT final."
    certifiers: frozenset[str]  # topics that are a certification and name which: "fcc"
    benchmarks: frozenset[str]  # topics that are a benchmark and name which: "geekbench"
    trends: re.Pattern[str]  # products in the plural, a trend's words ("foldables")
    mentions: re.Pattern[str]  # a model named in passing: "ahead of the Mate 90 series"
    event_months: Mapping[str, frozenset[str]]  # "ces" -> {"1"}, "q2" -> {"4", "5", "6"}
    part_before: re.Pattern[str]  # a part of a month before it: "late February"
    part_after: re.Pattern[str]  # and after it: "2 月底"


@cache
def glossary() -> Glossary:
    """Return the claims glossary, read once from its data file."""
    data = _data("glossary.yaml")
    phrases: dict[str, str] = {}
    for kind, prefix in (
        ("topics", "topic"),
        ("certifiers", "topic"),
        ("benchmarks", "topic"),
        ("colors", "color"),
        ("seasons", "when"),
        ("regions", "region"),
    ):
        for name, words in data[kind].items():
            for word in words:
                phrases.setdefault(str(word), f"{prefix}-{name}")
    for kind, token in (
        ("corrections", FIXING),
        ("corrections_before", "cue-was"),
        ("corrections_near", _NOT),
        ("corrections_after", "cue-wasafter"),
        ("predecessor_before", "cue-before"),
        ("elsewhere_before", ELSEWHERE),
        ("negations", NEGATION),
        ("bounds_before", _BOUND),
        ("bounds_after", _BOUND_AFTER),
    ):
        for word in data[kind]:
            phrases[str(word)] = token
    parts = {str(w): str(part) for part, words in data["month_parts"].items() for w in words}
    pattern = _phrases_pattern(phrases)
    # a title about every product of a kind is a round-up: "The 100W club: every
    # fast-charging phone tipped for this year" (a kind is a trend's word, one or many)
    kinds = "|".join(
        rf"{re.escape(w[:-3] + 'y' if w.endswith('ies') else w[:-1])}s?|{re.escape(w)}"
        for w in map(str, data["trends"])
    )
    asides = re.compile(
        "|".join(_phrase_pattern(str(p)) for p in data["asides"])
        # a title that ends asking the reader's opinion: "还值得买吗？", "Do we really need
        # 8,000mAh phones?" (not a tipster's "Switch 2 Lite incoming??")
        + "|(?:"
        + "|".join(_phrase_pattern(str(p)) for p in data["asking"])
        + r")[^?？]{0,30}(?<![?？])[?？]$"
        # or that opens explaining, or whose second sentence does: "Why 8,000mAh batteries
        # are suddenly everywhere", "7,500 or 8,000mAh? Why phone battery leaks keep changing"
        + r"|(?:^|[?？]\s+)(?:"
        + "|".join(re.escape(str(p)) for p in data["opening"])
        + r")\s"
        + rf"|(?<![a-z])every(?:\s+[\w-]+){{0,2}}?\s+(?:{kinds})(?![a-z])"
    )
    # a title or a text that opens with its label: "Opinion: Nintendo's console needs to stay
    # affordable", "【评论】"
    opinion = re.compile(
        r"^\W{0,2}(?:" + "|".join(re.escape(str(p)) for p in data["opinion"]) + r")\s*[:：|】\]]"
    )
    answers = "|".join(re.escape(str(p)) for p in data["denial_answers"])
    denials = re.compile(
        "|".join(_phrase_pattern(str(p)) for p in data["denials"])
        + rf"|[?？]\s*(?:{answers})[\s.!。！]*$"
    )
    denied = re.compile(rf"^\W{{0,2}}(?:{answers})\s*[.!。！,，]")
    months = {
        str(name): frozenset(str(m) for m in found) for name, found in data["event_months"].items()
    }
    trends = re.compile("|".join(_phrase_pattern(str(p)) for p in data["trends"]))
    # up to the end of its clause
    mentions = re.compile(
        "(?:"
        + "|".join(_phrase_pattern(str(p)) for p in data["mentions_before"])
        + r")\s*([^,，:：;；|()（）]{2,40})"
        # or before: "17PM successor? iPhone 21 Pro Max battery tipped at 5,100mAh"
        + r"|([^,，:：;；|()（）?？]{2,30}?)\s*(?:"
        + "|".join(_phrase_pattern(str(p)) for p in data["mentions_after"])
        + ")"
    )
    english = "|".join(re.escape(p) for p in parts if re.match(r"[a-z]", p))
    chinese = "|".join(re.escape(p) for p in parts if not re.match(r"[a-z]", p))
    # "late February", "early-March"
    before = re.compile(rf"(?<![a-z])({english})\s*(?:-\s*)?({_MONTH_NAMES})(?![a-z])")
    # a month is 1 to 12 ("一加20 月尾" is the OnePlus 20 at the month's end, not month 20),
    # and 中 alone after one is its middle ("2 月中发布", not "3 月中国发布")
    after = re.compile(rf"(?<!\d)(1[0-2]|0?[1-9])\s*月\s*({chinese}|中(?![国國文]))")
    certifiers = frozenset(str(name) for name in data["certifiers"])
    benchmarks = frozenset(str(name) for name in data["benchmarks"])
    return Glossary(
        phrases,
        pattern,
        parts,
        asides,
        opinion,
        denials,
        denied,
        certifiers,
        benchmarks,
        trends,
        mentions,
        months,
        before,
        after,
    )


_ENDINGS = ("ing", "ed", "es", "s", "d")


def _phrases_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """Match any phrase, the longest first: English ones as whole words, maybe with an
    ending ("benchmarked"), Chinese ones anywhere. Each is a trie, so that the text is read
    once and not tried against every phrase at every place."""
    latin = [p for p in phrases if re.fullmatch(r"[a-z0-9](?:[\x20-\x7e]*[a-z0-9])?", p)]
    chinese = [p for p in phrases if p not in latin and not re.search(r"[a-z0-9]", p)]
    others = sorted((p for p in phrases if p not in latin and p not in chinese), key=len)
    endings = "|".join(_ENDINGS)
    parts = [_phrase_pattern(p) for p in reversed(others)]
    if chinese:
        parts.append(_trie(chinese))
    if latin:
        parts.append(rf"(?<![a-z0-9-]){_trie(latin)}(?:{endings})?(?![a-z0-9])")
    return re.compile("|".join(parts))


def _trie(words: Iterable[str]) -> str:
    """Write words as one regular expression that branches a character at a time, and
    tries a longer word before a shorter one it starts."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def written(node: dict[str, Any]) -> str:
        branches = [
            re.escape(char) + written(child) for char, child in sorted(node.items()) if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + written(root) + ")"


def _phrase_pattern(phrase: str, inflected: bool = False) -> str:
    escaped = re.escape(phrase)
    if re.match(r"[a-z0-9]", phrase):
        escaped = rf"(?<![a-z0-9-]){escaped}"
    if inflected and re.search(r"[a-z]{4}$", phrase):
        escaped += "(?:" + "|".join(_ENDINGS) + ")?"  # "benchmarked", "renders", "priced"
    if re.search(r"[a-z0-9]$", phrase):
        escaped = rf"{escaped}(?![a-z0-9])"  # "OLED-only" says OLED
    return escaped


def _phrase(found: str, phrases: Mapping[str, str]) -> str:
    """Return the token of a phrase as the text wrote it, maybe with an English ending."""
    if found in phrases:
        return phrases[found]
    for ending in _ENDINGS:
        stem = found[: -len(ending)]
        if found.endswith(ending) and stem in phrases and re.search(r"[a-z]{4}$", stem):
            return phrases[stem]
    return found


_CAMERA_WORDS = "|".join(
    [
        "主摄",
        "前摄",
        "后摄",
        "长焦",
        "潜望",
        "广角",
        "超广",
        "镜头",
        "摄像",
        "主攝",
        "前攝",
        "長焦",
        "潛望",
        "鏡頭",
        "堆栈",  # a stacked sensor: "6000万 堆栈"
        "传感器",
        "感光",
        "大底",
        "cmos",
        "画素",  # Taiwan's word for pixels: "畫素更正為 6,700 萬"
        "像素",
    ]
)
_NEWS_DAY = re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:晚间|早间|上午|下午)?\s*(?:消息|讯|电)")
_SPACED_DATE = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
# "8/19": a month and a day, not "8/12GB", "1/1.3-inch" or "12/256"
_SLASHED_DATE = re.compile(
    r"(?<![\d/.,:$€])(1[0-2]|0?[1-9])/(3[01]|[12]\d|0?[1-9])"
    r"(?![\d/.%+-]|\s*(?:gb|tb|g\b|mm|inch|英寸|吋|\+))"
)
# a tipster's "8.26", "7.15": a month and a two-digit day, not a figure with its unit
# ("6.31 英寸", "4.32GHz", "2.45 million", "$7.15") nor a version ("v8.10")
_DOTTED_DATE = re.compile(
    r"(?<![\d/.,:$€¥£a-z])(1[0-2]|[1-9])\.(3[01]|[12]\d|0[1-9])"
    r"(?![\d/.%+x×-]|\s*(?:\d|[a-z\"”″°]|万|亿|英寸|吋|元|美元|欧元|分|倍|毫|克|公斤|千克|斤|寸|核|代|小时|天|瓦|帧))"
)
_LATE_YEAR = re.compile(
    r"(?<![a-z])(?:late|(?:the\s+)?end\s+of)\s+(20\d\d|this year|next year)(?!\d)"
)
# a date with its year, day first or month first ("21.01.2040"), or year first ("2040.01.21")
_DATED_YEAR = re.compile(
    r"(?<![\d.,])(?:(?P<year>20\d\d)\.(?P<m>[01]?\d)\.(?P<d>[0-3]?\d)"
    r"|(?P<a>[0-3]?\d)\.(?P<b>[0-3]?\d)\.(?P<year2>20\d\d))(?![\d.]\d)"
)
_LATE_YEAR_CHINESE = re.compile(r"(明年|今年)\s*年?(?:底|末)")
_DAYS_IN = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# an ordinal day: "July 22nd", "22nd July", "the 22nd of July"
_DAY = r"3[01]|[12]\d|0?[1-9]"
_ORDINAL_DAY = re.compile(
    rf"(?<![a-z])(?P<month>{_MONTH_NAMES})\s+(?P<day>{_DAY})(?:st|nd|rd|th)(?![a-z])"
    rf"|(?<![\d.])(?P<day2>{_DAY})(?:st|nd|rd|th)\s+(?:of\s+)?(?P<month2>{_MONTH_NAMES})(?![a-z])"
)


def _dated_year(found: re.Match[str]) -> str:
    """Write "21.01.2040" and "2040.01.21" as 1月21日 2040; "03.04.2040" says neither which
    is the day nor the month, and stays as written."""
    if found.group("year"):
        year, month, day = found.group("year"), int(found.group("m")), int(found.group("d"))
    else:
        year, first, second = found.group("year2"), int(found.group("a")), int(found.group("b"))
        if (first > 12) == (second > 12):
            return found.group(0)
        day, month = (first, second) if first > 12 else (second, first)
    if not 1 <= month <= 12 or day > _DAYS_IN[month - 1]:
        return found.group(0)
    return f" {month}月{day}日 {year} "


def _dotted_date(found: re.Match[str]) -> str:
    month, day = int(found.group(1)), int(found.group(2))
    return f" {month}月{day}日 " if day <= _DAYS_IN[month - 1] else found.group(0)


def write_dates(folded: str, words: Glossary) -> str:
    """Write dates one way: "3 月 1 日" as 3月1日, "late February" and "2 月底" as date-2-late."""
    # the day a news post went out is no claim: "IT之家 1 月 7 日消息"
    if "月" in folded:
        folded = re.sub(
            r"\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:晚间|早间|上午|下午)?\s*(?:消息|讯|电)", " ", folded
        )
    # a day counted from another, not a battery's days: "骁龙峰会第二天", "one day after
    # Qualcomm's Snapdragon Summit", "3 days later", "two days ago", "同一天", "两天前"
    if "天" in folded or "day" in folded:
        folded = re.sub(
            r"第\s*[一二两三四五六七八九十\d]{1,3}\s*天"
            r"|同\s*一\s*天|(?:前|后|後)\s*一\s*天"
            r"|(?<![\d.])[一二两三四五六七八九十\d]{1,2}\s*天\s*(?:前|后|後|之前|之后|之後)"
            r"|(?<![a-z0-9])(?:a|one|two|three|\d{1,2})\s+days?\s+(?:after|before|later|earlier|ahead|ago)",
            " ",
            folded,
        )
    # 三月底, 十二月: months written in Chinese numerals
    if "月" in folded:
        folded = re.sub(
            r"(?<![一二三四五六七八九十])(十[一二]|[一二三四五六七八九十])\s*月",
            lambda m: f"{_chinese_month(m.group(1))}月",
            folded,
        )
    # 一英寸大底, 两吋: a size in Chinese numerals
    if "英寸" in folded or "吋" in folded:
        folded = re.sub(
            r"(?<![一二两三四五六七八九十\d])([一二两三四五六七八九])\s*(英寸|吋)",
            lambda m: f" {_CHINESE_DIGITS[m.group(1)]} {m.group(2)}",
            folded,
        )
    # a Four Thirds sensor is a format, not a 3-inch one: "4/3 CMOS", "4/3 英寸 1 亿像素"
    if "/" in folded:
        folded = _FOUR_THIRDS.sub(" four-thirds ", folded)
    if "月" in folded:
        folded = _SPACED_DATE.sub(lambda m: f" {int(m.group(1))}月{int(m.group(2))}日 ", folded)
    folded = _ORDINAL_DAY.sub(
        lambda m: f" {MONTHS[m['month'] or m['month2']]}月{int(m['day'] or m['day2'])}日 ", folded
    )
    if "." in folded:
        folded = _MONTH_DOT.sub(r"\1 ", folded)  # "Sept. 15" is September 15
    if "/" in folded:
        folded = _SLASHED_DATE.sub(lambda m: f" {int(m.group(1))}月{int(m.group(2))}日 ", folded)
    if "." in folded:
        folded = _DATED_YEAR.sub(_dated_year, folded)
        folded = _DOTTED_DATE.sub(_dotted_date, folded)
    # "9 月 16 日凌晨" (the small hours in China) is also the day before in the US and Europe,
    # where an event of that night is dated: "Apple's iPhone 29 event set for September 15"
    if "凌晨" in folded:
        folded = _SMALL_HOURS.sub(
            lambda m: f" {m.group(1)}月{m.group(2)}日 {m.group(1)}月{int(m.group(2)) - 1}日 ",
            folded,
        )
    # "late 2038", "end of next year": the year's end, as "2038 年底" and "明年底" say it
    if "late" in folded or "end of" in folded:
        folded = _LATE_YEAR.sub(r" year-end \1 ", folded)
    if "年底" in folded or "年末" in folded:
        folded = _LATE_YEAR_CHINESE.sub(r" \1 年底 ", folded)
    # "the second half of May" is late May, not H2
    if "half" in folded:
        folded = _HALF_OF_MONTH.sub(
            lambda m: f" date-{MONTHS[m.group(2)]}-{'early' if m.group(1) == 'first' else 'late'} ",
            folded,
        )

    def part(raw: str, month: int) -> str:
        return f" date-{month}-{words.month_parts[raw]} "

    folded = words.part_before.sub(lambda m: part(m.group(1), MONTHS[m.group(2)]), folded)
    if "月" in folded:
        folded = words.part_after.sub(
            lambda m: part(m.group(2) if m.group(2) != "中" else "中旬", int(m.group(1))),
            folded,
        )
    # "20G GDDR7", "24G显存": gigabytes of memory, not grams
    folded = _MEMORY_GIGABYTES.sub(r"\1gb", folded)
    if "美元" in folded:
        folded = re.sub(rf"({NUMBER})\s*美元", r" $\1 ", folded)  # "2899 美元" is $2,899
    if "€" in folded or "欧元" in folded or "eur" in folded:
        folded = re.sub(
            # "649 €" and "€649", but "12/256 €649" is 256 GB for €649
            rf"€\s*({NUMBER})|({NUMBER})\s*(?:欧元|€(?!\s*\d))",
            lambda m: f" €{m.group(1) or m.group(2)} ",
            _EURO_CENTS.sub(r"\1.\2", folded),
        )
    # a camera's pixels written without 像素: "2 亿潜望" is a 200 MP periscope, "双 5000 万前摄"
    # two 50 MP selfie cameras
    if "万" in folded or "亿" in folded:
        folded = re.sub(
            rf"(?<![\d.,])(\d+(?:\.\d+)?)\s*(万|亿)(?=\s*(?:部分|全|双层)?\s*(?:{_CAMERA_WORDS}))",
            lambda m: f" {number(str(float(m.group(1)) * CHINESE_SCALE[m.group(2) + '像素']))} mp ",
            folded,
        )
    # and after one, in the same clause: "长焦换 1/2 英寸 4800 万" (not "主摄卖了 500 万台")
    if "万" in folded or "亿" in folded:
        folded = re.sub(
            rf"((?:{_CAMERA_WORDS})[^，,。；;！!？?|]{{0,16}}?)(?<![\d.,])(\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)\s*(万|亿)"
            r"(?!\s*[\d台部件人次份个元张块])",
            lambda m: (
                f"{m.group(1)} "
                f"{number(str(float(number(m.group(2))) * CHINESE_SCALE[m.group(3) + '像素']))} mp "
            ),
            folded,
        )
    # "万毫安" alone is a 10,000 mAh battery ("荣耀 Power 3 万毫安": the 3 is the model's)
    if "万" in folded:
        folded = re.sub(r"(?<![\d.])(?<![\d.]\s)万\s*毫安", " 10000 毫安", folded)
        folded = re.sub(r"([a-z]\s?\d{1,3})\s*万\s*毫安", r"\1 10000 毫安", folded)
    # "2.6 million", "2.6M" and "260 万" are one figure (not a model's number: "Power3 万")
    folded = re.sub(
        r"(?<![\d.,a-z])(\d+(?:\.\d+)?)\s*(million|百万|万|亿)(?!像|画素)"
        r"|(?<![\d.,])(\d+\.\d+)(m)(?![a-z0-9])",
        lambda m: f" {_scaled(m.group(1) or m.group(3), m.group(2) or 'million')} ",
        folded,
    )
    # Hong Kong and Taiwan dollars are not US dollars nor yuan: "港币 1,950 元", "NT$31,000"
    # ("Switch 3 港币 2,399": the figure after the currency first, then "2399 港元")
    if any(w in folded for w in ("港", "台币", "hk", "nt$", "twd")):
        for written, unit in _LOCAL_DOLLARS:
            for pattern in (
                rf"(?:{written})\s*({NUMBER})\s*元?",
                rf"({NUMBER})\s*(?:{written})(?!-)",
            ):
                folded = re.sub(
                    pattern,
                    lambda m, unit=unit: f" {unit}-{number(m.group(1))} ",  # type: ignore[misc]
                    folded,
                )
    # a month with no day: "in February", "2月发布"
    if "月" in folded:
        folded = re.sub(
            r"(?<![\d.])(1[0-2]|0?[1-9])\s*月(?!\s*\d)",
            lambda m: f" month-{int(m.group(1))} ",
            folded,
        )
    # "launches in November", "until June": a month named after a preposition, with no day
    # ("May" only after one that a verb cannot follow: "in May", not "this may change")
    folded = _ENGLISH_MONTH.sub(lambda m: f" {m.group(1)} month-{MONTHS[m.group(2)]} ", folded)
    # and a month with its year: "November 2037", "Nov. 2037" (as 2037年11月)
    folded = _MONTH_YEAR.sub(lambda m: f" month-{MONTHS[m.group(1)]} {m.group(2)} ", folded)
    folded = _IN_MAY.sub(lambda m: f" {m.group(1)} month-5 ", folded)
    return folded


_MEMORY_GIGABYTES = re.compile(
    r"(?<![\d.])(\d+)\s*g(?=\s*(?:gddr|lpddr|hbm|显存|内存|运存|vram|ram\b))"
)
_FOUR_THIRDS = re.compile(
    r"(?<![\d./])4\s?/\s?3(?![\d/.])(?=\s*(?:-?\s*inch|-?\s*type|英寸|吋|\"|cmos|sensor|传感器|感光|主摄|format|stacked|堆栈|堆叠))"
)
_MONTH_DOT = re.compile(
    r"(?<![a-z])(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.(?=\s*\d{1,2}(?!\d))"
)
_SMALL_HOURS = re.compile(r"(\d{1,2})月([2-9]|[12]\d|3[01])日\s*凌晨")
_HALF_OF_MONTH = re.compile(
    r"(?<![a-z])(first|second) half of ("
    + "|".join(m for m in MONTHS if len(m) > 3 or m == "may")
    + r")(?![a-z])"
)
_IN_MAY = re.compile(
    r"(?<![a-z])(in|by|until|till|around|during|before|after)\s+may(?![a-z])(?!\s*\d)"
)
# a price in euros written with a decimal comma: "599,99€", "599,99 欧元"
_EURO_CENTS = re.compile(r"(?<![\d,.])(\d{1,4}),(\d{2})(?=\s*(?:€|欧元|eur(?![a-z])))")
_LOCAL_DOLLARS = (("港币|港元|hk\\$|hkd", "hkd"), ("新台币|台币|nt\\$|twd", "twd"))
_CHINESE_DIGITS = {c: str(i) for i, c in enumerate("一二三四五六七八九", start=1)} | {"两": "2"}
_MONTH_YEAR = re.compile(
    r"(?<![a-z])(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?,?\s+(20\d\d)(?!\d)"
)
_ENGLISH_MONTH = re.compile(
    r"(?<![a-z])(in|by|for|until|till|from|around|during|this|next|before|after)\s+("
    + "|".join(sorted((m for m in MONTHS if m != "may" and len(m) > 3), key=len, reverse=True))
    + r")(?![a-z])(?!\s*\d)"
)


def _chinese_month(numeral: str) -> int:
    digits = "一二三四五六七八九十"
    if numeral.startswith("十") and len(numeral) == 2:
        return 10 + digits.index(numeral[1]) + 1
    return digits.index(numeral) + 1


_SCALES = {"million": 1_000_000, "百万": 1_000_000, "万": 10_000, "亿": 100_000_000}


def _scaled(value: str, word: str) -> str:
    return str(round(float(value) * _SCALES[word]))


def write_glossary(folded: str, words: Glossary) -> str:
    """Write each phrase of the glossary as its one token ("topic-ltpo", "cue-was")."""
    return words.pattern.sub(lambda m: f" {_phrase(m.group(0), words.phrases)} ", folded)


def number(raw: str) -> str:
    """Write a number one way: "6,500" and "6500.0" are "6500"."""
    value = raw.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value


def _fact(token: str, before: str, following: str, models: set[str]) -> str | None:
    """Return the fact a token states with its neighbours, if any."""
    if token.startswith("$"):
        return f"usd:{number(token[1:].strip())}"
    if token.startswith("€"):
        return f"eur:{number(token[1:].strip())}"
    if date := CHINESE_DATE.fullmatch(token):
        return f"date:{int(date.group(1))}-{int(date.group(2))}"
    if token.startswith("date-"):
        _, month, part = token.split("-", 2)
        return f"when:{month}-{part}"  # a part of a month: no contradiction with a day in it
    if token.startswith("px-"):
        return f"px:{token.removeprefix('px-')}"  # "2800x2800": a resolution
    if token.startswith(("hkd-", "twd-")):
        return token.replace("-", ":", 1)
    if token.startswith("month-"):
        return f"month:{token.removeprefix('month-')}"
    if token in SPELLED and following in UNITS:
        return f"{UNITS[following]}:{SPELLED[token]}"
    if chinese := CHINESE_UNIT.fullmatch(token):
        value, unit = number(chinese.group(1)), chinese.group(2)
        if unit in CHINESE_SCALE:
            value = number(str(float(value) * CHINESE_SCALE[unit]))
        return f"{UNITS[unit]}:{value}"
    if (node := _NODE.fullmatch(token)) and token not in models:  # N3P, SF2P, 18A
        if node.group(1) is not None:
            return f"nm:{node.group(1)}"
        return f"nm:{number(str(int(node.group(2)) / 10))}"
    if re.fullmatch(NUMBER, token):
        value = number(token)
        # a model's own number is a figure before a unit ("Flip 3 gets a 3-inch screen"),
        # but not before an x ("Xperia 1 X"), nor glued to a letter that is the model's
        # ("Core Ultra 9 485K" is the 485K, not 485 thousand)
        if following in UNITS and f"{token}{following}" in models:
            return None
        if following == "k" and float(value) > 16:
            # beyond a screen's or video's 16K, a K is a thousand: a score "~18.5K" is 18,500
            return f"n:{number(str(float(value) * 1000))}"
        if following in UNITS and (following != "x" or token not in models):
            return f"{UNITS[following]}:{value}"
        if before in MONTHS and value.isdigit() and int(value) <= 31:
            # a day after its month, whatever model has that number ("Xiaomi 24 ... September 24")
            return f"date:{MONTHS[before]}-{int(value)}"
        if token in models:
            return None
        if before in ("rmb", "yuan") or following in ("yuan", "rmb"):
            return f"cny:{value}"
        if before in CURRENCIES:
            return f"{before}:{value}"  # "CNY 1,799", "EUR 1,499"
        if len(value) >= 3:
            return f"n:{value}"
    return None


_GLUED_MODEL = re.compile(r"[a-z]{1,3}(\d+)[a-z]*")
_NODE = re.compile(r"(?:n|sf)(\d)[a-z]?|(1[048]|20)a")
FIXING = "cue-fix"  # "correction:", "更正", "actually", "moves up to"
ELSEWHERE = "cue-else"  # "a separate leak says", "另有消息称": another leak, told in passing
_NOT = "cue-not"  # "not 5,500": the figure right after it is the old one
_NOT_BEFORE = frozenset(("before", "until", "till"))  # "not before 2032" is no old figure
_BOUND = "cue-over"  # "tops 5,000mAh": a bound, not the figure
_BOUND_AFTER = "cue-overafter"  # "5,000mAh+"
_CUE_KIND = {"cue-before": "before", ELSEWHERE: ELSEWHERE, _BOUND: "bound"}
NEGATION = "cue-no"  # "without variable aperture", "没有 LTPO": the feature is denied
NEGATION_REACH = 3  # tokens a denial covers, up to a comma
_AFTER_CUE = "cue-wasafter"  # "4,500 mAh as earlier reported"
_CODE = re.compile(r"[a-z]{1,3}")  # the letters of a part's number: "SM8985", "MT6999"
EVENTS = frozenset(
    ["ces", "mwc", "computex", "wwdc", "ifa", "gdc", "unpacked", "madebygoogle", "gamescom"]
)
_NOW = frozenset(("now", "现在", "如今", "目前"))
# tokens a cue covers, up to a comma
CUE_REACH = {_NOT: 3, "cue-was": 8, "cue-before": 4, ELSEWHERE: 12, _BOUND: 2}


def claims(
    tokens: Sequence[str], designations: set[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Find a run of tokens' claims and the figures it quotes as wrong or old."""
    found: list[str] = []
    quoted: list[str] = []
    models = {word for name in designations for word in name.split()}
    # a model written glued is still its number: "RTX 7090" is the rtx7090, not a figure 7090
    numbers = {glued.group(1) for word in models if (glued := _GLUED_MODEL.fullmatch(word))}
    cue: str | None = None
    reach = 0
    last = -9  # where the last fact that the post claims ended
    fixing = False  # the post says it corrects a figure
    title_ends = tokens.index("|") if "|" in tokens else len(tokens)
    where: dict[str, int] = {}  # where each fact the post claims was first said
    denied = 0  # tokens a denial still covers
    negated = False  # the cue is a "not"
    certifiers, benchmarks = glossary().certifiers, glossary().benchmarks
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        before = tokens[index - 1] if index else ""
        if token == FIXING:
            fixing = True
            if cue == "was":
                cue = None  # "tipped 74 Wh earlier this week, now says 80 Wh": 80 is the claim
            continue
        if token == NEGATION:
            denied = NEGATION_REACH
            continue
        denied -= 1
        if token in CUE_REACH:
            cue, reach = _CUE_KIND.get(token, "was"), CUE_REACH[token]
            negated = token == _NOT
            continue
        if negated and cue == "was" and token in _NOT_BEFORE:
            cue = None  # "will not arrive before 2032": a bound of the date, not an old figure
        if token in (_BOUND_AFTER, "+") and not re.match(NUMBER, following):
            # (a tipster's bare "4450+" is about 4,450, not a bound)
            if last == index - 1 and found and _bounded(found[-1]) and found[-1][:2] != "n:":
                found[-1] += "+"  # "5,000mAh+" (but "100W+50W" is two figures)
            continue
        if token == _AFTER_CUE:
            # "4,500 mAh as earlier reported"; but a part's number is no figure ("高通骁龙
            # （SM8985）工程机安兔兔": the engineering sample's score follows)
            code = (
                index > 1 and found[-1:] == [f"n:{before}"] and _CODE.fullmatch(tokens[index - 2])
            )
            if last == index - 1 and found and ":" in found[-1] and not code:
                quoted.append(found.pop())
            continue
        if token in ("|", ","):
            cue, reach, denied = None, 0, 0
            continue
        reach -= 1
        if reach < 0 or (cue == "was" and token in _NOW):
            cue = None  # "earlier reported 5,000 mAh, now 5,200 mAh"
        fact: str | None = None
        if cue == "was" and token in models and not token[:1].isdigit():
            cue = None  # "his earlier claim: the Galaxy S36 Ultra packs 6,000 mAh": a model
            # ends the cue, and what is said of it is the claim
        if cue == ELSEWHERE and token.startswith(("topic-", "color-", "when-", "region-")):
            continue  # another leak's features and dates, told in passing
        if token.startswith("topic-"):
            topic = token.removeprefix("topic-")
            if topic not in EVENTS:
                # a denied feature is a claim of its own, which no post claiming it holds
                if denied >= 0:
                    found.append(f"no:{topic}")
                    denied = 0  # "without an ultrawide selfie camera" denies the ultrawide only
                else:
                    if topic in certifiers:
                        found.append("certification")  # "passes FCC" is a certification
                    elif topic in benchmarks:
                        found.append("benchmark")  # "on Geekbench" is a benchmark
                    found.append(topic)
                continue
            fact = topic  # an event is said like a date: "Q2, not CES"
        elif token.startswith(("color-", "when-", "region-")):
            kind, _, name = token.partition("-")
            found.append(f"{kind}:{name}")
            if kind != "when":
                continue
            fact = found.pop()
        else:
            fact = _fact(token, before, following, models)
            if token in numbers and (fact is None or fact.startswith("n:")):
                fact = None
                cue = None  # "his earlier claim: the RTX 6080 has 24GB": a model ends the cue
        if fact is not None:
            if cue == "bound":
                cue = None
                if _bounded(fact, price=True):
                    fact += "+"  # "tops 5,000mAh": 5,000mAh or more
            if cue == "was":
                quoted.append(fact)
                cue = None
            elif cue == "before":
                cue = None  # the model before's figure: neither claimed nor quoted
            elif cue == ELSEWHERE:
                pass  # another leak's figures: neither claimed nor quoted
            else:
                found.append(fact)
                where.setdefault(fact, index)
                last = index + (1 if following in UNITS else 0)
    if fixing:
        quoted += _corrected_figures(found, where, title_ends, set(quoted))
    # a figure the post quotes as wrong is not its claim, even where it repeats it
    said = set(quoted)
    return tuple(c for c in dict.fromkeys(found) if c not in said), tuple(dict.fromkeys(quoted))


# kinds no bound is said of: a count of models, a name, a date
_UNBOUNDED = frozenset(("model", "color", "when", "month", "no", "date"))


def _bounded(fact: str, price: bool = False) -> bool:
    """Tell whether a figure can be said as a bound ("over 5,000mAh", "两倍多", "单核破 5000
    分"): a measure or a score, not a name or a date; a price only after a word that bounds
    it ("to break ¥10,000"), not before one ("5,000 元多" is about 5,000 yuan)."""
    unit, _, value = fact.partition(":")
    return bool(value) and unit not in _UNBOUNDED and (price or unit not in CURRENCIES)


def _corrected_figures(
    found: Sequence[str], where: Mapping[str, int], title_ends: int, quoted: set[str]
) -> list[str]:
    """Return the old figures of a post that corrects one: of two figures of one kind, the
    one the title gives first is the new one (else the later one in the text). A figure a
    cue word already called old ("此前传 21 天") is not the new one, wherever it comes."""
    by_unit: dict[str, list[str]] = {}
    for claim in dict.fromkeys(found):
        if claim in quoted:
            continue
        unit, _, value = claim.partition(":")
        if value and unit not in LISTED and claim in where:
            by_unit.setdefault(unit, []).append(claim)
    old: list[str] = []
    # a figure a cue already called old is the one corrected: "is $599, not $549. 1TB is
    # still $699" corrects $549, and $699 is no new figure of it
    called = {claim.partition(":")[0] for claim in quoted}
    # the kinds a title gives a figure of, or a cue called old, are the ones corrected: the
    # other figures of the text are background ("Charging stays at 45W. The S31+ passed 3C
    # with 65W" corrects no charging figure)
    named = called | {
        f.partition(":")[0] for fs in by_unit.values() for f in fs if where[f] < title_ends
    }
    for unit, figures in by_unit.items():
        if len(figures) < 2 or unit in called or (named and unit not in named):
            continue
        in_title = [f for f in figures if where[f] < title_ends]
        # the title says the new figure first ("runs at 4.74GHz, 5GHz is the Pro's"); a
        # text tells the old one first ("it had claimed 5,000mAh; it is 5,200mAh")
        kept = in_title[0] if in_title else max(figures, key=lambda f: where[f])
        # one figure rounded is no correction: "4GHz" in the title, "4.05GHz" in the text
        value = kept.partition(":")[2]
        old += [f for f in figures if not rounded_alike(f.partition(":")[2], value)]
    return old


def contradiction(a: Sequence[str], b: Sequence[str]) -> tuple[str, set[str], set[str]] | None:
    """Find a fact both state with no value in common: 4,900 mAh against 4,300 mAh."""
    values: dict[str, tuple[set[str], set[str]]] = {}
    for side, found in enumerate((a, b)):
        for claim in found:
            unit, _, value = claim.partition(":")
            if value and unit not in LISTED:
                values.setdefault(unit, (set(), set()))[side].add(value)
    for unit, (ours, theirs) in sorted(values.items()):
        if ours and theirs and not any(rounded_alike(a, b) for a in ours for b in theirs):
            return unit, ours, theirs
    # "late February" against "January 27": the months differ
    months = [_months(side) for side in (a, b)]
    if months[0] and months[1] and not months[0] & months[1]:
        return "month", months[0], months[1]
    return None


ROUNDED = 0.02  # figures within 2% of each other may be one figure, rounded


def rounded_alike(one: str, other: str) -> bool:
    """Tell whether two values may be one figure: equal, or one rounded (6.3 and 6.31
    inches, $599 and $599.99, "under 900 g" and 890 g), or a bound the other is within
    ("over 5,000 mAh" and 5,288 mAh)."""
    if one == other:
        return True
    if one.endswith("+") or other.endswith("+"):
        bounds = [v for v in (one, other) if v.endswith("+")]
        if len(bounds) == 2:
            return True  # two bounds: no figure to tell them apart
        bound, value = (one, other) if one.endswith("+") else (other, one)
        return rounded_alike(bound[:-1], value) or _at_least(value, bound[:-1])
    try:
        low, high = sorted((float(one), float(other)))
    except ValueError:
        return False
    return high > 0 and (high - low) / high <= ROUNDED


def _at_least(value: str, bound: str) -> bool:
    try:
        return float(value) >= float(bound)
    except ValueError:
        return False


def _months(found: Sequence[str]) -> set[str]:
    """Return the months a post's dates, seasons and events fall in."""
    months: set[str] = set()
    events = glossary().event_months
    for claim in found:
        unit, _, value = claim.partition(":")
        if unit in ("date", "month") or (unit == "when" and value[:1].isdigit()):
            months.add(value.split("-", 1)[0])
        elif value in events or claim in events:
            months |= events.get(value) or events[claim]
    return months
