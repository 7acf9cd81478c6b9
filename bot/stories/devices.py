"""The device-name grammar: which models a text names, each written one way.

A model is a **line** and a **number** with **suffixes** ("Xiaomi 17 Ultra": ``xiaomi 17
ultra``; "Galaxy S27+": ``s27 +``; "Snapdragon 8 Elite Gen 5": ``snapdragon 8 elite gen 5``),
or a line and a **name** when it has no number ("Pixel Tablet Pro": ``pixel tablet pro``).
A word the grammar does not know is a line when it follows a brand ("OnePlus Ace 6":
``ace 6``). The same model written otherwise reads the same: glued or spaced
("iPhone19ProMax", "X300Pro", "Fold7"), in a camel-cased hashtag (``#GalaxyS27Edge``), in
Chinese (小米17 Ultra, 第五代骁龙8至尊版), in any case.

A model's **family** is its line and number without suffixes (``s27`` for S27, S27+ and S27
Ultra). Several members of one family written together ("S27 / S27+", "18 Pro / Pro Max")
and a family's "series" (系列) are the family's **series**: ``s27 series``.

Letter-and-number words that are not models (certifications such as 3C, process nodes such
as N3E and 18A, counts and resolutions such as 5G, 3D, 2nd, 1080p) are not read as models.

The words are data, in ``bot/stories/data/devices.yaml``. Everything here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

SERIES = "series"
SEPARATORS = frozenset(["/", "&", "and", "、", "和", "与", ",", "or", "|"])


@dataclass(frozen=True, slots=True)
class Grammar:
    """The words of the device-name grammar (``data/devices.yaml``)."""

    brands: Mapping[str, str]  # every way of writing a brand -> the brand
    brand_names: frozenset[str]  # the brands' own names ("xiaomi", "oneplus")
    lines: frozenset[str]
    line_aliases: Mapping[str, str]
    named: frozenset[str]
    suffixes: frozenset[str]
    suffix_aliases: Mapping[str, str]
    series: frozenset[str]
    chips: frozenset[str]
    not_models: frozenset[str]
    not_model: re.Pattern[str]
    not_code: re.Pattern[str]  # names shaped like a code: "Y9000P"
    model_aliases: Mapping[str, str]  # one model's two names: "y9000p" -> "legion pro 7i"
    ordinals: Mapping[str, int]
    line_brands: Mapping[str, str]  # a line -> its brand ("iphone" -> "apple")
    tiers: frozenset[str]  # lines whose one-digit number is a tier ("Ryzen 9")
    architectures: frozenset[str]  # lines that name a design, not a product ("Zen 6")
    camel_words: frozenset[str]  # names written camel-cased as one word ("MacBook")


def _data(name: str) -> dict[str, Any]:
    text = resources.files("bot.stories").joinpath("data", name).read_text(encoding="utf-8")
    return parse_data(text, name)


def parse_data(text: str, name: str) -> dict[str, Any]:
    """Read a data file's text: a mapping, whose every word is a string."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"bot/stories/data/{name}: expected a mapping at the top")
    if (where := _a_boolean(data)) is not None:
        # YAML reads a bare no, off, yes or on as a boolean, and the word is lost
        raise ValueError(f"bot/stories/data/{name}: {where} is read as a boolean: quote the word")
    return data


def _a_boolean(data: Any, where: str = "") -> str | None:
    """Return where a data file holds a boolean (a word YAML read as one), if it does."""
    if isinstance(data, bool):
        return where or "the top"
    if isinstance(data, dict):
        items: Any = ((f"{where}.{key}" if where else str(key), v) for key, v in data.items())
    elif isinstance(data, list):
        items = ((f"{where}[{i}]", v) for i, v in enumerate(data))
    else:
        return None
    return next((found for key, v in items if (found := _a_boolean(v, key)) is not None), None)


@cache
def grammar() -> Grammar:
    """Return the device-name grammar, read once from its data file."""
    data = _data("devices.yaml")
    brands: dict[str, str] = {}
    for brand, aliases in data["brands"].items():
        brands[str(brand)] = str(brand)
        for alias in aliases or ():
            brands[str(alias)] = str(brand)
    return Grammar(
        brands=brands,
        brand_names=frozenset(brands.values()),
        lines=frozenset(str(w) for w in data["lines"]),
        line_aliases={str(k): str(v) for k, v in data["line_aliases"].items()},
        named=frozenset(str(w) for w in data["named"]),
        suffixes=frozenset(str(w) for w in data["suffixes"]),
        suffix_aliases={str(k): str(v or "") for k, v in data["suffix_aliases"].items()},
        series=frozenset(str(w) for w in data["series"]),
        chips=frozenset(str(w) for w in data["chips"]),
        not_models=frozenset(str(w) for w in data["not_models"]),
        not_model=re.compile("|".join(f"(?:{p})" for p in data["not_model_patterns"])),
        not_code=re.compile("|".join(f"(?:{p})" for p in data["not_code_patterns"])),
        model_aliases={str(k): str(v) for k, v in data["model_aliases"].items()},
        ordinals={str(k): int(v) for k, v in data["ordinals"].items()},
        line_brands={str(k): str(v) for k, v in data["line_brands"].items()},
        tiers=frozenset(str(w) for w in data["tiers"]),
        architectures=frozenset(str(w) for w in data["architectures"]),
        camel_words=frozenset(str(w) for w in data["camel_words"]),
    )


# --- writing a text the grammar's way, before it is folded ---------------------------------

_HASHTAG = re.compile(r"#([A-Za-z][A-Za-z0-9+]*[A-Za-z0-9+])")
_CAMEL = re.compile(
    # (not a GPU die's code, two capitals and three digits: "GB303", "AD102", nor a model
    # code, two capitals, two digits and one: "RC75L")
    r"(?<=[a-z]{2})(?=[A-Z])"
    # (nor Snapdragon's "XR4", a model of its own)
    r"|(?<=[A-Za-z]{2})(?<![Xx][Rr])(?=\d)(?!(?<=[A-Z]{2})(?:\d{3}(?!\d)|\d\d[A-Z](?![\dA-Za-z])))"
    r"|(?<=\d)(?=[A-Z][a-z])"
    r"|(?<=[a-z][A-Z])(?=[A-Z][a-z])"  # "GalaxyZFold8": Galaxy Z Fold 8
    r"|(?<=^[A-Z])(?=[A-Z][a-z])"  # a tipster's "ZFold8", "XFold7": Z Fold 8, X Fold 7
)
_HAN_LATIN = re.compile(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z]+\d)")
_XR = re.compile(r"xr\d")  # Snapdragon's XR line ("iPhone XR" is read as its line's)
_GENERATION = re.compile(r"(\d|版)\s*([Gg]en)\s*(\d)")  # "8Gen6", "至尊版Gen7"
_GLUED = re.compile(r"\b[A-Za-z]+\d+[A-Za-z+]*\b|\b[a-z]+[A-Z][A-Za-z]*\d[A-Za-z0-9+]*\b")


def token_at(tokens: Sequence[str], index: int) -> str:
    """Return the token at an index, or "" past the end."""
    return tokens[index] if index < len(tokens) else ""


def unglue(text: str) -> str:
    """Split camel-cased hashtags and glued model names: "#GalaxyS27Edge", "X300Pro", "8Gen6"."""
    # a Latin model name glued to Chinese starts a word: "#拯救者LegionGo3#", "大疆Mini6Pro"
    text = _HAN_LATIN.sub(" ", text)
    text = _HASHTAG.sub(lambda m: " " + _split_camel(m.group(1)) + " ", text)
    text = _GENERATION.sub(r"\1 \2 \3", text)
    return _GLUED.sub(lambda m: _split_camel(m.group(0)), text)


def _split_camel(word: str) -> str:
    """Split a camel-cased word, but not a name written camel-cased ("#MacBookPro" is the
    MacBook Pro, "#PlayStation6" the PlayStation 6; "#SteamDeck2" stays the Steam Deck 2)."""
    known = grammar().camel_words
    parts = _CAMEL.sub(" ", word).split(" ")
    joined: list[str] = []
    for part in parts:
        if joined and (joined[-1] + part).lower() in known:
            joined[-1] += part
        else:
            joined.append(part)
    return " ".join(joined)


_CHINESE_NUMERAL = "一二三四五六七八九十"
# a tipster's Snapdragon shorthand, with its name or without
_SNAPDRAGON = r"(?:(?:骁龙|snapdragon|sd)\s*)?"
# what the shorthand's every match holds, looked for first (the optional name makes the whole
# pattern slow to scan)
_EIGHT_E = re.compile(r"8\s?eg?\s?\d")


def _ordinal(raw: str, words: Grammar) -> int | None:
    """Read an ordinal written in digits or a Chinese numeral (五, 5, 十一, 二十)."""
    if raw.isdigit():
        return int(raw)
    if raw in words.ordinals:
        return words.ordinals[raw]
    tens, ten, units = raw.partition("十")
    if not ten:
        return None
    high = words.ordinals.get(tens, 0) if tens else 1
    low = words.ordinals.get(units, 0) if units else 0
    return high * 10 + low if high and (low or not units) else None


def chinese_ordinals(folded: str, words: Grammar) -> str:
    """Write 第五代骁龙8至尊版 as "snapdragon 8 elite gen 5" (a folded text)."""

    def generation(match: re.Match[str]) -> str:
        raw = match.group(1)
        number = _ordinal(raw, words)
        if number is None:
            return match.group(0)
        line = words.line_aliases.get(match.group(2), match.group(2))
        elite = " elite" if match.group(4) else ""
        return f" {line} {match.group(3)}{elite} gen {number} "

    def elite_later(match: re.Match[str]) -> str:
        raw = match.group(2)
        number = _ordinal(raw, words)
        if number is None:
            return match.group(0)
        return f" snapdragon {match.group(1)} elite gen {number} "

    if "代" in folded:
        folded = re.sub(
            rf"第\s*([{_CHINESE_NUMERAL}]{{1,3}}|\d+)\s*代\s*(骁龙|snapdragon)\s*((?:xr\s*)?\d+s?)\s*(至尊版|elite)?",
            generation,
            folded,
        )
        # 骁龙8至尊版第六代: the generation written after the name
        folded = re.sub(
            rf"(?:骁龙|snapdragon)\s*(\d)\s*(?:至尊版|elite)\s*第\s*([{_CHINESE_NUMERAL}]{{1,3}}|\d+)\s*代",
            elite_later,
            folded,
        )
        # 骁龙 XR4+ 第二代 is the Snapdragon XR4+ Gen 2
        folded = re.sub(
            rf"(骁龙|snapdragon)\s*(xr\s*\d\+?)\s*第\s*([{_CHINESE_NUMERAL}]{{1,3}}|\d+)\s*代",
            lambda m: f" snapdragon {m.group(2)} gen {_ordinal(m.group(3), words) or m.group(3)} ",
            folded,
        )
    # a tipster's shorthand: 8E6 and 8EG6 are the Snapdragon 8 Elite Gen 6
    if _EIGHT_E.search(folded):
        folded = re.sub(
            rf"{_SNAPDRAGON}(?<![0-9.])8\s?eg?\s?(\d{{1,2}})(?![a-z0-9])",
            r" snapdragon 8 elite gen \1 ",
            folded,
        )
    # a tipster's "8s Gen6" is the Snapdragon 8s Gen 6
    if "gen" in folded:
        folded = re.sub(
            rf"{_SNAPDRAGON}(?<![a-z0-9.])([78])s\s*gen\s*(\d{{1,2}})(?![0-9])",
            r" snapdragon \1s gen \2 ",
            folded,
        )
        # and so is a bare "8 Elite Gen 7"
        folded = re.sub(
            rf"{_SNAPDRAGON}(?<![a-z0-9.])8\s+elite\s+gen\s*(\d{{1,2}})(?![0-9])",
            r" snapdragon 8 elite gen \1 ",
            folded,
        )
    # Snapdragon's 至尊版 is Elite ("骁龙8至尊版", "8 gen 6 至尊版"); another line's is Ultra
    if "至尊版" in folded:
        folded = re.sub(
            r"(?:(?:骁龙|snapdragon)\s*)?(\d)\s*gen\s*(\d+)\s*至尊版",
            r" snapdragon \1 elite gen \2 ",
            folded,
        )
        folded = re.sub(r"(骁龙|snapdragon)\s*(\d+s?)\s*至尊版", r" snapdragon \2 elite ", folded)

    def later(match: re.Match[str]) -> str:
        raw = match.group(1)
        number = _ordinal(raw, words)
        return match.group(0) if number is None else f" {match.group(2)} {number} "

    # 第二代 Galaxy Ring is the Galaxy Ring 2
    if "代" in folded:
        folded = re.sub(
            rf"第\s*([{_CHINESE_NUMERAL}]|\d+)\s*代\s*([a-z][a-z+ ]*[a-z+])(?![a-z0-9])",
            later,
            folded,
        )
        # after a camera's letter and number a generation is a Mark: "R7二代" is the R7 Mark II
        folded = re.sub(
            r"(?<![a-z])([a-z]\d{1,2})\s*([二三四])\s*代",
            lambda m: f"{m.group(1)} {ROMAN[words.ordinals[m.group(2)]]} ",
            folded,
        )
        # after a product it is its number: "三折叠二代" is the tri-fold 2
        folded = re.sub(
            rf"(?<![第{_CHINESE_NUMERAL}])([二三四五六七八九])\s*代",
            lambda m: f" {words.ordinals[m.group(1)]} 代",
            folded,
        )
    # as "second-generation iPhone Fold" is the iPhone Fold 2 (a chip's is its Gen)
    if "gen" not in folded:
        return folded
    return _ENGLISH_GENERATION.sub(lambda m: _generation(m, words), folded)


# a generation in Roman numerals, by its number: ROMAN[2] is "ii" ("EOS R7 Mark II")
ROMAN = (
    "",
    "i",
    "ii",
    "iii",
    "iv",
    "v",
    "vi",
    "vii",
    "viii",
    "ix",
    "x",
    "xi",
    "xii",
    "xiii",
    "xiv",
    "xv",
    "xvi",
    "xvii",
    "xviii",
    "xix",
    "xx",
)
_ENGLISH_GENERATION = re.compile(
    r"(?<![a-z0-9])([a-z]+|\d(?:st|nd|rd|th))[- ]gen(?:eration)?\s+((?:[a-z+]+\s+){0,2}[a-z+]+)"
)


def _generation(match: re.Match[str], words: Grammar) -> str:
    """Write "second-generation iPhone Fold" as "iphone fold 2": the longest run of a line's,
    a brand's or a product's words after it; a chip's generation is left to its Gen."""
    number = words.ordinals.get(match.group(1))  # "second", "2nd" ("next-gen" is none)
    if number is None:
        return match.group(0)
    name: list[str] = []
    for word in match.group(2).split():
        if word not in words.lines and word not in words.brand_names and word not in words.named:
            break
        name.append(word)
    if not name or name[0] in words.chips or any(w in words.chips for w in name):
        return match.group(0)
    rest = match.group(2).split()[len(name) :]
    return " ".join(["", *name, str(number), *rest, ""])


# --- reading the models a run of tokens names ---------------------------------------------

X3D = r"\d{3,5}x3d\d?"  # a model that starts with its number: 9950X3D2
_MODEL = re.compile(rf"([a-z]{{1,3}})(\d{{1,4}})([a-z]?)|(\d{{1,4}})([a-z]{{1,2}})|{X3D}")


def is_model_token(token: str, before: str, words: Grammar, units: frozenset[str]) -> bool:
    """Tell a model word ("s27", "x300", "g6", "15r") from a unit, a count or a node."""
    found = _MODEL.fullmatch(token)
    if found is None or (found.group(5) is not None and found.group(5) in units):
        return False
    if before in words.lines or before in words.brand_names:
        return True  # "Redmi 3C" would be a model
    return token not in words.not_models and words.not_model.fullmatch(token) is None


def family_of(designation: str, words: Grammar) -> str:
    """Return a model's family: its line and number without suffixes (``s27``)."""
    parts = designation.split(" ")
    if parts[-1] == SERIES:
        return " ".join(parts[:-1])
    # "snapdragon 8 elite gen 5": snapdragon 8 gen 5; the generation is part of the name
    return " ".join(p for p in parts if p not in words.suffixes or p == parts[0])


def designations(
    tokens: Sequence[str], words: Grammar, units: frozenset[str], chips: frozenset[str]
) -> tuple[str, ...]:
    """Find the models a run of tokens names, in order; a family written together is a series."""
    found: list[str] = []
    index = 0
    last: list[str] | None = None  # the model before, for "18 Pro / Pro Max"
    ended = -1  # where the model before ended
    while index < len(tokens):
        token = tokens[index]
        before = tokens[index - 1] if index else ""
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        two_before = tokens[index - 2] if index > 1 else ""
        name: list[str] | None = None
        if is_model_token(token, before, words, units):
            # a chip keeps its maker ("tensor g6"); a phone's letters are enough ("s27")
            name = [before, token] if before in chips else [token]
            if before not in chips and before not in words.lines and _XR.fullmatch(token):
                name = ["snapdragon", token]  # an "XR3 Gen 2" is a Snapdragon, said or not
        elif token.isdigit() and len(token) <= 5 and following not in units:
            name = _numbered(tokens, index, words)
            if (
                name is None
                and before in SEPARATORS
                and last is not None
                and len(last) > 1
                and len(last[1]) == len(token)
                # "1/1.3-inch" is a sensor's size
                and not (
                    following == "/" and re.fullmatch(r"\d+\.\d+", token_at(tokens, index + 2))
                )
            ):
                # "Xiaomi 18 and 18 Pro": the line before, when the number is of its kind
                # ("A26 Pro: 4612 single-core and 12380 multi-core" is no A26 12380)
                name = [last[0], token]
        elif (
            token in words.named
            and token not in words.lines
            and before.isalpha()
            and (_lined(before, words) or (len(before) == 1 and _lined(two_before, words)))
        ):
            name = [before, token]  # "Pixel Tablet", "Galaxy Z TriFold"
            if following.isdigit() and len(following) <= 2:
                name.append(following)
                index += 1
        elif (
            token == NEXT.strip()
            and following in words.lines
            and following not in words.chips
            and len(following) >= 4
            and _bare(token_at(tokens, index + 2), words)
        ):
            name = [following, NEXT.strip()]  # "the next Xbox": no number yet
            index += 1
        elif (
            token in words.named
            and following in words.lines
            and following not in words.chips
            and not (index + 2 < len(tokens) and tokens[index + 2][:1].isdigit())
        ):
            name = [following, token]  # "a foldable iPhone", "折叠屏 iPhone"
            index += 1
        elif (named := _unnumbered(tokens, index, words)) is not None:
            name = named  # "MacBook Pro", "Vision Air", "MateBook X Pro": no number
            index += len(named) - 1
        elif (
            token in words.suffixes
            and last is not None
            and before in SEPARATORS
            # right after it: "Exynos 2800 in Europe and Korea, Ultra stays Snapdragon" names
            # no "Exynos 2800 Ultra"
            and ended == index - 1
            and token not in ("s", "t", "r", "e")
        ):
            name = _family_base(last, words)  # "18 Pro / Pro Max": another of the family
            name.append(token)
        if name is None:
            index += 1
            continue
        index += 1
        after_tier = tokens[index + 1] if index + 1 < len(tokens) else ""
        if (
            len(name) == 2
            and name[0] in words.tiers
            and len(name[1]) == 1
            # "Watch Ultra 4: 590mAh" is no Ultra 590 ("Core Ultra 9 485K" is the 485K)
            and (after_tier not in units or after_tier in _TIERED_LETTERS)
        ):
            model = _tiered(tokens, index)
            if model is not None:  # "Ryzen 9 11950X3D": the 11950X3D
                name = [model[0]]
                index += model[1]
        variant: list[str] = []
        while index < len(tokens):
            following = tokens[index]
            after = tokens[index + 1] if index + 1 < len(tokens) else ""
            numbered = index + 2 < len(tokens) and any(c.isdigit() for c in tokens[index + 2])
            if following == "for" and after == "galaxy" and name[0] in chips:
                # a chip made for one maker's phones is a model of its own: "Snapdragon 8
                # Elite Gen 8 for Galaxy" (领先版) is not the Snapdragon 8 Elite Gen 8
                variant = ["for", "galaxy"]
                index += 2
                continue
            if following == "prime" and name[0] in chips:
                break  # a chip's "prime" is its prime core: "8E7 prime @ 5.0GHz"
            if following == "+" and (
                (after in words.lines and numbered) or after in words.brand_names
            ):
                # "495HX + RTX 7090": two parts, not a "495HX+" (but "Tab S15+ 平板" is the
                # S15+, a tablet: a line with no number after it names no second model)
                break
            if (
                following == "+"
                and re.fullmatch(r"[\d.,]+", after)
                and name[-1] not in words.suffixes
            ):
                break  # "16GB + 512GB", "Ultra 300 + 2.8K": not "Plus"; "Pro+ 8000mAh" is
            if following in words.suffixes and following not in ("s", "t", "r", "e"):
                name.append(words.suffix_aliases.get(following, following))
                index += 1
            elif following == "gen" and index + 1 < len(tokens) and tokens[index + 1].isdigit():
                if not _GLUED_NUMBER.fullmatch(name[-1]) or name[0] in chips:
                    # a laptop's generation is its year ("Legion Pro 9i Gen 12" is the 2037
                    # Legion Pro 9i), not part of its name, as a year is not
                    name.extend(("gen", tokens[index + 1]))
                index += 2
            elif following in words.series:
                name.append(SERIES)
                index += 1
                break
            else:
                break
        if name and name[-1] == SERIES:
            if len(name) > 2 and name[-2] in words.suffixes:
                # a suffix's series is that model's line, not the family: "iPhone 21 Pro 系列"
                # (the Pro and Pro Max) is no story of the iPhone 21 Air
                name = name[:-1]
            else:
                name = [*_family_base(name[:-1], words), SERIES]
        if "gen" in name[:-2]:  # "8 Gen 6 Elite" is "8 Elite Gen 6"
            at = name.index("gen")
            name = [*name[:at], *name[at + 2 :], *name[at : at + 2]]
        name += variant
        last, ended = name, index
        designation = canonical(" ".join(name))
        designation = words.model_aliases.get(designation, designation)
        if designation not in found:
            found.append(designation)
    return tuple(found)


_TIERED = re.compile(r"\d{3,5}[a-z0-9]*")
_TIERED_LETTERS = frozenset(["k", "kf", "ks", "f", "h", "hx", "hs", "u", "v", "x", "xt", "g"])


def _tiered(tokens: Sequence[str], index: int) -> tuple[str, int] | None:
    """Read the model after a tier ("Ryzen 9 11950X3D", "Core Ultra 9 485K"): the model and
    the tokens it takes."""
    if index >= len(tokens) or not _TIERED.fullmatch(tokens[index]):
        return None
    model = tokens[index]
    if re.fullmatch(r"20\d\d", model):
        return None  # a year
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if model.isdigit() and following in _TIERED_LETTERS:
        return model + following, 2
    return model, 1


_GLUED_NUMBER = re.compile(r"\d{1,2}[a-z]")  # "9i", "7i" after "Legion Pro"
NEXT = " next"  # ends the name of a line's next product: "xbox next"


def _bare(after: str, words: Grammar) -> bool:
    """Tell whether a line ends its name here: no number, suffix, product word or letter
    follows ("the next Xbox will", but "the next iPad Pro", "the next Galaxy Z TriFold")."""
    return not (
        after[:1].isdigit()
        or after in words.suffixes
        or after in words.named
        or after in words.lines
        or (len(after) == 1 and after.isascii() and after.isalpha())  # not a Chinese word
        or after in ("topic-launch", "topic-unpacked")  # "the next iPhone event"
    )


def canonical(designation: str) -> str:
    """Write a product named without a number one way: "iPhone Fold" and "foldable iPhone"
    are ``iphone foldable`` (the same product as "Apple's foldable", ``apple foldable``;
    "folding" is read as "foldable" before, by ``line_aliases``)."""
    if designation.endswith(" fold") and not any(c.isdigit() for c in designation):
        return designation.removesuffix("fold") + "foldable"
    return designation


def brand_of(word: str, words: Grammar) -> str | None:
    """Return the brand a line or brand word names, if the grammar knows it."""
    if word in words.brand_names:
        return word
    return words.line_brands.get(word)


_SIZES = frozenset(("inch", "inches", "英寸", "吋"))


def _unnumbered(tokens: Sequence[str], index: int, words: Grammar) -> list[str] | None:
    """Read a line and its suffixes with no number after them: "MacBook Pro", "Mate XT"."""
    line = tokens[index]
    if line not in words.lines or len(line) < 4 or line in words.chips:
        return None
    name = [line]
    at = index + 1
    while at < len(tokens) and len(tokens[at]) == 1 and tokens[at].isalpha():
        name.append(tokens[at])  # "MateBook X Pro"
        at += 1
    suffixes = 0
    while at < len(tokens) and tokens[at] in words.suffixes and len(tokens[at]) > 1:
        name.append(tokens[at])
        suffixes += 1
        at += 1
    after = tokens[at] if at < len(tokens) else ""
    sized = token_at(tokens, at + 1) in _SIZES  # "MacBook Pro 14-inch": a size, no number
    if not suffixes or (after.isdigit() and not re.fullmatch(r"20\d\d", after) and not sized):
        return None  # "MacBook Air 13" is read by its number
    if _GLUED_NUMBER.fullmatch(after):
        name.append(after)  # "Legion Pro 9i", "Legion Pro 7i": a number glued to its letter
    return name


def is_code(designation: str, words: Grammar) -> bool:
    """Tell a model code (V2611A, RMX5091, PLA110) from a model's name (X400, S27, A56)."""
    if designation.split(" ", 1)[0] in words.lines and " " in designation:
        return False  # a line and its model: "Arc C780", not a code "ARCC780"
    found = re.fullmatch(r"([a-z]{1,4})(\d{2,5})([a-z]{0,3})", designation.replace(" ", ""))
    if found is None or words.not_code.fullmatch(designation):
        return False
    letters, digits, ending = found.groups()
    known = letters in words.brand_names or (letters in words.lines and len(letters) > 1)
    # two letters and a letter after the number are a code too: "RC75L", "GU606WV"
    glued = len(letters) >= 2 and bool(ending)
    return (
        not known
        and (len(digits) >= 4 or len(letters) >= 3 or glued)
        and (len(digits) >= 3 or glued)
    )


def _lined(word: str, words: Grammar) -> bool:
    return word in words.lines or word in words.brand_names


def _numbered(tokens: Sequence[str], index: int, words: Grammar) -> list[str] | None:
    """Read "Mate 80", "Galaxy S 27", "OnePlus Ace 6": a number after its line."""
    token = tokens[index]
    before = tokens[index - 1] if index else ""
    two_before = tokens[index - 2] if index > 1 else ""
    if re.fullmatch(r"20\d\d", token):
        return None  # a year: "Made by Google 2027"
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if following == "gen" and before not in words.chips and len(token) == 1:
        return ["snapdragon", token]  # "8 Gen 6" is a Snapdragon
    if (
        before in words.suffixes
        and before not in words.lines  # "Motorola Edge 70" is the Edge 70
        and _lined(two_before, words)
        and len(before) > 1
    ):
        return [two_before, before, token]  # "Book Pro 14", "MacBook Air 13"
    if before == "a" and two_before not in words.lines and two_before not in words.brand_names:
        return None  # "a 408mm² chip" is an article, "Galaxy A 56" a model
    if before == "gen" and _lined(two_before, words) and two_before not in words.chips:
        return [two_before, token]  # "Fairphone Gen 7" is the Fairphone 7
    if before in words.lines or before in words.brand_names:
        if len(before) <= 3 and before not in words.brand_names:
            # "Galaxy S 27" is "Galaxy S27", "GT 7" is "GT7"
            return [f"{before}{token}"] if len(token) <= 5 else None
        return [before, token]
    if (
        two_before in words.brand_names
        and re.fullmatch(r"[a-z]{2,10}", before)
        and before not in _COMMON
    ):
        return [before, token]  # a line word the grammar does not know, after a brand
    if (
        two_before in words.lines
        and len(two_before) >= 4
        and two_before not in words.chips
        and re.fullmatch(r"[a-z]{2,10}", before)
        and before not in _COMMON
        and before not in words.suffixes
    ):
        return [two_before, before, token]  # "Legion Go 2", "Osmo Pocket 4"
    return None


def _family_base(name: Sequence[str], words: Grammar) -> list[str]:
    kept = list(name[:1]) + [p for p in name[1:] if p not in words.suffixes and p != SERIES]
    return kept


# words that follow a brand and a number without being a line: "Xiaomi sold 10 million"
_COMMON = frozenset(
    [
        "to",
        "is",
        "are",
        "was",
        "will",
        "has",
        "have",
        "had",
        "gets",
        "get",
        "got",
        "sold",
        "ships",
        "shipped",
        "shipping",
        "sells",
        "says",
        "said",
        "with",
        "for",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "by",
        "the",
        "a",
        "an",
        "its",
        "it",
        "new",
        "next",
        "all",
        "top",
        "over",
        "than",
        "up",
        "more",
        "tops",
        "hits",
        "adds",
        "brings",
        "gives",
        "drops",
        "cuts",
        "leak",
        "leaks",
        "tipped",
        "teases",
        "confirms",
        "said",
        "reveals",
        "launches",
        "sales",
        "units",
        "million",
        "version",
    ]
)


def series_subject(headline: Sequence[str], words: Grammar) -> str | None:
    """Return the family's series when a title names a family together ("S27 / S27+")."""
    if not headline:
        return None
    first = headline[0]
    if first.endswith(f" {SERIES}"):
        return first
    family = family_of(first, words)
    members = [d for d in headline if family_of(d, words) == family]
    if len(members) >= 2 and headline[1] in members:
        return f"{family} {SERIES}"
    return None
