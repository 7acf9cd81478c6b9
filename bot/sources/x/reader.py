"""Reading an X account through the X API v2; the API also says whether a post was deleted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.config.file import Source
from bot.domain import Reading, StoredPost
from bot.sources.x.timeline import PostStatus, XError, XTimeline


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
        try:
            status = (await asyncio.to_thread(self.timeline.status_of, [post.key]))[post.key]
        except XError as exc:
            return False, f"X did not say more: {exc}"
        if status is not PostStatus.GONE:
            return False, f"X says {status.value}"
        return True, "X answers Not Found"
