"""The two things every kind of source does: read its posts, and say whether one is gone.

A feed is fetched over HTTP and parsed in the worker pool; a missing post is confirmed on
its own page. An X account is read through the X API, which also says whether a post was
deleted. Both raise SourceError (with its kind) when they cannot read.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import aiohttp

from bot.config.file import Source
from bot.domain import Reading, StoredPost
from bot.polling.linkcheck import PageSays, check_page
from bot.sources.feed.parse_pool import ParsePool
from bot.sources.http import HostSlots, Limits, fetch

if TYPE_CHECKING:  # tweepy is loaded only when an X bearer token is set
    from bot.sources.x.timeline import XTimeline

log = logging.getLogger(__name__)


class SourceReader(Protocol):
    """What the poller asks of one kind of source."""

    async def read(self, source: Source, *, etag: str | None, last_modified: str | None) -> Reading:
        """Read the source's posts now; raise SourceError when that cannot be done."""
        ...

    async def confirm_deleted(self, source: Source, post: StoredPost) -> tuple[bool, str]:
        """Say whether a missing post is gone for sure, and why (or why that is not proven)."""
        ...


@dataclass
class FeedReader:
    """RSS and Atom feeds over HTTP, parsed in killable worker processes."""

    http: aiohttp.ClientSession
    parser: ParsePool
    slots: HostSlots
    limits: Limits

    async def read(self, source: Source, *, etag: str | None, last_modified: str | None) -> Reading:
        """Fetch the feed (conditionally) and parse it into Items."""
        assert source.feed is not None
        async with self.slots.hold(source.feed):
            fetched = await fetch(
                self.http, source.feed, etag=etag, last_modified=last_modified, limits=self.limits
            )
        if fetched.not_modified:
            return Reading(
                not_modified=True, etag=fetched.etag, last_modified=fetched.last_modified
            )
        # relative links and guids resolve against the configured URL, not wherever a
        # redirect ended: a feed that moves behind a redirect keeps its posts' keys
        parsed = await self.parser.parse(
            fetched.body, source_id=source.id, url=source.feed, content_type=fetched.content_type
        )
        return Reading(
            items=parsed.items,
            clean=parsed.clean,
            problem=parsed.problem,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
        )

    async def confirm_deleted(self, source: Source, post: StoredPost) -> tuple[bool, str]:
        """Check the post's page: 404, 410 or a removal marker proves it is gone."""
        link = post.item.link
        if not link:
            return True, "it has no page to check"
        says, why = await check_page(self.http, link, markers=source.deleted_markers)
        return says is PageSays.GONE, why


@dataclass
class XReader:
    """X accounts through the X API v2 (tweepy, in a thread: it blocks)."""

    timeline: XTimeline

    async def read(self, source: Source, *, etag: str | None, last_modified: str | None) -> Reading:
        """Read the account's recent posts."""
        assert source.x is not None
        items = await asyncio.to_thread(
            self.timeline.recent_posts, source_id=source.id, username=source.x
        )
        return Reading(items=tuple(items))

    async def confirm_deleted(self, source: Source, post: StoredPost) -> tuple[bool, str]:
        """Ask the X API: a Not Found Error proves the post was deleted."""
        from bot.sources.x.timeline import PostStatus, XError

        try:
            status = (await asyncio.to_thread(self.timeline.status_of, [post.key]))[post.key]
        except XError as exc:
            return False, f"X did not say more: {exc}"
        if status is not PostStatus.GONE:
            return False, f"X says {status.value}"
        return True, "X answers Not Found"
