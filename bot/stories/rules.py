"""Stories: posts from any sources, in any language, that report the same leak.

A post is read into a Fingerprint:

- its **designations**, the model names it speaks of, compared exactly: "Xiaomi 17 Ultra"
  (``xiaomi 17 ultra``), "小米17 Pro" (``xiaomi 17 pro``), "Galaxy S27+" (``s27 +``),
  "Z Fold 7" (``fold 7``). The first one of the title is the post's **subject**;
- its **claims**: the specific facts (``6500mah``, ``1inch``, ``usd1099``, ``dec19``) and the
  topics (``battery``, ``leica``, ``periscope``) it reports, the same in English and Chinese;
- a MinHash **signature** of its words, for a post that names no model.

Text is folded as watches fold it (NFKC, case, Traditional to Simplified Chinese), then
the aliases of brands and topics, built in and declared by watches (``[Xiaomi, 小米]``),
become one word.

A post joins an open story when they have the same subject, neither names in its title a
model the other never mentions (a round-up, a deal on last year's model), no fact of one
contradicts the other (4,900 mAh against 4,300 mAh), and most of the post's claims are
the story's. A post with no model joins only a story whose text is nearly the same.

Open stories sit in an index by subject (and by signature band, for posts without one),
so deciding a post looks at the few stories about its model, never at every open story.
Everything here is pure: no database, no clock.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.config.file import Watch
from bot.matching.terms import fold

WINDOW = timedelta(hours=72)
JOIN_SHARE = 0.5  # of a post's claims the story must hold
NEAR_TEXT = 0.6  # estimated word-pair Jaccard for posts that name no model
SIGNATURE_SIZE = 32
BANDS = 8  # of SIGNATURE_SIZE // BANDS rows: a pair near NEAR_TEXT shares a band
MAX_CLAIMS = 64  # a story's claims kept; a story cannot grow to cover everything

# Brands and product lines written in Chinese (folded: Simplified), with their English word.
_CHINESE_NAMES = {
    "小米": "xiaomi",
    "红米": "redmi",
    "三星": "samsung",
    "苹果": "apple",
    "华为": "huawei",
    "荣耀": "honor",
    "一加": "oneplus",
    "谷歌": "google",
    "任天堂": "nintendo",
    "骁龙": "snapdragon",
    "天玑": "dimensity",
    "麒麟": "kirin",
    "徕卡": "leica",
    "哈苏": "hasselblad",
    "蔡司": "zeiss",
    "至尊版": "elite",
    "标准版": "",
    "系列": "series",
    "非凡大师": "",
}
# Topics, in Chinese and English word stems, with the claim they name.
_CHINESE_TOPICS = {
    "电池": "battery",
    "续航": "battery",
    "快充": "charging",
    "有线": "charging",
    "充电": "charging",
    "无线": "wireless",
    "主摄": "maincam",
    "大底": "sensor",
    "长焦": "telephoto",
    "潜望": "periscope",
    "影像": "camera",
    "镜头": "camera",
    "屏幕": "display",
    "直屏": "display",
    "曲屏": "display",
    "屏下": "underdisplay",
    "芯片": "chip",
    "跑分": "benchmark",
    "价格": "price",
    "售价": "price",
    "起售价": "price",
    "发布": "launch",
    "定档": "launch",
    "渲染图": "render",
    "谍照": "photo",
    "真机": "photo",
    "认证": "certification",
    "卫星通信": "satellite",
    "厚度": "thickness",
    "薄": "thickness",
    "重量": "weight",
    "配色": "colors",
    "陶瓷": "ceramic",
    "八角": "octagonal",
    "镜头模组": "camisland",
    "灵动岛": "dynamicisland",
    "联名": "branding",
    "调校": "tuning",
    "频率": "clock",
    "大核": "clock",
    "折叠": "folded",
}
_ENGLISH_TOPICS = {
    "battery": "battery",
    "batteries": "battery",
    "cell": "battery",
    "charging": "charging",
    "charger": "charging",
    "wireless": "wireless",
    "main": "maincam",
    "primary": "maincam",
    "sensor": "sensor",
    "telephoto": "telephoto",
    "periscope": "periscope",
    "zoom": "telephoto",
    "camera": "camera",
    "cameras": "camera",
    "display": "display",
    "screen": "display",
    "under-display": "underdisplay",
    "chip": "chip",
    "chipset": "chip",
    "soc": "chip",
    "processor": "chip",
    "benchmark": "benchmark",
    "geekbench": "benchmark",
    "antutu": "benchmark",
    "price": "price",
    "priced": "price",
    "cost": "price",
    "costs": "price",
    "launch": "launch",
    "launches": "launch",
    "debut": "launch",
    "unveil": "launch",
    "announced": "launch",
    "render": "render",
    "renders": "render",
    "design": "render",
    "images": "photo",
    "photos": "photo",
    "hands-on": "photo",
    "certification": "certification",
    "certified": "certification",
    "3c": "certification",
    "tenaa": "certification",
    "fcc": "certification",
    "satellite": "satellite",
    "thick": "thickness",
    "thin": "thickness",
    "thinner": "thickness",
    "thinnest": "thickness",
    "slim": "thickness",
    "weigh": "weight",
    "weighs": "weight",
    "weight": "weight",
    "colors": "colors",
    "colours": "colors",
    "ceramic": "ceramic",
    "octagonal": "octagonal",
    "island": "camisland",
    "dynamic": "dynamicisland",
    "branding": "branding",
    "brand": "branding",
    "tuning": "tuning",
    "tuned": "tuning",
    "clock": "clock",
    "clocks": "clock",
    "ghz": "clock",
    "folded": "folded",
    "glyph": "glyph",
    "face": "faceid",
    "faceid": "faceid",
    "leica": "leica",
    "hasselblad": "hasselblad",
    "zeiss": "zeiss",
}
# Lines whose models are plain numbers ("Xiaomi 17", "Mate 80"): the word before the number.
_LINES = frozenset(
    [
        "xiaomi",
        "redmi",
        "poco",
        "iphone",
        "ipad",
        "pixel",
        "oneplus",
        "nord",
        "mate",
        "pura",
        "nova",
        "magic",
        "find",
        "reno",
        "fold",
        "flip",
        "galaxy",
        "phone",
        "switch",
        "playstation",
        "snapdragon",
        "dimensity",
        "kirin",
        "exynos",
        "tensor",
        "watch",
        "ultra",
        "iqoo",
        "realme",
        "gt",
        "note",
        "honor",
        "vivo",
        "oppo",
        "huawei",
        "nothing",
        "samsung",
        "apple",
        "xperia",
        "zenfone",
        "rog",
        "moto",
        "edge",
        "razr",
        "macbook",
        "airpods",
        "vision",
        "quest",
        "steam",
        "deck",
    ]
)
# Words after a model number that make another model: "Pro", "Ultra", "+", "Gen 5".
_SUFFIXES = frozenset(
    [
        "pro",
        "max",
        "ultra",
        "plus",
        "+",
        "mini",
        "lite",
        "fe",
        "edge",
        "xl",
        "air",
        "rs",
        "se",
        "neo",
        "turbo",
        "elite",
        "series",
        "fold",
        "flip",
        "prime",
        "active",
        "slim",
    ]
)
# Letters after a number that are units, not models: "6500mAh", "2K", "5x", "8.2mm".
_UNITS = {
    "mah": "mah",
    "w": "w",
    "mp": "mp",
    "hz": "hz",
    "ghz": "ghz",
    "gb": "gb",
    "tb": "tb",
    "nm": "nm",
    "mm": "mm",
    "g": "g",
    "grams": "g",
    "gram": "g",
    "x": "x",
    "k": "k",
    "inch": "inch",
    "inches": "inch",
    "megapixel": "mp",
    "megapixels": "mp",
    "亿像素": "mp",  # 2亿像素: 200 MP, see _CHINESE_SCALE
    "万像素": "mp",
    "英寸": "inch",
    "吋": "inch",
    "克": "g",
    "元": "cny",
    "毫安": "mah",
    "瓦": "w",
}
_MONTHS = {
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
_SPELLED = {"one": "1", "two": "2", "一": "1", "两": "2", "二": "2"}
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

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_TOKEN = re.compile(
    r"\d{1,2}月\s?\d{1,2}日"  # a Chinese date
    rf"|\$\s?(?:{_NUMBER})"  # a dollar price
    rf"|(?:{_NUMBER})\s?(?:亿像素|万像素|英寸|吋|克|元|毫安|瓦)"  # a number with a Chinese unit
    rf"|\d+[a-z]+(?![a-z0-9])"  # a number glued to letters: a unit or a model ("15r")
    rf"|{_NUMBER}"
    r"|[a-z][a-z0-9]*(?:-[a-z0-9]+)*"  # a word, maybe with digits or dashes
    r"|\+"
    r"|[\u3400-\u9fff]"  # one CJK character (names and topics are read before)
)
_CHINESE_DATE = re.compile(r"(\d{1,2})月\s?(\d{1,2})日")
_CHINESE_UNIT = re.compile(rf"({_NUMBER})\s?(亿像素|万像素|英寸|吋|克|元|毫安|瓦)")
_CHINESE_SCALE = {"亿像素": 100.0, "万像素": 0.01}  # to megapixels
_CHIPS = frozenset(["snapdragon", "dimensity", "kirin", "exynos", "tensor", "helio"])


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a post reports, in the terms stories are compared by."""

    subject: str | None  # the first model of the title (else of the text)
    headline: tuple[str, ...]  # the models the title names
    designations: tuple[str, ...]  # every model the post names
    claims: tuple[str, ...]  # facts and topics
    signature: tuple[int, ...] = ()  # MinHash of word pairs

    def index_keys(self) -> tuple[str, ...]:
        """Return the keys a story opened by this post is found by."""
        if self.subject is not None:
            return (f"s:{self.subject}",)
        return band_keys(self.signature)

    def to_json(self) -> dict[str, Any]:
        """Turn the fingerprint into JSON-safe data for the story's row."""
        return {
            "subject": self.subject,
            "headline": list(self.headline),
            "designations": list(self.designations),
            "claims": list(self.claims),
            "signature": list(self.signature),
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
        )

    def merged(self, other: Fingerprint) -> Fingerprint:
        """Return the story's fingerprint once another report has joined it."""
        claims = tuple(dict.fromkeys((*self.claims, *other.claims)))[:MAX_CLAIMS]
        designations = tuple(dict.fromkeys((*self.designations, *other.designations)))
        return Fingerprint(self.subject, self.headline, designations, claims, self.signature)


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
        names: dict[str, str] = {}
        lines = set(_LINES)
        for group in aliases:
            folded = [fold(alias).strip() for alias in group if alias.strip()]
            folded = [alias for alias in folded if alias and not alias.startswith("re:")]
            if len(folded) < 2:
                continue
            # the Latin name stands for the group, so that it reads like the built-in ones
            latin = [a for a in folded if re.fullmatch(r"[a-z0-9 .+-]+", a)]
            canonical = (latin or folded)[0]
            if re.fullmatch(r"[a-z]+", canonical):
                lines.add(canonical)  # a brand a watch names: "Mi 17" is a model
            for alias in folded:
                if alias != canonical:
                    names[alias] = canonical
        for chinese, english in _CHINESE_NAMES.items():
            names.setdefault(chinese, english)
        for chinese, topic in _CHINESE_TOPICS.items():
            names.setdefault(chinese, f"topic-{topic}")
        self._names = names
        self._lines = frozenset(lines)
        ordered = sorted(names, key=len, reverse=True)
        self._pattern = re.compile("|".join(_alias_pattern(alias) for alias in ordered))

    def read(self, title: str, text: str) -> Fingerprint:
        """Read a post's title and first paragraph into its fingerprint."""
        title_tokens = self._tokens(title)
        text_tokens = self._tokens(text)
        headline = _designations(title_tokens, self._lines)
        body = _designations(text_tokens, self._lines)
        designations = tuple(dict.fromkeys((*headline, *body)))
        # the subject is the first device the title names (a chip when it names no device)
        subject = next(
            (d for d in (*headline, *body) if not is_chip(d)), (headline or body or (None,))[0]
        )
        claims = _claims([*title_tokens, "|", *text_tokens], set(designations))
        # the other models a post names are part of what it claims: "with Exynos 2500"
        claims += tuple(f"model:{d}" for d in designations if d != subject)
        signature = () if subject else minhash(_words([*title_tokens, "|", *text_tokens]))
        if subject is None:
            # posts alike but for a number ("part 3", "day 4") are not one post
            numbers = (t for t in (*title_tokens, *text_tokens) if re.fullmatch(_NUMBER, t))
            claims += tuple(
                dict.fromkeys(f"n:{_number(n)}" for n in numbers if f"n:{_number(n)}" not in claims)
            )
        return Fingerprint(subject, headline, designations, claims, signature)

    def _tokens(self, text: str) -> list[str]:
        folded = fold(text)
        folded = self._pattern.sub(lambda m: f" {self._names[m.group(0).strip()]} ", folded)
        tokens: list[str] = []
        for token in _TOKEN.findall(folded):
            glued = re.fullmatch(r"(\d+)([a-z]+)", token) or re.fullmatch(r"([a-z]+)(\d+)", token)
            if glued and (glued.group(2) in _UNITS or glued.group(1) in _LINES):
                # "6500mah" is a number and its unit, "magic8" a line and its number;
                # "s27", "x300" and "15r" stay models
                tokens.extend(glued.groups())
            else:
                tokens.append(token)
        return tokens


def _alias_pattern(alias: str) -> str:
    escaped = re.escape(alias)
    if re.match(r"[a-z0-9]", alias):
        escaped = rf"(?<![a-z0-9]){escaped}"
    if re.search(r"[a-z0-9]$", alias):
        escaped = rf"{escaped}(?![a-z])"
    return escaped


_MODEL = re.compile(r"[a-z]{1,3}\d{1,4}[a-z]?|\d{1,4}([a-z]{1,2})")


def _is_model(token: str) -> bool:
    """Tell a model token ("s27", "x300", "g6", "15r") from a word, a number or a unit."""
    found = _MODEL.fullmatch(token)
    return found is not None and found.group(1) not in _UNITS


def is_chip(designation: str) -> bool:
    """Tell a chip ("snapdragon 8 elite gen 5", "tensor g6") from a device."""
    return designation.split(" ", 1)[0] in _CHIPS


def _designations(tokens: Sequence[str], lines: frozenset[str] = _LINES) -> tuple[str, ...]:
    """Find the model designations in a run of tokens, in order."""
    found: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        before = tokens[index - 1] if index else ""
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        name: list[str] | None = None
        if _is_model(token):
            # a chip keeps its maker ("tensor g6"); a phone's letters are enough ("s27")
            name = [before, token] if before in _CHIPS else [token]
        elif token.isdigit() and len(token) <= 4 and before in lines and following not in _UNITS:
            name = [before, token]
        if name is None:
            index += 1
            continue
        index += 1
        while index < len(tokens):
            following = tokens[index]
            if following in _SUFFIXES:
                name.append(following)
                index += 1
            elif following == "gen" and index + 1 < len(tokens) and tokens[index + 1].isdigit():
                name.extend(("gen", tokens[index + 1]))
                index += 2
            else:
                break
        designation = " ".join(name)
        if designation not in found:
            found.append(designation)
    return tuple(found)


def _number(raw: str) -> str:
    value = raw.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value


def _claims(tokens: Sequence[str], designations: set[str]) -> tuple[str, ...]:
    """Find the facts (``unit:value``: numbers with units, dates, prices) and topics."""
    claims: list[str] = []
    models = {word for name in designations for word in name.split()}
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        before = tokens[index - 1] if index else ""
        if token.startswith("topic-"):
            claims.append(token.removeprefix("topic-"))
        elif token in _ENGLISH_TOPICS:
            claims.append(_ENGLISH_TOPICS[token])
        elif token.startswith("$"):
            claims.append(f"usd:{_number(token[1:].strip())}")
        elif date := _CHINESE_DATE.fullmatch(token):
            claims.append(f"date:{int(date.group(1))}-{int(date.group(2))}")
        elif token in _SPELLED and following in _UNITS:
            claims.append(f"{_UNITS[following]}:{_SPELLED[token]}")
        elif chinese := _CHINESE_UNIT.fullmatch(token):
            value, unit = _number(chinese.group(1)), chinese.group(2)
            if unit in _CHINESE_SCALE:
                value = _number(str(float(value) * _CHINESE_SCALE[unit]))
            claims.append(f"{_UNITS[unit]}:{value}")
        elif re.fullmatch(_NUMBER, token):
            value = _number(token)
            if token in models:
                continue
            if following in _UNITS:
                claims.append(f"{_UNITS[following]}:{value}")
            elif before in _MONTHS and value.isdigit() and int(value) <= 31:
                claims.append(f"date:{_MONTHS[before]}-{int(value)}")
            elif before in ("cny", "rmb", "yuan") or following in ("yuan", "rmb"):
                claims.append(f"cny:{value}")
            elif len(value) >= 3 and token not in models:
                claims.append(f"n:{value}")
    return tuple(dict.fromkeys(claims))


def _words(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in _STOPWORDS and t != "|"]


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
class StoryVerdict:
    """Whether a post joins an open story (which, and why) or opens a new one (and why)."""

    story: OpenStory | None
    why: str

    @property
    def joins(self) -> bool:
        """Tell whether the post joins a story."""
        return self.story is not None


def compare(post: Fingerprint, story: Fingerprint) -> tuple[bool, str]:
    """Decide whether a post reports a story's leak; say why in a line."""
    conflict = _contradiction(post.claims, story.claims)
    if post.subject is None or story.subject is None:
        if post.subject != story.subject:
            return False, "one names a model, the other none"
        near = similarity(post.signature, story.signature)
        if near < NEAR_TEXT:
            return False, f"different text (~{near:.0%} of word pairs in common)"
        numbers = {c for c in post.claims if c.startswith("n:")}
        if numbers != {c for c in story.claims if c.startswith("n:")}:
            return False, f"nearly the same text (~{near:.0%}), but other numbers"
        if conflict:
            return False, f"nearly the same text, but the facts differ ({conflict})"
        return True, f"nearly the same text (~{near:.0%} of word pairs in common)"
    if post.subject != story.subject:
        return False, f"a different model ({post.subject} against {story.subject})"
    # a round-up, a comparison or a deal names other devices in its title
    strangers = [d for d in post.headline if d not in story.designations and not is_chip(d)]
    strangers += [d for d in story.headline if d not in post.designations and not is_chip(d)]
    if strangers:
        return False, f"the titles name other models too ({', '.join(strangers)})"
    if conflict:
        return False, f"the facts differ ({conflict})"
    claims = set(post.claims)
    if not claims:
        return False, "the post claims nothing to compare"
    held = set(story.claims)
    shared = [c for c in post.claims if c in held]
    share = len(shared) / len(claims)
    if share >= JOIN_SHARE and (len(shared) >= 2 or len(claims) == 1):
        return True, (
            f"same model ({post.subject}); {len(shared)} of its {len(claims)} claims "
            f"are the story's ({', '.join(shared[:6])})"
        )
    return False, (
        f"same model ({post.subject}) but another claim: {len(shared)} of its "
        f"{len(claims)} claims are the story's ({', '.join(shared[:6]) or 'none'})"
    )


_LISTED = frozenset(("x", "k", "nm", "hz", "gb", "tb", "n", "model"))  # a post lists several


def _contradiction(a: Sequence[str], b: Sequence[str]) -> str | None:
    """Find a fact both state with no value in common: 4,900 mAh against 4,300 mAh."""
    values: dict[str, tuple[set[str], set[str]]] = {}
    for side, claims in enumerate((a, b)):
        for claim in claims:
            unit, _, value = claim.partition(":")
            if value and unit not in _LISTED:
                values.setdefault(unit, (set(), set()))[side].add(value)
    for unit, (ours, theirs) in sorted(values.items()):
        if ours and theirs and not ours & theirs:
            return f"{unit} {'/'.join(sorted(ours))} against {'/'.join(sorted(theirs))}"
    return None


@dataclass
class StoryIndex:
    """The open stories, found by their keys: deciding a post reads only its candidates."""

    window: timedelta = WINDOW
    stories: dict[int, OpenStory] = field(default_factory=dict)
    by_key: dict[str, set[int]] = field(default_factory=dict)

    def add(self, story: OpenStory) -> None:
        """Put a story in the index (or replace it, as it grew)."""
        self.stories[story.id] = story
        for key in story.fingerprint.index_keys():
            self.by_key.setdefault(key, set()).add(story.id)

    def candidates(self, fingerprint: Fingerprint, now: datetime) -> list[OpenStory]:
        """Return the open stories a post might join, oldest first."""
        ids: set[int] = set()
        for key in fingerprint.index_keys():
            ids |= self.by_key.get(key, set())
        since = now - self.window
        found = [self.stories[i] for i in ids if self.stories[i].opened_at >= since]
        return sorted(found, key=lambda s: (s.opened_at, s.id))

    def decide(self, fingerprint: Fingerprint, now: datetime) -> StoryVerdict:
        """Decide which open story a post joins, or why it opens a new one."""
        candidates = self.candidates(fingerprint, now)
        reasons = []
        for story in candidates:
            joins, why = compare(fingerprint, story.fingerprint)
            if joins:
                return StoryVerdict(story, why)
            reasons.append(f"#{story.id}: {why}")
        if not candidates:
            about = (
                f"about {fingerprint.subject}"
                if fingerprint.subject
                else "with similar text (it names no model)"
            )
            return StoryVerdict(None, f"no open story {about} in the last {_hours(self.window)}")
        return StoryVerdict(None, "no open story reports the same leak: " + "; ".join(reasons[:5]))

    def join(self, story_id: int, fingerprint: Fingerprint) -> None:
        """Let a story hold what a post that joined it claims."""
        story = self.stories[story_id]
        self.add(
            OpenStory(story.id, story.opened_at, story.title, story.fingerprint.merged(fingerprint))
        )


def _hours(window: timedelta) -> str:
    hours = window.total_seconds() / 3600
    return f"{hours:g}h"


@dataclass(frozen=True, slots=True)
class StoryRules:
    """How posts are put in stories: the reader, the window, the watches that opt out."""

    reader: Reader
    window: timedelta = WINDOW
    opted_out: frozenset[str] = frozenset()  # watches with `stories: false`

    @classmethod
    def of(cls, watches: Iterable[Watch], window: timedelta = WINDOW) -> StoryRules:
        """Build the rules for a set of watches: their aliases name the same thing."""
        watches = tuple(watches)
        aliases = [entry for watch in watches for entry in watch.all if not isinstance(entry, str)]
        return cls(Reader(aliases), window, frozenset(w.id for w in watches if not w.stories))

    def wanted_by(self, watch_ids: Iterable[str]) -> bool:
        """Tell whether any of these watches wants one story rather than every report."""
        return any(watch_id not in self.opted_out for watch_id in watch_ids)
