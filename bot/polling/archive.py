"""Archiving a post's images at first sight, so a deleted post can still be shown."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from urllib.parse import urlsplit

import aiohttp

from bot.domain import ArchivedImage
from bot.sources.http import proxy_for, read_at_most

log = logging.getLogger(__name__)

IMAGE_BYTES = 8 * 1024 * 1024  # Discord's attachment limit without boosts is 10 MiB
IMAGES_PER_POST = 4


async def download_images(
    session: aiohttp.ClientSession, urls: tuple[str, ...], *, source_id: str
) -> list[ArchivedImage]:
    """Download a post's first images with a size cap; one that fails is skipped and logged."""
    wanted = urls[:IMAGES_PER_POST]
    found = await asyncio.gather(*(_download(session, url, source_id) for url in wanted))
    return [image for image in found if image is not None]


async def _download(
    session: aiohttp.ClientSession, url: str, source_id: str
) -> ArchivedImage | None:
    try:
        async with asyncio.timeout(30):
            async with session.get(url, max_redirects=5, proxy=proxy_for(url)) as response:
                if response.status != 200:
                    raise ValueError(f"HTTP {response.status}")
                kind = (response.content_type or "").lower()
                if not kind.startswith("image/"):
                    raise ValueError(f"not an image ({kind or 'no type'})")
                if response.content_length and response.content_length > IMAGE_BYTES:
                    raise ValueError(f"{response.content_length} bytes is over the cap")
                data = await read_at_most(response, IMAGE_BYTES)
                if len(data) > IMAGE_BYTES:
                    raise ValueError(f"over the {IMAGE_BYTES}-byte cap")
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        host = urlsplit(url).hostname
        log.warning("source %s: image from %s not archived: %s", source_id, host, exc)
        return None
    return ArchivedImage(url, hashlib.sha256(data).hexdigest(), kind, data)
