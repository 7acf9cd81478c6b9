"""The configured watches, compiled once into one automaton, asked about each new post.

Every plain term of every watch goes into one Aho-Corasick automaton (a second one holds
the terms of watches that ignore accents), so matching a post costs one pass over its
text however many terms there are. Only the watches whose terms were found, and the
watches that can match without a plain term (following a source, or a ``re:`` term),
are then decided. A Watchlist never changes: build a new one when the watches change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import ahocorasick

from bot.config.file import Config, Watch
from bot.domain import Item
from bot.matching.terms import (
    MAX_HITS_PER_TERM,
    WORD_CHAR,
    MatchVerdict,
    NormalizedText,
    Rule,
    Span,
    normalize,
)


@dataclass(frozen=True, slots=True)
class WatchMatch:
    """A watch that matched a post, and the verdict that says why."""

    watch: Watch
    verdict: MatchVerdict


class _TermAutomaton:
    """The plain terms of many watches, found in one pass over a folded text."""

    def __init__(self, rules: Sequence[tuple[int, Rule]]) -> None:
        automaton = ahocorasick.Automaton()
        shared: Counter[str] = Counter()  # how many watches use each term
        for _, rule in rules:
            plain = {term.folded: term for term in rule.terms if not term.is_regex}
            for folded, term in plain.items():
                shared[folded] += 1
                if shared[folded] == 1:
                    value = (folded, len(folded), term.word_start, term.word_end)
                    automaton.add_word(folded, value)
        self._automaton = automaton if shared else None
        if self._automaton is not None:
            self._automaton.make_automaton()
        # A watch is decided only when a term of its trigger is found: the one of its
        # required sets (``any``, or an ``all`` entry) whose terms fewest watches share,
        # so a brand named in ``all`` by thousands of watches sets none of them off.
        self.watches_of: dict[str, list[int]] = {}  # term → watches it sets off
        self.always: list[int] = []  # watches decided on every post
        for index, rule in rules:
            choices = rule.triggers
            if not choices:
                self.always.append(index)
                continue
            trigger = min(
                choices,
                key=lambda terms: (
                    sum(shared[t.folded] for t in terms),
                    -min(len(t.folded) for t in terms),
                ),
            )
            for folded in dict.fromkeys(term.folded for term in trigger):
                self.watches_of.setdefault(folded, []).append(index)

    def find(self, haystack: str) -> dict[str, list[Span]]:
        """Return where each term stands in the folded text, on word boundaries."""
        found: dict[str, list[Span]] = {}
        if self._automaton is None:
            return found
        word = WORD_CHAR
        size = len(haystack)
        for last, (key, length, word_start, word_end) in self._automaton.iter(haystack):
            end = last + 1
            start = end - length
            # inline word-boundary check: this loop runs for every place a term ends
            if word_start and start and word[haystack[start - 1]]:
                continue
            if word_end and end < size and word[haystack[end]]:
                continue
            spans = found.get(key)
            if spans is None:
                found[key] = [(start, end)]
            elif len(spans) < MAX_HITS_PER_TERM:
                spans.append((start, end))
        return found


class _Pass:
    """One post folded both ways, and the terms found in it, worked out when first asked."""

    def __init__(self, automata: dict[bool, _TermAutomaton], text: str) -> None:
        self._automata = automata
        self._text = text
        self._done: dict[bool, tuple[NormalizedText, dict[str, list[Span]]]] = {}

    def get(self, ignore_accents: bool) -> tuple[NormalizedText, dict[str, list[Span]]]:
        """Return the post folded with or without accents, and the terms found in it."""
        if ignore_accents not in self._done:
            folded = normalize(self._text, ignore_accents=ignore_accents)
            found = self._automata[ignore_accents].find(folded.folded)
            self._done[ignore_accents] = (folded, found)
        return self._done[ignore_accents]


class Watchlist:
    """Every watch of the config with its compiled rule, and the automaton of their terms."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._watches = config.watches
        self._by_id = {watch.id: index for index, watch in enumerate(self._watches)}
        self._rules = tuple(watch.rule() for watch in self._watches)
        self._automata = {
            accents: _TermAutomaton(
                [(i, rule) for i, rule in enumerate(self._rules) if rule.ignore_accents == accents]
            )
            for accents in (False, True)
        }
        # watches that can match a post that holds none of their plain terms
        self._always = tuple(sorted(i for a in self._automata.values() for i in a.always))

    def with_watches(self, watches: Iterable[Watch]) -> Watchlist:
        """Build the watchlist again for a new set of watches."""
        return Watchlist(self._config.model_copy(update={"watches": tuple(watches)}))

    @property
    def watches(self) -> tuple[Watch, ...]:
        """Return the watches, in config order."""
        return self._watches

    def __len__(self) -> int:
        return len(self._rules)

    def rule(self, watch_id: str) -> Rule:
        """Return the compiled rule of one watch."""
        return self._rules[self._index(watch_id)]

    def watch(self, watch_id: str) -> Watch:
        """Return one watch by id."""
        return self._watches[self._index(watch_id)]

    def _index(self, watch_id: str) -> int:
        return self._by_id[watch_id]

    def matches(self, item: Item) -> list[WatchMatch]:
        """Return the watches a post matches, in config order."""
        found: list[WatchMatch] = []
        post = _Pass(self._automata, item.searchable)
        for index in self._candidates(post):
            watch = self._watches[index]
            if not watch.applies_to(item.source_id):
                continue
            verdict = self._decide(index, post)
            if verdict.matched:
                found.append(WatchMatch(watch, verdict))
        return found

    def judge(self, watch_id: str, text: str) -> MatchVerdict:
        """Decide one watch on a text the way ``matches`` does, whatever its sources."""
        return self._decide(self._index(watch_id), _Pass(self._automata, text))

    def judge_each(self, text: str) -> Iterator[MatchVerdict]:
        """Decide every watch on a text, in config order, folding it and finding terms once."""
        post = _Pass(self._automata, text)
        for index in range(len(self._rules)):
            yield self._decide(index, post)

    def _candidates(self, post: _Pass) -> list[int]:
        candidates = set(self._always)
        for accents, automaton in self._automata.items():
            if not automaton.watches_of:
                continue
            _, spans = post.get(accents)
            for key in spans:
                candidates.update(automaton.watches_of.get(key, ()))
        return sorted(candidates)

    def _decide(self, index: int, post: _Pass) -> MatchVerdict:
        rule = self._rules[index]
        text, spans = post.get(rule.ignore_accents)
        return rule.decide(text, spans)
