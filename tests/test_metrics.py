"""/metrics of a running leakbot: every known series is there at 0 before anything happens."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime

from bot.domain import ManagedEntry, ManagedKind, PollOutcome
from storage.db import make_engine, session_scope
from storage.managed import add_entry
from tests.conftest import Leakbot
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running, free_port

# the source is lead-tipster: its slot is 1.5% into its interval, so a fresh `leakbot run`
# polls it first at once (bot/polling/timetable.py, first_poll) and each later poll as
# much sooner; "tipster"'s slot (64% in) kept every test waiting 3.2 s more
CONFIG = """
    sources:
      - id: lead-tipster
        feed: {feed}
        interval: 1h
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
    watches:
      - id: pixel
        any: ["Pixel 11"]
"""

ADDED = "discord-123456789012345678"  # the channel a watch named from Discord gets
PER_CHANNEL = ("queued", "delivered", "failed", "set_aside")


def _scrape(url: str) -> str:
    """GET /metrics on loopback, never through a proxy; empty while nothing listens."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return str(response.read().decode())
    except OSError:
        return ""


def _until(check: Callable[[], bool], seconds: float, bot: Running) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting; the bot said:\n{bot.output}"
        assert bot.process.poll() is None, f"leakbot run exited:\n{bot.output}"
        time.sleep(0.2)


def test_every_known_series_is_at_zero_before_the_first_failure(
    cli: Leakbot, feeds: FeedServer
) -> None:
    """Failures, set-asides and 429s read 0 from the start, for every channel, one added
    from Discord too; no ``_created`` series."""
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    cli.write_config(CONFIG.format(feed=feeds.url("tipster")))
    url = f"http://127.0.0.1:{free_port()}/metrics"
    address = url.removeprefix("http://").removesuffix("/metrics")
    bot = Running(["run"], cli.home, {**cli.env, "LEAKBOT_HTTP_ADDR": address})
    try:
        _until(lambda: 'leakbot_polls_total{outcome="baseline"} 1.0' in _scrape(url), 30, bot)
        page = _scrape(url)
        for outcome in PollOutcome:
            if outcome != PollOutcome.BASELINE:
                assert f'leakbot_polls_total{{outcome="{outcome.value}"}} 0.0\n' in page, page
        assert 'leakbot_items_total{state="new"} 1.0\n' in page  # a first poll's post is new
        assert 'leakbot_items_total{state="seen"} 0.0\n' in page
        for name in PER_CHANNEL:
            assert f'leakbot_alerts_{name}_total{{channel="leaks"}} 0.0\n' in page, page
        for scope in ("user", "global", "shared"):
            assert f'leakbot_discord_429_total{{scope="{scope}"}} 0.0\n' in page
        assert "_created" not in page

        # a channel a watch names from Discord, written by another worker meanwhile
        engine = make_engine(cli.env["DATABASE_URL"])
        try:
            with session_scope(engine) as session:
                spec = {"id": ADDED, "discord_channel": ADDED.removeprefix("discord-")}
                entry = ManagedEntry(ManagedKind.CHANNEL, ADDED, spec, "op", "1", _AT)
                add_entry(session=session, entry=entry)
        finally:
            engine.dispose()
        _until(
            lambda: f'leakbot_alerts_set_aside_total{{channel="{ADDED}"}} 0.0' in _scrape(url),
            30,
            bot,
        )
        page = _scrape(url)
        for name in PER_CHANNEL:
            assert f'leakbot_alerts_{name}_total{{channel="{ADDED}"}} 0.0\n' in page, page
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
    assert "Traceback" not in bot.output


_AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # when the entry says it was added
