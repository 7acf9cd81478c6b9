"""The running bot posts a day's digest once per channel, whatever restarts or shares it.

Real ``leakbot run`` processes (tests/running.py) with ``digest.at`` set to the current
minute, so that the digest is due as they start, against the Discord fake:
- a bot restarted at the scheduled minute posts the digest once per channel;
- two bots started together on one PostgreSQL post it once per channel between them.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import WEBHOOK_ID, Leakbot
from tests.digest_day import Day
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running

OTHER_WEBHOOK_ID = "998877665544332211"
BOTH = sorted([WEBHOOK_ID, OTHER_WEBHOOK_ID])
QUEUED = re.compile(r"digest of \S+ queued for leaks, leaks-two")
DONE = re.compile(r"digest of \S+( queued for|: already queued for) leaks, leaks-two")


@pytest.fixture
def home(leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, database_url: str) -> Leakbot:
    """A bot whose digest is due now, that saw a matching post two days ago."""
    discord.bucket = None
    feeds.publish_rss("gsmarena", [Post("old", "Old news", link="https://e.com/old")])
    leakbot.write_config(
        f"""
        timezone: UTC
        sources:
          - id: gsmarena
            feed: {feeds.url("gsmarena")}
        channels:
          - id: leaks
            webhook: ${{LEAKS_WEBHOOK_URL}}
          - id: leaks-two
            webhook: https://discord.com/api/webhooks/{OTHER_WEBHOOK_ID}/other-token
        watches:
          - {{id: leica, any: [Leica]}}
        digest:
          at: "{datetime.now(UTC):%H:%M}"
        """
    )
    seen = datetime.now(UTC) - timedelta(days=2)
    rows = Day.open(database_url, ["gsmarena"])
    try:
        rows.post("gsmarena", "Leica lens leak", published=seen, seen=seen, watches=["leica"])
    finally:
        rows.close()
    return leakbot


def _bot(home: Leakbot) -> Running:
    return Running(["run"], home.home, home.env)


def _delivered(discord: DiscordFake, count: int, seconds: float = 20) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(discord.messages) < count:
        time.sleep(0.05)
    time.sleep(0.5)  # a copy sent late would come now
    return sorted(m.target for m in discord.messages)


def test_a_restart_at_the_scheduled_minute_posts_once(home: Leakbot, discord: DiscordFake) -> None:
    first = _bot(home)
    try:
        out = first.wait_for(DONE, 60)
        assert QUEUED.search(out), out
        assert _delivered(discord, 2) == BOTH
    finally:
        assert first.stop() == 0
    second = _bot(home)
    try:
        out = second.wait_for(DONE, 60)
        assert ": already queued for leaks, leaks-two" in out, out
    finally:
        assert second.stop() == 0
    assert _delivered(discord, 3, seconds=0) == BOTH


def test_two_bots_on_one_postgresql_post_once_per_channel(
    home: Leakbot, discord: DiscordFake, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is for one process: a second `leakbot run` refuses to start")
    bots = [_bot(home), _bot(home)]
    try:
        outputs = [bot.wait_for(DONE, 60) for bot in bots]
        assert _delivered(discord, 2) == BOTH
    finally:
        codes = [bot.stop() for bot in bots]
    assert codes == [0, 0]
    said = [bool(QUEUED.search(out)) for out in outputs]
    assert sorted(said) == [False, True], outputs  # one queued it, the other found it queued
    assert all(DONE.search(out) for out in outputs), outputs
