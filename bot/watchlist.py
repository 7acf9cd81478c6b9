"""The configured watches, compiled once, asked about each new post."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config, Watch
from bot.items import Item
from bot.matching import Rule, Verdict, normalize


@dataclass(frozen=True, slots=True)
class WatchMatch:
    """A watch that matched a post, the verdict that says why, and where to alert."""

    watch: Watch
    verdict: Verdict
    channels: tuple[str, ...]


class Watchlist:
    """Every watch of the config with its compiled rule."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._rules: list[tuple[Watch, Rule]] = [(w, w.rule()) for w in config.watches]

    def __len__(self) -> int:
        return len(self._rules)

    def rule(self, watch_id: str) -> Rule:
        """Return the compiled rule of one watch."""
        for watch, rule in self._rules:
            if watch.id == watch_id:
                return rule
        raise KeyError(watch_id)

    def matches(self, item: Item) -> list[WatchMatch]:
        """Return the watches a post matches, each with its channels."""
        text = None
        found = []
        for watch, rule in self._rules:
            if not watch.applies_to(item.source_id):
                continue
            if text is None:
                text = normalize(item.searchable)
            verdict = rule.judge(text)
            if verdict.matched:
                found.append(WatchMatch(watch, verdict, self._config.channel_ids_of(watch)))
        return found
