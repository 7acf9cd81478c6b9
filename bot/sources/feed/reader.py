"""A feed: fetched over HTTP, parsed in the worker pool; a missing post is checked on its page."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from bot.config.file import Source
from bot.domain import Reading, StoredPost
from bot.polling.linkcheck import PageSays, check_page
from bot.sources.feed.parse_pool import ParsePool
from bot.sources.http import HostSlots, Limits, fetch


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
