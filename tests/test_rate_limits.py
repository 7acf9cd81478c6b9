"""Discord's global rate limit holds every request of the bot until its ``retry_after`` ends:
in one process, a send that slept on its bucket meanwhile; across ``leakbot run`` workers on
one PostgreSQL, a hold that another worker learned.

Discord bans a bot that sends 10,000 invalid requests in 10 minutes, so every request sent
into a global hold counts. The real App and real workers, Discord faked on loopback.
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.config.file import load_config
from bot.config.settings import Settings
from bot.runtime.app import App
from storage.db import make_engine
from tests.conftest import WEBHOOK_ID, Leakbot
from tests.fakes.discord import DiscordFake, Request
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running

OTHER_WEBHOOK_ID = "998877665544332211"
OTHER_WEBHOOK_URL = f"https://discord.com/api/webhooks/{OTHER_WEBHOOK_ID}/other-token"
TWO_CHANNELS = f"""
    sources:
      - id: tipster
        feed: {{feed}}
    channels:
      - id: leaks
        webhook: ${{{{LEAKS_WEBHOOK_URL}}}}
      - id: other
        webhook: {OTHER_WEBHOOK_URL}
    watches:
      - id: pixel
        any: ["Pixel 11"]
        channels: [leaks]
      - id: fold
        any: ["Fold 7"]
        channels: [other]
"""
# a worker of its own for each channel, so that the test knows which one sends what
ONE_WORKER = """
    defaults:
      interval: 10s
    sources:
      - id: {source}
        feed: {feed}
    channels:
      - id: {channel}
        webhook: {webhook}
    watches:
      - id: {channel}-watch
        any: ["{term}"]
"""


class Feed:
    """A feed whose newest posts the test writes."""

    def __init__(self, feeds: FeedServer, name: str) -> None:
        self.feeds, self.name = feeds, name
        self.posts = [Post(f"{name}-old", "Old news")]
        feeds.publish_rss(name, self.posts)

    def publish(self, *titles: str) -> None:
        """Put new posts on top of the feed."""
        for title in titles:
            guid = f"{self.name}-{len(self.posts)}"
            self.posts.insert(0, Post(guid, title, link=f"https://e.com/{guid}"))
        self.feeds.publish_rss(self.name, self.posts)


def _titles(discord: DiscordFake, target: str) -> list[str | None]:
    return [m.title for m in discord.messages if m.target == target]


def _global_429(discord: DiscordFake) -> Request | None:
    return next((r for r in discord.requests if r.status == 429 and r.scope == "global"), None)


def _wait(until: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, f"waited {seconds:g} s for {what}"
        time.sleep(0.05)


async def test_a_send_asleep_on_its_bucket_waits_out_a_global_429_that_came_meanwhile(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    """One process, two webhooks: one draws a global 429 while the other sleeps on its
    bucket; the sleeper looks again before it sends, and goes only once the hold is over."""
    discord.bucket = (1, 1.0)  # one request a second per webhook: the second one sleeps
    tipster = Feed(feeds, "tipster")
    path = leakbot.write_config(TWO_CHANNELS.format(feed=feeds.url("tipster")))
    app = await App(Settings(), load_config(path)).__aenter__()
    try:
        await app.poll()  # the first poll records the feed and alerts nothing
        tipster.publish("Fold 7 first")
        await app.poll()
        await app.dispatch()  # the other webhook's bucket is spent for a second
        discord.rate_limit_next(retry_after=2.0, target=WEBHOOK_ID, is_global=True)
        tipster.publish("Pixel 11 one", "Fold 7 second")
        await app.poll()
        await app.dispatch()  # leaks draws the 429 while "Fold 7 second" sleeps
        deadline = time.monotonic() + 20
        while _titles(discord, WEBHOOK_ID) != ["Pixel 11 one"] and time.monotonic() < deadline:
            await app.dispatch()
            await asyncio.sleep(0.1)
    finally:
        await app.__aexit__(None, None, None)
    hold = _global_429(discord)
    assert hold is not None and hold.retry_after == 2.0
    [_, second] = [r for r in discord.requests if r.target == OTHER_WEBHOOK_ID]
    assert second.at >= hold.at + 2.0, f"sent {hold.at + 2.0 - second.at:.2f} s into the hold"
    assert discord.early_requests() == []
    assert _titles(discord, OTHER_WEBHOOK_ID) == ["Fold 7 first", "Fold 7 second"]
    assert _titles(discord, WEBHOOK_ID) == ["Pixel 11 one"]


def _poll_soon(database_url: str, source_id: str) -> None:
    """Make a source due now, as its next slot would, without waiting up to its interval."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE source SET next_poll_at = :now WHERE id = :id"),
                {"now": datetime.now(UTC) - timedelta(seconds=1), "id": source_id},
            )
    finally:
        engine.dispose()


def test_a_global_429_one_worker_drew_holds_the_other_workers(
    leakbot: Leakbot, database_url: str, feeds: FeedServer, discord: DiscordFake
) -> None:
    """Two ``leakbot run`` workers on one PostgreSQL: the hold worker A learned from a
    global 429 keeps worker B's next request back until it ends, though B never drew one."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is for one process; workers share PostgreSQL")
    a_feed, b_feed = Feed(feeds, "tipster-a"), Feed(feeds, "tipster-b")
    a_config = leakbot.home / "a.yaml"
    a_config.write_text(
        ONE_WORKER.format(
            source="tipster-a",
            feed=feeds.url("tipster-a"),
            channel="leaks",
            webhook="${LEAKS_WEBHOOK_URL}",
            term="Pixel 11",
        )
    )
    b_config = leakbot.home / "b.yaml"
    b_config.write_text(
        ONE_WORKER.format(
            source="tipster-b",
            feed=feeds.url("tipster-b"),
            channel="other",
            webhook=OTHER_WEBHOOK_URL,
            term="Fold 7",
        )
    )
    a = Running(["run"], leakbot.home, {**leakbot.env, "LEAKBOT_CONFIG": str(a_config)})
    b = Running(["run"], leakbot.home, {**leakbot.env, "LEAKBOT_CONFIG": str(b_config)})
    try:
        for worker, source in ((a, "tipster-a"), (b, "tipster-b")):
            polled = re.compile(rf"bot\.runtime\.run: {source}: ")
            assert polled.search(worker.wait_for(polled, 60)), worker.output

        discord.rate_limit_next(retry_after=4.0, target=WEBHOOK_ID, is_global=True)
        a_feed.publish("Pixel 11 one")
        _poll_soon(database_url, "tipster-a")
        _wait(lambda: _global_429(discord) is not None, 20, "worker A's global 429")

        b_feed.publish("Fold 7 two")  # worker B's own channel, never rate limited
        _poll_soon(database_url, "tipster-b")
        _wait(lambda: bool(_titles(discord, OTHER_WEBHOOK_ID)), 30, "worker B's message")
        _wait(lambda: bool(_titles(discord, WEBHOOK_ID)), 30, "worker A's message")
    finally:
        codes = [worker.stop(signal.SIGTERM) for worker in (a, b)]
    hold = _global_429(discord)
    assert hold is not None
    [sent] = [r for r in discord.requests if r.target == OTHER_WEBHOOK_ID]
    assert sent.at >= hold.at + 4.0, (
        f"worker B sent {hold.at + 4.0 - sent.at:.2f} s into worker A's hold\n{b.output}"
    )
    assert discord.early_requests() == []
    assert _titles(discord, OTHER_WEBHOOK_ID) == ["Fold 7 two"]
    assert _titles(discord, WEBHOOK_ID) == ["Pixel 11 one"]
    assert codes == [0, 0]
