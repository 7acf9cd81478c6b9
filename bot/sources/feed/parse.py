"""The feedparser adapter: feed bytes in, frozen Items out. Nothing else imports feedparser.

feedparser is the reference reading of a feed. Most feeds are read on the fast path
(bot.sources.feed.fast), which hands back feedparser's verdict or nothing; feedparser reads
whatever it hands back nothing for. Both paths build Items in one place, ``_items``.
"""

from __future__ import annotations

import calendar
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from feedparser.encodings import convert_to_utf8
from feedparser.mixin import _FeedParserMixin
from feedparser.sanitizer import replace_doctype

from bot.domain import Item
from bot.errors import SourceError, SourceErrorKind
from bot.sources.feed.fast import Reference, read_fast
from bot.sources.feed.gate import gate
from bot.sources.items import canonical_url, html_to_text, stable_key

# feedparser warns on every entry that has `updated` but no `published`; we ask for both.
warnings.filterwarnings("ignore", message="To avoid breaking", category=DeprecationWarning)

# What the fast path must know of feedparser to name elements and read dates as it does.
REFERENCE = Reference(
    prefixes={uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()},
    acts_on=frozenset(
        name.split("_", 2)[2]  # _start_dc_creator -> dc_creator
        for name in dir(StrictFeedParser)
        if name.startswith(("_start_", "_end_"))
    ),
    parse_date=_parse_date,
)


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
    fast: bool = field(default=False, compare=False)  # read on the fast path, not by feedparser


def parse_feed(
    body: bytes,
    *,
    source_id: str,
    url: str,
    content_type: str | None = None,
    fast: bool = True,
) -> ParsedFeed:
    """Parse feed bytes into Items.

    Raise RefusedFeedError for bytes the gate keeps from the parser, and NotAFeedError
    when nothing feed-like is in them. Run it in a ParsePool, bounded in time and memory.
    With ``fast`` (the default) the fast path reads the feeds it can read as feedparser
    does, and feedparser the rest; with ``fast=False`` feedparser reads every feed.
    """
    body = gate(body)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    if fast:
        quick = _parse_fast(body, headers, source_id=source_id, url=url)
        if quick is not None:
            return quick
    parsed = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    complaint = parsed.get("bozo_exception") if parsed.get("bozo") else None
    problem = str(complaint) if complaint is not None else None
    if not parsed.get("version") and not parsed.entries:
        raise NotAFeedError(problem or "no RSS or Atom content found")
    items = _items(parsed.entries, source_id=source_id, base=parsed.feed.get("link") or url)
    title, _ = html_to_text(parsed.feed.get("title", ""))
    return ParsedFeed(title, items, problem, _clean(complaint))


def _parse_fast(
    body: bytes, headers: dict[str, str], *, source_id: str, url: str
) -> ParsedFeed | None:
    """Parse on the fast path, or return None where it may read otherwise than feedparser."""
    decoding: dict[str, Any] = {}
    # feedparser's own decoding and DOCTYPE handling, so both paths read the same text
    data = convert_to_utf8(headers, body, decoding)
    complaint = decoding.get("bozo_exception")
    if not decoding.get("encoding") or not _clean(complaint):
        return None  # feedparser would read it with its loose parser
    netscape, data, entities = replace_doctype(data)
    if netscape or entities:
        return None  # Netscape's RSS 0.91 DOCTYPE, or entities feedparser declares again
    feed = read_fast(data, base=url, reference=REFERENCE)
    if feed is None:
        return None
    items = _items(feed.entries, source_id=source_id, base=feed.link or url)
    title, _ = html_to_text(feed.title)
    problem = str(complaint) if complaint is not None else None
    return ParsedFeed(title, items, problem, clean=True, fast=True)


def _clean(complaint: object) -> bool:
    """Tell whether feedparser read the whole document despite its complaint."""
    # a wrong Content-Type or a wrongly declared encoding (text/xml without a charset means
    # us-ascii, yet the feed is UTF-8) still leaves the whole document read
    return complaint is None or isinstance(
        complaint, (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
    )


def _items(entries: Iterable[Any], *, source_id: str, base: str) -> tuple[Item, ...]:
    """Turn a feed's entries into its Items, in feed order, each post once."""
    items: list[Item] = []
    seen: set[str] = set()
    for entry in entries:
        item = _item(entry, source_id=source_id, base=base)
        if not (entry.get("id") or item.title or item.text or item.link or item.images):
            continue  # an entry with nothing in it (a broken feed's debris) is no post
        if item.key in seen:
            continue  # a guid repeated within one feed: the first one stands
        seen.add(item.key)
        items.append(item)
    return tuple(items)


def _item(entry: Any, *, source_id: str, base: str) -> Item:
    raw_link = entry.get("link")
    # a stray element named like one of feedparser's keys (<links>) can overwrite it
    link = canonical_url(raw_link, base) if raw_link and isinstance(raw_link, str) else None
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
    for media in [*_dicts(entry, "media_content"), *_dicts(entry, "media_thumbnail")]:
        medium = media.get("medium") or ""
        kind = media.get("type") or ""
        if media.get("url") and (medium == "image" or kind.startswith("image/") or not kind):
            urls.append(media["url"])
    for link in _dicts(entry, "links"):
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            urls.append(link.get("href", ""))
    return [u for u in (canonical_url(url, base) for url in urls if url) if u]


def _dicts(entry: Any, key: str) -> list[Any]:
    """Return the dicts listed under a key, or none when a stray element took the key."""
    value = entry.get(key)
    return [one for one in value if isinstance(one, dict)] if isinstance(value, list) else []


def _dedupe(urls: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(urls))


def _utc(value: object) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
