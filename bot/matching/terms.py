"""Watch terms and the rules that decide whether a post matches a watch.

Terms and posts are folded the same way before they are compared: Unicode NFKC (so
full-width "Ｓ２４" is "S24"), case folding, Traditional Chinese characters to Simplified
(徠卡 is 徕卡), runs of whitespace to one space and, for a watch that asks for it, accents
stripped ("cafe" is "café").

A term that starts or ends with a letter or digit of a script written with spaces must
start or end a word there: "S24" matches "Galaxy S24's" and "三星S24", never "S240"; a
CJK end matches anywhere, so "徕卡" matches "小米徕卡影像". A word is a run of letters,
digits and combining marks outside CJK; anything else ends it: a space, punctuation,
``#``, ``_``, an apostrophe, an emoji, or a switch between CJK and Latin.

Terms starting with ``re:`` are regular expressions run by RE2, which takes linear time
whatever the pattern and refuses patterns larger than a bounded amount of memory, so no
watch can hang the bot.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import opencc
import re2

from bot.domain import Hit
from bot.errors import LeakbotError

REGEX_PREFIX = "re:"
REGEX_MAX_MEM = 2 << 20  # bytes RE2 may use for one pattern; a bigger pattern is refused
MAX_HITS_PER_TERM = 1000  # hits kept per term and post, so a hostile post stays cheap
Span = tuple[int, int]

# Marks that are accents on Latin, Greek and Cyrillic letters; kana voicing marks stay.
_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans(
    {"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
# Apostrophes and hyphens written in other ways, folded to the ASCII ones.
_PUNCTUATION = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"}
)
# Characters that are invisible inside a word: soft hyphen, zero-width space, word joiner, BOM.
_INVISIBLE = frozenset((0x00AD, 0x200B, 0x2060, 0xFEFF))
# Combining marks that may compose with the character before them under NFKC.
_COMPOSING_MARK = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a]")
_SPACE_RUN = re.compile(" {2,}")
_ASCII_SPACES = str.maketrans("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", " " * 9)
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2A6E0))


class TermError(LeakbotError, ValueError):
    """A term that cannot be used: empty, or a regular expression RE2 refuses."""


def is_cjk(char: str) -> bool:
    """Tell whether a character belongs to a script written without spaces between words."""
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF  # CJK radicals, kana, bopomofo, CJK ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0x1100 <= code <= 0x11FF  # Hangul jamo
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0xFF66 <= code <= 0xFF9F  # half-width katakana
        or 0x20000 <= code <= 0x3FFFF  # CJK extensions
    )


class _WordChars(dict[str, bool]):
    """Whether a character continues a word, worked out once per character."""

    def __missing__(self, char: str) -> bool:
        word = (char.isalnum() and not is_cjk(char)) or unicodedata.category(char)[0] == "M"
        self[char] = word
        return word


WORD_CHAR = _WordChars()  # whether a character continues a word, by character


def is_word_char(char: str) -> bool:
    """Tell whether a character continues a word: a letter, digit or mark outside CJK."""
    return WORD_CHAR[char]


@functools.cache
def _traditional_to_simplified() -> dict[int, int]:
    """Map each Traditional Chinese character to its Simplified form, one for one."""
    chars = [chr(code) for low, high in _CJK_RANGES for code in range(low, high)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    table = {
        ord(a): ord(b)
        for a, b in zip(chars, converted, strict=True)
        if len(b) == 1 and a != b and not b.isspace()
    }
    # fold chains (a→b, b→c) to their end so folding twice changes nothing
    for code, target in table.items():
        seen = {code}
        while target in table and target not in seen:
            seen.add(target)
            target = table[target]
        table[code] = target
    return table


def has_traditional(text: str) -> bool:
    """Tell whether a text is written in Traditional Chinese: it has a character that folds."""
    table = _traditional_to_simplified()
    return any(ord(char) in table for char in text if char > "\u2e7f")


def strip_accents(value: str) -> str:
    """Remove the accents of Latin, Greek and Cyrillic letters: "Ærø café" → "aero cafe"."""
    bare = _ACCENTS.sub("", unicodedata.normalize("NFD", value))
    return unicodedata.normalize("NFC", bare).translate(_LETTERS_WITHOUT_DECOMPOSITION)


class _CharFolding(dict[int, str]):
    """What one character becomes for matching, worked out once per character."""

    def __init__(self, ignore_accents: bool) -> None:
        super().__init__()
        self.ignore_accents = ignore_accents
        self._lock = threading.Lock()
        self._uneven: set[str] = set()  # characters that fold to more or fewer than one
        self._uneven_pattern: tuple[int, re.Pattern[str]] = (0, re.compile("(?!)"))

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if code in _INVISIBLE:
            folded = ""
        else:
            folded = unicodedata.normalize("NFKC", char).casefold().translate(_PUNCTUATION)
            if self.ignore_accents:
                folded = strip_accents(folded)
            folded = folded.translate(_traditional_to_simplified())
            folded = "".join(" " if c.isspace() else c for c in folded)
        if len(folded) != 1:
            with self._lock:  # before the cache entry, so whoever sees it sees this too
                self._uneven.add(char)
        self[code] = folded
        return folded

    def uneven(self) -> re.Pattern[str]:
        """Return a pattern that finds the characters seen so far that fold unevenly."""
        size, pattern = self._uneven_pattern
        if size != len(self._uneven):
            with self._lock:
                chars = sorted(self._uneven)
                pattern = re.compile(f"[{''.join(re.escape(char) for char in chars)}]")
                self._uneven_pattern = (len(chars), pattern)
        return pattern


_FOLDING = {False: _CharFolding(ignore_accents=False), True: _CharFolding(ignore_accents=True)}


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text folded for matching, with a map from each folded index back to the original."""

    original: str
    folded: str
    origin: Sequence[int] | None  # None: folded[i] is original[i]
    ignore_accents: bool = False

    def span_in_original(self, start: int, end: int) -> Span:
        """Map a span of the folded text back onto the original text."""
        if self.origin is None:
            return start, end
        if start >= len(self.origin):
            return len(self.original), len(self.original)
        first = self.origin[start]
        last = self.origin[end - 1] + 1 if end > start else first
        # take in the accents and other marks written after the last character
        while last < len(self.original) and unicodedata.combining(self.original[last]):
            last += 1
        return first, last


def fold(value: str, *, ignore_accents: bool = False) -> str:
    """Fold a term or text for comparison, without leading or trailing space."""
    return normalize(value, ignore_accents=ignore_accents).folded.strip(" ")


def normalize(text: str, *, ignore_accents: bool = False) -> NormalizedText:
    """Fold a text for matching and remember where each folded character came from."""
    origin: list[int] | None
    if text.isascii():
        folded = text.lower().translate(_ASCII_SPACES)
        origin = None
    else:
        table = _FOLDING[ignore_accents]
        if unicodedata.is_normalized("NFC", text) and not _COMPOSING_MARK.search(text):
            folded = text.translate(table)  # also learns every new character's folding
            uneven = table.uneven()
            origin = _uneven_origin(text, table, uneven) if uneven.search(text) else None
        else:
            folded, origin = _fold_by_cluster(text, table)
    if "  " in folded:
        folded, origin = _squeeze_spaces(folded, origin)
    return NormalizedText(text, folded, origin, ignore_accents)


def _uneven_origin(text: str, table: _CharFolding, uneven: re.Pattern[str]) -> list[int]:
    """Map folded indices to original ones when some characters folded to more or fewer."""
    origin: list[int] = []
    position = 0
    for found in uneven.finditer(text):
        index = found.start()
        origin.extend(range(position, index))
        origin.extend([index] * len(table[ord(text[index])]))
        position = index + 1
    origin.extend(range(position, len(text)))
    return origin


def _fold_by_cluster(text: str, table: _CharFolding) -> tuple[str, list[int]]:
    """Fold a text whose letters and accents may be written apart, a letter and its marks
    at a time."""
    pieces: list[str] = []
    origin: list[int] = []
    index = 0
    length = len(text)
    while index < length:
        end = index + 1
        while end < length and unicodedata.combining(text[end]):
            end += 1
        cluster = unicodedata.normalize("NFKC", text[index:end])
        folded = "".join(table[ord(char)] for char in cluster)
        pieces.append(folded)
        origin.extend([index] * len(folded))
        index = end
    return "".join(pieces), origin


def _squeeze_spaces(folded: str, origin: list[int] | None) -> tuple[str, list[int]]:
    """Write each run of spaces as one space, keeping the map to the original."""
    pieces: list[str] = []
    kept: list[int] = []
    position = 0
    for run in _SPACE_RUN.finditer(folded):
        start, end = run.span()
        pieces.append(folded[position : start + 1])
        kept.extend(
            origin[position : start + 1] if origin is not None else range(position, start + 1)
        )
        position = end
    pieces.append(folded[position:])
    kept.extend(origin[position:] if origin is not None else range(position, len(folded)))
    return "".join(pieces), kept


def bounded(haystack: str, start: int, end: int, at_start: bool, at_end: bool) -> bool:
    """Tell whether a found term stands on word boundaries where it must."""
    if at_start and start > 0 and WORD_CHAR[haystack[start - 1]]:
        return False
    return not (at_end and end < len(haystack) and WORD_CHAR[haystack[end]])


@dataclass(frozen=True, slots=True)
class TermHits:
    """One term of a watch and the places it matched (none when it missed)."""

    term: str
    hits: tuple[Hit, ...]


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a watch as the user wrote it, compiled for matching."""

    source: str
    folded: str  # the folded term, or the regular expression
    word_start: bool  # starts with a letter or digit, so it must start a word
    word_end: bool  # ends with a letter or digit, so it must end a word
    ignore_accents: bool = False
    pattern: Any = None  # a compiled RE2 pattern for "re:" terms
    missed: TermHits = field(init=False, repr=False, compare=False)  # this term, not found

    def __post_init__(self) -> None:
        object.__setattr__(self, "missed", TermHits(self.source, ()))

    @classmethod
    def parse(cls, raw: str, *, ignore_accents: bool = False) -> Term:
        """Compile a term from the config; raise TermError when it can't be used."""
        if raw.startswith(REGEX_PREFIX):
            expression = raw[len(REGEX_PREFIX) :]
            if not expression:
                raise TermError("empty regular expression after 're:'")
            pattern = _compile_regex(_fold_pattern(expression, ignore_accents))
            return cls(raw, expression, False, False, ignore_accents, pattern)
        folded = fold(raw, ignore_accents=ignore_accents)
        if not folded:
            raise TermError("empty term")
        return cls(
            raw,
            folded,
            word_start=is_word_char(folded[0]),
            word_end=is_word_char(folded[-1]),
            ignore_accents=ignore_accents,
        )

    @property
    def is_regex(self) -> bool:
        """Tell whether the term is a ``re:`` regular expression."""
        return self.pattern is not None

    def spans(self, haystack: str) -> list[Span]:
        """Return where this plain term stands in a folded text, on word boundaries."""
        found: list[Span] = []
        needle = self.folded
        start = haystack.find(needle)
        while start != -1 and len(found) < MAX_HITS_PER_TERM:
            end = start + len(needle)
            if bounded(haystack, start, end, self.word_start, self.word_end):
                found.append((start, end))
            start = haystack.find(needle, start + 1)
        return found

    def regex_spans(self, haystack: str) -> list[Span]:
        """Return where this regular expression matches a folded text."""
        found: list[Span] = []
        for match in self.pattern.finditer(haystack):
            if match.end() > match.start():
                found.append((match.start(), match.end()))
                if len(found) == MAX_HITS_PER_TERM:
                    break
        return found

    def find(self, text: NormalizedText) -> list[Hit]:
        """Return every place this term matches in the text."""
        spans = self.regex_spans(text.folded) if self.is_regex else self.spans(text.folded)
        return [Hit(self.source, *text.span_in_original(*span)) for span in spans]


def _fold_pattern(expression: str, ignore_accents: bool) -> str:
    """Fold the literal letters of a regular expression the way texts are folded."""
    folded = expression.translate(_traditional_to_simplified())
    if ignore_accents and not folded.isascii():
        folded = "".join(c if len(bare := strip_accents(c)) != 1 else bare for c in folded)
    return folded


def _compile_regex(expression: str) -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = REGEX_MAX_MEM
    try:
        return re2.compile(expression, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        if "too large" in str(reason):
            reason = f"{reason}: the pattern needs more than {REGEX_MAX_MEM >> 20} MiB, simplify it"
        raise TermError(f"bad regular expression {expression!r}: {reason}") from None


@dataclass(frozen=True, slots=True)
class TermGroup:
    """An entry of ``all``: the first alias that matches satisfies it."""

    terms: tuple[Term, ...]

    @property
    def label(self) -> str:
        """Name the entry the way the user wrote it."""
        return " / ".join(term.source for term in self.terms)


@dataclass(frozen=True, slots=True)
class MatchVerdict:
    """Whether a text matches a watch, and which terms hit or missed, and where."""

    watch_id: str
    matched: bool
    any: tuple[TermHits, ...]
    all: tuple[tuple[TermHits, ...], ...]  # an entry per ``all`` item, a TermHits per alias
    none: tuple[TermHits, ...]
    text: str = ""
    ignore_accents: bool = False

    @property
    def hits(self) -> tuple[Hit, ...]:
        """The hits that make the match: the ``any`` and ``all`` terms found."""
        found = [hit for result in self.any for hit in result.hits]
        found.extend(hit for group in self.all for result in group for hit in result.hits)
        return tuple(sorted(set(found), key=lambda hit: (hit.start, hit.end, hit.term)))

    @property
    def vetoes(self) -> tuple[Hit, ...]:
        """The hits of ``none`` terms, each of which stops the match."""
        return tuple(hit for result in self.none for hit in result.hits)

    @property
    def matched_terms(self) -> tuple[str, ...]:
        """The distinct terms that hit, in the order they appear in the text."""
        return tuple(dict.fromkeys(hit.term for hit in self.hits))

    def explain(self) -> list[str]:
        """Say in plain lines why the text matched or not: each term, hit or missed."""
        accents = " (accents ignored)" if self.ignore_accents else ""
        lines = [f"watch {self.watch_id}: {'MATCH' if self.matched else 'no match'}{accents}"]
        if not self.any and not self.all:
            lines.append("  follows every post of its sources: it has no any or all terms")
        if self.any:
            lines.append("  any: at least one must hit")
            lines.extend(self._term_lines(self.any))
        if self.all:
            lines.append("  all: every entry must hit (an entry may list aliases)")
            for group in self.all:
                label = " / ".join(result.term for result in group)
                hit = [result for result in group if result.hits]
                if hit:
                    lines.extend(self._term_lines(hit, label=label))
                else:
                    lines.append(f"    MISSED  {label}")
        if self.none:
            lines.append("  none: any hit vetoes the match")
            lines.extend(self._term_lines(self.none, veto=True))
        return lines

    def _term_lines(
        self, results: Iterable[TermHits], *, label: str | None = None, veto: bool = False
    ) -> list[str]:
        lines = []
        for result in results:
            if not result.hits:
                lines.append(f"    missed  {result.term}")
                continue
            name = result.term if label is None else f"{label}  (by {result.term})"
            lines.append(f"    {'VETO' if veto else 'hit':<7} {name}")
            lines.extend(f"              {self._place(hit)}" for hit in result.hits[:3])
            if len(result.hits) > 3:
                lines.append(f"              (+{len(result.hits) - 3} more)")
        return lines

    def _place(self, hit: Hit) -> str:
        found = self.text[hit.start : hit.end]
        before = self.text[max(0, hit.start - 20) : hit.start]
        after = self.text[hit.end : hit.end + 20]
        context = " ".join(f"{before}[{found}]{after}".split())
        lead = "…" if hit.start > 20 else ""
        tail = "…" if hit.end + 20 < len(self.text) else ""
        return f"{found!r} at {hit.start}-{hit.end}: {lead}{context}{tail}"


@dataclass(frozen=True, slots=True)
class Rule:
    """A watch's terms compiled: ``any`` / ``all`` / ``none``."""

    watch_id: str
    any: tuple[Term, ...] = ()
    all: tuple[TermGroup, ...] = ()
    none: tuple[Term, ...] = ()
    ignore_accents: bool = False

    @classmethod
    def compile(
        cls,
        watch_id: str,
        any_terms: Iterable[str] = (),
        all_terms: Iterable[str | Sequence[str]] = (),
        none_terms: Iterable[str] = (),
        *,
        ignore_accents: bool = False,
    ) -> Rule:
        """Compile a watch's terms; raise TermError naming the first bad one."""

        def parse(raw: str) -> Term:
            return Term.parse(raw, ignore_accents=ignore_accents)

        groups = []
        for entry in all_terms:
            aliases = [entry] if isinstance(entry, str) else list(entry)
            if not aliases:
                raise TermError("empty list of aliases")
            groups.append(TermGroup(tuple(parse(alias) for alias in aliases)))
        return cls(
            watch_id,
            any=tuple(parse(term) for term in any_terms),
            all=tuple(groups),
            none=tuple(parse(term) for term in none_terms),
            ignore_accents=ignore_accents,
        )

    @property
    def follows_everything(self) -> bool:
        """Tell whether the watch has no ``any`` or ``all`` terms and takes every post."""
        return not self.any and not self.all

    @property
    def terms(self) -> tuple[Term, ...]:
        """Every term of the rule: ``any``, then each ``all`` alias, then ``none``."""
        return (*self.any, *(term for group in self.all for term in group.terms), *self.none)

    @property
    def triggers(self) -> list[tuple[Term, ...]]:
        """Sets of plain terms one of which a post must hold to match; none for a watch that
        follows its sources, or whose ``any`` and every ``all`` entry hold a regex."""
        choices = [self.any] if self.any and not any(t.is_regex for t in self.any) else []
        choices.extend(g.terms for g in self.all if not any(t.is_regex for t in g.terms))
        return choices

    def prepare(self, text: NormalizedText | str) -> NormalizedText:
        """Fold a text the way this rule compares it."""
        if isinstance(text, NormalizedText):
            if text.ignore_accents == self.ignore_accents:
                return text
            text = text.original
        return normalize(text, ignore_accents=self.ignore_accents)

    def judge(self, text: NormalizedText | str) -> MatchVerdict:
        """Decide whether a text matches this watch, looking for each term in turn."""
        text = self.prepare(text)
        found = {term.folded: term.spans(text.folded) for term in self.terms if not term.is_regex}
        return self.decide(text, found)

    def decide(self, text: NormalizedText, found: Mapping[str, Sequence[Span]]) -> MatchVerdict:
        """Decide on a text folded by ``prepare``, given where each plain term was found."""
        any_ = tuple([_look(term, text, found) for term in self.any])
        all_ = tuple([tuple([_look(term, text, found) for term in g.terms]) for g in self.all])
        none = tuple([_look(term, text, found) for term in self.none])
        matched = (
            (not any_ or any([result.hits for result in any_]))
            and all([any([result.hits for result in group]) for group in all_])
            and not any([result.hits for result in none])
        )
        return MatchVerdict(
            self.watch_id, matched, any_, all_, none, text.original, self.ignore_accents
        )


def _look(term: Term, text: NormalizedText, found: Mapping[str, Sequence[Span]]) -> TermHits:
    """Collect a term's hits in a text, given where the plain terms were found."""
    spans = found.get(term.folded) if term.pattern is None else term.regex_spans(text.folded)
    if not spans:
        return term.missed
    source = term.source
    if text.origin is None:
        return TermHits(source, tuple([Hit(source, start, end) for start, end in spans]))
    place = text.span_in_original
    return TermHits(source, tuple([Hit(source, *place(*span)) for span in spans]))
