"""Checking a vanished post's own page: only 404, 410 or a removal marker prove deletion."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from urllib.parse import urlsplit

import aiohttp

from bot.sources.http import proxy_for, read_at_most

PAGE_BYTES = 512 * 1024
_LOGIN_WORDS = ("login", "signin", "sign-in", "passport", "auth", "sso", "visitor")


class PageSays(enum.Enum):
    """What a post's page says about the post."""

    GONE = "gone"  # 404, 410, or the page shows a removal marker
    THERE = "there"  # the page is up and shows no removal marker
    UNKNOWN = "unknown"  # 403, 429, 5xx, timeouts, login walls: proves nothing


async def check_page(
    session: aiohttp.ClientSession,
    url: str,
    *,
    markers: Sequence[str] = (),
    timeout_seconds: float = 15.0,
) -> tuple[PageSays, str]:
    """Fetch a post's page and say whether it proves the post is gone, with the reason."""
    try:
        async with asyncio.timeout(timeout_seconds):
            async with session.get(
                url, allow_redirects=True, max_redirects=5, proxy=proxy_for(url)
            ) as response:
                final = str(response.url)
                if response.status in (404, 410):
                    return PageSays.GONE, f"its page answers {response.status}"
                if response.status != 200:
                    return PageSays.UNKNOWN, f"its page answers {response.status}"
                if final != url and _is_login_wall(final):
                    return PageSays.UNKNOWN, "its page redirects to a login"
                body = await read_at_most(response, PAGE_BYTES)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return PageSays.UNKNOWN, f"its page could not be fetched ({type(exc).__name__})"
    page = body.decode(response.charset or "utf-8", errors="replace")
    for marker in markers:
        if marker and marker in page:
            return PageSays.GONE, f"its page says {marker!r}"
    return PageSays.THERE, "its page is still up"


def _is_login_wall(url: str) -> bool:
    parts = urlsplit(url)
    where = f"{parts.hostname or ''}{parts.path}".lower()
    return any(word in where for word in _LOGIN_WORDS)
