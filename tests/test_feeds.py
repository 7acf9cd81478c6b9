"""Real-world feeds from shared/ref go through the feed adapter into well-formed Items."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sources.feed import NotAFeedError, parse_feed
from tests.conftest import SHARED_REF

CAPTURED = sorted((SHARED_REF / "feeds" / "captured").rglob("*.*"))
CAPTURED = [p for p in CAPTURED if p.name != "LICENSE"]


def test_reference_feeds_are_present() -> None:
    assert len(CAPTURED) > 50, f"expected the captured feeds under {SHARED_REF}"


@pytest.mark.parametrize("path", CAPTURED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_captured_feed_gives_items_with_keys_links_and_utc_times(path: Path) -> None:
    try:
        parsed = parse_feed(path.read_bytes(), source_id="ref", url="https://feeds.example/")
    except NotAFeedError:
        assert path.name in {"notafeed.html", "unrecognized.rss"}, (
            f"{path.name} was refused as not a feed"
        )
        return
    keys = [item.key for item in parsed.items]
    assert len(keys) == len(set(keys))
    for item in parsed.items:
        assert item.key
        assert item.published_at is None or item.published_at.utcoffset() is not None
        assert item.link is None or item.link.startswith(("http://", "https://"))
