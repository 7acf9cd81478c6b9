"""Stories: posts from any sources, in any language, that report the same leak.

A post is read into a Fingerprint:

- its **designations**, the model names it speaks of, read by the device-name grammar
  (``bot.stories.devices``): "Xiaomi 17 Ultra" and "小米17 Ultra" are ``xiaomi 17 ultra``,
  "Galaxy S27 / S27+" and "Galaxy S27 series" are ``s27 series``. The first one of the
  title is the post's **subject**;
- its **claims**: the facts (``mah:6500``, ``usd:1099``, ``date:12-19``, ``color:green``)
  and topics (``battery``, ``ltpo``, ``aperture``) it reports, the same in English and
  Chinese (``bot.stories.claims``, with its glossary), and the figures it **quotes** as
  wrong or old ("6,000 mAh, not 5,500");
- a MinHash **signature** of its words, for a post that names no model.

A story is compared as a whole: its fingerprint holds every report's subjects, models and
claims. A post joins an open story when it is about one of the story's subjects (or the
series of one), neither names in its title a model the other never mentions (a round-up, a
deal on last year's model), no fact of one contradicts the other (4,900 mAh against 4,300
mAh; a post that quotes the story's figure as wrong), and most of the post's claims are the
story's. A post that contradicts a story opens a new one, which says which story it
corrects and the figure it said. A post with no model joins only a story whose text is
nearly the same. Of several stories a post may join, it joins the one that holds most of
its claims (then the oldest), whatever order they were opened in.

Open stories sit in an index by model family (and by signature band, for posts without
one), so deciding a post looks at the few stories about its model's family, never at every
open story. Everything here is pure: no database, no clock.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import html
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.config.file import Watch
from bot.matching.terms import fold, has_traditional
from bot.stories import claims as claiming
from bot.stories.claims import CURRENCIES, NUMBER, UNITS, contradiction, glossary, rounded_alike
from bot.stories.devices import (
    NEXT,
    ROMAN,
    SERIES,
    X3D,
    Grammar,
    brand_of,
    chinese_ordinals,
    designations,
    family_of,
    grammar,
    is_code,
    series_subject,
    token_at,
    unglue,
)
from bot.stories.wording import earlier, fact

WINDOW = timedelta(hours=72)
JOIN_SHARE = 0.5  # of a post's claims the story must hold
NEAR_TEXT = 0.6  # estimated word-pair Jaccard for posts that name no model
SIGNATURE_SIZE = 32
BANDS = 8  # of SIGNATURE_SIZE // BANDS rows: a pair near NEAR_TEXT shares a band
MAX_CLAIMS = 64  # a story's claims kept; a story cannot grow to cover everything
MAX_SUBJECTS = 8
MAX_NAMES = 24
MAX_REPORTS = 32  # reports a story keeps to be compared with, one by one
FACT_SHARE = 0.3  # of a post's claims the story must hold when they share a figure
TITLED_SHARE = 0.2  # of a post's claims the story must hold when it holds its title's figures
# topics too general to tell one leak from another of the same model
GENERAL = frozenset(
    [
        "camera",
        "display",
        "chip",
        "launch",
        "price",
        "render",
        "battery",
        "charging",
        "photo",
        "colors",
        "design",
        "deal",
        "gpu",
        "memory",
        "storage",
        "process",
        "certification",
    ]
)
# kinds of fact a title may give beside its leak's figure: its setting, the models it names
TITLE_CONTEXT = frozenset(("n", "model", "when", "month", "region", "color", "no"))
ASIDE = "aside"  # the claim of a title that compares, sells, reviews or rounds up
DENIAL = "denial"  # the claim of a title that denies a leak
# a title that names another model still joins when this much of what it claims is the story's
KINDS = frozenset(("certification", "benchmark"))  # leaks of their own kind
LISTINGS = frozenset(("certification",))  # a title's kinds of leak no other kind's post holds
STRANGER_SHARE = 0.75
STRANGER_SHARED = 3

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "with",
        "by",
        "is",
        "are",
        "be",
        "will",
        "its",
        "it",
        "as",
        "from",
        "this",
        "that",
        "new",
        "says",
        "say",
        "said",
        "claims",
        "claim",
        "leak",
        "leaks",
        "leaked",
        "tipped",
        "tipster",
        "report",
        "reports",
        "rumor",
        "rumour",
        "rumored",
        "rumoured",
        "according",
        "could",
        "may",
        "might",
        "gets",
        "get",
        "getting",
        "has",
        "have",
        "up",
        "over",
        "more",
        "than",
        "just",
        "only",
        "also",
        "again",
        "now",
    ]
)

_TOKEN = re.compile(
    r"\d{1,2}月\d{1,2}日"  # a Chinese date (written without spaces by claims.write_dates)
    rf"|[$€]\s?(?:{NUMBER})"  # a dollar or euro price
    rf"|(?:{NUMBER})\s?(?:{claiming.CHINESE_UNITS})"  # a number with a Chinese unit
    rf"|{X3D}(?![a-z0-9])"  # a model that starts with its number: 9950X3D2
    r"|\d{4,}[a-z]+\d[a-z0-9]*"  # a model code: 25019PNF3C, not a model's name
    r"|\d+x\d+(?![a-z0-9])"  # a connector or a layout, not a model: 12V-2x6, 2x12C
    r"|\d+[a-z]+(?![a-z0-9])"  # a number glued to letters: a unit or a model ("15r")
    rf"|{NUMBER}"
    r"|[a-z][a-z0-9]*(?:-[a-z0-9]+)*"  # a word, maybe with digits or dashes
    r"|\+"
    r"|[/&,|、]"  # what stands between the models of a family: "S27 / S27+", "Pro、Pro Max"
    r"|[\u3400-\u9fff]"  # one CJK character (names and topics are read before)
)
_CHIPS = grammar().chips
# the lines of chips a phone is said to use, named without a number ("Snapdragon in every
# market", "不用 Exynos")
_CHIP_MAKERS = frozenset(("snapdragon", "dimensity", "exynos", "tensor", "kirin", "xring"))
# a model glued to a suffix of two letters or more: "20pro", "x600pro", "x100vii", "5090ti"
_SUFFIXED = re.compile(
    r"([a-z]{0,2}\d{1,4}[a-z]??)("
    + "|".join(sorted((w for w in grammar().suffixes if re.fullmatch("[a-z]{2,}", w)), key=len))
    + ")"
)
_BOUND = re.compile(r"(?<![a-z])(sub|under|over|above|below|near|max)-(?=\d)")
# a plus glued to a model, before a figure: "S31+ 5,000mAh" (not "16GB + 512GB"), and
# before a colon: "9900+: 4.6GHz", "s39+ : 5000mAh"
_GLUED_PLUS = re.compile(
    r"(?<=[a-z]\d)\+(?=\s+\d)|(?<=[a-z]\d\d)\+(?=\s+\d)|(?<=\d)\+(?=\s?[:：]\s*\d)"
)
# a screen's or a render's pixels, width by height: "2800x2800", "3840 × 2160"
_PIXELS = re.compile(
    r"(?<![\d.,])(\d{3,5}|\d,\d{3})\s*[x×*]\s*(\d{3,5}|\d,\d{3})(?![\d.,]|\s*(?:mm|cm))"
)
_INCHES_GLUED = re.compile(r"(?<![\w.])(\d{1,2}(?:\.\d{1,2})?)in(?![a-z0-9])")
_MODEL_X = re.compile(r"\d{4,5}x")  # a CPU, not a zoom: 9950X, 14950X
_YUAN = re.compile(r"(?<=[\d萬])\s*元")
_OTHER_DOLLARS = re.compile(
    r"港|人民幣|國行|陸版|大陸|美元|歐元|日圓|日元|韓元|澳門|澳元|新加坡|馬幣|星元|星幣"
)


def _in_taiwan_dollars(text: str) -> bool:
    """Tell whether a post's prices in 元 are New Taiwan dollars: it is written in Traditional
    Chinese and names no other currency nor China's market (港元, 人民幣, 國行, 大陸)."""
    return has_traditional(text) and _OTHER_DOLLARS.search(text) is None


# the yen sign is Japan's yen and China's yuan alike: which is told by the place the post's
# clause names, else the post's ("Switch 3 Lite JP price: ¥29,980" against "China price:
# ¥1,699"), and left a bare figure when it names both or neither
_YEN_SIGN = re.compile(r"[¥￥]\s*(\d[\d,]*(?:\.\d+)?)")
_CLAUSE = re.compile(r"[^。！？!?；;\n]*?(?:[。！？!?；;\n]|\.(?=\s)|$)")


def _yen_or_yuan(text: str, post: str) -> str:
    """Write each price after a yen sign as yen or as yuan, by the place its clause names
    (the glossary's regions, or yen or yuan named), else the place the post names; a price
    whose place is not told stays a bare figure."""

    def place(scope: str) -> str | None:
        tokens = set(claiming.write_glossary(fold(scope), glossary()).split())
        japan = "region-jp" in tokens or not tokens.isdisjoint(_YEN_WORDS)
        china = "region-cn" in tokens or not tokens.isdisjoint(_YUAN_WORDS)
        return None if japan == china else "yen" if japan else "rmb"

    def written(clause: str) -> str:
        currency = place(clause) or place(post)
        if currency is None:
            return clause
        return _YEN_SIGN.sub(
            lambda m: f" {m.group(1)} yen " if currency == "yen" else f" rmb {m.group(1)} ",
            clause,
        )

    return "".join(written(c) if _YEN_SIGN.search(c) else c for c in _CLAUSE.findall(text))


_YEN_WORDS = frozenset(w for w, unit in UNITS.items() if unit == "jpy")  # "yen", "日元"
_YUAN_WORDS = frozenset(("rmb", "yuan", "人民币"))


_SPACED_THOUSANDS = re.compile(
    # (not a memory configuration: "12 256 €")
    r"(?<![\d.,])(\d{1,3})[ \u00a0\u202f](?!128|256|512)(\d{3})(?![\d.,])"
    r"(?=\s*(?:€|zł|kr|eur|euro))"
    r"|(?<=€)\s?(\d{1,3})[ \u00a0\u202f](\d{3})(?![\d.,])"
)
_OPENING = 40  # characters of a text its label may take: "Opinion:", "【评论】"
_NEXT_ONES = re.compile(r"\bnext\b|下一代|下代|新一代")
_BENCHMARK_VERSION = re.compile(r"(antutu|安兔兔|geekbench)\s?v\d{1,2}(?![a-z0-9])")
_VIDEO_MODE = re.compile(r"(?<![a-z0-9.])(\d{1,2})k\s?(\d{2,3})(?:p|fps)?(?![a-z0-9])")
_MEMORY_G = re.compile(r"(?<![\d.,])(1[26]|18|2[04]|3[26]|48|64|96)G(?![A-Za-z0-9])")
_QUARTER = re.compile(r"(?<![a-z0-9])([1-4])q(\d{2})(?![a-z0-9])")
_HALF = re.compile(r"(?<![a-z0-9])([12])h(\d{2})(?![a-z0-9])")
# "Apple Watch S22" is the Apple Watch Series 22 (Xiaomi's Watch S4 is a model of its own)
_APPLE_WATCH_SERIES = re.compile(r"(apple\s*watch)\s*s(\d{1,2})(?![a-z0-9])")
_DASHED = re.compile(r"(?<![a-z0-9-])([a-z])-([a-z]{1,3}) ?(\d{1,3})([a-z]?)(?![a-z0-9])")
_CORES_THREADS = re.compile(r"(?<![a-z0-9])(\d{1,3})c\s?/?\s?(\d{1,3})t(?![a-z0-9])")
# a Sony Alpha's generation in a tipster's shorthand: "A7M6" and "A7RM6" are the A7 VI and
# the A7R VI, "A7R7" the A7R VII (not a Galaxy A75: a Mark or a letter before the number)
_ALPHA_MARK = re.compile(r"(?<![a-z0-9])a([179])(?:(r|s|c|cr)?m|(r|s|c|cr))(\d{1,2})(?![a-z0-9])")
# cores of a design, not a zoom: "6x Zen 6", "8x Cortex-X930"
_CORES_TIMES = re.compile(r"(?<![a-z0-9.])(\d{1,2})\s?x\s+(?=zen|cortex|oryon|c\d|a\d{2,3}\b)")
# a core layout, not a model: "16P + 32E + 4LPE", "8P+16E"
_CORE_LAYOUT = re.compile(
    r"(?<![a-z0-9])\d{1,2}\s?p\s?\+\s?\d{1,2}\s?e(?:\s?\+\s?\d{1,2}\s?lp-?e)?(?![a-z0-9])"
)
_SHORTHAND = re.compile(r"([a-z]{1,2}\d{2,3})u")  # a tipster's "S29U", "X600U"
_BARE_SHORTHAND = re.compile(r"(\d{2,3})u")  # and a brand's "19U" (小米19U)
_YEAR = re.compile(r"n:20\d\d")  # a bare year: "pushed to 2027"
# (written with a thousands comma: "RTX 50xx" is a family, not 5,000)
_HIDDEN_DIGITS = re.compile(r"(?<![\w.,])(\d{1,3},\d{1,2})((?<=,\d)[xX]{2}|(?<=\d\d)[xX])(?![\w])")
# a screen's size names a model's size as often as it tells a leak: "16-inch MacBook Pro"
# (a camera sensor's, under 2 inches, is a fact: "1-inch type main sensor")
_SCREEN = re.compile(r"inch:(?:[2-9]|\d\d)(?:\.\d+)?")
# a time said from the post's day, and a day or month named
_RELATIVE = frozenset(("when:nextweek", "when:nextmonth", "when:monthend"))
_DAY_NAMED = re.compile(r"date:|month:|when:\d")
_MONTH_PART = re.compile(r"when:(\d{1,2})-(early|mid|late)")  # "mid-April", "4 月中旬"
_PART_DAYS = {"early": range(1, 11), "mid": range(11, 21), "late": range(21, 32)}
_X3D = re.compile(X3D)
_PUNCTUATION = frozenset("/&,|")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a post reports (or a story, all its reports), in the terms stories compare."""

    subject: str | None  # the first model of the title (else of the text)
    headline: tuple[str, ...]  # the models the title names
    designations: tuple[str, ...]  # every model the post names
    claims: tuple[str, ...]  # facts and topics
    signature: tuple[int, ...] = ()  # MinHash of word pairs
    subjects: tuple[str, ...] = ()  # a story's: the subject of each of its reports
    quoted: tuple[str, ...] = ()  # figures the post says are wrong or old
    reports: tuple[Fingerprint, ...] = ()  # a story's: each report's own (the first ones)
    absorbed: tuple[int, ...] = ()  # a story's: stories a later report showed were this one
    lead: tuple[str, ...] = ()  # what the title claims (a story's: its first report's title)
    names: tuple[str, ...] = ()  # a post with no model: its title's word pairs and brands

    def each_report(self) -> tuple[Fingerprint, ...]:
        """Return the fingerprints of a story's reports (a post's: itself)."""
        return self.reports or (self,)

    def about(self) -> tuple[str, ...]:
        """Return the subjects a story (or a post) is about."""
        return self.subjects or ((self.subject,) if self.subject else ())

    def index_keys(self) -> tuple[str, ...]:
        """Return the keys a story opened by this post is found by: the families of the models
        its titles name, their lines (``l:``; ``u:`` for a model named without a number) and
        the product word a name ends in (``n:trifold``)."""
        return self._keys(stored=True)

    def lookup_keys(self) -> tuple[str, ...]:
        """Return the keys under which the stories this post may join are found: "Pixel
        Tablet" looks at every Pixel story (``l:pixel``), "Pixel Tablet 2" at those named
        without a number (``u:pixel``)."""
        return self._keys(stored=False)

    def _keys(self, stored: bool) -> tuple[str, ...]:
        # a launch or an event on a day: "Unpacked: July 22, NYC" finds the Fold 8's launch date
        # (e: a story naming a model, looked up by a post naming none; E: the other way), so
        # a post naming a model never looks up every launch dated that day
        # (a post naming no model is such an event's only when its title names the event)
        launched = any(
            c in claiming.EVENTS or (c == "launch" and self.subject is not None) for c in self.lead
        )
        prefix = "e" if (self.subject is None) != stored else "E"
        dated = tuple(f"{prefix}:{c}" for c in self.lead if launched and c.startswith("date:"))
        if self.subject is None:
            pairs = (
                *dated,
                *(f"w:{n}" for n in self.names if not n.startswith(("brand:", "bare:", _TAIL))),
                # a model named without its brand is found as the model is: "Mini 6 Pro"
                *(
                    f"s:{family_of(n[len(_TAIL) :], grammar())}"
                    for n in self.names
                    if n.startswith(_TAIL)
                ),
            )
            # a tipster's bare number ("6090 TGP 600W") looks up the models with that number
            # (d:) and is found by them under b:, so a post with a model never looks up every
            # model of another brand that shares its number
            bare = tuple(f"{'b' if stored else 'd'}:{n}" for n in _bare_numbers(self.lead))
            return (*band_keys(self.signature), *pairs, *bare)
        words = grammar()
        keys = [*dated, *(f"{'d' if stored else 'b'}:{n}" for n in _model_numbers(self.about()))]
        for name in dict.fromkeys((*self.about(), *self.headline)):
            parts = name.split(" ")
            keys.append(f"s:{family_of(name, words)}")
            if (rest := _unprefixed(parts)) is not None:
                keys.append(f"s:{family_of(' '.join(rest), words)}")  # "Ryzen Z3", "Z3"
            numbered = any(c.isdigit() for c in name)
            if stored or not numbered:
                keys.append(f"l:{parts[0]}")
            if not stored or not numbered:
                keys.append(f"u:{parts[0]}")
            if parts[-1] in words.named and not numbered:
                keys.append(f"n:{parts[-1]}")  # "Samsung TriFold", "Galaxy Z TriFold"
            if len(parts) > 2 and parts[-2] in words.named and parts[-1].isdigit():
                keys.append(f"n:{parts[-2]} {parts[-1]}")  # "Samsung TriFold 3", "Z TriFold 3"
        return tuple(dict.fromkeys(keys))

    def to_json(self) -> dict[str, Any]:
        """Turn the fingerprint into JSON-safe data for the story's row."""
        return {
            "subject": self.subject,
            "headline": list(self.headline),
            "designations": list(self.designations),
            "claims": list(self.claims),
            "signature": list(self.signature),
            "subjects": list(self.subjects),
            "quoted": list(self.quoted),
            "reports": [r.to_json() for r in self.reports],
            "absorbed": list(self.absorbed),
            "lead": list(self.lead),
            "names": list(self.names),
            "keys": list(self.index_keys()),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fingerprint:
        """Read a fingerprint back from a story's row."""
        return cls(
            subject=data.get("subject"),
            headline=tuple(data.get("headline", ())),
            designations=tuple(data.get("designations", ())),
            claims=tuple(data.get("claims", ())),
            signature=tuple(int(v) for v in data.get("signature", ())),
            subjects=tuple(data.get("subjects", ())),
            quoted=tuple(data.get("quoted", ())),
            reports=tuple(cls.from_json(r) for r in data.get("reports", ())),
            absorbed=tuple(int(i) for i in data.get("absorbed", ())),
            lead=tuple(data.get("lead", ())),
            names=tuple(data.get("names", ())),
        )

    def merged(self, other: Fingerprint) -> Fingerprint:
        """Return the story's fingerprint once another report has joined it."""
        claims = tuple(dict.fromkeys((*self.claims, *other.claims)))[:MAX_CLAIMS]
        designations = tuple(dict.fromkeys((*self.designations, *other.designations)))
        subjects = tuple(dict.fromkeys((*self.about(), *other.about())))[:MAX_SUBJECTS]
        headline = tuple(dict.fromkeys((*self.headline, *other.headline)))
        reports = (*self.each_report(), *other.each_report())[:MAX_REPORTS]
        absorbed = tuple(dict.fromkeys((*self.absorbed, *other.absorbed)))
        return Fingerprint(
            self.subject,
            headline,
            designations,
            claims,
            self.signature,
            subjects,
            self.quoted,
            reports,
            absorbed,
            self.lead,
            tuple(dict.fromkeys((*self.names, *other.names)))[:MAX_NAMES],
        )


_MODEL_NUMBER = re.compile(r"(?<![0-9])(\d{4,5})(?![0-9])")


def _model_numbers(names: Sequence[str]) -> list[str]:
    """Return the four- or five-digit numbers of models ("rtx6080": 6080; "rx10900 xt")."""
    return [m.group(1) for name in names if (m := _MODEL_NUMBER.search(name))]


def _bare_numbers(lead: Sequence[str]) -> list[str]:
    """Return the four- or five-digit bare numbers a title gives, not years: a tipster's
    "6090 TGP 600W" names the RTX 6090 by its number alone."""
    return [
        c[2:]
        for c in lead
        if c.startswith("n:")
        and c[2:].isdigit()
        and 4 <= len(c) - 2 <= 5
        and not _YEAR.fullmatch(c)
    ]


def _without(fingerprint: Fingerprint, claim: str) -> Fingerprint:
    """Return a fingerprint without one claim (a bare number that names its model)."""
    if claim not in fingerprint.claims:
        return fingerprint
    return dataclasses.replace(
        fingerprint,
        claims=tuple(c for c in fingerprint.claims if c != claim),
        lead=tuple(c for c in fingerprint.lead if c != claim),
    )


def _number_of_model(post: Fingerprint, story: Fingerprint) -> str | None:
    """Return the number by which a post with no model names the story's model, or the story
    with no model the post's (its title's bare number, the model's own)."""
    for bare, named in ((post, story), (story, post)):
        if bare.subject is None and named.subject is not None:
            numbers = set(_bare_numbers(bare.lead)) & set(_model_numbers(named.about()))
            # with the suffixes the title gives after it: "7060 Ti" is not the RTX 7060
            numbers = {n for n in numbers if _suffixed_alike(n, bare.names, named.about())}
            return min(numbers) if numbers else None
    return None


_TAIL = "tail:"


def _tail_of_model(post: Fingerprint, story: Fingerprint) -> str | None:
    """Return the model one names in full and the other, with no model, by its name without
    the brand or line before it ("dji mini 6 pro" and a title's "Mini 6 Pro")."""
    for bare, named in ((post, story), (story, post)):
        if bare.subject is None and named.subject is not None:
            tails = {n[len(_TAIL) :] for n in bare.names if n.startswith(_TAIL)}
            for model in named.about():
                rest = _unprefixed(model.split(" "))
                if rest is not None and " ".join(rest) in tails:
                    return " ".join(rest)
    return None


def _suffixed_alike(number: str, names: Sequence[str], models: Sequence[str]) -> bool:
    """Tell whether a bare number's suffixes in a title ("7060 Ti") are those of a model
    with that number ("rtx7060 ti"); a title read before they were kept says none."""
    bare = [n.split(" ")[1:] for n in names if n.split(" ")[0] == f"bare:{number}"]
    if not bare:
        return True
    for model in models:
        if (found := _MODEL_NUMBER.search(model)) and found.group(1) == number:
            rest = model[found.end() :].split()
            if rest in bare:
                return True
    return False


def band_keys(signature: Sequence[int]) -> tuple[str, ...]:
    """Return the LSH band keys of a signature: near texts share at least one."""
    rows = max(1, len(signature) // BANDS)
    keys = []
    for band in range(0, len(signature), rows):
        chunk = ",".join(str(v) for v in signature[band : band + rows])
        keys.append(f"b{band // rows}:{hashlib.blake2b(chunk.encode(), digest_size=8).hexdigest()}")
    return tuple(keys)


class Reader:
    """Reads posts into fingerprints, with the aliases the watches declare."""

    def __init__(self, aliases: Iterable[Sequence[str]] = ()) -> None:
        words = grammar()
        names: dict[str, str] = {}
        brands = set(words.brand_names)
        for group in aliases:
            folded = [fold(alias).strip() for alias in group if alias.strip()]
            folded = [alias for alias in folded if alias and not alias.startswith("re:")]
            if len(folded) < 2:
                continue
            # the Latin name stands for the group, so that it reads like the built-in ones
            latin = [a for a in folded if re.fullmatch(r"[a-z0-9 .+-]+", a)]
            canonical = words.brands.get((latin or folded)[0], (latin or folded)[0])
            if re.fullmatch(r"[a-z]+", canonical):
                brands.add(canonical)  # a brand a watch names: "Mi 17" is a model
            for alias in folded:
                if alias != canonical:
                    names[alias] = canonical
        for alias, brand in words.brands.items():
            if alias != brand:
                names.setdefault(alias, brand)
        for alias, line in words.line_aliases.items():
            names.setdefault(alias, line)
        for alias, suffix in words.suffix_aliases.items():
            names.setdefault(alias, suffix)
        names.setdefault("系列", SERIES)
        self._names = names
        self._words: Grammar = dataclasses.replace(words, brand_names=frozenset(brands))
        ordered = sorted(names, key=len, reverse=True)
        self._pattern = re.compile("|".join(_alias_pattern(alias) for alias in ordered))
        self._units = frozenset(UNITS)

    @functools.cached_property
    def _brand_q(self) -> re.Pattern[str]:
        brands = "|".join(sorted(map(re.escape, self._words.brands), key=len, reverse=True))
        return re.compile(rf"(?<![a-z])({brands})\s*q(\d)(?![\d.])(?!\s*20\d\d)")

    def read(self, title: str, text: str) -> Fingerprint:
        """Read a post's title and first paragraph into its fingerprint."""
        if "元" in title + text and _in_taiwan_dollars(title + text):
            # a Taiwanese post's 元 is the New Taiwan dollar: "售價 12.99 萬元" is NT$129,900
            title, text = (_YUAN.sub(" 台幣", t) for t in (title, text))
        if "¥" in title + text or "￥" in title + text:
            title, text = (_yen_or_yuan(t, title + " " + text) for t in (title, text))
        title_tokens = self._tokens(title)
        sentences = self._sentences(text)
        text_tokens = [token for sentence in sentences for token in sentence]
        words, units = self._words, self._units
        headline = self._headline(title, title_tokens)
        body = designations(text_tokens, words, units, _CHIPS)
        if not headline and (spelled := _title_spells(body, title_tokens, words)):
            headline = (spelled,)  # "Mini 6 Pro FCC" is the "DJI Mini 6 Pro" its text names
        found = tuple(dict.fromkeys((*headline, *body)))
        # "the next Xbox" is a model of its own unless the title names another (a chip is its
        # part: "Next Xbox 'Magnus' APU: 68 CUs, Zen 7"), or the post
        # names the line's numbered model ("Apple's next iPhone" of an iPhone 18 write-up)
        nexts = {
            d
            for d in headline
            if d.endswith(NEXT)
            and (
                any(not h.endswith(NEXT) and not is_chip(h) for h in headline)
                or any(f.startswith(d.removesuffix(NEXT)) and f != d for f in found)
            )
        }
        headline = tuple(d for d in headline if d not in nexts)
        found = tuple(d for d in found if d not in nexts)
        # the subject is what the title names first, a chip or a device ("Dimensity 9600
        # built on N2P, vivo X400 to debut it"); a family written together is its series.
        # A title that names no model leaves it to the text (a device there before a chip)
        # a model code (V2611A) is the subject only when the post names no model by its name
        named = _headed([d for d in headline if not is_code(d, words)], title, words)
        products = [d for d in named if d.split(" ")[0] not in words.architectures]
        named = [*products, *(d for d in named if d not in products)]
        subject = (
            series_subject(named, words)
            or (named[0] if named else None)
            or next((d for d in body if not is_code(d, words) and not is_chip(d)), None)
            # (a device the title names by its code before a chip its text names: "联想拯救者
            # Y9000P 2039 通过 3C 认证", whose text says it carries an RTX 9080 Laptop GPU)
            or next((d for d in headline if not is_chip(d)), None)
            or next((d for d in body if not is_code(d, words)), None)
            or _first_device(headline)
            or _first_device(body)
        )
        if subject and is_chip(subject) and (maker := _device_maker(title_tokens, subject, words)):
            # a title about a brand's unnamed device that runs the chip is that device's leak,
            # not the chip's: "Mystery Xiaomi phone with Snapdragon 8 Elite Gen 10 shows up on
            # Geekbench" (the model its text names, else the brand's next device)
            device = next(
                (d for d in body if not is_chip(d) and brand_of(d.split(" ")[0], words) == maker),
                f"{maker}{NEXT}",
            )
            headline = (device, *(d for d in headline if d != device))
            found = tuple(dict.fromkeys((device, *found)))
            subject = device
        if subject and not headline and _other_brand(subject, title_tokens, words):
            # a title that names a brand or line and no model is not about another brand's
            # device its text names: "Next-gen Xbox APU specs leak" and the PS6 it compares
            subject = None
        if subject and (named_in_full := _spelled_out(subject, found) or _pro_max(subject)):
            # a tipster's "22PM" is the iPhone 22 Pro Max the post names in full
            headline = tuple(named_in_full if d == subject else d for d in headline)
            found = tuple(dict.fromkeys(named_in_full if d == subject else d for d in found))
            subject = named_in_full
        told = _about_ours(sentences, subject, headline, self) if headline and subject else None
        claimed, quoted = claiming.claims(
            [*title_tokens, "|", *(text_tokens if told is None else told)], set(found)
        )
        # the other models a title names are part of what it claims: "Flip 7 uses Exynos
        # 2500"; those a text only lists ("beats the A20 Pro, Dimensity 9600") are not
        family = family_of(subject, words) if subject else None
        claimed += tuple(
            f"model:{d}" for d in headline if d != subject and family_of(d, words) != family
        )
        if subject and not is_chip(subject) and any(is_chip(d) for d in found):
            claimed += ("chip",) * ("chip" not in claimed)  # the chip a device is said to use
        folded_title, opening = fold(title), fold(text[:_OPENING])
        if (
            glossary().asides.search(folded_title)
            or glossary().opinion.search(folded_title)
            or glossary().opinion.search(opening)
            or (
                # a trend: a title that names no model, speaks of products in the plural and not
                # of a brand's next ones ("Foldables are finally thin enough. Now fix the price")
                not headline
                and glossary().trends.search(folded_title)
                and not _NEXT_ONES.search(folded_title)
            )
        ):
            claimed = (ASIDE, *claimed)
        if glossary().denials.search(folded_title) or glossary().denied.search(opening):
            claimed = (DENIAL, *claimed)  # "Oppo exec says Find X11 Ultra has no date yet"
        signature = () if subject else minhash(_words([*title_tokens, "|", *text_tokens]))
        if subject is None:
            # posts alike but for a number ("part 3", "day 4") are not one post
            numbers = (t for t in (*title_tokens, *text_tokens) if re.fullmatch(NUMBER, t))
            claimed += tuple(
                dict.fromkeys(
                    f"n:{claiming.number(n)}"
                    for n in numbers
                    if f"n:{claiming.number(n)}" not in claimed
                )
            )
        lead = tuple(
            c for c in claiming.claims(title_tokens, set(found))[0] if c in claimed or c == ASIDE
        )
        lead += (DENIAL,) * (DENIAL in claimed)  # a denial is the title's
        if (
            subject
            and not is_chip(subject)
            and "chip" in lead
            and not any(is_chip(d) for d in headline)
            and (chip := next((d for d in body if is_chip(d)), None))
            and f"model:{chip}" not in claimed
        ):
            # a title that says a device's chip leaked and its text names it: "华为Mate90 Pro
            # 芯片" and "麒麟9100" in its text claim the Kirin 9100 as "Mate 90 Pro to be
            # powered by Kirin 9100" does
            claimed += (f"model:{chip}",)
        # the chip a device's title names is what it claims too: "Galaxy Z Flip 12 to run
        # Exynos 2900" is the chip's leak, not the 3C battery story its text repeats
        if subject and not is_chip(subject):
            chips = tuple(f"model:{d}" for d in headline if is_chip(d) and f"model:{d}" in claimed)
            # and a chip maker's line it names with no number: "S34 Ultra to use Snapdragon
            # in every market, no Exynos" is the story of its chip, not of its camera
            lined = chips or any(
                t in _CHIP_MAKERS and not token_at(title_tokens, i + 1)[:1].isdigit()
                for i, t in enumerate(title_tokens)
            )
            lead += tuple(c for c in (*chips, "chip" if lined else "") if c and c not in lead)
            claimed += ("chip",) * (lined and "chip" not in claimed)
        # a day said from the post's own is its leak's only in its title: a text's "标准版
        # M13 下周再说" dates no launch
        claimed = tuple(c for c in claimed if c not in _RELATIVE or c in lead)
        names = () if subject else _names(title_tokens, self._words)
        return Fingerprint(
            subject, headline, found, claimed, signature, (), quoted, lead=lead, names=names
        )

    def _headline(self, title: str, tokens: list[str]) -> tuple[str, ...]:
        """Return the models a title names, but for those it names in passing ("ahead of
        the Mate 90 series") when it names any other."""
        named = designations(tokens, self._words, self._units, _CHIPS)
        mentions = glossary().mentions
        folded = fold(html.unescape(title))
        if not mentions.search(folded):
            return named
        kept = designations(
            self._tokens(mentions.sub(" , ", folded)), self._words, self._units, _CHIPS
        )
        return kept if kept and len(kept) < len(named) else named

    def _sentences(self, text: str) -> list[list[str]]:
        """Return the tokens of each sentence of a text."""
        return [self._tokens(sentence) for sentence in _SENTENCE_END.split(text) if sentence]

    def _tokens(self, text: str) -> list[str]:
        text = html.unescape(text)  # leftover HTML: "S34 Ultra &amp; S34+", "1.5&quot;"
        # a price's thousands grouped by a space: "1 399 €" is €1,399
        text = _SPACED_THOUSANDS.sub(
            lambda m: f"{m.group(1) or m.group(3)},{m.group(2) or m.group(4)}", text
        )
        # a tipster's "12G", "20G" (two digits, a capital G) is memory: gigabytes, not grams
        text = _MEMORY_G.sub(r"\1GB", text)
        # a tipster's "4,9xx / 13,5xx" hides the last digits: about 4,900 and 13,500
        text = _HIDDEN_DIGITS.sub(lambda m: m.group(1) + "0" * len(m.group(2)), text)
        # a Chinese comma is never a thousands separator ("PLR110，120W" is 110 and 120 W),
        # and accents come off the Latin letters ("fēnix 9" is the Fenix 9)
        folded = fold(unglue(text.replace("，", "， ")), ignore_accents=True)
        folded = folded.replace("α", "a")  # Sony's "α7 VI" is its "A7 VI"
        folded = _CORES_THREADS.sub(r" \1 cores \2 threads ", folded)  # "24C48T", "6C/12T"
        folded = _PIXELS.sub(  # "2800x2800 per eye", "3,840 × 3,552"
            lambda m: f" px-{m.group(1).replace(',', '')}x{m.group(2).replace(',', '')} ", folded
        )
        folded = _CORE_LAYOUT.sub(" cores ", folded)
        folded = _INCHES_GLUED.sub(r" \1 inch ", folded)  # "14in 3K OLED" is a 14-inch screen
        folded = _CORES_TIMES.sub(r" \1 cores ", folded)
        folded = _ALPHA_MARK.sub(
            lambda m: (
                f" a{m.group(1)}{m.group(2) or m.group(3) or ''} "
                f"{ROMAN[int(m.group(4))] if int(m.group(4)) < len(ROMAN) else m.group(4)} "
            ),
            folded,
        )
        folded = _DASHED.sub(r"\1\2 \3 \4", folded)  # Fujifilm's "X-T6" is its "XT6"
        folded = _QUARTER.sub(r" q\1 \2 ", folded)  # an analyst's "3Q34" is Q3 of '34
        folded = _HALF.sub(r" h\1 \2 ", folded)  # and "1H35" the first half of '35
        folded = _APPLE_WATCH_SERIES.sub(r"\1 series \2", folded)
        folded = self._brand_q.sub(r"\1 q \2", folded)  # "Leica Q4" is a camera, not Q4
        folded = _VIDEO_MODE.sub(r" \1k \2fps ", folded)  # "8K120", "8K 60p": a video mode
        folded = _BENCHMARK_VERSION.sub(r"\1 ", folded)  # "AnTuTu v12" is no vivo V12
        folded = _APOSTROPHE_S.sub("", folded)
        folded = _BOUND.sub(r"\1 ", folded)  # "sub-250g" is 250 g
        folded = chinese_ordinals(folded, self._words)
        terms = glossary()
        folded = claiming.write_dates(folded, terms)
        folded = self._pattern.sub(lambda m: f" {self._names[m.group(0).strip()]} ", folded)
        folded = _GLUED_PLUS.sub(" plus", folded)  # "S31+ 5,000mAh" is the S31+'s 5,000 mAh
        folded = claiming.write_glossary(folded, terms)
        folded = chinese_ordinals(folded, self._words)
        tokens: list[str] = []
        lines = self._words.lines
        for token in _TOKEN.findall(folded):
            glued = _NUMBER_WORD.fullmatch(token) or _WORD_NUMBER.fullmatch(token)
            suffixed = _SUFFIXED.fullmatch(token)
            if suffixed:
                # "小米20Pro", "x100vii": a model and its suffix, glued; a tipster's "S29U"
                # is the S29 Ultra ("8840U", with no line, is a model of its own)
                tokens.extend((suffixed.group(1), suffixed.group(2)))
            elif shorthand := _SHORTHAND.fullmatch(token):
                tokens.extend((shorthand.group(1), "ultra"))
            elif (
                (bare := _BARE_SHORTHAND.fullmatch(token))
                and tokens[-1:]
                and (tokens[-1] in self._words.brand_names)
            ):
                tokens.extend((bare.group(1), "ultra"))  # "小米19U" is the Xiaomi 19 Ultra
            elif glued and glued.group(2) == "g" and token in self._words.not_models:
                tokens.append(token)  # 5G is a network, not 5 grams
            elif shaders := _SHADERS.fullmatch(token):
                tokens.extend((shaders.group(1), "topic-cores"))  # a tipster's "10240FP32"
            elif _MODEL_CODE.fullmatch(token) and not _X3D.fullmatch(token):
                continue  # a model code says nothing another post would
            elif glued and (
                (glued.group(2) in UNITS and not _MODEL_X.fullmatch(token))
                or (glued.group(1) in lines and len(glued.group(1)) > 1)
            ):
                # "6500mah" is a number and its unit, "magic8" a line and its number;
                # "s27", "x300" and "15r" stay models
                tokens.extend(glued.groups())
            else:
                tokens.append(token)
        return tokens


_NUMBER_WORD = re.compile(r"(\d+)([a-z]+)")  # "6500mah", "5g"
_WORD_NUMBER = re.compile(r"([a-z]+)(\d+)")  # "magic8", "s27"
_MODEL_CODE = re.compile(r"\d{4,}[a-z]+\d[a-z0-9]*")  # "2025ab1"
_SHADERS = re.compile(r"(\d{3,6})(?:fp32|fp16|cuda)")  # "10240FP32": a GPU's shader count
_APOSTROPHE_S = re.compile(r"[\'’]s\b")  # "Samsung's"
# "22pm", "17p": a model's number and its suffixes' initials
_INITIALS = re.compile(r"(\d{1,3})([a-z]{1,3})")


def _about_ours(
    sentences: Sequence[list[str]], subject: str, headline: Sequence[str], reader: Reader
) -> list[str] | None:
    """Return a text's tokens but for its sentences about other models only, or None when it
    has none: "The RTX 9080 is tipped with 24 GB on a 256-bit bus" in a write-up of the RTX
    9090 gives the 9080's figures, not the 9090's."""
    if len(sentences) < 2:
        return None
    kept: list[str] = []
    dropped = False
    words = reader._words
    ours = {subject, *headline}
    families = {family_of(d, words) for d in ours}
    chip = is_chip(subject)

    def another(name: str) -> bool:
        # another numbered model of the subject's kind (a chip, a device), not of its family
        # nor a series ("the flagship RTX 70 card" may be the RTX 7090)
        return (
            any(c.isdigit() for c in name)
            and not name.endswith(f" {SERIES}")
            and name not in ours
            and not subject.replace(" ", "").startswith(name.replace(" ", ""))
            and not _same_product(name, subject)
            and family_of(name, words) not in families
            and is_chip(name) == chip
            # nor the subject's own shorthand: "23PM 电池 5350mAh" of the iPhone 23 Pro Max
            and _spelled_out(name, (subject, *headline)) is None
        )

    for tokens in sentences:
        # a sentence whose subject is another model: it names it first, at its start, and
        # names none of ours
        named = designations(tokens, words, reader._units, _CHIPS)
        # (after an opening phrase: "For reference, the upcoming Snapdragon 8 Elite Gen 9 ...")
        start = tokens.index(",") + 1 if "," in tokens[:4] else 0
        opening = designations(tokens[:SENTENCE_SUBJECT], words, reader._units, _CHIPS)
        if not opening and start:
            opening = designations(
                tokens[start : start + SENTENCE_SUBJECT], words, reader._units, _CHIPS
            )
        if opening and all(another(d) for d in named):
            dropped = True
            continue
        kept += tokens
    return kept if dropped else None


SENTENCE_SUBJECT = 6  # tokens a sentence names its subject within ("The RTX 9080 is ...")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\u3400-\u9fff])|(?<=[。！？；])")


def _title_spells(named: Sequence[str], title: Sequence[str], words: Grammar) -> str | None:
    """Return the model a text names that a title gives without its brand ("Mini 6 Pro"
    for the "DJI Mini 6 Pro"): two words or more, the number among them, in a row."""
    for designation in named:
        parts = designation.split()
        if parts and parts[0] in words.brand_names:
            parts = parts[1:]
        if len(parts) < 2 or not any(p[:1].isdigit() for p in parts):
            continue
        for at in range(len(title) - len(parts) + 1):
            if list(title[at : at + len(parts)]) == parts:
                return designation
    return None


def _other_brand(device: str, title: Sequence[str], words: Grammar) -> bool:
    """Tell whether a title names brands or lines, all of another brand than a device's."""
    brand = brand_of(device.split(" ")[0], words)
    named = {b for t in title if (b := brand_of(t, words)) is not None}
    return brand is not None and bool(named) and brand not in named


def _pro_max(shorthand: str) -> str | None:
    """Return the iPhone a tipster's "29PM" is, when the post does not name it in full (only
    iPhones have a Pro Max; a number below 13 is more likely a time: "11PM")."""
    written = re.fullmatch(r"(\d{2})pm", shorthand)
    if written is None or int(written.group(1)) < 13:
        return None
    return f"iphone {written.group(1)} pro max"


_LETTERED = re.compile(r"([a-z]{1,2})(\d{1,4}) (.+)")  # "p90 ultra": a line's initial


def _spelled_out(shorthand: str, found: Sequence[str]) -> str | None:
    """Return the model a post names in full that a shorthand of its stands for: "22PM" and
    "iPhone 22 Pro Max" (the same number, the suffixes' initials)."""
    if lettered := _LETTERED.fullmatch(shorthand):
        # "P90U" (the P90 Ultra) is the "Pura 90 Ultra" the post names: the line's initial
        letters, number, rest = lettered.groups()
        for name in found:
            parts = name.split(" ")
            if (
                len(parts) > 2
                and parts[0].startswith(letters)
                and parts[0] != letters
                and parts[1] == number
                and " ".join(parts[2:]) == rest
            ):
                return name
        return None
    written = _INITIALS.fullmatch(shorthand)
    if written is None:
        return None
    number, initials = written.groups()
    for name in found:
        parts = name.split(" ")
        if number not in parts:
            continue
        after = parts[parts.index(number) + 1 :]
        if after and "".join(p[0] for p in after) == initials:
            return name
    return None


def _alias_pattern(alias: str) -> str:
    escaped = re.escape(alias)
    if re.match(r"[a-z0-9]", alias):
        escaped = rf"(?<![a-z0-9]){escaped}"
    if re.search(r"[a-z0-9]$", alias):
        escaped = rf"{escaped}(?![a-z])"
    return escaped


_NOT_NAMES = frozenset(
    [
        "next",
        "first",
        "new",
        "reportedly",
        "report",
        "exclusive",
        "coming",
        "getting",
        "is",
        "was",
        "will",
        "won't",
        "would",
        "could",
        "to",
        "be",
        "being",
        "with",
        "without",
        "its",
        "his",
        "their",
        "our",
        "we",
        "you",
        "they",
        "he",
        "she",
        "what",
        "how",
        "why",
        "when",
        "gurman",
        "kuo",
        "leaker",
        "leakers",
        "tipster",
        "analyst",
        "insider",
        "sources",
        "source",
    ]
)


def _names(tokens: Sequence[str], words: Grammar) -> tuple[str, ...]:
    """Return the word pairs of a title with no model, and its brands: "Steam Frame" is
    ``steam frame`` whether the title says "Valve's Steam Frame" or "Steam Frame price"."""
    kept = [
        t
        if re.fullmatch(r"[a-z][a-z0-9]*", t)
        and t not in _STOPWORDS
        and t not in _NOT_NAMES
        and t not in glossary().phrases
        else None
        for t in tokens
    ]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(kept) if a and b]
    brands = [
        f"brand:{t}"
        for t in tokens
        if t in words.brand_names or (t in words.lines and len(t) >= 3 and t not in _NOT_NAMES)
    ]
    return tuple(dict.fromkeys((*pairs, *brands, *_bare_models(tokens, words), *_tails(tokens))))


def _tails(tokens: Sequence[str]) -> list[str]:
    """Return what a title with no model may name a model by, without its brand: a word, a
    number and the suffixes after it ("Mini 6 Pro: 1-inch sensor" names ``tail:mini 6 pro``,
    the "DJI Mini 6 Pro" a story is about)."""
    words = grammar()
    found = []
    for index, token in enumerate(tokens[:-1]):
        number = tokens[index + 1]
        if not (token.isalpha() and len(token) >= 3 and number.isdigit() and len(number) <= 2):
            continue
        if token in _STOPWORDS or token in _NOT_NAMES or token in claiming.MONTHS:
            continue  # ("September 13" is a day)
        suffixes = itertools.takewhile(words.suffixes.__contains__, tokens[index + 2 :])
        found.append(" ".join(("tail:" + token, number, *suffixes)))
    return found


def _bare_models(tokens: Sequence[str], words: Grammar) -> list[str]:
    """Return the models a title names by a bare number and the suffixes after it: "7060 Ti"
    is ``bare:7060 ti``, another card than the "RTX 7060" (``bare:7060``)."""
    found = []
    for index, token in enumerate(tokens):
        if not (token.isdigit() and 4 <= len(token) <= 5) or _YEAR.fullmatch(f"n:{token}"):
            continue
        suffixes = list(itertools.takewhile(_BARE_SUFFIXES.__contains__, tokens[index + 1 :]))
        found.append(" ".join((f"bare:{token}", *suffixes)))
    return found


# the suffixes a bare number takes ("5090 SUPER", "9070 XT"), not a letter ("6090 s")
_BARE_SUFFIXES = frozenset(s for s in grammar().suffixes if len(s) > 1)


def _device_maker(tokens: Sequence[str], chip: str, words: Grammar) -> str | None:
    """Return the brand whose unnamed device a title names before the chip ("Xiaomi phone
    with", "小米新机…搭载"), not a maker of chips alone ("Qualcomm's next chip"), nor one the
    chip is said to debut in ("Snapdragon 7s Gen 5 to debut on a Realme phone")."""
    first = chip.split(" ")[0]
    # where the title names the chip, written as one word or two ("rtx9080": "RTX 9080")
    at = next((i for i, t in enumerate(tokens) if first in (t, t + token_at(tokens, i + 1))), None)
    if at is None:
        return None
    for index, token in enumerate(tokens[:at]):
        if token not in words.brand_names or token in _CHIP_ONLY_MAKERS:
            continue
        following = list(tokens[index + 1 : index + 3])
        # (a few words may come between: "Lenovo's 2039 Legion gaming laptop … RTX 9080")
        between = tokens[index + 1 : min(index + 5, at)]
        unnamed = any(word in _DEVICE_WORDS for word in between)
        if unnamed or following in (["新", "机"], ["手", "机"]):
            return token
    return None


# makers of chips and no phones or computers of their own, and words for an unnamed device
_CHIP_ONLY_MAKERS = frozenset(("qualcomm", "mediatek", "amd", "intel", "nvidia", "arm"))
_DEVICE_WORDS = frozenset(
    ("phone", "smartphone", "handset", "device", "tablet", "laptop", "notebook", "handheld")
)


def _headed(named: list[str], title: str, words: Grammar) -> list[str]:
    """Put first the model a title is about when another is named before it: the chip a
    device's possessive names ("Pixel 19's Tensor G14"), and the numbered model a product
    word goes before ("华为三折叠 Mate XT3" is the Mate XT3)."""
    if len(named) < 2:
        return named
    first, second = named[0], named[1]
    if is_chip(second) and not is_chip(first) and _POSSESSIVE.search(fold(title)):
        return [second, first, *named[2:]]
    if is_chip(first) and not is_chip(second) and _POWERED.search(fold(title)):
        # "Exynos 3600-powered Galaxy S36+ shows up on Geekbench" is about the S36+
        return [second, first, *named[2:]]
    numbered = any(c.isdigit() for c in second)
    if (
        first.split(" ")[-1] in words.named
        and not any(c.isdigit() for c in first)
        and numbered
        and brand_of(first.split(" ")[0], words) == brand_of(second.split(" ")[0], words)
    ):
        return [second, first, *named[2:]]
    return named


# "Pixel 19's Tensor G14", "Pixel 19 的 Tensor G14": the chip is what the title is about (a
# model's possessive, not a maker's: "Xbox Ally 2 will use AMD's Ryzen Z4 Extreme")
_POSSESSIVE = re.compile(
    r"(?:\d|\+|pro|max|ultra|plus|mini|lite|fe|xl)(?:[\'’]s\s+|\s*的\s*)(?:"
    + "|".join(sorted(grammar().chips, key=len, reverse=True))
    + r")(?![a-z])"
)


# a chip that powers the device named after it: "Exynos 3600-powered Galaxy S36+", "搭载 Exynos
# 3600 的 Galaxy S36+"
_POWERED = re.compile(r"\d[a-z0-9+]*[\s-]*(?:powered|based|equipped)\s|搭载[^，,：:]{2,30}的")


def _first_device(found: Sequence[str]) -> str | None:
    return next((d for d in found if not is_chip(d)), found[0] if found else None)


def is_chip(designation: str) -> bool:
    """Tell a chip ("snapdragon 8 elite gen 5", "tensor g6") from a device."""
    first = designation.split(" ", 1)[0]
    if _ALPHA.fullmatch(first):
        return False  # Sony's A7R VI, A9 III and A6700 are cameras, not Apple's A-series
    return (
        first in _CHIPS
        or (re.match(r"[a-z]+", first) or [""])[0] in _CHIPS
        or bool(_CPU.fullmatch(first))  # a CPU named by its number: "12950X3D", "585K", "488H"
    )


_CPU = re.compile(r"\d{3,5}(?:x3d\d?|x|k|kf|ks|hx|hs|h|u|v)")
_ALPHA = re.compile(r"a(?:[1-9][a-z]{0,2}|\d{4})")  # a Sony Alpha: "a7r", "a1", "a6700"


def _words(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in _STOPWORDS and t != "|" and t not in _PUNCTUATION]


def minhash(words: Sequence[str], size: int = SIGNATURE_SIZE) -> tuple[int, ...]:
    """Return the MinHash signature of a text's word pairs (its words, for a short text)."""
    shingles = {f"{a} {b}" for a, b in itertools.pairwise(words)} or set(words)
    if not shingles:
        return ()
    hashes = [
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") for s in shingles
    ]
    mask = (1 << 61) - 1
    return tuple(min(((h * a + b) & mask) for h in hashes) for a, b in _PERMUTATIONS[:size])


_PERMUTATIONS = [
    (
        int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest(), "big") | 1,
        int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest(), "big"),
    )
    for i in range(SIGNATURE_SIZE)
]


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimate the Jaccard similarity of two texts from their signatures."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


# --- deciding --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenStory:
    """A story a new post may join: its first report's title, and what its reports claim."""

    id: int
    opened_at: datetime
    title: str
    fingerprint: Fingerprint


@dataclass(frozen=True, slots=True)
class Correction:
    """A story a post contradicts: which, and the figures it said and the post says."""

    story_id: int
    title: str
    earlier: tuple[str, ...]  # the story's claims the post contradicts ("mah:5500")
    now: tuple[str, ...]  # the post's ("mah:6000")

    def wording(self) -> str:
        """Say it as the alert does: "earlier: 5,500 mAh"."""
        return earlier(self.earlier)

    def fact(self) -> tuple[str, str]:
        """Return the alert's field for it: its name and value (at most 300 characters)."""
        title = self.title if len(self.title) <= 200 else f"{self.title[:199]}…"
        return "Corrects", f"#{self.story_id}: {title} ({self.wording()})"


@dataclass(frozen=True, slots=True)
class StoryVerdict:
    """Whether a post joins an open story (which, and why) or opens a new one (and why).

    A post that opens a story because it contradicts an open one names it (``corrects``).
    """

    story: OpenStory | None
    why: str
    corrects: Correction | None = None

    @property
    def joins(self) -> bool:
        """Tell whether the post joins a story."""
        return self.story is not None


@dataclass(frozen=True, slots=True)
class Comparison:
    """How a post compares with a story: whether it joins, why, and what it contradicts."""

    joins: bool
    why: str
    shared: int = 0  # the post's claims the story holds
    conflict: tuple[str, set[str], set[str]] | None = None  # unit, story's values, post's


def compare(post: Fingerprint, story: Fingerprint) -> tuple[bool, str]:
    """Decide whether a post reports a story's leak; say why in a line."""
    found = comparison(post, story)
    return found.joins, found.why


def _same_subject(post: Fingerprint, story: Fingerprint) -> bool:
    """Tell whether a post is about what a story is about.

    The same model; a family's series and one of its members ("Xiaomi 17 series", "Xiaomi
    17 Pro"); or two models both titles name ("Galaxy Z Flip 7 to use Exynos 2500",
    "Exynos 2500 to power the Galaxy Z Flip 7").
    """
    about = story.about()
    if post.subject is None:
        return False
    if post.subject in about:
        return True
    words = grammar()
    family = family_of(post.subject, words)
    post_series = post.subject.endswith(f" {SERIES}")
    # a family written member by member is those members: "Galaxy S35 and S35+ get 25W" is
    # not about the S35 Ultra
    listed = [d for d in post.headline if family_of(d, words) == family and d != post.subject]
    kin = [s for s in about if family_of(s, words) == family and not s.endswith(f" {SERIES}")]
    if post_series and len(listed) >= 2 and kin and not set(kin) & set(listed):
        return False
    # both name both: "Dimensity 9600: N2P", "vivo X400 with Dimensity 9600" (two chips
    # both named are compared: "Ryzen 9 12950X3D beats the Core Ultra 9 585K")
    paired = [s for s in about if not (is_chip(s) and is_chip(post.subject))]
    if _named_in(post.subject, story.headline) and any(_named_in(s, post.headline) for s in paired):
        return True
    # (not a sibling both write-ups list: "Galaxy S31+ clears 3C" is not the S31 Ultra's
    # battery story because each text names the other)
    if post.subject in story.designations and any(
        s in post.designations
        and (family_of(s, words) != family or post_series or s.endswith(f" {SERIES}"))
        for s in paired
    ):
        return True
    if any(_same_product(post.subject, s) for s in about):
        return True
    # and so is a story's ("S36 Ultra: 65W" is not the story of "Galaxy S36 and S36+: 45W")
    told = [d for d in story.headline if family_of(d, words) == family]
    return any(
        family_of(s, words) == family
        and (post_series or s.endswith(f" {SERIES}"))
        and not (s.endswith(f" {SERIES}") and len(told) >= 2 and post.subject not in told)
        for s in about
    )


def _named_in(subject: str, names: Sequence[str]) -> bool:
    """Tell whether names hold a subject, or a member of the family it is the series of
    ("Galaxy S35 and S35+ will use the Exynos 2700" and "Exynos 2700 in S35 / S35+")."""
    if subject in names:
        return True
    if not subject.endswith(f" {SERIES}"):
        return False
    words = grammar()
    family = family_of(subject, words)
    return any(family_of(n, words) == family for n in names)


def _same_product(one: str, other: str) -> bool:
    """Tell a product named without its number from the numbered one ("Pixel Tablet", "Pixel
    Tablet 2"; "Razr Ultra", "Razr 70 Ultra"), and a product named by its brand from the one
    named by its line ("Samsung TriFold", "Galaxy Z TriFold")."""
    a, b = one.split(" "), other.split(" ")
    if _unprefixed(a) == b or _unprefixed(b) == a:
        return True  # "Ryzen Z3 Extreme" and a tipster's "Z3 Extreme", "DJI Mini 6 Pro"
    if not any(c.isdigit() for c in one) and set(a) < set(b):
        return True
    if not any(c.isdigit() for c in other) and set(b) < set(a):
        return True
    words = grammar()
    if len(a) > 2 and len(b) > 2 and a[-1] == b[-1] and a[-1].isdigit():
        # and numbered alike: "Samsung TriFold 3" is the "Galaxy Z TriFold 3"
        a, b = a[:-1], b[:-1]
        one, other = " ".join(a), " ".join(b)
    if a[-1] != b[-1] or a[-1] not in words.named or any(c.isdigit() for c in one + other):
        return False
    # "Samsung TriFold" is the "Galaxy Z TriFold", not the "Huawei TriFold"
    brands = {brand_of(a[0], words), brand_of(b[0], words)} - {None}
    return len(brands) <= 1


def _unprefixed(name: list[str]) -> list[str] | None:
    """Return a model's name without the chip line or brand it starts with, when the rest is
    a name of its own: "ryzen z3 extreme" is "z3 extreme", "dji mini 6 pro" "mini 6 pro"
    (but "ryzen 9" is no "9"); or without a line before a product word: "osmo pocket 5"."""
    words = grammar()
    if len(name) < 2:
        return None
    rest = name[1:]
    if not rest[0][:1].isalpha() or not any(c.isdigit() for c in "".join(rest)):
        return None
    if name[0] in words.chips or name[0] in words.brand_names:
        return rest
    # and without the line a product word follows: "osmo pocket 5" is "大疆 Pocket 5"
    if (
        name[0] in words.lines
        and len(name[0]) >= 4
        and rest[0].isalpha()
        and len(rest[0]) >= 2
        and rest[0] not in words.suffixes
        and rest[0] not in words.lines
    ):
        return rest
    return None


def _corrected(post: Fingerprint, story: Fingerprint) -> tuple[str, set[str], set[str]] | None:
    """Find a figure the post quotes as wrong that the story states: "5,000, not 4,500"."""
    held = set(story.claims)
    for quoted in post.quoted:
        if quoted not in held:
            continue
        unit = quoted.partition(":")[0]
        now = {c.partition(":")[2] for c in post.claims if c.partition(":")[0] == unit}
        # what it says instead that the story does not: "base $599, not $549; 1TB still
        # $699" corrects the story of $549 and $699
        new = {v for v in now if f"{unit}:{v}" not in held}
        if new:
            return unit, {quoted.partition(":")[2]}, new
    return None


def _titles_differ(post: Fingerprint, story: Fingerprint) -> tuple[str, set[str], set[str]] | None:
    """Find a figure of one kind that the post's title and a story's report's title both give,
    with no value in common: "RTX 6080 is 24GB" against "RTX 6080: 20GB GDDR7". A title says
    what the leak is, so this holds even for kinds a text may list several of (memory)."""
    ours = _title_figures(post.lead)
    if not ours:
        return None
    for report in story.each_report():
        theirs = _title_figures(report.lead)
        for unit in sorted(ours.keys() & theirs.keys()):
            if not any(_alike(unit, a, b) for a in ours[unit] for b in theirs[unit]):
                return unit, theirs[unit], ours[unit]
    return None


def _title_figures(lead: Sequence[str]) -> dict[str, set[str]]:
    """Return a title's figures by kind; a bare number it gives counts for each kind (a
    range: "599-699 美元")."""
    figures: dict[str, set[str]] = {}
    for claim in lead:
        unit, _, value = claim.partition(":")
        if value and unit not in TITLE_CONTEXT:
            figures.setdefault(unit, set()).add(value)
    for claim in lead:
        if claim.startswith("n:"):  # the other end of a range, not a model's number
            bare = claim[2:]
            for values in figures.values():
                if any(_near(bare, value) for value in values):
                    values.add(bare)
    return figures


def _near(one: str, other: str) -> bool:
    try:
        return 0.5 <= float(one) / float(other) <= 2
    except (ValueError, ZeroDivisionError):
        return False


def _alike(unit: str, one: str, other: str) -> bool:
    """Tell whether two titles' figures may be one: equal, rounded, or a price and a change
    of it ("$50 hike")."""
    if rounded_alike(one, other):
        return True
    try:
        low, high = sorted((float(one), float(other)))
    except ValueError:
        return False
    return unit in CURRENCIES and low / high < PRICE_CHANGE


# a price a quarter of another or less is a change of it ("a $50 hike", "RM 300 cheaper")
PRICE_CHANGE = 0.25


def conflict_of(post: Fingerprint, story: Fingerprint) -> tuple[str, set[str], set[str]] | None:
    """Find what a post contradicts in a story: a fact, a figure it quotes as wrong, or a
    figure its title gives against one a report's title gave."""
    return (
        contradiction(*_as_titled(story, post))
        or _corrected(post, story)
        or _titles_differ(post, story)
    )


_DATES = ("date:", "month:", "when:")  # the kinds of a date


def _dated(claim: str) -> bool:
    """Tell whether a title's claim dates its leak: a day, a month, a season or an event."""
    return claim.startswith(_DATES) or claim in claiming.EVENTS


def _as_titled(story: Fingerprint, post: Fingerprint) -> tuple[Sequence[str], ...]:
    """Return the story's claims and the post's, as they may contradict each other: without
    their regions unless both titles give one ("EU price" against "US price" are two leaks,
    but a text's "美國時間 8 月 13 日" (US time) is no region of the Unpacked date a Chinese
    certification's story repeats), and without their dates unless a title dates the leak."""
    titled = any(c.startswith("region:") for c in post.lead) and any(
        c.startswith("region:") for report in story.each_report() for c in report.lead
    )
    # and the dates of a leak no title dates are the background of its write-ups: "Kirin 9100
    # to be made on SMIC N+4", whose text dates the phone it goes in, does not contradict the
    # tipster's "下半年见" (the second half)
    dated = any(_dated(c) for c in post.lead) or any(
        _dated(c) for report in story.each_report() for c in report.lead
    )
    dropped: tuple[str, ...] = () if titled else ("region:",)
    dropped += () if dated else _DATES
    if not dropped:
        return story.claims, post.claims
    return tuple(
        tuple(c for c in claims if not c.startswith(dropped))
        for claims in (story.claims, post.claims)
    )


def comparison(post: Fingerprint, story: Fingerprint) -> Comparison:
    """Compare a post with a story as a whole: all its reports' subjects, models and claims."""
    if ASIDE in post.claims or ASIDE in story.claims:
        return Comparison(False, "a comparison, deal, review or round-up is its own story")
    conflict = conflict_of(post, story)
    if post.subject is None or story.subject is None:
        if (number := _number_of_model(post, story)) is not None:
            # a tipster's bare number is the numbered model the other names: "6080: GR203,
            # 20G, 320bit" and "RTX 6080 to get 20GB GDDR8 and a 320-bit bus" (the number is
            # the model, no claim)
            return _claims_compared(
                _without(post, f"n:{number}"),
                _without(story, f"n:{number}"),
                conflict,
                f"the same model number ({number})",
            )
        if (tail := _tail_of_model(post, story)) is not None:
            # a title that names the story's model without its brand: "Mini 6 Pro: 1-inch
            # sensor" and "DJI Mini 6 Pro leak: 1-inch 50MP camera sensor"
            number = tail.split(" ")[1]
            return _claims_compared(
                _without(post, f"n:{number}"),
                _without(story, f"n:{number}"),
                conflict,
                f"the same model ({tail})",
            )
        if (event := _event_dated(post, story) or _event_dated(story, post)) is not None:
            # "Unpacked. February 7. San Jose." is the Galaxy S35's Unpacked date story
            return Comparison(True, f"the same event on the same day ({event})", 1)
        if post.subject != story.subject:
            return Comparison(False, "one names a model, the other none")
        near = similarity(post.signature, story.signature)
        if near < NEAR_TEXT:
            named = _named_alike(post, story)
            if named is None:
                return Comparison(False, f"different text (~{near:.0%} of word pairs in common)")
            return _claims_compared(post, story, conflict, f"the same name ({named})")
        numbers = {c for c in post.claims if c.startswith("n:")}
        if numbers != {c for c in story.claims if c.startswith("n:")}:
            return Comparison(False, f"nearly the same text (~{near:.0%}), but other numbers")
        if conflict:
            return Comparison(
                False, f"nearly the same text, but {_conflict_words(conflict)}", conflict=conflict
            )
        return Comparison(True, f"nearly the same text (~{near:.0%} of word pairs in common)", 1)
    if not _same_subject(post, story):
        return Comparison(
            False, f"a different model ({post.subject} against {', '.join(story.about())})"
        )
    # a round-up, a comparison or a deal names other devices in its title
    # (a chip's news names the devices it goes in: "Dimensity 9600: vivo X400 debuts it")
    strangers = [
        d
        for d in post.headline
        if not _named(d, story.designations) and not is_chip(d) and not is_chip(post.subject)
    ]
    strangers += [
        d
        for d in story.headline
        if not _named(d, post.designations)
        and not is_chip(d)
        and not (story.subject and is_chip(story.subject))
    ]
    words = grammar()
    kin = {family_of(s, words) for s in story.about()}
    family = family_of(post.subject, words)
    families = {*kin, family}
    # a model code is the model's, not another's: "ROG ALLY 3 RC75L $899.99"
    strangers = [
        d for d in strangers if family_of(d, words) not in families and not is_code(d, words)
    ]
    # a device and a chip both titles name are compared on what the post claims, not on
    # figures its text repeats: "OnePlus 20 shows up on Geekbench with Snapdragon 8 Elite Gen
    # 7" is not the chip's Geekbench story, whose scores the write-up gives beside its own
    paired = (
        post.subject not in story.about()
        and family not in kin
        and not any(_same_product(post.subject, s) for s in story.about())
    )
    return _claims_compared(
        post, story, conflict, f"same model ({post.subject})", strangers, paired=paired
    )


def _event_dated(unnamed: Fingerprint, named: Fingerprint) -> str | None:
    """Return the event and day a title that names no model dates, when a title naming a model
    dates its launch or that event on that day ("Unpacked: July 22, NYC" and "Galaxy Z Fold 8
    and Flip 8 launch event set for July 22nd"), and says nothing else."""
    if unnamed.subject is not None or named.subject is None:
        return None
    events = [c for c in unnamed.lead if c in claiming.EVENTS]
    days = [c for c in unnamed.lead if c.startswith("date:")]
    said = set(_telling(unnamed.lead)) - {*events, *days, "launch"}
    if len(events) != 1 or len(days) != 1 or any(not c.startswith("n:") for c in said):
        return None
    if days[0] not in named.lead or not {events[0], "launch"} & set(named.lead):
        return None
    return f"{events[0]}, {days[0].partition(':')[2]}"


def _named(designation: str, names: Sequence[str]) -> bool:
    """Tell whether a model is among these, with or without its chip line: "Z5 Extreme" is
    the "Ryzen Z5 Extreme" another post names."""
    return designation in names or any(
        one.endswith(f" {other}") and one.split()[0] in _CHIPS
        for name in names
        for one, other in ((name, designation), (designation, name))
    )


def _claims_compared(
    post: Fingerprint,
    story: Fingerprint,
    conflict: tuple[str, set[str], set[str]] | None,
    about: str,
    strangers: Sequence[str] = (),
    paired: bool = False,
) -> Comparison:
    """Compare what a post claims with what a story holds, once they are about one thing
    (``paired``: two products both titles name, which must share most of the post's claims)."""
    if conflict:
        return Comparison(False, _conflict_words(conflict), conflict=conflict)
    claims = set(post.claims)
    if not claims:
        return Comparison(False, "the post claims nothing to compare")
    # a device the post names beside its subject is held by the story about it: "M10
    # MacBook Air delayed" names the MacBook Air that "MacBook Air M10 now 1H36" is about
    # (a chip is not: "Galaxy S35 with Exynos 2900 on Geekbench" is not the chip's story)
    held = set(story.claims) | {f"model:{s}" for s in story.about() if not is_chip(s)}
    # a bare figure is the same figure with its unit: "Neo8 SE 1799", "CNY 1,799"
    figures = _figures(held)
    shared = [c for c in post.claims if _holds(c, held, figures)]
    # a region the story does not say is where the post heard of the leak, not a claim
    # against it: "Galaxy Watch 14 系列通过印度 BIS 认证" and "Galaxy Watch14 series on BIS"
    # (and a certifier is its certification's name, counted once with it: "India price to
    # start at Rs 49,999", whose text recalls the BIS listing, is not the BIS story)
    # (and so is a benchmark's: "on Geekbench" is the benchmark said once)
    certifiers, benchmarks = glossary().certifiers, glossary().benchmarks
    counted = max(
        1,
        len(claims)
        - sum(1 for c in claims if c.startswith("region:") and c not in shared)
        - sum(1 for c in claims if c in certifiers or c in benchmarks),
    )
    kept = [c for c in shared if c not in certifiers and c not in benchmarks]
    share = len(kept) / counted
    named = ", ".join(shared[:8])
    if strangers and not (share >= STRANGER_SHARE and len(kept) >= STRANGER_SHARED):
        return Comparison(False, f"the titles name other models too ({', '.join(strangers)})")
    # (a chip's title that says "chip" says what the post is about, not its leak: "A30 Pro
    # chip for iPhone 29 Pro to use TSMC's A14 process" is not the story of the iPhone 29
    # Pro's battery, whose write-up says "chip" too; a device's title that names its chip
    # tells the leak: "Mate 90 Pro tipped to debut Kirin 9080 chip")
    chip = post.subject is not None and is_chip(post.subject)
    lead = set((chip and _telling(post.lead)) or post.lead)
    said = held
    if any(c.startswith("model:") for c in lead):
        # a title that names the chip a device uses says that chip, not just "a chip": "X500
        # Ultra to use Snapdragon 8 Elite Gen 13" is not the story of its periscope, whose
        # write-up names another chip or none ("Legion Go 4", whose text names its Ryzen Z5
        # Extreme, is the story of "Legion Go 4 傳搭 Ryzen Z5 Extreme")
        lead.discard("chip")
        said = held | _chips_named(story)
    if lead and (
        not any(_holds(c, said, figures) for c in lead)
        # a listing is a leak of its own kind: "Xiaomi 27 Ultra clears 3C with 90W charging"
        # is not the story of its launch date, whose write-ups give its 90W too
        or _another_kind(post, story)
    ):
        # a title says what the leak is: "Honor 500 series: February 12" is not the story
        # of the Honor 500 Pro's periscope, whatever else its text repeats
        return Comparison(
            False,
            f"{about} but its title claims what the story does not ({', '.join(post.lead[:4])})",
        )
    # a region or a bare year is the setting of a leak, not the leak
    facts = [
        c
        for c in shared
        if ":" in c
        and not c.startswith(("model:", "when:", "region:"))
        and not _YEAR.fullmatch(c)
        and not _SCREEN.fullmatch(c)
    ]
    # a telling topic both titles name counts as a fact ("Legion Go 2: SteamOS"), unless the
    # post's title gives a figure the story does not hold: 'S28 Ultra 1/1.1" main sensor' is
    # not the story of its main camera's variable aperture
    told = [c for c in post.lead if ":" in c and not c.startswith(("model:", "region:"))]
    # a figure or date the title gives says what the leak is: "PS6 will launch in November"
    # is not the story of its $699 price, though its text repeats the price
    # (a part of a month is such a date: "X400 Ultra launch tipped for mid-April")
    figured = [c for c in told if not c.startswith(("n:", "when:")) or _MONTH_PART.fullmatch(c)]
    # (a bare year is no figure the story holds: "PS6 Portable: March 19, 2036" is not the
    # PS6 Pro's GPU story, whose texts say 2036 too)
    if figured and not _told_any([c for c in told if not _YEAR.fullmatch(c)], held, figures):
        return Comparison(
            False, f"{about} but its title gives figures the story does not ({', '.join(told[:4])})"
        )
    if not told or any(_holds(c, held, figures) for c in told):
        facts += [c for c in shared if c in post.lead and ":" not in c and c not in GENERAL]
    else:
        # nor is a figure its text repeats: "iPad Air M4 減價 HK$4,099, OLED 版 2029 年" is
        # not the story of the OLED iPad Air because both give its 11-inch screen
        facts = []
    # a title whose every figure the story holds says the story's leak, however much
    # background its text repeats: "小米 26 系列定档 9 月 28 日" and a tipster's "小米26 系列 9.28"
    titled = bool(figured) and all(_told_held(c, held, figures) for c in figured)
    if (share >= JOIN_SHARE and (len(kept) >= 2 or counted == 1)) or (
        not paired
        and ((facts and share >= FACT_SHARE) or (titled and facts and share >= TITLED_SHARE))
    ):
        return Comparison(
            True,
            f"{about}; {len(shared)} of its {len(claims)} claims are the story's: {named}",
            len(kept),
        )
    return Comparison(
        False,
        f"{about} but another claim: {len(shared)} of its "
        f"{len(claims)} claims are the story's ({named or 'none'})",
    )


def _another_kind(post: Fingerprint, story: Fingerprint) -> bool:
    """Tell whether a post's title says a listing (a certification) the story holds none of,
    while no title of the story says what else the post's title does: "Xiaomi 27 Ultra clears
    3C with 90W charging" is not the launch date's story, but "Galaxy S37+ battery certified
    at 5,000mAh" is the tipster's "S37+ EB-BS947ABY 5000mAh typical"."""
    if not any(c in LISTINGS and c not in story.claims for c in post.lead):
        return False
    rest = [c for c in _telling(post.lead) if c not in LISTINGS]
    titles = _priced({c for report in story.each_report() for c in report.lead})
    return not any(_holds(c, titles, _figures(titles)) for c in rest)


def _chips_named(story: Fingerprint) -> set[str]:
    """Return the chips a story's posts name, as a title that names one claims it."""
    return {f"model:{d}" for d in story.designations if is_chip(d)}


def _figures(held: set[str]) -> set[str]:
    """Return the values of a story's facts, for a bare figure to be found among them."""
    return {c.partition(":")[2] for c in held if ":" in c and not c.startswith("model:")}


def _holds(claim: str, held: set[str], figures: set[str]) -> bool:
    """Tell whether a story holds a claim; a bare figure is the same figure with its unit,
    and a day said from the post's own ("next week", "月底") is the day another names."""
    if claim in held:
        return True
    if claim in _RELATIVE:
        return any(_DAY_NAMED.match(c) for c in held)
    if not _RELATIVE.isdisjoint(held) and _DAY_NAMED.match(claim):
        return True
    if claim.startswith("n:"):
        value = claim[2:]
        # a bound holds a score at or a little above it, either way: "单核破 5000 分" and
        # 5,120 (a bare number above a bound is any other figure: "19,870 multi-core")
        return value in figures or any(
            _near_bound(value, figure) or _near_bound(figure, value) for figure in figures
        )
    unit, _, value = claim.partition(":")
    if not value or not value[:1].isdigit():
        return False
    # a figure rounded is the same figure: 6.31 inches and 6.3
    return f"n:{value}" in held or any(
        c.startswith(f"{unit}:") and rounded_alike(value, c.partition(":")[2]) for c in held
    )


def _near_bound(bound: str, value: str) -> bool:
    """Tell whether a score is at or within a tenth above a bound ("破 5000" and 5,120)."""
    if not bound.endswith("+") or value.endswith("+"):
        return False
    try:
        low, found = float(bound[:-1]), float(value)
    except ValueError:
        return False
    return low <= found <= low * BOUND_REACH


BOUND_REACH = 1.1  # a headline's "over 5,000" is a score of 5,000 to 5,500


# figures that are a screen's
_SCREEN_FIGURES = ("hz:", "k:", "p:", "nits:", "px-")


def _told_any(told: Iterable[str], held: set[str], figures: set[str]) -> bool:
    """Tell whether a story holds one of the figures a title gives; a screen's size beside
    another figure names the model's size, not the leak: "15 英寸 MacBook Air M18 涨价 100
    美元" is the price's story, not that of the launch whose write-ups give both sizes."""
    told = list(told)
    beside = [c for c in told if not _SCREEN.fullmatch(c)]
    if any(
        not c.startswith(_SCREEN_FIGURES) and c.partition(":")[0] not in TITLE_CONTEXT
        for c in beside
    ):
        told = beside  # (a screen's other figures say it is the screen's leak: "8 英寸 1080p")
    return any(_told_held(c, held, figures) for c in told)


def _told_held(claim: str, held: set[str], figures: set[str]) -> bool:
    """Tell whether a story holds a figure a title gives, or one alike ("a $50 hike" of $699)."""
    if _holds(claim, held, figures):
        return True
    if claim.startswith("month:"):
        # "五月第二週" (May) is the story's May 11: a day or a part of that month
        month = claim.partition(":")[2]
        if any(c.startswith((f"date:{month}-", f"when:{month}-")) for c in held):
            return True
    if part := _MONTH_PART.fullmatch(claim):
        # "late October" is the story's October 28: a day of that part of the month
        month, days = part.group(1), _PART_DAYS[part.group(2)]
        return any(
            c.startswith(f"date:{month}-") and int(c.rpartition("-")[2]) in days for c in held
        )
    unit, _, value = claim.partition(":")
    return unit in CURRENCIES and any(
        c.startswith(f"{unit}:") and _alike(unit, value, c.partition(":")[2]) for c in held
    )


def _named_alike(post: Fingerprint, story: Fingerprint) -> str | None:
    """Return a word pair two titles with no model both name, when their brands agree."""
    pairs = [n for n in post.names if not n.startswith(("brand:", "bare:")) and n in story.names]
    if not pairs:
        return None
    # both name one brand or line: "Apple smart glasses" is not "Meta smart glasses", and
    # two headlines about anything but devices share word pairs by chance
    brands = [{n for n in f.names if n.startswith("brand:")} for f in (post, story)]
    if not brands[0] & brands[1]:
        return None
    return pairs[0]


def story_comparison(post: Fingerprint, story: Fingerprint) -> Comparison:
    """Compare a post with a story: the same leak as any one report, against none of them."""
    if ASIDE in post.claims or ASIDE in story.claims:
        return Comparison(False, "a comparison, deal, review or round-up is its own story")
    if (DENIAL in post.lead) != any(DENIAL in report.lead for report in story.each_report()):
        # "Find X11 Ultra 还没定档" is not the October 20 launch story it denies
        return Comparison(False, "a denial and the leak it denies are two stories")
    conflict = conflict_of(post, story)
    if conflict is not None and _same_subject(post, story):
        return Comparison(False, _conflict_words(conflict), conflict=conflict)
    best: Comparison | None = None
    for report in story.each_report():
        found = comparison(post, report)
        if not found.joins:
            back = comparison(report, post)  # the same leak, told the other way round
            # but a figure or date the post's title gives must be the story's too: the
            # Honor 500 series' launch date is not the Honor 500 Pro's periscope story
            # and so must the chip it names, or a chip ("Flip 12 to run Exynos 2900" is not
            # the Flip 12's 3C battery story, whose reports its text repeats)
            # (a region is the setting of a leak, not its figure: "China price: CNY 6,999")
            told = {c for c in post.lead if ":" in c and not c.startswith(("model:", "region:"))}
            chips = {c for c in post.lead if c.startswith("model:")}
            titles = {c for r in story.each_report() for c in r.lead}
            held = set(story.claims)
            figures = _figures(held)
            # and a post about another product than the report's (a chip against a device,
            # the Pro against the Pro Max) must say what the report does: "A30 Pro to use
            # TSMC's A14 process" is not the iPhone 29 Pro Max's battery story, whose figure
            # its text repeats
            topics = set()
            foreign = False
            if _another_product(post, report):
                topics = {c for c in _telling(post.lead) if ":" not in c}
                # nor its own figures: "OnePlus 20 on Geekbench with the Snapdragon 8 Elite
                # Gen 7" gives the phone's scores beside the chip's, which are the chip's story
                foreign = any(
                    not _holds(c, held, figures)
                    for c in post.claims
                    if c.startswith("n:") and not _YEAR.fullmatch(c)
                )
            else:
                # a benchmark or a listing is a leak of its own kind, whichever product:
                # "Unreleased Mac with M7 Max chip appears on Geekbench" is not the story of
                # the M7 Max MacBook Pro's OLED screen, whose leak its text repeats
                topics = {c for c in post.lead if c in KINDS}
            # and a listing's or a benchmark's report is told the other way round only by a
            # post whose title says that kind too: "Switch 2 Lite price", whose text recalls
            # "the FCC filing", is not the Switch 2 Lite's FCC story
            listed = {c for c in report.lead if c in KINDS}
            if (
                back.joins
                and not foreign
                and (not listed or bool(listed & set(post.lead)))
                and (not topics or bool(topics & set(report.claims)))
                # told the other way round, half the report's claims are the post's: a third
                # is the post's text repeating the story ("PS6 Orion APU specs: 8 Zen 6
                # cores", whose text gives the $699 price story's price and launch)
                and back.shared * 2 >= len(report.claims)
                # (the same figure: "March" is no story's 3 nm)
                and (not told or _told_any(told, held, figures))
                and not _another_kind(post, story)
                and (
                    not chips
                    or bool(chips & {*story.claims, *_chips_named(story)})
                    or "chip" in titles
                )
            ):
                found = dataclasses.replace(back, why=back.why.replace("its", "the story's", 1))
        if found.joins and not _other_products_agree(post, report):
            # a chip's leak is not a device's that names the chip, whichever came first:
            # "Exynos 2800 GB6" is not "Galaxy S31 and S31+ to use Exynos 2800 in Europe",
            # whose write-up repeats the chip's scores
            found = Comparison(False, "a chip's leak and a device's: each title says another")
        if found.joins and _titles_tell_two(report, post):
            # the report's title says another leak than the post's, though each text
            # repeats the other's: the X600 Ultra's April 21 launch is not its battery story
            found = Comparison(False, "the titles tell two leaks")
        better = best is None or (found.joins and (not best.joins or found.shared > best.shared))
        if better:
            best = found
    assert best is not None
    return best


def _other_products_agree(one: Fingerprint, other: Fingerprint) -> bool:
    """Tell whether a chip's post and a device's report one leak (any two others do): each
    title's claim, beside the models it names, is the other's too; a title that claims
    nothing else (the device "to use" the chip) needs the other's title to name its model.
    So must one model's post and its series' ("M17 Max Chip to Feature 48-Core GPU" and
    "Apple Plans M17 Pro and M17 Max MacBook Pros for Early 2038"), whichever came first."""
    if one.subject is None or other.subject is None:
        return True
    words = grammar()
    series = [s.endswith(f" {SERIES}") for s in (one.subject, other.subject)]
    if series[0] != series[1] and family_of(one.subject, words) == family_of(other.subject, words):
        # (a bare year is no claim of the title: "MacBook Pros for Early 2038")
        return all(
            _title_claims_held([c for c in _telling(ours.lead) if not c.startswith("n:")], theirs)
            for ours, theirs in ((one, other), (other, one))
        )
    if is_chip(one.subject) == is_chip(other.subject):
        return True
    benchmarks = glossary().benchmarks
    apps = [{c for c in f.lead if c in benchmarks} for f in (one, other)]
    if apps[0] and apps[1] and not apps[0] & apps[1]:
        # the titles name two benchmarks: "Snapdragon 8 Elite Gen 8 crosses 4.8 million in
        # AnTuTu" and "OnePlus 17 runs Geekbench with Snapdragon 8 Elite Gen 8" (whose text
        # recalls the AnTuTu score) are two leaks
        return False
    if _same_product(one.subject, other.subject) or any(
        is_code(s, words) for s in (one.subject, other.subject)
    ):
        return True  # "Z4 Extreme" is the Ryzen Z4 Extreme; "iPad17,3 (M6)" a code

    def names(title: Fingerprint, model: str) -> bool:
        family = family_of(model, words)
        return any(family_of(d, words) == family for d in title.headline)

    if names(one, other.subject) and names(other, one.subject):
        return True  # each title names both: "M6 iPad Pro" and "iPad17,3 (M6)"
    return all(
        _title_claims_held(telling, theirs)
        if (telling := _telling(ours.lead))
        else names(theirs, ours.subject or "")
        for ours, theirs in ((one, other), (other, one))
    )


def _title_claims_held(telling: Sequence[str], theirs: Fingerprint) -> bool:
    """Tell whether another post holds one of what a title claims (none to hold: it does)."""
    held = set(theirs.claims)
    return not telling or any(_holds(c, held, _figures(held)) for c in telling)


def _another_product(post: Fingerprint, report: Fingerprint) -> bool:
    """Tell whether a post is about another product than a report: a chip against a device,
    or another model than the report's (the Pro against the Pro Max); not a series, nor one
    product named two ways (a tipster's "Z4 Extreme" is the Ryzen Z4 Extreme)."""
    ours, theirs = post.subject, report.subject
    if ours is None or theirs is None or ours == theirs or _same_product(ours, theirs):
        return False
    if is_chip(ours) and not is_chip(theirs):
        return True
    return not ours.endswith(f" {SERIES}") and not theirs.endswith(f" {SERIES}")


def _titles_tell_two(report: Fingerprint, post: Fingerprint) -> bool:
    """Tell whether a report's title and a post's give figures of two leaks: the post says
    none of the report's title's figures, and the report's title none of the post's
    ("vivo X600 Ultra: 7,000mAh, 90W" and "vivo X600 Ultra 4/21 发表", whose texts each
    repeat the other's figures)."""
    ours, theirs = _told_figures(post.lead), _told_figures(report.lead)
    if _kinds(ours) & _kinds(theirs):
        return False  # both titles give a kind of figure: a contradiction tells them apart
    # a resolution ("5K renders", of the renders or a screen) says no leak on its own
    ours, theirs = ([c for c in f if not c.startswith("k:")] for f in (ours, theirs))
    if not ours or not theirs:
        return False
    lead = set(report.lead)
    given = _figures(lead)
    if any(_told_held(c, lead, given) for c in ours):
        return False
    # the post's text may repeat the report's title's figures and still tell another leak,
    # when the two titles share nothing: "Galaxy S34 Ultra to swap its 5x zoom for a 200MP 4x
    # periscope" (whose text recalls the 5,500mAh battery) and "Galaxy S34 Ultra to finally
    # get a bigger 5,500mAh battery and 60W charging" (whose text recalls the periscope)
    titled = {c for c in post.lead if not c.startswith("region:")}
    told = _figures(titled)
    if not any(_holds(c, lead, given) for c in titled) and not any(
        _holds(c, titled, told) for c in lead
    ):
        return True
    claims = set(post.claims)
    said = _figures(claims)
    return not any(_told_held(c, claims, said) for c in theirs)


def _kinds(figures: Sequence[str]) -> set[str]:
    """Return the kinds of figures: a date, a month and a part of a month are all a time."""
    return {"time" if (u := c.partition(":")[0]) in _TIMES else u for c in figures}


_TIMES = frozenset(("date", "month", "when"))


def _told_figures(lead: Sequence[str]) -> list[str]:
    """Return the figures and dates a title gives: not its bare numbers, models or regions."""
    return [c for c in lead if ":" in c and not c.startswith(("n:", "model:", "region:"))]


def _leads_agree(one: Fingerprint, other: Fingerprint) -> bool:
    """Tell whether each of two stories holds a claim of the other's first title: a post
    that reports both (an iQOO 16 battery write-up that says "ahead of its India launch")
    brings together only stories whose titles say the same leak."""
    for a, b in ((one, other), (other, one)):
        held = set(b.claims)
        figures = _figures(held)
        # a chip both titles name is not one leak: "Mac17,3 (M9) | Geekbench 6" and "OLED
        # MacBook Pro with M9 chips set for late October"
        lead = _telling(a.lead) or a.lead
        if lead and not any(_holds(c, held, figures) for c in lead):
            return False
    return True


def _telling(lead: Sequence[str]) -> list[str]:
    """Return what a title claims beside the chips it names (a model or the word "chip")."""
    return [c for c in lead if not c.startswith("model:") and c != "chip"]


def _title_held(post: Fingerprint, story: Fingerprint) -> bool:
    """Tell whether one of a story's titles says something the post's title says."""
    return bool(_titles_hold(post, story))


def _titles_hold(post: Fingerprint, story: Fingerprint) -> list[str]:
    """Return what the post's title says that one of a story's titles says too."""
    titles = _priced({c for report in story.each_report() for c in report.lead})
    figures = _figures(titles)
    # a title that claims only its chip says it: "Phone (9) 搭载第七代骁龙 8s"
    return [c for c in _priced(_telling(post.lead) or post.lead) if _holds(c, titles, figures)]


def _priced(lead: Iterable[str]) -> set[str]:
    """Return what a title claims, with "price" when it gives one: "RTX 8090 at $1999" says
    what "【RTX 8090 定价】" does."""
    said = set(lead)
    if any(c.partition(":")[0] in CURRENCIES for c in said):
        said.add("price")
    return said


def _one_product(one: Fingerprint, other: Fingerprint) -> bool:
    """Tell whether two stories are about one product family: a report that compares the Z
    Fold 16 with the Magic V10 does not bring the two phones' stories together. A chip's
    story and a device's are one only when a title of one names the other; two stories about
    devices of two lines never are, whatever chip both name."""
    words = grammar()
    ours, theirs = one.about(), other.about()
    if not ours or not theirs:
        return True
    chips = [all(is_chip(s) for s in about) for about in (ours, theirs)]
    if chips[0] != chips[1]:
        # a chip's story and the device's it goes in may be one leak, when a title of one
        # names the other ("Galaxy S36 Ultra beats the Exynos 2900" names a chip its story's
        # titles do not: the Exynos 2900's benchmark is not the S36 Ultra's)
        return any(s in other.headline for s in ours) or any(s in one.headline for s in theirs)

    # one family, or one line ("PlayStation handheld" and "PlayStation 6")
    def kin(names: Sequence[str]) -> set[str]:
        return {family_of(s, words) for s in names} | {s.split(" ")[0] for s in names}

    devices = [kin([s for s in about if not is_chip(s)]) for about in (ours, theirs)]
    if devices[0] and devices[1] and not devices[0] & devices[1]:
        return False  # "M9 MacBook Air in February" and "M9 iPad Pro in March": two devices
    if any(is_chip(s) for s in (*ours, *theirs)):
        return True
    return bool(kin(ours) & kin(theirs))


def _titles_agree(one: Fingerprint, other: Fingerprint) -> bool:
    """Tell whether each of two stories' titles says something the other's first title says:
    a report brings together stories whose titles tell one leak ("Watch Ultra 4: microLED"
    and "microLED Watch Ultra 4 launching this fall"), not two whose write-ups repeat each
    other ("S32 Ultra: single 200MP periscope" and "S32 Ultra: 5,500mAh, 60W")."""
    return all(_title_held(a, b) or not _telling(a.lead) for a, b in ((one, other), (other, one)))


def _scores_differ(one: Fingerprint, other: Fingerprint) -> bool:
    """Tell whether two stories' first titles give scores with none in common: a chip's
    AnTuTu score ("Exynos 3600 AnTuTu: 4,120,000") and a phone's Geekbench scores with that
    chip ("Galaxy S36+ on Geekbench: 3,410 / 11,980") are two leaks."""
    scores = [
        {
            c[2:]
            for c in f.lead
            if c.startswith("n:")
            and _SCORE.fullmatch(c[2:])
            and not _YEAR.fullmatch(c)
            and not _numbered(c[2:].rstrip("+"), f.designations)
        }
        for f in (one, other)
    ]
    return bool(scores[0] and scores[1]) and not any(
        rounded_alike(a, b) for a in scores[0] for b in scores[1]
    )


def _numbered(value: str, names: Sequence[str]) -> bool:
    """Tell whether a bare number is a model's: "7090" of the RTX 7090, or of the RTX 70
    series ("7090/7080先上")."""
    for name in names:
        digits = "".join(c for c in name if c.isdigit())
        if digits and (value in digits or (len(value) == 4 and value.startswith(digits))):
            return True
    return False


_SCORE = re.compile(r"\d{4,}\+?")  # a benchmark's score, not a model's number nor a ratio


def _conflict_words(conflict: tuple[str, set[str], set[str]]) -> str:
    unit, theirs, ours = conflict
    said = "/".join(fact(f"{unit}:{v}") for v in sorted(theirs))
    says = "/".join(fact(f"{unit}:{v}") for v in sorted(ours))
    return f"the facts differ: it says {says}, the story said {said}"


@dataclass
class StoryIndex:
    """The open stories, found by their keys: deciding a post reads only its candidates."""

    window: timedelta = WINDOW
    stories: dict[int, OpenStory] = field(default_factory=dict)
    by_key: dict[str, set[int]] = field(default_factory=dict)
    _bridges: dict[Fingerprint, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def add(self, story: OpenStory) -> None:
        """Put a story in the index (or replace it, as it grew)."""
        self.stories[story.id] = story
        for key in story.fingerprint.index_keys():
            self.by_key.setdefault(key, set()).add(story.id)

    def candidates(self, fingerprint: Fingerprint, now: datetime) -> list[OpenStory]:
        """Return the open stories a post might join, oldest first."""
        ids: set[int] = set()
        for key in fingerprint.lookup_keys():
            ids |= self.by_key.get(key, set())
        since = now - self.window
        found = [self.stories[i] for i in ids if self.stories[i].opened_at >= since]
        return sorted(found, key=lambda s: (s.opened_at, s.id))

    def decide(self, fingerprint: Fingerprint, now: datetime) -> StoryVerdict:
        """Decide which open story a post joins, or why it opens a new one.

        A post joins a story when it reports the same leak as any one of its reports and
        contradicts none of them. When it does so for several stories, they were one leak
        all along: it joins the one that holds most of its claims (then the oldest), and
        the others are brought into it (``StoryIndex.join``), so that the stories do not
        depend on the order their reports came in.
        """
        candidates = self.candidates(fingerprint, now)
        reasons = []
        other_models: list[str] = []
        joined: list[tuple[OpenStory, Comparison]] = []
        corrects: Correction | None = None
        for story in candidates:
            found = story_comparison(fingerprint, story.fingerprint)
            if found.joins:
                joined.append((story, found))
                continue
            reasons.append(f"#{story.id}: {found.why}")
            other_models.append(found.why)
            # (two regions are two leaks, of which neither corrects the other: the China
            # price is not a correction of the Japanese one)
            if found.conflict is not None and corrects is None and found.conflict[0] != "region":
                unit, said, says = found.conflict
                corrects = Correction(
                    story.id,
                    story.title,
                    tuple(f"{unit}:{v}" for v in sorted(said)),
                    tuple(f"{unit}:{v}" for v in sorted(says)),
                )
        if joined:
            # the story whose titles say most of what the post's does first, then the one
            # holding most of its claims: "S33 Ultra to get a 5,500mAh battery" joins the
            # battery's story, though the periscope's holds more of what its text repeats, and
            # "9月28日 #小米19Ultra# 新品发布会" the launch date's, not the camera's that "debuts"
            joined.sort(
                key=lambda j: (
                    not (held := _titles_hold(fingerprint, j[0].fingerprint)),
                    -sum(1 for c in held if ":" in c),  # its figures and dates first
                    -j[1].shared,
                    j[0].opened_at,
                    j[0].id,
                )
            )
            story, found = joined[0]
            union = story.fingerprint
            bridged = []
            for other, _ in joined[1:]:
                if (
                    conflict_of(other.fingerprint, union) is None
                    and _leads_agree(other.fingerprint, union)
                    and _titles_agree(other.fingerprint, union)
                    and _one_product(other.fingerprint, union)
                    and not _scores_differ(other.fingerprint, union)
                ):
                    bridged.append(other.id)
                    union = union.merged(other.fingerprint)
            why = found.why
            if bridged:
                self._bridges[fingerprint] = tuple(bridged)
                why += "; it also reports the leak of " + ", ".join(f"#{i}" for i in bridged)
            return StoryVerdict(story, why)
        if not candidates or all(r.startswith("a different model") for r in other_models):
            about = (
                f"about {fingerprint.subject}"
                if fingerprint.subject
                else "with similar text (it names no model)"
            )
            return StoryVerdict(None, f"no open story {about} in the last {_hours(self.window)}")
        if corrects is not None:
            return StoryVerdict(
                None,
                f"it contradicts story #{corrects.story_id} "
                f'("{corrects.title}"): {corrects.wording()}, now '
                + ", ".join(fact(c) for c in corrects.now),
                corrects,
            )
        return StoryVerdict(None, "no open story reports the same leak: " + "; ".join(reasons[:5]))

    def join(self, story_id: int, fingerprint: Fingerprint) -> None:
        """Let a story hold what a post that joined it claims, and the stories it bridged."""
        story = self.stories[story_id]
        grown = story.fingerprint.merged(fingerprint)
        for other_id in self._bridges.pop(fingerprint, ()):
            other = self.stories.pop(other_id, None)
            if other is None:
                continue
            for ids in self.by_key.values():
                ids.discard(other_id)
            grown = grown.merged(other.fingerprint)
            grown = dataclasses.replace(grown, absorbed=(*grown.absorbed, other_id))
        self.add(OpenStory(story.id, story.opened_at, story.title, grown))


def _hours(window: timedelta) -> str:
    hours = window.total_seconds() / 3600
    return f"{hours:g}h"


@dataclass(frozen=True, slots=True)
class StoryRules:
    """How posts are put in stories: the reader, the window, the watches that opt out."""

    reader: Reader
    window: timedelta = WINDOW
    opted_out: frozenset[str] = frozenset()  # watches with `stories: false`
    # the sources that a watch wanting stories looks at; None: every source
    followed: frozenset[str] | None = None

    @classmethod
    def of(cls, watches: Iterable[Watch], window: timedelta = WINDOW) -> StoryRules:
        """Build the rules for a set of watches: their aliases name the same thing."""
        watches = tuple(watches)
        aliases = [entry for watch in watches for entry in watch.all if not isinstance(entry, str)]
        wanting = [w for w in watches if w.stories]
        followed = (
            None
            if any(w.sources is None for w in wanting)
            else frozenset(s for w in wanting for s in w.sources or ())
        )
        opted_out = frozenset(w.id for w in watches if not w.stories)
        return cls(Reader(aliases), window, opted_out, followed)

    def wanted_by(self, watch_ids: Iterable[str]) -> bool:
        """Tell whether any of these watches wants one story rather than every report."""
        return any(watch_id not in self.opted_out for watch_id in watch_ids)

    def follows(self, source_id: str) -> bool:
        """Tell whether a watch that wants stories looks at a source's posts."""
        return self.followed is None or source_id in self.followed
