"""What every kind of source does, and the registry of the kinds: one entry a kind.

A kind is one package under ``bot/sources/`` (its reader and its adapter) plus one entry in
``SOURCE_KINDS``: the config key that names it, how its reader is built from the app's
parts, and why its sources are skipped when it cannot be built here. Nothing else branches
on the kind. This module stays light: the config file reads its keys from it, so a kind's
package is imported only when its reader is built.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.domain import SourceKind

if TYPE_CHECKING:
    import aiohttp

    from bot.clock import Now
    from bot.config.file import Config, Deletions, Source, XOptions
    from bot.config.settings import Settings
    from bot.domain import Item, Reading, StoredPost
    from bot.runtime.worker import Worker
    from bot.sources.feed.parse_pool import ParsePool
    from bot.sources.http import HostSlots, Limits
    from storage.db import Database


class SourceReader(Protocol):
    """What the poller asks of one kind of source."""

    async def read(self, source: Source, *, etag: str | None, last_modified: str | None) -> Reading:
        """Read the source's posts now; raise SourceError when that cannot be done."""
        ...

    async def confirm_deleted(self, source: Source, post: StoredPost) -> tuple[bool, str]:
        """Say whether a missing post is gone for sure, and why (or why that is not proven)."""
        ...


@runtime_checkable
class NewPostsReader(SourceReader, Protocol):
    """A kind whose reads return only what is new since the last (X's ``since_id``), and
    that says itself which followed posts are deleted; it keeps its own books in the
    database (what it spent, its rate limits), so the poller binds it to the app's parts."""

    def bind(self, database: Database, now: Now, options: Callable[[], XOptions]) -> None:
        """Give the reader the database, the clock and its config section."""
        ...

    async def read_new(
        self,
        source: Source,
        *,
        since: str | None,
        followed: Sequence[StoredPost],
        deletions: Deletions,
    ) -> Reading:
        """Read what is new since ``since``; look up the followed posts that are due."""
        ...

    def every(self, interval: timedelta) -> timedelta:
        """Return how often a source of this interval is polled now (budget, stream)."""
        ...


class Pusher(Protocol):
    """A kind's push of posts as they are made (X's filtered stream): one worker holds it,
    under the lease it names, and keeps it in step with the config on each tick."""

    lease: str

    async def keep(self) -> None:
        """Keep the push in step with the running config (connect, rules, or close)."""
        ...

    async def stop(self) -> None:
        """Close the push; polls take over."""
        ...


@dataclass(frozen=True)
class PushParts:
    """The app's parts a kind builds its push from."""

    settings: Settings
    database: Database
    now: Now
    config: Callable[[], Config]  # the running config, as it is at each call
    readable: Callable[[Source], bool]
    take: Callable[[Source, tuple[Item, ...]], Awaitable[object]]  # the poller's decide+write
    worker: Worker


@dataclass(frozen=True)
class ReaderParts:
    """The app's parts a kind builds its reader from."""

    settings: Settings
    web: aiohttp.ClientSession  # the session with the SSRF guard: sources are strangers'
    parser: ParsePool
    slots: HostSlots
    limits: Limits


@dataclass(frozen=True)
class SourceType:
    """One kind of source: how the config file names it, and how its reader is made."""

    kind: SourceKind
    key: str  # the config key that makes a source this kind: ``feed: URL``, ``x: username``
    label: str  # how the log names its sources: "X sources"
    address: Callable[[str], str]  # the key's value as the operator is shown it
    unavailable: Callable[[Settings], str | None]  # why it cannot be read here; None: it can
    build: Callable[[ReaderParts], SourceReader]  # only when ``unavailable`` says None
    # posts pushed as they are made, for one worker at a time; None: the kind is only polled
    push: Callable[[PushParts], Pusher] | None = None

    def skip_notice(self, reason: str) -> str:
        """Say once, in the log, that this kind's sources are skipped, and why."""
        return f"{reason}, so {self.label} sources are skipped"


def _feed_reader(parts: ReaderParts) -> SourceReader:
    from bot.sources.feed.reader import FeedReader

    return FeedReader(parts.web, parts.parser, parts.slots, parts.limits)


def _x_token(settings: Settings) -> str | None:
    token = settings.x_bearer_token
    return token.get_secret_value() if token is not None and token.get_secret_value() else None


def _x_unavailable(settings: Settings) -> str | None:
    return None if _x_token(settings) else "X_BEARER_TOKEN is not set"


def _x_reader(parts: ReaderParts) -> SourceReader:
    # tweepy is imported only by those who follow X
    from bot.sources.x.reader import XReader
    from bot.sources.x.timeline import XTimeline

    token = _x_token(parts.settings)
    if token is None:
        raise RuntimeError(f"an X reader needs X_BEARER_TOKEN: {_x_unavailable(parts.settings)}")
    return XReader(XTimeline(token, parts.settings.x_api_base_url))


def _x_stream(parts: PushParts) -> Pusher:
    from bot.sources.x.stream import XStream

    token = _x_token(parts.settings)
    if token is None:
        raise RuntimeError(f"an X stream needs X_BEARER_TOKEN: {_x_unavailable(parts.settings)}")
    return XStream(
        token=token,
        api_base=parts.settings.x_api_base_url,
        database=parts.database,
        now=parts.now,
        config=parts.config,
        readable=parts.readable,
        take=parts.take,
        worker=parts.worker,
    )


SOURCE_KINDS: tuple[SourceType, ...] = (
    SourceType(
        kind=SourceKind.FEED,
        key="feed",
        label="feed",
        address=lambda url: url,
        unavailable=lambda _settings: None,
        build=_feed_reader,
    ),
    SourceType(
        kind=SourceKind.X,
        key="x",
        label="X",
        address=lambda username: f"@{username.lstrip('@')}",
        unavailable=_x_unavailable,
        build=_x_reader,
        push=_x_stream,
    ),
)


def source_type(kind: SourceKind) -> SourceType:
    """Return the registry's entry for a kind of source."""
    for entry in SOURCE_KINDS:
        if entry.kind == kind:
            return entry
    raise LookupError(f"bot/sources/base.py: no entry in SOURCE_KINDS for the kind {kind!r}")
