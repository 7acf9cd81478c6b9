"""A failing source backs off, is paused after a while, and its pause and recovery are
announced once each; poll-once and check-config show every source's health."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot.polling.backoff import source_retry_delay
from tests.conftest import WEBHOOK_ID, Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post

CONFIG = """
    defaults:
      failures_before_pause: 3
      max_backoff: 2h
    sources:
      - id: steady
        feed: {steady}
      - id: flaky
        feed: {flaky}
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
    watches:
      - id: leica
        any: [Leica]
"""


def test_backoff_doubles_with_jitter_up_to_the_ceiling() -> None:
    rng = random.Random(7)
    interval = timedelta(minutes=10)
    delays = [source_retry_delay(interval, n, rng=rng) for n in range(1, 8)]
    expected = [10, 20, 40, 80, 160, 320, 360]  # minutes; six hours at most
    for delay, minutes in zip(delays, expected, strict=True):
        low, high = timedelta(minutes=minutes * 0.85), timedelta(minutes=minutes * 1.15)
        assert min(low, timedelta(hours=6)) <= delay <= min(high, timedelta(hours=6))
    assert len({round(d.total_seconds()) for d in delays[:5]}) == 5  # jittered, not fixed
    assert source_retry_delay(interval, 50, ceiling=timedelta(hours=1)) <= timedelta(hours=1)


def _notices(discord: DiscordFake) -> list[str]:
    titles = [m.body["embeds"][0]["title"] for m in discord.messages if m.target == WEBHOOK_ID]
    return [t for t in titles if t.startswith("Source ")]


def test_a_failing_source_is_paused_and_recovers_with_one_notice_each(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    feeds.publish_rss("steady", [Post("s1", "old")])
    feeds.publish_rss("flaky", [Post("f1", "old")])
    leakbot.write_config(CONFIG.format(steady=feeds.url("steady"), flaky=feeds.url("flaky")))
    assert leakbot("poll-once").code == 0

    feeds.fail("flaky", 503)
    # named sources are polled now, back-off or not: the operator asked for them
    lines = [leakbot("poll-once", "--source", "steady", "--source", "flaky").out for _ in range(5)]
    assert "flaky: FAILED (HTTP 503 Service Unavailable); 1 failure in a row" in lines[0]
    assert "next retry at" in lines[1]
    assert "3 failures in a row; PAUSED, next try at" in lines[2]
    assert "5 failures in a row; PAUSED" in lines[4]
    assert all("steady: not modified (304)" in out for out in lines)
    assert _notices(discord) == ["Source paused: flaky"]  # once, however long it lasts
    [notice] = [m for m in discord.messages if m.body["embeds"][0]["title"].startswith("Source")]
    facts = {f["name"]: f["value"] for f in notice.body["embeds"][0]["fields"]}
    assert facts["Failures in a row"] == "3"
    assert facts["Last error"] == "HTTP 503 Service Unavailable"

    health = leakbot("check-config").out
    assert "health: PAUSED since" in health
    assert "after 5 failures (HTTP 503 Service Unavailable); next try at" in health
    assert "health: ok, last success" in health  # the steady source

    feeds.fail("flaky", 200)
    feeds.publish_rss("flaky", [Post("f2", "Leica leak"), Post("f1", "old")])
    assert "flaky: skipped (paused after 5 failures" in leakbot("poll-once").out
    resumed = leakbot("source", "resume", "flaky")
    assert resumed.code == 0
    assert "source flaky (paused): tried at once" in resumed.out
    out = leakbot("poll-once").out
    # the new post and the one "Source recovered" notice
    assert "flaky: ok, 2 items, 1 new, 2 alerts" in out
    assert _notices(discord) == ["Source paused: flaky", "Source recovered: flaky"]
    assert "Leica leak" in [m.body["embeds"][0]["title"] for m in discord.messages]
    assert leakbot("check-config").out.count("health: ok, last success") == 2

    feeds.fail("flaky", 500)  # a new outage is a new pause, announced again
    for _ in range(4):
        leakbot("poll-once", "--source", "flaky")
    assert _notices(discord) == [
        "Source paused: flaky",
        "Source recovered: flaky",
        "Source paused: flaky",
    ]


def test_quick_poll_once_runs_while_offline_do_not_pause_a_source(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    # each run used to count as a failure: five quick runs offline paused it for hours
    feeds.publish_rss("steady", [Post("s1", "old")])
    feeds.publish_rss("flaky", [Post("f1", "old")])
    leakbot.write_config(CONFIG.format(steady=feeds.url("steady"), flaky=feeds.url("flaky")))
    assert leakbot("poll-once").code == 0
    feeds.fail("flaky", 503)
    lines = [leakbot("poll-once").out for _ in range(5)]
    assert "flaky: FAILED (HTTP 503 Service Unavailable); 1 failure in a row" in lines[0]
    for out in lines[1:]:
        assert (
            "flaky: skipped (backing off after 1 failure in a row "
            "(HTTP 503 Service Unavailable); next try at "
        ) in out
        assert "`leakbot source resume flaky` tries it now)" in out
        assert "steady: not modified (304)" in out
    assert _notices(discord) == []
    assert "failing, 1 in a row" in leakbot("check-config").out

    assert "source steady: not failing" in leakbot("source", "resume", "steady").out
    assert "tried at once" in leakbot("source", "resume", "flaky").out
    assert "flaky: FAILED (HTTP 503 Service Unavailable); 2 failures in a row" in (
        leakbot("poll-once").out
    )
    unknown = leakbot("source", "resume", "nope")
    assert unknown.code == 2
    assert "no source with id nope" in unknown.err


def test_check_config_before_any_poll_says_so(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    leakbot.write_config(CONFIG.format(steady=feeds.url("steady"), flaky=feeds.url("flaky")))
    result = leakbot("check-config")
    assert result.code == 0
    assert result.out.count("health: not polled yet") == 2


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_bad_pause_threshold_is_a_config_error(cli: Leakbot, value: str) -> None:
    path = cli.write_config(
        f"defaults:\n  failures_before_pause: {value}\nsources:\n"
        "  - id: a\n    feed: https://example.com/feed\n"
    )
    result = cli("check-config")
    assert result.code == 2
    assert f"{path}:2: defaults.failures_before_pause:" in result.err
