"""A poll through its three steps keeps one source's trouble to itself and the bot awake.

Each test drives the real poller against loopback fakes and a real database:
- a stranger's image with an overlong content type is archived, not a crash of the pass;
- a source whose upstream answers something the code did not expect fails alone;
- while another process holds SQLite's write lock, the event loop keeps running.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from sqlmodel import select

from bot.config.file import parse_config
from bot.config.settings import Settings
from bot.domain import PollOutcome
from bot.runtime.app import App
from storage.db import make_engine, session_scope
from storage.models import ImageRow
from tests.conftest import Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post
from tests.fakes.x_api import Tweet, XFake

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def test_an_image_with_an_overlong_content_type_is_archived(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, database_url: str
) -> None:
    # PostgreSQL refused a content type over 100 characters, and that aborted the whole pass
    odd_type = "image/" + "x-vendor-" * 20
    feeds.set_page("leak.png", 200, PNG, content_type=odd_type)
    feeds.publish_rss("tipster", [Post("old", "Old news", link="https://e.com/old")])
    leakbot.write_config(
        f"""
        sources:
          - id: tipster
            feed: {feeds.url("tipster")}
            track_deletions: true
        channels:
          - id: leaks
            webhook: ${{LEAKS_WEBHOOK_URL}}
        watches:
          - id: leica
            any: [Leica]
        """
    )
    assert leakbot("poll-once").code == 0
    leak = Post(
        "leak",
        "Leica lens on the next flagship",
        link="https://e.com/leak",
        image=feeds.page_url("leak.png"),
    )
    feeds.publish_rss("tipster", [leak, Post("old", "Old news", link="https://e.com/old")])
    result = leakbot("poll-once")
    assert result.code == 0, result.err
    assert "tipster: ok, 2 items, 1 new, 1 alert" in result.out
    assert len(discord.messages) == 1
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            stored = [row.content_type for row in session.exec(select(ImageRow))]
    finally:
        engine.dispose()
    assert stored == [odd_type]


def test_a_source_whose_answer_breaks_the_reader_fails_alone(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    # an X API answer without post ids: the code did not expect it, so it must not take the
    # feed source (or the exit status) down with it
    with XFake(token="test-bearer-token") as x_api:
        x_api.account("UniverseIce", "44196397")
        leakbot.env["X_API_BASE_URL"] = x_api.url
        leakbot.env["X_BEARER_TOKEN"] = x_api.token
        feeds.publish_rss("news", [Post("1", "Old news", link="https://e.com/1")])
        leakbot.write_config(
            f"""
            sources:
              - id: news
                feed: {feeds.url("news")}
              - id: ice-universe
                x: UniverseIce
            channels:
              - id: leaks
                webhook: ${{LEAKS_WEBHOOK_URL}}
            watches:
              - id: pixel
                any: ["Pixel 11"]
            """
        )
        assert leakbot.process("poll-once").code == 0
        x_api.post("UniverseIce", Tweet("100", "Pixel 11 renders", datetime.now(UTC)))
        x_api.malformed = True
        feeds.publish_rss(
            "news",
            [
                Post("2", "Pixel 11 leaks in full", link="https://e.com/2"),
                Post("1", "Old news", link="https://e.com/1"),
            ],
        )
        result = leakbot.process("poll-once")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "news: ok, 2 items, 1 new, 1 alert" in lines
    broken = next(line for line in lines if line.startswith("ice-universe: "))
    assert "FAILED (unexpected error: KeyError" in broken, result.out
    assert "1 failure in a row; next retry at" in broken
    assert "Traceback" in result.err  # the operator gets the traceback in the log
    assert [m.body["embeds"][0]["title"] for m in discord.messages] == ["Pixel 11 leaks in full"]


async def test_the_event_loop_runs_while_another_process_holds_the_sqlite_lock(
    tmp_path: Path, feeds: FeedServer
) -> None:
    # a poll used to write on the event loop: a lock held elsewhere froze the whole bot
    posts = [Post(f"p{i}", f"Post number {i}", link=f"https://e.com/{i}") for i in range(300)]
    feeds.publish_rss("big", posts)
    database = tmp_path / "leakbot.db"
    settings = Settings(
        database_url=SecretStr(f"sqlite:///{database}"),
        leakbot_allow_private_urls=True,
    )
    config = parse_config(
        f"sources:\n  - id: big\n    feed: {feeds.url('big')}\n", tmp_path / "leakbot.yaml"
    )
    async with App(settings, config) as app:
        held = threading.Event()
        release = threading.Event()

        def hold_the_lock() -> None:
            other = sqlite3.connect(database, timeout=30)
            other.execute("BEGIN IMMEDIATE")
            held.set()
            release.wait(10)
            other.rollback()
            other.close()

        holder = threading.Thread(target=hold_the_lock)
        holder.start()
        held.wait(5)
        gaps: list[float] = []

        async def tick() -> None:
            last = time.monotonic()
            while not release.is_set():
                await asyncio.sleep(0.01)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        ticker = asyncio.create_task(tick())
        polling = asyncio.create_task(app.poll())
        await asyncio.sleep(1.5)
        assert not polling.done()  # the write waits for the lock...
        release.set()
        reports = await polling
        await ticker
        holder.join()
    assert [r.outcome for r in reports] == [PollOutcome.BASELINE]
    assert reports[0].items == 300
    # ...and meanwhile the loop ran: no pause anywhere near the 1.5 s the lock was held
    assert len(gaps) > 50
    assert max(gaps) < 0.5, f"the event loop stalled for {max(gaps):.2f}s"
