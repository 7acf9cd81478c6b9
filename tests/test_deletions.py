"""The tipster's "now-deleted post": deletion, edit and restore alerts, and no false alarms.

A feed server whose content changes between polls, Discord's REST API faked on loopback,
the real App on a real database, and a clock the test moves instead of sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.config.file import load_config
from bot.config.settings import Settings
from bot.domain import Item
from bot.polling.deletions import same_content, window_start, word_diff
from bot.runtime.app import App
from bot.sources.http import Limits
from tests.clock import Clock
from tests.conftest import WEBHOOK_ID, Leakbot
from tests.fakes.discord import WEBHOOK_PATH, DiscordFake, body_problems
from tests.fakes.feed_server import FeedServer, Post, rss

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
OTHER_WEBHOOK_ID = "998877665544332211"
CONFIG = """
    sources:
      - id: dcs
        feed: {feed}
        track_deletions: true
        deleted_markers: ["抱歉，此微博已被作者删除"]
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
      - id: elsewhere
        webhook: https://discord.com/api/webhooks/{OTHER_WEBHOOK_ID}/other-token
    watches:
      - id: xiaomi-leica
        any: [Leica, 徕卡]
        all: [[Xiaomi, 小米]]
        channels: [leaks]
      - id: pixel
        any: ["Pixel 11"]
        channels: [elsewhere]
    deletions:
      confirm_missing_polls: 2
      confirm_missing_for: 10m
      watch_for: 72h
"""
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


class Tipster:
    """A Weibo tipster's feed: posts newest first, each with its own page."""

    def __init__(self, feeds: FeedServer) -> None:
        self.feeds = feeds
        self.content_type = "application/rss+xml"
        self.posts: list[Post] = [
            self.post(f"old-{n}", f"日常数码闲聊 {n}", -60 * n) for n in range(1, 6)
        ]

    def post(self, guid: str, text: str, minutes: float, image: str | None = None) -> Post:
        """Make a post published this many minutes after 08:00."""
        self.feeds.set_page(guid, 200, f"<html><body>{text}</body></html>")
        return Post(
            guid,
            text,
            body=f"<p>{text}</p>",
            link=self.feeds.page_url(guid),
            author="数码闲聊站",
            published=START + timedelta(minutes=minutes),
            image=image,
        )

    def publish(self) -> None:
        self.feeds.publish("dcs", rss(self.posts), content_type=self.content_type)

    def add(self, post: Post) -> None:
        self.posts.insert(0, post)
        self.publish()

    def remove(self, guid: str) -> None:
        self.posts = [p for p in self.posts if p.guid != guid]
        self.publish()


@pytest.fixture
async def bot(
    leakbot: Leakbot, feeds: FeedServer
) -> AsyncIterator[tuple[App, Clock, Tipster, Callable[[], object]]]:
    tipster = Tipster(feeds)
    tipster.publish()
    path = leakbot.write_config(
        CONFIG.format(feed=feeds.url("dcs"), OTHER_WEBHOOK_ID=OTHER_WEBHOOK_ID)
    )
    clock = Clock(START + timedelta(minutes=5))  # the baseline poll; then every 5 minutes
    limits = Limits(total_seconds=0.5, connect_seconds=0.5, read_seconds=0.3)
    async with App(Settings(), load_config(path), now=clock, fetch_limits=limits) as app:
        await app.poll()  # the silent baseline

        async def cycle(minutes: float = 5) -> object:
            clock.advance(minutes=minutes)
            [report] = await app.poll()
            await app.dispatch()
            return report

        yield app, clock, tipster, cycle


async def _leak(feeds: FeedServer, tipster: Tipster, cycle: Callable[[], object]) -> Post:
    feeds.set_page("leak.png", 200, PNG, content_type="image/png")
    leak = tipster.post(
        "leak", "小米17 Ultra 真机谍照，徕卡四摄模组清晰可见", 8, image=feeds.page_url("leak.png")
    )
    tipster.add(leak)
    await cycle()  # type: ignore[misc]
    return leak


def _kinds(discord: DiscordFake, webhook_id: str = WEBHOOK_ID) -> list[str]:
    """Name the alerts one channel got, by the start of their titles."""
    return [
        m.body["embeds"][0]["title"].split(":")[0]
        for m in discord.messages
        if m.target == webhook_id
    ]


async def test_deleted_weibo_post_alerts_with_archived_text_and_image(
    bot: tuple[App, Clock, Tipster, Callable[[], object]], feeds: FeedServer, discord: DiscordFake
) -> None:
    _, clock, tipster, cycle = bot
    await _leak(feeds, tipster, cycle)
    assert len(discord.messages) == 1  # the new-post alert
    feeds.set_page("leak.png", 404)  # the image host drops it too: only the archive has it

    tipster.add(tipster.post("newer", "今天天气不错", 12))
    tipster.remove("leak")
    feeds.set_page("leak", 404)
    first_missing = clock() + timedelta(minutes=5)
    await cycle()  # type: ignore[misc]  # missing once
    await cycle()  # type: ignore[misc]  # twice, but only 5 minutes
    assert len(discord.messages) == 1, "a deletion was called before confirm_missing_for"
    await cycle()  # type: ignore[misc]  # three polls over ten minutes: deleted
    assert _kinds(discord) == ["小米17 Ultra 真机谍照，徕卡四摄模组清晰可见", "Deleted"]

    deletion = discord.messages[1]
    embed = deletion.body["embeds"][0]
    assert embed["title"] == "Deleted: 小米17 Ultra 真机谍照，徕卡四摄模组清晰可见"
    assert "徕卡四摄模组清晰可见" in embed["description"]
    facts = {f["name"]: f["value"] for f in embed["fields"]}
    assert facts["Posted"] == "2026-11-24 08:08 UTC"
    assert facts["First seen missing"] == first_missing.strftime("%Y-%m-%d %H:%M UTC")
    assert facts["Lived"] == "7m"  # posted 08:08, first seen missing 08:15
    [(filename, kind, data)] = deletion.files
    assert (kind, data) == ("image/png", PNG)
    assert embed["image"] == {"url": f"attachment://{filename}"}
    assert body_problems(WEBHOOK_PATH, deletion.body) == []

    for _ in range(4):
        await cycle()  # type: ignore[misc]
    assert len(discord.messages) == 2  # one deletion alert, never repeated
    assert {m.target for m in discord.messages} == {WEBHOOK_ID}  # only the watch's channel


async def test_a_feed_served_with_the_wrong_content_type_still_tracks_deletions(
    bot: tuple[App, Clock, Tipster, Callable[[], object]], feeds: FeedServer, discord: DiscordFake
) -> None:
    # feedparser complains about the Content-Type and the encoding (text/* without a charset
    # means us-ascii), but the document was read in full
    _, _, tipster, cycle = bot
    tipster.content_type = "text/plain"
    await _leak(feeds, tipster, cycle)
    tipster.add(tipster.post("newer", "今天天气不错", 12))
    tipster.remove("leak")
    feeds.set_page("leak", 404)
    for _ in range(3):
        await cycle()  # type: ignore[misc]
    assert _kinds(discord) == ["小米17 Ultra 真机谍照，徕卡四摄模组清晰可见", "Deleted"]


async def test_removal_marker_on_the_page_confirms_deletion(
    bot: tuple[App, Clock, Tipster, Callable[[], object]], feeds: FeedServer, discord: DiscordFake
) -> None:
    _, _, tipster, cycle = bot
    await _leak(feeds, tipster, cycle)
    tipster.add(tipster.post("newer", "今天天气不错", 12))
    tipster.remove("leak")
    feeds.set_page("leak", 200, "<p>抱歉，此微博已被作者删除。</p>")
    for _ in range(3):
        await cycle()  # type: ignore[misc]
    assert _kinds(discord)[-1] == "Deleted"


@pytest.mark.parametrize(
    "trouble",
    [
        "slid-out",
        "500",
        "timeout",
        "empty",
        "half",
        "page-403",
        "page-429",
        "page-up",
        "unreachable",
    ],
)
async def test_no_deletion_alert_without_proof(
    bot: tuple[App, Clock, Tipster, Callable[[], object]],
    feeds: FeedServer,
    discord: DiscordFake,
    trouble: str,
) -> None:
    _, _, tipster, cycle = bot
    await _leak(feeds, tipster, cycle)
    feeds.set_page("leak", 404)
    if trouble == "slid-out":  # a full window: six newer posts push the leak out
        for n in range(6):
            tipster.add(tipster.post(f"new-{n}", f"新帖 {n}", 12 + n))
        tipster.posts = tipster.posts[:6]
        tipster.publish()
    elif trouble == "500":
        feeds.fail("dcs", 500)
    elif trouble == "timeout":
        feeds.stall("dcs", 1)
    elif trouble == "empty":
        tipster.posts = []
        tipster.publish()
    elif trouble == "half":
        tipster.remove("leak")
        tipster.posts = tipster.posts[:3]
        tipster.publish()
    elif trouble.startswith("page-"):
        tipster.add(tipster.post("newer", "今天天气不错", 12))
        tipster.remove("leak")
        status = 200 if trouble == "page-up" else int(trouble.removeprefix("page-"))
        feeds.set_page("leak", status, "<p>still here</p>")
    elif trouble == "unreachable":
        feeds.drop("dcs")
    for _ in range(12):  # an hour of polls
        await cycle()  # type: ignore[misc]
    # a source that keeps failing is paused, and that is said once; nothing is called deleted
    failing = trouble in ("500", "timeout", "unreachable")
    paused = ["Source paused"] if failing else []
    assert _kinds(discord) == ["小米17 Ultra 真机谍照，徕卡四摄模组清晰可见", *paused], trouble
    assert _kinds(discord, OTHER_WEBHOOK_ID) == paused  # its watch follows the source too


async def test_feed_outage_then_return_proves_nothing(
    bot: tuple[App, Clock, Tipster, Callable[[], object]], feeds: FeedServer, discord: DiscordFake
) -> None:
    _, _, tipster, cycle = bot
    await _leak(feeds, tipster, cycle)
    feeds.fail("dcs", 503)
    for _ in range(12):
        await cycle()  # type: ignore[misc]
    feeds.fail("dcs", 200)
    for _ in range(3):
        await cycle(minutes=60)  # type: ignore[misc,call-arg]
    assert _kinds(discord) == [
        "小米17 Ultra 真机谍照，徕卡四摄模组清晰可见",
        "Source paused",
        "Source recovered",
    ]
    assert _kinds(discord, OTHER_WEBHOOK_ID) == ["Source paused", "Source recovered"]


async def test_edited_post_alerts_with_a_word_diff(
    bot: tuple[App, Clock, Tipster, Callable[[], object]], feeds: FeedServer, discord: DiscordFake
) -> None:
    _, _, tipster, cycle = bot
    tipster.add(tipster.post("e1", "Xiaomi 17 Ultra: Leica 1-inch sensor, 6000 mAh battery", 8))
    await cycle()  # type: ignore[misc]
    assert len(discord.messages) == 1

    tipster.posts[0].title = "Xiaomi  17 Ultra:\nLeica 1-inch sensor,  6000 mAh battery"
    tipster.posts[0].body = "<p>Xiaomi  17 Ultra:   Leica 1-inch sensor, 6000 mAh battery</p>"
    tipster.publish()
    await cycle()  # type: ignore[misc]
    assert len(discord.messages) == 1, "a whitespace-only change is not an edit"

    tipster.posts[0].title = "Xiaomi 17 Ultra: Leica 1-inch sensor, 7000 mAh battery"
    tipster.posts[0].body = "<p>Xiaomi 17 Ultra: Leica 1-inch sensor, 7000 mAh battery</p>"
    tipster.publish()
    await cycle()  # type: ignore[misc]
    await cycle()  # type: ignore[misc]
    assert _kinds(discord) == ["Xiaomi 17 Ultra", "Edited"]
    diff = discord.messages[1].body["embeds"][0]["description"]
    assert "~~6000~~ **7000**" in diff
    assert body_problems(WEBHOOK_PATH, discord.messages[1].body) == []


async def test_deleted_then_restored_post_gets_one_restored_note(
    bot: tuple[App, Clock, Tipster, Callable[[], object]], feeds: FeedServer, discord: DiscordFake
) -> None:
    _, _, tipster, cycle = bot
    leak = await _leak(feeds, tipster, cycle)
    tipster.add(tipster.post("newer", "今天天气不错", 12))
    tipster.remove("leak")
    feeds.set_page("leak", 404)
    for _ in range(3):
        await cycle()  # type: ignore[misc]
    assert _kinds(discord)[-1] == "Deleted"

    tipster.posts.insert(1, leak)  # the tipster un-hides it
    tipster.publish()
    for _ in range(4):
        await cycle()  # type: ignore[misc]
    assert _kinds(discord)[1:] == ["Deleted", "Restored"]


async def test_unmatched_post_deletion_sends_nothing(
    bot: tuple[App, Clock, Tipster, Callable[[], object]], feeds: FeedServer, discord: DiscordFake
) -> None:
    _, _, tipster, cycle = bot
    tipster.add(tipster.post("boring", "今天吃什么", 8))
    await cycle()  # type: ignore[misc]
    tipster.add(tipster.post("newer", "今天天气不错", 12))
    tipster.remove("boring")
    feeds.set_page("boring", 404)
    for _ in range(4):
        await cycle()  # type: ignore[misc]
    assert discord.messages == []


def test_pinned_post_does_not_stretch_the_window() -> None:
    def item(key: str, minutes: int) -> Item:
        published = START + timedelta(minutes=minutes)
        return Item("s", key, key, key, "", None, None, published, ())

    pinned_first = [item("pinned", -10_000), item("b", 50), item("c", 40), item("d", 30)]
    assert window_start(pinned_first) == START + timedelta(minutes=30)
    assert window_start([item("b", 50), item("c", 40)]) == START + timedelta(minutes=40)


def test_whitespace_and_tracking_parameters_are_not_edits() -> None:
    assert same_content("Pixel 11  Pro\nleak", "Pixel 11 Pro leak")
    assert same_content(
        "see https://e.com/a?utm_source=x&id=1", "see https://e.com/a?id=1&utm_source=y"
    )
    assert not same_content("6000 mAh", "7000 mAh")
    assert word_diff("6000 mAh battery", "7000 mAh battery") == "~~6000~~ **7000** mAh battery"
