"""Deletion alerts people can trust: upstream flaps are not deletions, and hide no real one.

A tipster's feed on the loopback feed server misbehaves the way RSSHub instances, CDN
caches and paging feeds do, while the real App polls it every five minutes (by the test's
clock) and delivers to Discord faked on loopback. Every post is followed by a watch, so any
post wrongly judged deleted would alert. Each misbehaviour must give no deletion alert;
after it, one real deletion (its page answers 404) must be alerted exactly once.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.config.file import load_config
from bot.config.settings import Settings
from bot.runtime.app import App
from bot.sources.http import Limits
from storage.db import make_engine, session_scope
from storage.models import ItemRow
from tests.clock import Clock
from tests.conftest import ROOT, Leakbot
from tests.fakes.discord import WEBHOOK_PATH, DiscordFake, body_problems
from tests.fakes.feed_server import FeedServer, Post, rss

CONFIG = """
    sources:
      - id: dcs
        feed: {feed}
        track_deletions: true
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
    watches:
      - id: everything
        sources: [dcs]
    deletions:
      confirm_missing_polls: 2
      confirm_missing_for: 10m
      watch_for: 72h
"""
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SHOWN = 20  # the posts the feed shows when it behaves: the newest 20


class Tipster:
    """A Weibo tipster with 30 posts, newest first; the feed shows the newest 20.

    ``links`` says which posts have a page: "all", "none", or "mixed" (every other one).
    A page answers 200 while the post exists, as a real one would.
    """

    def __init__(self, feeds: FeedServer, links: str) -> None:
        self.feeds = feeds
        self.posts = [self._post(n, links) for n in range(30)]
        self.deleted: set[str] = set()

    def _post(self, n: int, links: str) -> Post:
        guid = f"p{n:02}"
        text = f"数码闲聊 {n}：小米新机细节第{n}条"
        linked = links == "all" or (links == "mixed" and n % 2 == 0)
        if linked:
            self.feeds.set_page(guid, 200, f"<html><body>{text}</body></html>")
        return Post(
            guid,
            text,
            body=f"<p>{text}</p>",
            link=self.feeds.page_url(guid) if linked else None,
            author="数码闲聊站",
            published=START - timedelta(minutes=30 * n),
        )

    def live(self) -> list[Post]:
        """Return the posts that exist, newest first."""
        return [p for p in self.posts if p.guid not in self.deleted]

    def serve(self, posts: list[Post] | None = None) -> None:
        """Serve these posts, or the newest 20 that exist."""
        self.feeds.publish("dcs", rss(self.live()[:SHOWN] if posts is None else posts))

    def serve_bytes(self, body: bytes) -> None:
        self.feeds.publish("dcs", body)

    def delete(self, guid: str) -> None:
        """Delete a post for real: gone from the feed, and its page answers 404."""
        [post] = [p for p in self.posts if p.guid == guid]
        self.deleted.add(guid)
        if post.link:
            self.feeds.set_page(post.link.rsplit("/", 1)[1], 404)
        self.serve()


Cycle = Callable[[], Awaitable[None]]


@dataclass
class Bot:
    """The App following the tipster, and the moves a test makes."""

    app: App
    clock: Clock
    tipster: Tipster
    feeds: FeedServer
    discord: DiscordFake

    async def cycle(self, polls: int = 1) -> None:
        """Move five minutes on, poll, and deliver; this many times."""
        for _ in range(polls):
            self.clock.advance(minutes=5)
            await self.app.poll()
            await self.app.dispatch()

    def deletions(self) -> list[str]:
        """Return the titles of the deletion alerts Discord got."""
        return [
            m.title or "" for m in self.discord.messages if (m.title or "").startswith("Deleted")
        ]

    def pages_checked(self) -> int:
        return sum(1 for path, _ in self.feeds.requests if path.startswith("page:"))

    def item_id(self, key: str) -> int:
        engine = make_engine(self.app.settings.database_url.get_secret_value())
        try:
            with session_scope(engine) as session:
                [item_id] = session.exec(select(ItemRow.id).where(ItemRow.key == key)).all()
        finally:
            engine.dispose()
        assert item_id is not None
        return item_id


async def _follow(leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, links: str) -> Bot:
    """Start following the tipster: a silent first poll, then its 20 posts arrive."""
    tipster = Tipster(feeds, links)
    tipster.serve([])
    discord.bucket = None  # twenty new-post alerts at once: no need to wait on Discord's bucket
    path = leakbot.write_config(CONFIG.format(feed=feeds.url("dcs")))
    clock = Clock(START)
    leakbot.now = clock  # the commands the test runs read the bot's clock, not today's
    limits = Limits(total_seconds=0.5, connect_seconds=0.5, read_seconds=0.3)
    app = App(Settings(), load_config(path), now=clock, fetch_limits=limits)
    await app.__aenter__()
    await app.poll()  # the silent baseline of an empty feed
    tipster.serve()
    bot = Bot(app, clock, tipster, feeds, discord)
    await bot.cycle(3)  # twenty new posts, all followed; then steady
    assert len(discord.messages) == SHOWN
    return bot


@pytest.fixture
async def follow(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> AsyncIterator[Callable[[str], Awaitable[Bot]]]:
    bots: list[Bot] = []

    async def start(links: str) -> Bot:
        bot = await _follow(leakbot, feeds, discord, links)
        bots.append(bot)
        return bot

    yield start
    for bot in bots:
        await bot.app.__aexit__(None, None, None)


# --- the misbehaviours: each serves something odd for a few polls -------------------------


async def hide_middle(bot: Bot, share: float = 0.5) -> None:
    """Hide posts from the middle for three polls, show them, hide them again (RSSHub).

    Older posts fill the space, so the feed keeps its size: only the shape gives it away.
    """
    posts = bot.tipster.live()
    hidden = int(SHOWN * share)
    flapped = posts[:5] + posts[5 + hidden : SHOWN + hidden]
    for shown in (flapped, flapped, flapped, None, flapped, flapped, flapped):
        bot.tipster.serve(shown)
        await bot.cycle()


async def shrink_window(bot: Bot) -> None:
    """Show only the newest 15 for four polls, then all 20 again."""
    bot.tipster.serve(bot.tipster.live()[:15])
    await bot.cycle(4)


async def grow_then_half(bot: Bot) -> None:
    """Grow from 20 to 30 posts (then 304s), and serve the older half of them (a stale cache)."""
    posts = bot.tipster.live()
    bot.tipster.serve(posts[:30])
    await bot.cycle(4)
    bot.tipster.serve(posts[15:30])
    await bot.cycle(4)


async def two_caches(bot: Bot) -> None:
    """Alternate between a fresh cache and a stale one that lacks the newest three posts."""
    posts = bot.tipster.live()
    fresh, stale = posts[:SHOWN], posts[3 : SHOWN + 3]
    for shown in (fresh, stale, stale, fresh, stale, stale, stale, fresh, stale, stale):
        bot.tipster.serve(shown)
        await bot.cycle()


async def reorder(bot: Bot) -> None:
    """Serve the same posts in a shuffled order, and then oldest first."""
    posts = bot.tipster.live()[:SHOWN]
    shuffled = posts[:]
    random.Random(15).shuffle(shuffled)
    for shown in (shuffled, shuffled, posts[::-1], posts[::-1]):
        bot.tipster.serve(shown)
        await bot.cycle()


async def truncate(bot: Bot) -> None:
    """Serve a body cut off halfway, as a dropped connection behind a proxy leaves it."""
    body = rss(bot.tipster.live()[:SHOWN]).encode()
    middle = body.index(b"</description>", len(body) // 2)
    bot.tipster.serve_bytes(body[: middle - 12])  # in the middle of a post's text
    await bot.cycle(4)


async def rekey(bot: Bot) -> None:
    """Give every post a new guid at once, for good (an RSSHub route changed its scheme)."""
    bot.tipster.posts = [replace(p, guid=f"weibo:{p.guid}") for p in bot.tipster.posts]
    bot.tipster.serve()
    await bot.cycle(4)


MISBEHAVIOURS: dict[str, tuple[Callable[[Bot], Awaitable[None]], str, str]] = {
    # name: (misbehaviour, which posts have a page, the post then really deleted)
    "half hidden from the middle, with links": (hide_middle, "all", "p03"),
    "half hidden from the middle, without links": (hide_middle, "none", "p07"),
    "window shrinks from 20 to 15, then grows back": (shrink_window, "mixed", "p18"),
    "grew, then served half": (grow_then_half, "mixed", "p08"),
    "two caches with different contents": (two_caches, "mixed", "p00"),
    "posts re-ordered": (reorder, "mixed", "p10"),
    "truncated body": (truncate, "mixed", "p06"),
    "every guid re-keyed": (rekey, "mixed", "weibo:p04"),
}


@pytest.mark.parametrize("case", list(MISBEHAVIOURS))
async def test_a_misbehaving_feed_alerts_no_deletion_and_hides_no_real_one(
    follow: Callable[[str], Awaitable[Bot]], case: str
) -> None:
    misbehave, links, target = MISBEHAVIOURS[case]
    bot = await follow(links)
    await misbehave(bot)
    bot.tipster.serve()
    await bot.cycle(2)
    assert bot.deletions() == [], case
    titles = [m.title or "" for m in bot.discord.messages]
    assert not [t for t in titles if t.startswith(("Edited", "Restored"))], case

    bot.tipster.delete(target)
    deleted_at = bot.clock()
    polls = 3 if "with links" in case or links != "none" else 7
    await bot.cycle(polls + 3)
    [alert] = bot.deletions()
    assert alert.startswith("Deleted") and alert.endswith(f"第{int(target[-2:])}条"), alert
    message = next(m for m in bot.discord.messages if m.title == alert)
    assert body_problems(WEBHOOK_PATH, message.body) == []
    facts = {f["name"]: f["value"] for f in message.body["embeds"][0]["fields"]}
    assert facts["First seen missing"] == (deleted_at + timedelta(minutes=5)).strftime(
        "%Y-%m-%d %H:%M UTC"
    )


async def test_posts_shown_under_new_keys_are_not_announced_again(
    follow: Callable[[str], Awaitable[Bot]],
) -> None:
    bot = await follow("mixed")
    announced = [m.title for m in bot.discord.messages]
    assert announced  # every post of the tipster was announced once
    await rekey(bot)
    assert [m.title for m in bot.discord.messages] == announced


async def test_posts_hidden_from_the_middle_are_not_even_checked(
    follow: Callable[[str], Awaitable[Bot]], leakbot: Leakbot
) -> None:
    bot = await follow("all")
    await hide_middle(bot, share=0.25)  # the feed keeps its size: 5 of 20 vanish, 4 polls
    assert bot.deletions() == []
    assert bot.pages_checked() == 0  # five posts at once are no evidence: nothing to confirm

    hidden = bot.item_id("p07")
    result = leakbot("explain", "--item", str(hidden))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"post {hidden} from dcs: 数码闲聊 7：小米新机细节第7条"
    # hidden at 08:20 for three polls, shown at 08:35, hidden again from 08:40
    assert lines[1] == (
        "deletions: absent since 2026-11-24 08:40 UTC; no poll counted it missing yet"
    )
    assert lines[2] == (
        "  why: not judged: 5 of 25 posts in the feed's window vanished at once, "
        "an upstream problem rather than deletions"
    )
    assert lines[3] == "  a deletion alerts the channels of: everything"


async def test_a_linkless_post_deleted_from_a_steady_feed_is_alerted_once_as_unconfirmed(
    follow: Callable[[str], Awaitable[Bot]], leakbot: Leakbot
) -> None:
    bot = await follow("none")
    bot.tipster.delete("p05")
    first_missing = bot.clock() + timedelta(minutes=5)
    await bot.cycle(5)
    assert bot.deletions() == [], "a post with no page needs six polls over half an hour"
    await bot.cycle(4)
    assert bot.deletions() == ["Deleted (unconfirmed): 数码闲聊 5：小米新机细节第5条"]
    [message] = [m for m in bot.discord.messages if (m.title or "").startswith("Deleted")]
    facts = {f["name"]: f["value"] for f in message.body["embeds"][0]["fields"]}
    assert facts["First seen missing"] == first_missing.strftime("%Y-%m-%d %H:%M UTC")
    assert facts["Evidence"] == (
        "missing from 7 healthy polls over 30m, its neighbours still shown; no page to check"
    )
    assert body_problems(WEBHOOK_PATH, message.body) == []

    result = leakbot("explain", "--item", str(bot.item_id("p05")))
    assert "deletions: deleted at " in result.out
    assert "why: deleted (unconfirmed): missing from 7 healthy polls" in result.out


async def test_two_neighbouring_linkless_posts_hidden_for_long_are_not_called_deleted(
    follow: Callable[[str], Awaitable[Bot]],
) -> None:
    bot = await follow("none")
    posts = bot.tipster.live()
    bot.tipster.serve(posts[:4] + posts[6:SHOWN])  # two neighbours gone for an hour
    await bot.cycle(12)
    assert bot.deletions() == []


async def test_a_post_deleted_while_the_window_was_short_is_alerted_when_it_grows_back(
    follow: Callable[[str], Awaitable[Bot]],
) -> None:
    bot = await follow("all")
    bot.tipster.serve(bot.tipster.live()[:15])  # the five oldest posts leave the window
    await bot.cycle(2)
    bot.tipster.deleted.add("p17")  # deleted meanwhile: its page answers 404
    bot.feeds.set_page("p17", 404)
    bot.tipster.serve(bot.tipster.live()[:15])
    await bot.cycle(4)
    assert bot.deletions() == [], "a post the window does not cover is not judged"
    bot.tipster.serve()  # the window grows back: p17 is missing from it now
    await bot.cycle(6)
    assert bot.deletions() == ["Deleted: 数码闲聊 17：小米新机细节第17条"]


def test_captured_feeds_replayed_with_random_flaps_give_no_false_deletion() -> None:
    # the short version of `python bench/bench_flaps.py 1000`, run as the bench itself
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_flaps.py"), "100", "--sources", "4"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    assert figures["false deletion alerts"] == "0", done.stdout
    alerted, made = figures["real deletions alerted"].split(" of ")
    assert int(made) >= 1 and int(alerted) >= 1, "the soak must be able to alert a real one"
    assert int(figures["polls"].split()[0]) >= 100
