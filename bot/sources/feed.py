"""The feedparser adapter: feed bytes in, frozen Items out. Nothing else imports feedparser."""

from __future__ import annotations

import calendar
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.domain import Item
from bot.errors import SourceError, SourceErrorKind
from bot.items import canonical_url, html_to_text, stable_key
from bot.sources.gate import gate

# feedparser warns on every entry that has `updated` but no `published`; we ask for both.
warnings.filterwarnings("ignore", message="To avoid breaking", category=DeprecationWarning)


class NotAFeedError(SourceError):
    """The bytes are not an RSS or Atom feed."""

    kind = SourceErrorKind.NOT_A_FEED


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a feed holds: its title, its items, and whether feedparser had to forgive it."""

    title: str
    items: tuple[Item, ...]
    problem: str | None  # feedparser's complaint about a feed it could still read
    clean: bool = True  # read in full: no complaint, or only one about the HTTP headers


def parse_feed(
    body: bytes, *, source_id: str, url: str, content_type: str | None = None
) -> ParsedFeed:
    """Parse feed bytes into Items.

    Raise RefusedFeedError for bytes the gate keeps from the parser, and NotAFeedError
    when nothing feed-like is in them. Run it in a ParsePool, bounded in time and memory.
    """
    body = gate(body)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    complaint = parsed.get("bozo_exception") if parsed.get("bozo") else None
    problem = str(complaint) if complaint is not None else None
    # a wrong Content-Type or a wrongly declared encoding (text/xml without a charset means
    # us-ascii, yet the feed is UTF-8) still leaves the whole document read
    clean = complaint is None or isinstance(
        complaint, (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
    )
    if not parsed.get("version") and not parsed.entries:
        raise NotAFeedError(problem or "no RSS or Atom content found")
    feed_link = parsed.feed.get("link") or url
    items: list[Item] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        item = _item(entry, source_id=source_id, base=feed_link)
        if not (entry.get("id") or item.title or item.text or item.link or item.images):
            continue  # an entry with nothing in it (a broken feed's debris) is no post
        if item.key in seen:
            continue  # a guid repeated within one feed: the first one stands
        seen.add(item.key)
        items.append(item)
    title, _ = html_to_text(parsed.feed.get("title", ""))
    return ParsedFeed(title, tuple(items), problem, clean)


def _item(entry: Any, *, source_id: str, base: str) -> Item:
    raw_link = entry.get("link") or ""
    link = canonical_url(raw_link, base) if raw_link else None
    html = _body_html(entry)
    text, inline_images = html_to_text(html, base=link or base)
    title, _ = html_to_text(entry.get("title", ""))
    images = _dedupe([*_media_images(entry, base), *inline_images])
    author = entry.get("author") or None
    published = _utc(entry.get("published_parsed") or entry.get("updated_parsed"))
    key = stable_key(entry.get("id"), link, fallback=f"{title}\n{text}")
    return Item(
        source_id=source_id,
        key=key,
        title=title,
        text=text,
        html=html,
        link=link,
        author=author.strip() if isinstance(author, str) else None,
        published_at=published,
        images=images,
    )


def _body_html(entry: Any) -> str:
    contents = entry.get("content") or []
    for content in contents:
        value = content.get("value")
        if value:
            return str(value)
    return str(entry.get("summary", ""))


def _media_images(entry: Any, base: str) -> list[str]:
    urls: list[str] = []
    for media in [*entry.get("media_content", []), *entry.get("media_thumbnail", [])]:
        medium = media.get("medium") or ""
        kind = media.get("type") or ""
        if media.get("url") and (medium == "image" or kind.startswith("image/") or not kind):
            urls.append(media["url"])
    for link in entry.get("links", []):
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            urls.append(link.get("href", ""))
    return [u for u in (canonical_url(url, base) for url in urls if url) if u]


def _dedupe(urls: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(urls))


def _utc(value: time.struct_time | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
