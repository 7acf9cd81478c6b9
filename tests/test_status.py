"""``leakbot status`` shows each source, each channel and the outbox; ``leakbot run`` says
at start what is paused, broken and waiting."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import WEBHOOK_TOKEN, Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running

UNKNOWN_WEBHOOK = {"message": "Unknown Webhook", "code": 10015}

CONFIG = """
    defaults:
      failures_before_pause: {pause_after}
    sources:
      - id: tipster
        feed: {tipster}
      - id: gone
        feed: {gone}{extra}
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
    watches:
      - id: pixel
        any: ["Pixel 11"]
"""


def _config(feeds: FeedServer, *, pause_after: int, flaky: bool = False) -> str:
    extra = f"\n      - id: flaky\n        feed: {feeds.url('flaky')}" if flaky else ""
    return CONFIG.format(
        pause_after=pause_after, tipster=feeds.url("tipster"), gone=feeds.url("gone"), extra=extra
    )


def _a_paused_source_and_a_broken_channel(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    """Pause ``gone`` and break ``leaks`` (Discord: Unknown Webhook) with an alert held."""
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    feeds.publish_rss("gone", [])
    feeds.fail("gone", 503)
    leakbot.write_config(_config(feeds, pause_after=1))
    assert leakbot("poll-once").code == 0
    feeds.publish_rss("tipster", [Post("b", "Pixel 11 Pro leaks in full"), Post("a", "Old news")])
    discord.answer_next(404, UNKNOWN_WEBHOOK)
    assert leakbot("poll-once", "--source", "tipster").code == 0
    assert [m.body["embeds"][0]["title"] for m in discord.messages] == ["Source paused: gone"]


def test_status_shows_sources_ok_failing_and_paused(leakbot: Leakbot, feeds: FeedServer) -> None:
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    feeds.publish_rss("gone", [])
    feeds.fail("gone", 503)
    feeds.publish_rss("flaky", [])
    feeds.fail("flaky", 500)
    leakbot.write_config(_config(feeds, pause_after=1))
    assert leakbot("poll-once").code == 0
    # a third source that fails once, with room for more failures before a pause
    leakbot.write_config(_config(feeds, pause_after=5, flaky=True))
    assert leakbot("poll-once", "--source", "flaky").code == 0

    result = leakbot("status")

    assert result.code == 0, result.err
    lines = {line.split()[0]: line for line in result.out.splitlines() if line.startswith("  ")}
    assert re.search(r"tipster\s+ok, last success \d+s ago; next poll in \d+m", lines["tipster"])
    assert re.search(r"flaky\s+failing, 1 in a row \(HTTP 500.*\); next retry at ", lines["flaky"])
    assert re.search(r"gone\s+PAUSED since .* after 1 failures? \(HTTP 503", lines["gone"])
    assert "3 sources:" in result.out
    assert re.search(r"leaks\s+ok$", lines["leaks"])
    assert "outbox: empty" in result.out


def test_status_shows_a_broken_channel_and_what_it_holds(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    _a_paused_source_and_a_broken_channel(leakbot, feeds, discord)

    result = leakbot("status")

    assert result.code == 0, result.err
    assert re.search(
        r"leaks\s+BROKEN since \S+ \(\d+s ago\): .*Unknown Webhook.*; its alerts are held: fix "
        r"the channel, then `leakbot outbox retry leaks`; 1 alert waiting, the oldest for \d+s",
        result.out,
    ), result.out
    assert re.search(r"^outbox: 1 alert waiting, the oldest for \d+s$", result.out, re.M)
    assert WEBHOOK_TOKEN not in result.out + result.err
    checked = leakbot("check-config")  # says it too, under the channel it configures
    assert re.search(r"leaks\s+webhook\n\s+health: BROKEN since .*Unknown Webhook", checked.out)
    assert re.search(r"^outbox: 1 alert waiting", checked.out, re.M), checked.out


def test_status_says_so_before_leakbot_ever_ran(cli: Leakbot, feeds: FeedServer) -> None:
    cli.write_config(_config(feeds, pause_after=1))

    result = cli("status")

    assert result.code == 0, result.err
    assert re.search(r"tipster\s+not polled yet", result.out)
    assert "(no database yet: leakbot has not run here)" in result.out
    assert "outbox: empty" in result.out
    assert not (cli.home / "leakbot.db").exists()
    assert not Path(cli.env["DATABASE_URL"].removeprefix("sqlite:///")).exists()


def test_run_says_at_start_what_is_paused_broken_and_waiting(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    _a_paused_source_and_a_broken_channel(leakbot, feeds, discord)
    bot = Running(["run"], leakbot.home, leakbot.env)
    try:
        output = bot.wait_for(re.compile(r"leakbot running"), 30)
        assert bot.stop() == 0, output
    finally:
        bot.kill()
    assert re.search(
        r"INFO .*at start: 1 source paused, 1 channel broken, outbox 1 alert waiting, "
        r"the oldest for \d+s",
        output,
    ), output
    assert re.search(r"WARNING .*source gone: PAUSED since .*HTTP 503", output), output
    assert re.search(r"WARNING .*channel leaks: BROKEN since .*Unknown Webhook", output), output
    assert WEBHOOK_TOKEN not in output


X_CONFIG = """
    sources:
      - id: tipster
        feed: {feed}
      - id: ice
        x: UniverseIce
    watches:
      - id: pixel
        any: ["Pixel 11"]
"""


def test_x_sources_without_a_token_are_said_to_be_skipped(
    leakbot: Leakbot, feeds: FeedServer
) -> None:
    """What poll-once says of an X source with no X_BEARER_TOKEN, status and check-config
    say too, before and after a poll, instead of "not polled yet"."""
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    leakbot.write_config(X_CONFIG.format(feed=feeds.url("tipster")))
    skipped = "skipped: X_BEARER_TOKEN is not set"

    before = leakbot("status")
    polled = leakbot("poll-once")
    after = leakbot("status")
    checked = leakbot("check-config")

    assert "ice: skipped (X_BEARER_TOKEN is not set)" in polled.out
    assert re.search(rf"^  ice\s+{skipped}$", before.out, re.M), before.out
    assert re.search(rf"^  ice\s+{skipped}$", after.out, re.M), after.out
    assert re.search(r"^  tipster\s+ok, last success", after.out, re.M), after.out
    assert re.search(rf"^  ice\s+x .*\n\s+health: {skipped}$", checked.out, re.M), checked.out
