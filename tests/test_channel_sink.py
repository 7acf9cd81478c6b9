"""With DISCORD_TOKEN, the bot posts in a channel; without it, those alerts wait, unlost."""

from __future__ import annotations

import pytest

from tests.conftest import Leakbot
from tests.fakes.discord import MESSAGES_PATH, DiscordFake, body_problems
from tests.fakes.feed_server import FeedServer, Post

TOKEN = "bot-token-that-must-stay-secret"
CONFIG = """
    sources:
      - id: tipster
        feed: {feed}
    channels:
      - id: leaks
        discord_channel: "123456789012345678"
    watches:
      - id: fold
        any: ["iPhone Fold"]
"""


def _leak(leakbot: Leakbot, feeds: FeedServer) -> None:
    feeds.publish_rss("tipster", [Post("a", "Old", link="https://e.com/a")])
    leakbot.write_config(CONFIG.format(feed=feeds.url("tipster")))
    assert leakbot("poll-once").code == 0
    feeds.publish_rss(
        "tipster",
        [Post("b", "iPhone Fold hinge pictured", link="https://e.com/b"), Post("a", "Old")],
    )


def test_bot_posts_the_alert_in_its_channel(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    _leak(leakbot, feeds)
    result = leakbot("poll-once")
    assert "outbox: 1 alert delivered" in result.out
    [message] = discord.messages
    assert message.route == "channel"
    assert message.target == "123456789012345678"
    assert message.headers["Authorization"] == f"Bot {TOKEN}"
    assert message.body["enforce_nonce"] is True  # Discord drops a copy resent after a crash
    assert body_problems(MESSAGES_PATH, message.body) == []
    assert TOKEN not in result.out + result.err


def test_without_token_channel_alerts_wait_in_the_outbox(
    leakbot: Leakbot,
    feeds: FeedServer,
    discord: DiscordFake,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _leak(leakbot, feeds)
    result = leakbot("poll-once")
    assert "1 alert" in result.out
    assert discord.messages == []
    assert "channel leaks: DISCORD_TOKEN is not set" in caplog.text

    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)  # the operator adds the token and restarts
    result = leakbot("poll-once")
    assert "outbox: 1 alert delivered" in result.out
    assert len(discord.messages) == 1
