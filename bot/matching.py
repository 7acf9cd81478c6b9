"""Watch terms and the rules that decide whether a post matches a watch.

A term matches case-insensitively after Unicode NFKC normalization. A term made of
Latin letters or digits matches whole words only ("Pixel 9" matches "Pixel 9 Pro" but
not "Pixel 90"); a term that holds CJK characters matches as a substring. A change of
script between CJK and Latin counts as a word boundary, so "三星S24" holds "S24".
Terms starting with ``re:`` are regular expressions run by RE2, which takes linear time
whatever the pattern, so no watch can hang the bot.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import re2

REGEX_PREFIX = "re:"


class TermError(ValueError):
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


def _is_word_char(char: str) -> bool:
    return char.isalnum() and not is_cjk(char)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text folded for matching, with a map from each folded index back to the original."""

    original: str
    folded: str
    origin: tuple[int, ...] | None  # None: folded[i] is original[i]

    def span_in_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the folded text back onto the original text."""
        if self.origin is None:
            return start, end
        if start >= len(self.origin):
            return len(self.original), len(self.original)
        first = self.origin[start]
        last = self.origin[end - 1] + 1 if end > start else first
        # extend to the end of the original character run the last folded char came from
        while last < len(self.original) and unicodedata.combining(self.original[last]):
            last += 1
        return first, last


def fold(value: str) -> str:
    """Fold a term or text for comparison: NFKC, case-folded, whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def normalize(text: str) -> NormalizedText:
    """Fold a text for matching and remember where each folded character came from."""
    if text.isascii():
        folded = text.lower()
        if not any(c.isspace() and c != " " for c in folded) and "  " not in folded:
            return NormalizedText(text, folded, None)
    pieces: list[str] = []
    origin: list[int] = []
    index = 0
    length = len(text)
    previous_space = True
    while index < length:
        end = index + 1
        while end < length and unicodedata.combining(text[end]):
            end += 1
        chunk = unicodedata.normalize("NFKC", text[index:end]).casefold()
        for char in chunk:
            if char.isspace():
                if previous_space:
                    continue
                char = " "
                previous_space = True
            else:
                previous_space = False
            pieces.append(char)
            origin.append(index)
        index = end
    if pieces and pieces[-1] == " ":
        pieces.pop()
        origin.pop()
    return NormalizedText(text, "".join(pieces), tuple(origin))


@dataclass(frozen=True, slots=True)
class Hit:
    """One place where a term matched, as a span of the original text."""

    term: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a watch as the user wrote it, compiled for matching."""

    source: str
    folded: str
    whole_words: bool
    pattern: Any = None  # a compiled RE2 pattern for "re:" terms

    @classmethod
    def parse(cls, raw: str) -> Term:
        """Compile a term from the config; raise TermError when it can't be used."""
        if raw.startswith(REGEX_PREFIX):
            expression = raw[len(REGEX_PREFIX) :]
            if not expression:
                raise TermError("empty regular expression after 're:'")
            options = re2.Options()
            options.case_sensitive = False
            options.log_errors = False
            try:
                pattern = re2.compile(expression, options)
            except re2.error as exc:
                reason = exc.args[0] if exc.args else exc
                if isinstance(reason, bytes):
                    reason = reason.decode("utf-8", "replace")
                raise TermError(f"bad regular expression {expression!r}: {reason}") from None
            return cls(raw, expression, whole_words=False, pattern=pattern)
        folded = fold(raw)
        if not folded:
            raise TermError("empty term")
        whole_words = not any(is_cjk(c) for c in folded)
        return cls(raw, folded, whole_words=whole_words)

    def find(self, text: NormalizedText) -> list[Hit]:
        """Return every place this term matches in the text."""
        if self.pattern is not None:
            return [
                Hit(self.source, *text.span_in_original(m.start(), m.end()))
                for m in self.pattern.finditer(text.folded)
                if m.end() > m.start()
            ]
        hits: list[Hit] = []
        haystack = text.folded
        needle = self.folded
        start = haystack.find(needle)
        while start != -1:
            end = start + len(needle)
            if not self.whole_words or self._at_word_boundaries(haystack, start, end):
                hits.append(Hit(self.source, *text.span_in_original(start, end)))
            start = haystack.find(needle, start + 1)
        return hits

    def _at_word_boundaries(self, haystack: str, start: int, end: int) -> bool:
        before_ok = (
            start == 0
            or not _is_word_char(haystack[start - 1])
            or not _is_word_char(self.folded[0])
        )
        after_ok = (
            end == len(haystack)
            or not _is_word_char(haystack[end])
            or not _is_word_char(self.folded[-1])
        )
        return before_ok and after_ok


@dataclass(frozen=True, slots=True)
class TermGroup:
    """An entry of ``all``: the first alias that matches satisfies it."""

    terms: tuple[Term, ...]

    @property
    def label(self) -> str:
        """Name the entry the way the user wrote it."""
        return " / ".join(term.source for term in self.terms)

    def find(self, text: NormalizedText) -> list[Hit]:
        """Return the hits of every alias in the entry."""
        return [hit for term in self.terms for hit in term.find(text)]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a text matches a watch, and which terms hit or missed."""

    watch_id: str
    matched: bool
    any_hits: tuple[Hit, ...]
    all_hits: tuple[tuple[str, tuple[Hit, ...]], ...]
    none_hits: tuple[Hit, ...]
    any_terms: tuple[str, ...]
    none_terms: tuple[str, ...]

    @property
    def hits(self) -> tuple[Hit, ...]:
        """The hits that make the match: the ``any`` and ``all`` terms found."""
        found = list(self.any_hits)
        for _, group_hits in self.all_hits:
            found.extend(group_hits)
        return tuple(sorted(set(found), key=lambda hit: (hit.start, hit.end)))

    @property
    def matched_terms(self) -> tuple[str, ...]:
        """The distinct terms that hit, in the order they appear in the text."""
        seen: dict[str, None] = {}
        for hit in self.hits:
            seen.setdefault(hit.term, None)
        return tuple(seen)

    def explain(self) -> list[str]:
        """Say in plain lines why the text matched or not."""
        lines = [f"watch {self.watch_id}: {'MATCH' if self.matched else 'no match'}"]
        if self.any_terms:
            hit = sorted({h.term for h in self.any_hits})
            missed = [t for t in self.any_terms if t not in hit]
            lines.append(f"  any:  hit {hit or '-'}; missed {missed or '-'}")
        for label, group_hits in self.all_hits:
            state = "hit" if group_hits else "MISSED"
            lines.append(f"  all:  {label}: {state}")
        if self.none_terms:
            hit = sorted({h.term for h in self.none_hits})
            lines.append(f"  none: hit {hit or '-'} (any hit vetoes the match)")
        return lines


@dataclass(frozen=True, slots=True)
class Rule:
    """A watch's terms compiled: ``any`` / ``all`` / ``none``."""

    watch_id: str
    any: tuple[Term, ...] = ()
    all: tuple[TermGroup, ...] = ()
    none: tuple[Term, ...] = ()

    @classmethod
    def compile(
        cls,
        watch_id: str,
        any_terms: Iterable[str] = (),
        all_terms: Iterable[str | Sequence[str]] = (),
        none_terms: Iterable[str] = (),
    ) -> Rule:
        """Compile a watch's terms; raise TermError naming the first bad one."""
        groups = []
        for entry in all_terms:
            aliases = [entry] if isinstance(entry, str) else list(entry)
            if not aliases:
                raise TermError("empty list of aliases")
            groups.append(TermGroup(tuple(Term.parse(alias) for alias in aliases)))
        return cls(
            watch_id,
            any=tuple(Term.parse(term) for term in any_terms),
            all=tuple(groups),
            none=tuple(Term.parse(term) for term in none_terms),
        )

    @property
    def follows_everything(self) -> bool:
        """Tell whether the watch has no ``any`` or ``all`` terms and takes every post."""
        return not self.any and not self.all

    def judge(self, text: NormalizedText | str) -> Verdict:
        """Decide whether a text matches this watch."""
        if isinstance(text, str):
            text = normalize(text)
        any_hits = tuple(hit for term in self.any for hit in term.find(text))
        all_hits = tuple((group.label, tuple(group.find(text))) for group in self.all)
        none_hits = tuple(hit for term in self.none for hit in term.find(text))
        matched = (
            (not self.any or bool(any_hits))
            and all(group_hits for _, group_hits in all_hits)
            and not none_hits
        )
        return Verdict(
            self.watch_id,
            matched,
            any_hits,
            all_hits,
            none_hits,
            tuple(t.source for t in self.any),
            tuple(t.source for t in self.none),
        )
