"""Real-world feeds from tests/data/ref go through the feed adapter into well-formed Items.

The table tests hold each captured feed up against feedparser's own view of the same bytes:
every entry with a link gives an Item with an absolute http(s) link, every entry with a
time gives an Item with that time in UTC, and every Item has a key that is unique within
the feed and the same on every parse.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest

from bot.domain import Item
from bot.sources.feed.parse import NotAFeedError, ParsedFeed, parse_feed
from tests.conftest import REF

CAPTURED = sorted((REF / "feeds" / "captured").rglob("*.*"))
CAPTURED = [p for p in CAPTURED if p.name != "LICENSE"]
NOT_FEEDS = {"notafeed.html", "unrecognized.rss"}  # HTML pages, not feeds
URL = "https://feeds.example/dir/feed.xml"


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _parse(path: Path, url: str = URL) -> ParsedFeed | None:
    """Parse a captured feed as the poller would; None for the known non-feeds."""
    try:
        return parse_feed(path.read_bytes(), source_id="ref", url=url)
    except NotAFeedError:
        assert path.name in NOT_FEEDS, f"{path.name} was refused as not a feed"
        return None


def _feedparser_entries(path: Path, url: str = URL) -> list[Any]:
    """Return feedparser's own entries for the same bytes, served from the same URL."""
    body = path.read_bytes()
    if body.startswith(b"\x1f\x8b"):
        body = gzip.decompress(body)
    return list(feedparser.parse(body, response_headers={"content-location": url}).entries)


def _identity(entry: Any) -> object:
    """Say which post an entry is, as a reader would: its guid, else its link, else its text."""
    guid = (entry.get("id") or "").strip()
    return guid or entry.get("link") or (entry.get("title"), entry.get("summary"))


def _first_of_each(entries: list[Any]) -> list[Any]:
    """Keep the first entry of each post: a feed that repeats a guid has one post there,
    and an entry with no id, title, link or text is no post at all."""
    seen: set[object] = set()
    kept = []
    for entry in entries:
        if not any(entry.get(key) for key in ("id", "title", "link", "summary", "content")):
            continue
        identity = _identity(entry)
        if identity not in seen:
            seen.add(identity)
            kept.append(entry)
    return kept


def _web_link(entry: Any, url: str) -> str | None:
    """Return an entry's link resolved against the feed URL, if it is an http(s) URL."""
    link = (entry.get("link") or "").strip()
    if not link:
        return None
    resolved = urljoin(url, link)
    return resolved if urlsplit(resolved).scheme.lower() in ("http", "https") else None


def _utc_time(entry: Any) -> datetime | None:
    """Return the entry's published (else updated) time as feedparser reads it, in UTC."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed is None:
        return None
    year, month, day, hour, minute, second = parsed[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_reference_feeds_are_present() -> None:
    assert len(CAPTURED) > 50, f"expected the captured feeds under {REF}"


@pytest.mark.parametrize("path", CAPTURED, ids=_name)
def test_captured_feed_gives_items_with_keys_links_and_utc_times(path: Path) -> None:
    parsed = _parse(path)
    if parsed is None:
        return
    keys = [item.key for item in parsed.items]
    assert len(keys) == len(set(keys))
    for item in parsed.items:
        assert item.key
        assert item.published_at is None or item.published_at.utcoffset() == timedelta(0)
        assert item.link is None or item.link.startswith(("http://", "https://"))


@pytest.mark.parametrize("path", CAPTURED, ids=_name)
def test_items_agree_with_feedparsers_view_of_the_same_bytes(path: Path) -> None:
    parsed = _parse(path)
    if parsed is None:
        return
    entries = _first_of_each(_feedparser_entries(path))
    assert len(parsed.items) == len(entries), "one Item per post of the feed, in feed order"
    pairs: list[tuple[Any, Item]] = list(zip(entries, parsed.items, strict=True))
    for index, (entry, item) in enumerate(pairs):
        where = f"entry {index} ({entry.get('title', '')!r:.60})"
        expected_link = _web_link(entry, URL)
        if expected_link is None:
            assert item.link is None or item.link.startswith(("http://", "https://")), where
        else:
            assert item.link is not None, f"{where}: the feed links {expected_link}"
            assert item.link.startswith(("http://", "https://")), where
            ours, theirs = urlsplit(item.link), urlsplit(expected_link)
            assert (ours.hostname, ours.path or "/") == (theirs.hostname, theirs.path or "/"), (
                f"{where}: {item.link} is not {expected_link}"
            )
        expected_time = _utc_time(entry)
        if expected_time is None:
            assert item.published_at is None, f"{where}: a time the feed does not give"
        else:
            assert item.published_at is not None, f"{where}: the feed dates it {expected_time}"
            assert item.published_at.utcoffset() == timedelta(0), where
            assert item.published_at == expected_time, where


@pytest.mark.parametrize("path", CAPTURED, ids=_name)
def test_item_keys_are_stable_across_parses(path: Path) -> None:
    # keys never depend on where a redirect ended: the poller parses every feed against
    # its configured URL (see test_a_feed_that_moves_behind_a_redirect_keeps_its_posts)
    parsed = _parse(path)
    if parsed is None:
        return
    again = _parse(path)
    assert again is not None
    assert [i.key for i in again.items] == [i.key for i in parsed.items]
    entries = _first_of_each(_feedparser_entries(path))
    assert len(parsed.items) == len(entries)
    assert len({i.key for i in parsed.items}) == len(parsed.items)


def test_an_empty_entry_is_no_post() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item></item><item><guid>1</guid><title>Leica leak</title></item></channel></rss>"
    )
    parsed = parse_feed(body, source_id="s", url=URL)
    assert [item.title for item in parsed.items] == ["Leica leak"]
