"""X sources through the real tweepy client against a loopback fake of the X API v2."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.sources.x.timeline import PostStatus, XError, XTimeline, posts_from_response
from tests.conftest import REF, Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.x_api import Tweet, XFake

TOKEN = "x-bearer-token-never-logged"


@pytest.fixture
def x_api() -> Iterator[XFake]:
    with XFake(token=TOKEN) as fake:
        fake.account("UniverseIce", "1000001")
        yield fake


def test_recorded_timeline_turns_into_items() -> None:
    recorded = json.loads(
        (REF / "x" / "recorded" / "test_client_get_users_tweets.json").read_text()
    )
    items = posts_from_response(recorded[0]["body"], source_id="x", username="TwitterDev")
    assert [item.key for item in items] == ["1577730467436138524", "1565318587736285184"]
    assert items[0].link == "https://x.com/TwitterDev/status/1577730467436138524"
    assert items[0].text.startswith("whoa, it works")


def test_timeline_gives_posts_with_images_and_utc_times(
    x_api: XFake, caplog: pytest.LogCaptureFixture
) -> None:
    posted = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    x_api.post(
        "UniverseIce",
        Tweet(
            "1860000000000000001",
            "Galaxy S27 Ultra: titanium again",
            posted,
            image="https://pbs.twimg.com/media/s27.jpg",
        ),
    )
    timeline = XTimeline(TOKEN, x_api.url)
    with caplog.at_level(logging.DEBUG):
        [item] = timeline.recent_posts(source_id="ice-universe", username="UniverseIce")
    assert item.key == "1860000000000000001"
    assert item.published_at == posted
    assert item.images == ("https://pbs.twimg.com/media/s27.jpg",)
    assert item.author == "@UniverseIce"
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(timeline)


def test_deleted_post_is_gone_and_protected_one_proves_nothing(x_api: XFake) -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    x_api.post("UniverseIce", Tweet("1", "kept", now))
    x_api.post("UniverseIce", Tweet("2", "deleted soon", now))
    x_api.post("UniverseIce", Tweet("3", "protected", now))
    x_api.delete("UniverseIce", "2")
    x_api.protected.add("3")
    statuses = XTimeline(TOKEN, x_api.url).status_of(["1", "2", "3"])
    assert statuses == {"1": PostStatus.THERE, "2": PostStatus.GONE, "3": PostStatus.UNKNOWN}


def test_errors_are_clear(x_api: XFake) -> None:
    with pytest.raises(XError, match="401"):
        XTimeline("wrong-token", x_api.url).recent_posts(source_id="s", username="UniverseIce")
    with pytest.raises(XError, match="no X account named @nobody_here"):
        XTimeline(TOKEN, x_api.url).recent_posts(source_id="s", username="nobody_here")
    x_api.rate_limited = True
    with pytest.raises(XError, match="rate limited by X until 2030-03-17"):
        XTimeline(TOKEN, x_api.url).recent_posts(source_id="s", username="UniverseIce")


def test_x_tipster_leak_and_deletion_reach_discord(
    leakbot: Leakbot, x_api: XFake, discord: DiscordFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    monkeypatch.setenv("X_API_BASE_URL", x_api.url)
    leakbot.write_config(
        """
        sources:
          - id: ice-universe
            x: UniverseIce
            track_deletions: true
        channels:
          - id: leaks
            webhook: ${LEAKS_WEBHOOK_URL}
        watches:
          - id: galaxy
            any: ["Galaxy S27"]
        deletions:
          confirm_missing_polls: 2
          confirm_missing_for: 1s
        """
    )
    now = datetime.now(UTC)
    x_api.post("UniverseIce", Tweet("100", "Good morning", now - timedelta(hours=3)))
    assert "ice-universe: first poll, 1 item recorded" in leakbot("poll-once").out

    x_api.post(
        "UniverseIce", Tweet("101", "Galaxy S27 Ultra: 5x periscope is back", now, image=None)
    )
    result = leakbot("poll-once")
    assert "ice-universe: ok, 2 items, 1 new, 1 alert" in result.out
    assert discord.messages[0].body["embeds"][0]["url"] == "https://x.com/UniverseIce/status/101"

    x_api.post("UniverseIce", Tweet("102", "Lunch", now + timedelta(minutes=1)))
    x_api.delete("UniverseIce", "101")
    leakbot("poll-once")  # missing once
    time.sleep(1.1)
    result = leakbot("poll-once")  # twice, over a second: X says Not Found
    assert "1 deleted" in result.out
    titles = [m.body["embeds"][0]["title"] for m in discord.messages]
    assert titles == [
        "Galaxy S27 Ultra: 5x periscope is back",
        "Deleted: Galaxy S27 Ultra: 5x periscope is back",
    ]
    assert TOKEN not in result.out + result.err


def test_without_token_x_sources_are_skipped_with_a_warning(
    leakbot: Leakbot, caplog: pytest.LogCaptureFixture
) -> None:
    leakbot.write_config("sources:\n  - id: ice\n    x: UniverseIce\n")
    result = leakbot("poll-once")
    assert result.code == 0
    assert "ice: skipped (X_BEARER_TOKEN is not set)" in result.out
    assert "X_BEARER_TOKEN is not set, so X sources are skipped" in caplog.text
