"""Which channels hear about what: the one place that routes alerts to channels.

A new post goes to the channels of the watches it matched; a deletion, edit or restore of
a post goes to the channels of the watches it matched when it appeared; a notice about a
source (paused, recovered) goes to the channels of every watch that looks at the source.
A watch without ``channels`` alerts every channel, and the console when none is set up.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.config.file import CONSOLE_CHANNEL, Config


class Routes:
    """The channels of each watch and each source, worked out once per config."""

    def __init__(self, config: Config) -> None:
        everywhere = tuple(c.id for c in config.channels) or (CONSOLE_CHANNEL,)
        self.everywhere = everywhere
        self._by_watch = {
            watch.id: watch.channels if watch.channels is not None else everywhere
            for watch in config.watches
        }
        self._by_source: dict[str, tuple[str, ...]] = {}
        for source in config.sources:
            found: dict[str, None] = {}
            for watch in config.watches:
                if watch.applies_to(source.id):
                    found.update(dict.fromkeys(self._by_watch[watch.id]))
            self._by_source[source.id] = tuple(found) or everywhere

    def of_watch(self, watch_id: str) -> tuple[str, ...]:
        """Return the channels one watch alerts (none for a watch no longer configured)."""
        return self._by_watch.get(watch_id, ())

    def of_watches(self, watch_ids: Iterable[str]) -> dict[str, list[str]]:
        """Return each channel the watches alert, with the watches that send it there."""
        found: dict[str, list[str]] = {}
        for watch_id in watch_ids:
            for channel in self.of_watch(watch_id):
                found.setdefault(channel, []).append(watch_id)
        return found

    def of_source(self, source_id: str) -> tuple[str, ...]:
        """Return the channels that follow a source: those of every watch that looks at it."""
        return self._by_source.get(source_id, self.everywhere)
