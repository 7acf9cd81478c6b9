"""Slash commands under strain and with secrets about: a real ``leakbot run`` with the real
discord.py client, against the protocol-level fake of Discord's gateway and REST on loopback.

``/watch test`` on a costly watchlist is deferred and matched off the event loop, within a
time budget; a URL's ``token=``, ``key=`` and ``sig=`` values never reach a reply; at
``LEAKBOT_LOG_LEVEL=DEBUG`` discord.py's payload dumps stay out of the log.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable

import pytest

from bot.discord_bot.actions import TEST_BUDGET
from tests.conftest import Leakbot
from tests.fakes.discord_gateway import LEAKS_CHANNEL_ID, TOKEN, Answer, DiscordBotFake
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running


@pytest.fixture
def discord(discord_bot: DiscordBotFake) -> DiscordBotFake:
    """These tests talk to Discord through the gateway and REST, as a bot does."""
    return discord_bot


@pytest.fixture
def tipster(feeds: FeedServer) -> str:
    feeds.publish_rss("tipster", [Post("a", "Old news", link="https://e.com/a")])
    return feeds.url("tipster")


# the source is lead-tipster: its slot is 1.5% into its interval, so a fresh `leakbot run`
# polls it first at once (bot/polling/timetable.py, first_poll) and each later poll as
# much sooner; "tipster"'s slot (64% in) kept every test waiting 3.2 s more
CONFIG = """
defaults:
  interval: 10s
sources:
  - id: lead-tipster
    feed: "{feed}"
channels:
  - id: leaks
    discord_channel: "{channel}"
watches:
{watches}
"""


def _start(leakbot: Leakbot, discord: DiscordBotFake, **env: str) -> Running:
    """Start ``leakbot run`` with a bot token, and wait until its commands are synced."""
    environment = {
        **leakbot.env,
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
        **env,
    }
    identified = discord.identifies
    bot = Running(["run"], leakbot.home, environment)
    try:
        discord.wait_ready(60, identifies=identified)
    except AssertionError:
        bot.kill()
        raise AssertionError(f"the bot never synced its commands; it said:\n{bot.output}") from None
    return bot


def _until(check: Callable[[], bool], seconds: float, bot: Running) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting; the bot said:\n{bot.output}"
        assert bot.process.poll() is None, f"leakbot run exited:\n{bot.output}"
        time.sleep(0.1)


def _ok(answer: Answer) -> str:
    """Check what every reply must be: ephemeral, within limits and in time; return its text."""
    assert answer.text is not None, "the bot did not answer"
    assert answer.ephemeral, answer
    assert len(answer.text) <= 2000
    assert answer.callback_at - answer.sent_at < 3.0, "no answer within Discord's 3 s"
    return answer.text


def _costly_watches(count: int) -> str:
    """Write watches whose every term matches almost every character of a text.

    Each watch is 666 ``re:[^X]`` terms, 5,992 characters as /watch add would take them
    (Discord's limit for an option is 6,000): a watch costs seconds on a 6,000-character text.
    """
    lines = []
    for number in range(count):
        terms = [f"re:[^{chr(0x4E00 + number * 1000 + i)}]" for i in range(666)]
        assert len(", ".join(terms)) <= 6000
        quoted = ", ".join(f'"{term}"' for term in terms)
        lines.append(f"  - id: costly-{number}\n    any: [{quoted}]")
    return "\n".join(lines)


def test_watch_test_on_a_costly_watchlist_is_deferred_and_the_bot_keeps_answering(
    cli: Leakbot, discord: DiscordBotFake, tipster: str
) -> None:
    """Five watches of 666 terms that each match everywhere, and a 6,000-character text:
    ``/watch test`` says at once that an answer is coming, other commands are answered
    meanwhile within a second, and the answer comes within the budget, naming the watches it
    had no time for.

    On SQLite alone: the matching runs off the event loop and touches no database; the
    commands' storage on PostgreSQL is test_slash_commands'."""
    watches = _costly_watches(5)
    cli.write_config(CONFIG.format(feed=tipster, channel=LEAKS_CHANNEL_ID, watches=watches))
    bot = _start(cli, discord)
    try:
        _until(lambda: "lead-tipster: first poll" in bot.output, 60, bot)
        text = "a " * 3000
        token = discord.send_command("watch", "test", {"text": text})
        meanwhile: list[float] = []
        while (
            discord.answers[token].text is None
            and time.monotonic() - discord.answers[token].sent_at < 60
        ):
            listed = discord.command("watch", "list", wait=30)
            assert _ok(listed).startswith("5 watches:"), listed
            meanwhile.append(listed.callback_at - listed.sent_at)
            time.sleep(0.2)
        tested = discord.answer(token, 60)
        assert tested.deferred, "a slow /watch test is deferred"
        told = _ok(tested)
        took = tested.followup_at - tested.sent_at
        assert re.match(
            r"([1-4]) of \1 watches match; [1-4] watches not tested, as matching this text took "
            rf"over {TEST_BUDGET:g} s: .*costly-4",
            told,
        ), told
        assert "watch costly-0: MATCH" in told, told
        assert len(meanwhile) >= 3, meanwhile
        assert max(meanwhile) < 1.0, meanwhile
        # the budget, plus one watch begun before it ran out
        assert took < TEST_BUDGET + 10, took
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)  # shown when the test fails
    print(
        f"\n/watch test on 5 x 666 terms and 6,000 characters: deferred after "
        f"{(tested.callback_at - tested.sent_at) * 1000:.0f} ms, answered after {took:.1f} s; "
        f"/watch list meanwhile: median {statistics.median(meanwhile) * 1000:.0f} ms, "
        f"max {max(meanwhile) * 1000:.0f} ms over {len(meanwhile)}"
    )


def test_a_quick_watch_test_is_answered_at_once(
    leakbot: Leakbot, discord: DiscordBotFake, tipster: str
) -> None:
    """A text tested against a few plain watches is answered in one message, not deferred."""
    watches = '  - id: pixel\n    any: ["Pixel 11"]\n  - id: leica\n    any: [Leica, 徕卡]'
    leakbot.write_config(CONFIG.format(feed=tipster, channel=LEAKS_CHANNEL_ID, watches=watches))
    bot = _start(leakbot, discord)
    try:
        tested = discord.command("watch", "test", {"text": "Pixel 11 with a Leica camera"})
        assert not tested.deferred
        assert _ok(tested).startswith("2 of 2 watches match\n"), tested.text
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)  # shown when the test fails


SECRETS = ("file-token-0451", "file-key-0452", "discord-sig-0453", "ftp-0455")


def test_source_urls_are_shown_masked_in_every_reply(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordBotFake, tipster: str
) -> None:
    """A feed URL's token=, key= and sig= values never reach Discord: ``/source list``,
    ``/source add``'s answers and ``/leakbot status`` show ``***`` instead."""
    feed = f"{tipster}?token=file-token-0451&key=file-key-0452&lang=en"
    watches = '  - id: pixel\n    any: ["Pixel 11"]'
    leakbot.write_config(CONFIG.format(feed=feed, channel=LEAKS_CHANNEL_ID, watches=watches))
    feeds.publish_rss("weibo", [Post("w1", "Galaxy S30 leak", link="https://e.com/w1")])
    bot = _start(leakbot, discord)
    try:
        _until(lambda: "lead-tipster: first poll" in bot.output, 60, bot)
        added = _ok(
            discord.command(
                "source",
                "add",
                {"id": "weibo", "feed": f"{feeds.url('weibo')}?sig=discord-sig-0453"},
            )
        )
        assert added.startswith("Added source `weibo`"), added
        refused = _ok(
            discord.command(
                "source",
                "add",
                {"id": "mirror", "feed": "ftp://feeds.example/leaks?api_key=ftp-0455"},
            )
        )
        assert "api_key=***" in refused, refused
        listed = _ok(discord.command("source", "list"))
        assert f"`lead-tipster` (file): feed {tipster}?token=***&key=***&lang=en" in listed, listed
        assert f"`weibo` (Discord): feed {feeds.url('weibo')}?sig=***" in listed, listed
        status = _ok(discord.command("leakbot", "status"))
        shown = "\n".join([added, refused, listed, status])
        assert not [secret for secret in SECRETS if secret in shown], shown
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)  # shown when the test fails


def test_debug_log_keeps_discord_tokens_out(
    leakbot: Leakbot, discord: DiscordBotFake, tipster: str
) -> None:
    """At LEAKBOT_LOG_LEVEL=DEBUG the bot token and an interaction's token never reach the
    log: discord.py's loggers stay at INFO, while leakbot's own say DEBUG."""
    watches = '  - id: pixel\n    any: ["Pixel 11"]'
    leakbot.write_config(CONFIG.format(feed=tipster, channel=LEAKS_CHANNEL_ID, watches=watches))
    bot = _start(leakbot, discord, LEAKBOT_LOG_LEVEL="DEBUG")
    try:
        token = discord.send_command("watch", "list")
        assert _ok(discord.answer(token)).startswith("1 watch:")
        tested = discord.command("watch", "test", {"text": "Pixel 11"})
        assert _ok(tested).startswith("1 of 1 watches match")
        _until(lambda: "lead-tipster: first poll" in bot.output, 60, bot)
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
    log = bot.output
    assert " DEBUG " in log, "leakbot logged nothing at DEBUG"
    assert "discord.gateway: Shard ID None has connected to Gateway" in log, log
    assert TOKEN not in log, "the bot token is in the log"
    assert token not in log, "an interaction token is in the log"
    assert not [t for t in discord.answers if t in log], "an interaction token is in the log"
