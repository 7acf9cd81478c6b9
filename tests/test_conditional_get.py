"""A feed that has not changed answers 304 and is not parsed or matched again."""

from __future__ import annotations

from tests.conftest import Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post


def test_unchanged_feed_answers_304_and_is_not_parsed_again(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    feeds.publish_rss("news", [Post("1", "Galaxy S27 Ultra dummy units", link="https://e.com/1")])
    leakbot.write_config(
        f"""
        sources:
          - id: news
            feed: {feeds.url("news")}
        watches:
          - id: galaxy
            any: ["Galaxy S27"]
        """
    )
    assert "first poll, 1 item recorded" in leakbot("poll-once").out
    first_etag = feeds.feeds["news"].etag

    result = leakbot("poll-once")
    assert result.code == 0
    assert "news: not modified (304)" in result.out
    assert feeds.hits("news")[-1]["If-None-Match"] == first_etag
    assert feeds.hits("news")[-1].get("If-Modified-Since") == feeds.feeds["news"].last_modified
    assert "leakbot/" in feeds.hits("news")[-1]["User-Agent"]

    feeds.publish_rss(
        "news",
        [
            Post("2", "Galaxy S27 Edge cancelled", link="https://e.com/2"),
            Post("1", "Galaxy S27 Ultra dummy units", link="https://e.com/1"),
        ],
    )
    result = leakbot("poll-once")
    assert "news: ok, 2 items, 1 new, 1 alert" in result.out
    assert "[NEW] news: Galaxy S27 Edge cancelled" in result.out  # the console sink
