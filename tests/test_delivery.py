"""Delivery you can trust: each channel first in first out, whatever Discord answers, however
many dispatchers run, and whenever the bot is stopped.

The real App on a real database (SQLite and PostgreSQL), Discord faked on loopback with its
rate-limit buckets, and a clock the test moves instead of sleeping where waits are long.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from bot.clock import utc_now
from bot.config.file import load_config
from bot.config.settings import Settings
from bot.delivery.outbox import LEASE
from bot.domain import AlertState, ChannelState
from bot.runtime.app import App
from storage.db import MIGRATIONS, make_engine, migrate, session_scope
from storage.models import AlertRow, DeliveryRow
from storage.outbox import channel_states, claim_channels, count_pending, list_alerts
from tests.clock import Clock
from tests.conftest import ROOT, WEBHOOK_ID, Leakbot
from tests.fakes.discord import (
    INVALID_FORM_BODY,
    INVALID_WEBHOOK_TOKEN,
    UNKNOWN_WEBHOOK,
    Answer,
    DiscordFake,
)
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running

OTHER_WEBHOOK_ID = "998877665544332211"
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
TWO_CHANNELS = f"""
    sources:
      - id: tipster
        feed: {{feed}}
    channels:
      - id: leaks
        webhook: ${{{{LEAKS_WEBHOOK_URL}}}}
      - id: other
        webhook: https://discord.com/api/webhooks/{OTHER_WEBHOOK_ID}/other-token
    watches:
      - id: pixel
        any: ["Pixel 11"]
        channels: [leaks]
      - id: fold
        any: ["Fold 7"]
"""


@dataclass
class Tipster:
    """A feed whose newest posts the test writes, one poll at a time."""

    feeds: FeedServer
    posts: list[Post] = field(default_factory=lambda: [Post("old", "Old news")])

    def publish(self, *titles: str) -> None:
        """Put new posts on top of the feed."""
        for title in titles:
            guid = f"p{len(self.posts)}"
            self.posts.insert(0, Post(guid, title, link=f"https://e.com/{guid}"))
        self.feeds.publish_rss("tipster", self.posts)


@dataclass
class Bot:
    """An open App over the test's home, its clock and the tipster it follows."""

    app: App
    clock: Clock | Callable[[], datetime]
    tipster: Tipster

    async def leak(self, *titles: str) -> None:
        """Publish matching posts and poll, so that each queues one alert per channel."""
        self.tipster.publish(*titles)
        if isinstance(self.clock, Clock):
            self.clock.advance(seconds=1)
        [report] = await self.app.poll()
        assert report.alerts >= len(titles), report.line()

    def advance(self, **delta: float) -> None:
        assert isinstance(self.clock, Clock)
        self.clock.advance(**delta)

    def pending(self) -> int:
        with session_scope(self.app.engine) as session:
            return count_pending(session=session)

    async def drain(self, seconds: float = 20) -> None:
        """Dispatch again and again in real time until nothing waits, or time runs out."""
        deadline = time.monotonic() + seconds
        while self.pending() and time.monotonic() < deadline:
            await self.app.dispatch()
            await asyncio.sleep(0.05)


def _titles(discord: DiscordFake, target: str = WEBHOOK_ID) -> list[str | None]:
    return [m.title for m in discord.messages if m.target == target]


async def _open(
    leakbot: Leakbot,
    feeds: FeedServer,
    config: str = CONFIG,
    clock: Callable[[], datetime] = utc_now,
) -> App:
    path = leakbot.write_config(config.format(feed=feeds.url("tipster")))
    return await App(Settings(), load_config(path), now=clock).__aenter__()


@pytest.fixture
async def bot(leakbot: Leakbot, feeds: FeedServer) -> AsyncIterator[Bot]:
    """A bot on a clock the test moves, past its first (silent) poll."""
    tipster = Tipster(feeds)
    tipster.publish()
    clock = Clock()
    app = await _open(leakbot, feeds, clock=clock)
    try:
        await app.poll()
        yield Bot(app, clock, tipster)
    finally:
        await app.__aexit__(None, None, None)


@pytest.fixture
async def live_bot(leakbot: Leakbot, feeds: FeedServer) -> AsyncIterator[Bot]:
    """A bot on the real clock, for waits the test measures in real time."""
    tipster = Tipster(feeds)
    tipster.publish()
    app = await _open(leakbot, feeds)
    try:
        await app.poll()
        yield Bot(app, utc_now, tipster)
    finally:
        await app.__aexit__(None, None, None)


async def test_order_holds_across_passes_under_429_500_502(bot: Bot, discord: DiscordFake) -> None:
    """An alert queued behind one that failed waits its turn, pass after pass."""
    await bot.leak("Pixel 11 one")
    discord.rate_limit_next(retry_after=30)
    assert (await bot.app.dispatch()).failed == 1

    await bot.leak("Pixel 11 two")
    await bot.app.dispatch()  # "two" must not overtake "one", which waits out the 429
    assert discord.messages == []

    bot.advance(seconds=31)
    discord.answer_next(500, {"message": "500: Internal Server Error", "code": 0})
    await bot.app.dispatch()
    await bot.leak("Pixel 11 three")
    await bot.app.dispatch()
    assert discord.messages == []

    bot.advance(seconds=20)
    discord.answer_next(502, {"message": "502: Bad Gateway", "code": 0})
    await bot.app.dispatch()
    bot.advance(minutes=1)
    report = await bot.app.dispatch()
    assert report.delivered == 3
    assert _titles(discord) == ["Pixel 11 one", "Pixel 11 two", "Pixel 11 three"]
    assert discord.statuses() == [429, 500, 502, 200, 200, 200]


async def test_a_refused_alert_is_set_aside_and_the_ones_behind_go(
    bot: Bot, discord: DiscordFake, leakbot: Leakbot, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord's 400 on one alert costs only that alert; the operator can see and resend it."""
    await bot.leak("Pixel 11 refused")
    await bot.leak("Pixel 11 two")
    await bot.leak("Pixel 11 three")
    status, body, _ = INVALID_FORM_BODY
    discord.answer_next(status, body)
    report = await bot.app.dispatch()
    assert (report.delivered, report.set_aside) == (2, 1)
    assert _titles(discord) == ["Pixel 11 two", "Pixel 11 three"]
    assert "set aside: Discord refused it" in caplog.text

    for _ in range(5):  # never retried on its own
        bot.advance(minutes=30)
        await bot.app.dispatch()
    assert discord.attempts == 3

    listed = leakbot("outbox", "list")
    assert listed.code == 0
    assert "set-aside" in listed.out and "Pixel 11 refused" in listed.out
    assert "Invalid Form Body (code 50035)" in listed.out
    with session_scope(bot.app.engine) as session:
        [refused] = list_alerts(session=session)
    assert refused.state == AlertState.SET_ASIDE

    assert leakbot("outbox", "retry", str(refused.id)).code == 0  # the operator fixed it
    assert (await bot.app.dispatch()).delivered == 1
    assert _titles(discord)[-1] == "Pixel 11 refused"


@pytest.mark.parametrize(
    ("answer", "said"),
    [(UNKNOWN_WEBHOOK, "Unknown Webhook (code 10015)"), (INVALID_WEBHOOK_TOKEN, "code 50027")],
)
async def test_a_deleted_webhook_marks_the_channel_broken_and_holds_its_alerts(
    bot: Bot,
    discord: DiscordFake,
    leakbot: Leakbot,
    caplog: pytest.LogCaptureFixture,
    answer: Answer,
    said: str,
) -> None:
    """401/404: one clear line, the alerts kept, no request storm; a repair sends them all."""
    discord.refuse(WEBHOOK_ID, answer)
    await bot.leak("Pixel 11 one")
    with caplog.at_level(logging.INFO):
        report = await bot.app.dispatch()
        assert report.broken == ("leaks",)
        await bot.leak("Pixel 11 two")
        for _ in range(5):
            bot.advance(minutes=10)
            await bot.app.dispatch()
        assert discord.attempts == 1  # held, not retried every pass
        bot.advance(minutes=15)
        await bot.app.dispatch()  # the hourly look: still broken, nothing more said
        assert discord.attempts == 2
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "channel leaks is broken" in errors[0].getMessage()
    assert said in errors[0].getMessage()
    assert bot.pending() == 2  # held, not dropped
    with session_scope(bot.app.engine) as session:
        [state] = channel_states(session=session)
    assert state.state == ChannelState.BROKEN and said in (state.reason or "")

    discord.repair(WEBHOOK_ID)
    assert leakbot("outbox", "retry", "leaks").code == 0
    assert (await bot.app.dispatch()).delivered == 2
    assert _titles(discord) == ["Pixel 11 one", "Pixel 11 two"]


def test_a_webhook_repaired_in_the_config_gets_the_held_alerts(
    leakbot: Leakbot,
    feeds: FeedServer,
    discord: DiscordFake,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tipster = Tipster(feeds)
    tipster.publish()
    leakbot.write_config(CONFIG.format(feed=feeds.url("tipster")))
    assert leakbot("poll-once").code == 0
    discord.refuse(WEBHOOK_ID, UNKNOWN_WEBHOOK)
    tipster.publish("Pixel 11 held")
    result = leakbot("poll-once")
    assert "channel leaks is broken" in result.err or discord.messages == []
    assert leakbot("status").out.count("BROKEN") == 1
    # every poll-once says what is held, not only the pass that found the channel broken
    again = leakbot("poll-once")
    assert again.code == 0
    assert "outbox: channel leaks is BROKEN (" in again.out
    assert "1 alert held until it is fixed, then `leakbot outbox retry leaks`" in again.out

    # the operator makes a new webhook and puts its URL in .env
    monkeypatch.setenv(
        "LEAKS_WEBHOOK_URL", f"https://discord.com/api/webhooks/{OTHER_WEBHOOK_ID}/new"
    )
    assert leakbot("poll-once").code == 0
    assert _titles(discord, OTHER_WEBHOOK_ID) == ["Pixel 11 held"]
    assert "BROKEN" not in leakbot("status").out


async def test_retry_after_holds_the_whole_channel(live_bot: Bot, discord: DiscordFake) -> None:
    """After a 429, no request reaches that webhook before retry_after has passed."""
    await live_bot.leak("Pixel 11 one")
    discord.rate_limit_next(retry_after=1.5)
    await live_bot.app.dispatch()
    await live_bot.leak("Pixel 11 two")
    await live_bot.drain()
    assert _titles(discord) == ["Pixel 11 one", "Pixel 11 two"]
    assert discord.statuses() == [429, 200, 200]
    assert discord.early_requests() == []


async def test_a_global_rate_limit_holds_every_channel(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    tipster = Tipster(feeds)
    tipster.publish()
    app = await _open(leakbot, feeds, TWO_CHANNELS)
    try:
        await app.poll()
        bot = Bot(app, utc_now, tipster)
        discord.rate_limit_next(retry_after=1.5, target=WEBHOOK_ID, is_global=True)
        await bot.leak("Pixel 11 one")  # to the first channel only
        await app.dispatch()
        await bot.leak("Fold 7 two")  # to both
        await bot.drain()
    finally:
        await app.__aexit__(None, None, None)
    assert _titles(discord) == ["Pixel 11 one", "Fold 7 two"]
    assert _titles(discord, OTHER_WEBHOOK_ID) == ["Fold 7 two"]
    assert discord.early_requests() == []


async def test_two_dispatchers_never_send_one_alert_twice(
    bot: Bot, leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    """Two processes' dispatchers (here two Apps) on one database share the work, not alerts."""
    titles = [f"Pixel 11 leak {n}" for n in range(6)]
    for title in titles:
        await bot.leak(title)
    discord.delay = 0.1  # each answer takes a while, so that the passes overlap
    other = await _open(leakbot, feeds, clock=bot.clock)
    try:
        for _ in range(10):
            await asyncio.gather(bot.app.dispatch(), other.dispatch())
            if not bot.pending():
                break
    finally:
        await other.__aexit__(None, None, None)
    assert _titles(discord) == titles


async def test_a_burst_of_200_alerts_draws_few_429s(live_bot: Bot, discord: DiscordFake) -> None:
    """Bucket headers are read and waited on, so Discord rarely has to say 429."""
    discord.bucket = (5, 0.1)  # Discord's is 5 per 2 s; the same shape, 20 times faster
    titles = [f"Pixel 11 burst {n:03}" for n in range(200)]
    await live_bot.leak(*reversed(titles))  # a feed lists its newest post first
    await live_bot.drain(60)
    assert live_bot.pending() == 0
    assert len(discord.messages) == 200
    with session_scope(live_bot.app.engine) as session:
        queued = session.exec(sa.select(AlertRow.message).order_by(AlertRow.id)).all()  # type: ignore[call-overload]
    assert _titles(discord) == [message["title"] for (message,) in queued]
    assert discord.statuses().count(429) <= 3
    assert discord.early_requests() == []


async def test_discord_message_id_is_stored(bot: Bot, discord: DiscordFake) -> None:
    await bot.leak("Pixel 11 one")
    await bot.app.dispatch()
    [message] = discord.messages
    assert message.query["wait"] == "true"
    with session_scope(bot.app.engine) as session:
        [alert] = list_alerts(session=session, states=(AlertState.DELIVERED,))
    assert alert.message_id == message.message_id


async def test_a_send_cut_off_is_sent_again_and_counted_in_doubt(
    bot: Bot, leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    """The one window: Discord took the message, the dispatcher died before it committed."""
    await bot.leak("Pixel 11 one")
    discord.delay = 5
    send = asyncio.create_task(bot.app.dispatch())
    for _ in range(250):
        if discord.messages:
            break
        await asyncio.sleep(0.02)
    send.cancel()  # what a crash (or a stop past its grace) does to a POST in flight
    with pytest.raises(asyncio.CancelledError):
        await send
    discord.delay = 0
    other = await _open(leakbot, feeds, clock=bot.clock)
    try:
        assert (await other.dispatch()).delivered == 1
    finally:
        await other.__aexit__(None, None, None)
    assert len(discord.messages) == 2  # at least once: the double is the documented window
    with session_scope(bot.app.engine) as session:
        [delivery] = session.exec(sa.select(DeliveryRow)).all()  # type: ignore[call-overload]
    assert delivery[0].in_doubt


async def test_a_channel_claimed_by_a_bot_that_died_waits_out_the_claim(
    bot: Bot, discord: DiscordFake
) -> None:
    """A bot killed while it held a channel: another takes the channel once the claim ends."""
    await bot.app.dispatch()  # the outbox learns its channels
    await bot.leak("Pixel 11 one")
    with session_scope(bot.app.engine) as session:
        claimed = claim_channels(
            session=session,
            channel_ids=["leaks"],
            dispatcher="a bot that was killed",
            now=bot.app.now(),
            lease=LEASE,
        )
    assert claimed == ["leaks"]
    bot.advance(seconds=LEASE.total_seconds() - 1)
    await bot.app.dispatch()
    assert discord.messages == []
    bot.advance(seconds=2)
    assert (await bot.app.dispatch()).delivered == 1


async def test_an_unreachable_discord_puts_nothing_in_doubt(
    bot: Bot, discord: DiscordFake, caplog: pytest.LogCaptureFixture
) -> None:
    """A refused connection sent nothing: the next try is no suspected double."""
    await bot.leak("Pixel 11 one")
    discord.__exit__(None, None, None)
    try:
        assert (await bot.app.dispatch()).failed == 1
    finally:
        discord.__enter__()
    bot.advance(minutes=1)
    await bot.app.dispatch()  # Discord on a new port: leakbot still asks the old one
    assert "may have it already" not in caplog.text


def test_sigterm_during_a_post_discord_accepted_does_not_double_it(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    """``docker compose restart bot`` while an alert is in flight: it is sent once."""
    tipster = Tipster(feeds)
    tipster.publish()
    # the bot keeps the schedule poll-once left in the database: its next poll is one
    # interval after the baseline
    short = "    defaults:\n      interval: 10s\n"
    leakbot.write_config(short + CONFIG.format(feed=feeds.url("tipster")))
    assert leakbot("poll-once").code == 0
    tipster.publish("Pixel 11 in flight")
    discord.delay = 2  # Discord has the message; its answer is slow
    bot = Running(["run"], leakbot.home, leakbot.env)
    try:
        deadline = time.monotonic() + 30
        while not discord.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert discord.messages, "".join(bot.lines)
        assert bot.stop(signal.SIGTERM) == 0, "".join(bot.lines)
    finally:
        bot.kill()
    discord.delay = 0
    assert leakbot("poll-once").code == 0
    assert _titles(discord) == ["Pixel 11 in flight"], "".join(bot.lines)


MIGRATE_AT = """
import sys
from storage.db import make_engine, migrate
engine = make_engine(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
migrate(engine)
"""


def test_two_processes_migrating_one_fresh_database_at_once_both_start(database_url: str) -> None:
    """``leakbot run`` and ``leakbot poll-once`` started together on a new database."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_AT, database_url],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        # once every process has imported leakbot, each migrates the moment it reads a line
        for process in processes:
            assert process.stdout is not None
            said = process.stdout.readline()
            assert said == "ready\n", said + process.stdout.read()
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=60)[0] for process in processes]
    finally:
        for process in processes:
            process.kill()
            process.wait()
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            assert len(versions.all()) == 1
    finally:
        engine.dispose()


def test_an_outbox_from_an_older_leakbot_is_upgraded_with_its_alerts(database_url: str) -> None:
    """Alerts queued and delivered before the upgrade keep their places and Discord's ids."""
    engine = make_engine(database_url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")  # the schema as the last release left it
            connection.execute(
                sa.text(
                    "INSERT INTO alert (dedup_key, kind, channel_id, message, created_at,"
                    " attempts, next_attempt_at, delivered_at) VALUES"
                    " ('a', 'new', 'leaks', '{}', :t, 1, :t, :t),"
                    " ('b', 'new', 'leaks', '{}', :t, 0, :t, NULL)"
                ),
                {"t": datetime(2026, 11, 1, tzinfo=UTC)},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO delivery (alert_id, sink, attempted_at, ok, status, remote_id)"
                    " VALUES (1, 'webhook', :t, true, 200, '1200000000000000001')"
                ),
                {"t": datetime(2026, 11, 1, tzinfo=UTC)},
            )
        migrate(engine)
        with session_scope(engine) as session:
            alerts = list_alerts(session=session, states=tuple(AlertState))
            assert [(a.dedup_key, a.state, a.message_id) for a in alerts] == [
                ("a", AlertState.DELIVERED, "1200000000000000001"),
                ("b", AlertState.PENDING, None),
            ]
    finally:
        engine.dispose()
