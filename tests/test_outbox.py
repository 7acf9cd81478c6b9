"""An alert leaves the outbox only when Discord has taken it: outages delay, never lose."""

from __future__ import annotations

import logging

import pytest

from bot.config.file import load_config
from bot.config.settings import Settings
from bot.runtime.app import App
from storage.db import session_scope
from storage.outbox import count_pending
from tests.clock import Clock
from tests.conftest import WEBHOOK_TOKEN, Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post

CONFIG = """
    sources:
      - id: tipster
        feed: {feed}
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
    watches:
      - id: pixel
        any: ["Pixel 11"]
"""


async def _app_with_one_alert(leakbot: Leakbot, feeds: FeedServer, clock: Clock) -> App:
    feeds.publish_rss("tipster", [Post("a", "Old", link="https://e.com/a")])
    path = leakbot.write_config(CONFIG.format(feed=feeds.url("tipster")))
    app = await App(Settings(), load_config(path), now=clock).__aenter__()
    await app.poll()
    feeds.publish_rss(
        "tipster",
        [
            Post("b", "Pixel 11 leak", link="https://e.com/b"),
            Post("a", "Old", link="https://e.com/a"),
        ],
    )
    clock.advance(minutes=10)
    [report] = await app.poll()
    assert report.alerts == 1
    return app


def _pending(app: App) -> int:
    with session_scope(app.engine) as session:
        return count_pending(session=session)


async def test_discord_outage_delays_the_alert_and_never_loses_it(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    app = await _app_with_one_alert(leakbot, feeds, clock)
    try:
        for _ in range(3):
            discord.answer_next(502, {"message": "Bad Gateway"})
        report = await app.dispatch()
        assert (report.delivered, report.failed) == (0, 1)
        assert discord.messages == []
        assert _pending(app) == 1

        # not due yet: nothing is sent before the backoff has passed
        report = await app.dispatch()
        assert discord.attempts == 1 and report.failed == 0

        clock.advance(seconds=20)
        await app.dispatch()  # second 502
        clock.advance(minutes=1)
        await app.dispatch()  # third 502
        assert discord.attempts == 3 and _pending(app) == 1

        clock.advance(minutes=5)
        report = await app.dispatch()
        assert report.delivered == 1
        assert len(discord.messages) == 1
        assert _pending(app) == 0

        clock.advance(hours=1)
        await app.dispatch()
        assert len(discord.messages) == 1  # delivered once, never again
    finally:
        await app.__aexit__(None, None, None)
    assert WEBHOOK_TOKEN not in caplog.text  # the webhook's secret never reaches a log


async def test_rate_limit_retry_after_is_honoured(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    clock = Clock()
    app = await _app_with_one_alert(leakbot, feeds, clock)
    try:
        discord.rate_limit_next(retry_after=42.5)
        await app.dispatch()
        clock.advance(seconds=40)
        await app.dispatch()
        assert discord.attempts == 1  # Discord asked for 42.5 s; 40 s is too soon
        clock.advance(seconds=3)
        report = await app.dispatch()
        assert report.delivered == 1 and discord.attempts == 2
    finally:
        await app.__aexit__(None, None, None)


async def test_unreachable_discord_keeps_the_alert(
    leakbot: Leakbot,
    feeds: FeedServer,
    discord: DiscordFake,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    app = await _app_with_one_alert(leakbot, feeds, clock)
    try:
        discord.__exit__(None, None, None)  # Discord goes away entirely
        with caplog.at_level(logging.WARNING):
            report = await app.dispatch()
        assert report.failed == 1 and _pending(app) == 1
        assert "not delivered" in caplog.text
        assert WEBHOOK_TOKEN not in caplog.text
    finally:
        await app.__aexit__(None, None, None)
        discord.__enter__()


def test_poll_once_reports_alerts_kept_for_later(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    feeds.publish_rss("tipster", [Post("a", "Old", link="https://e.com/a")])
    leakbot.write_config(CONFIG.format(feed=feeds.url("tipster")))
    leakbot("poll-once")
    feeds.publish_rss("tipster", [Post("b", "Pixel 11 leak"), Post("a", "Old")])
    discord.answer_next(500, {"message": "oops"})
    result = leakbot("poll-once")
    assert result.code == 0
    assert "outbox: 1 alert kept for a later retry" in result.out
    assert discord.messages == []
    assert WEBHOOK_TOKEN not in result.out + result.err
