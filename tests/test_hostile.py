"""Hostile, broken and slow feeds cost only their own source.

Each case serves one bad feed from loopback beside a healthy one. The bad source fails with
a clear reason that names it, and is backed off; the healthy source, polled in the same
pass, still alerts; the pass ends in bounded time; memory stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psutil
import pytest
from aiohttp import web

from bot.config.file import load_config
from bot.config.settings import Settings
from bot.runtime.app import App
from bot.sources.feed.parse_pool import ParseLimits
from bot.sources.http import Limits
from tests.clock import Clock
from tests.conftest import Leakbot
from tests.fakes import hostile
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Handler, Post

CONFIG = """
    defaults:
      interval: 5m
    sources:
      - id: healthy
        feed: {healthy}
      - id: stranger
        feed: {stranger}
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
    watches:
      - id: leica
        any: [Leica, 徕卡]
"""
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
FETCH = Limits(total_seconds=3, connect_seconds=1, read_seconds=1, max_bytes=1024 * 1024)
PARSE = ParseLimits(seconds=2, memory_bytes=512 * 1024 * 1024, workers=2)
PASS_SECONDS = 8.0  # fetch (3 s) + parse (2 s) + slack
MEMORY_BYTES = 150 * 1024 * 1024


class PeakMemory:
    """Sample the resident memory of this process and its workers while a pass runs."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.baseline = self._now()
        self.peak = self.baseline

    def _now(self) -> int:
        total = self._process.memory_info().rss
        for child in self._process.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                total += child.memory_info().rss
        return total

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._now())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._now())

    @property
    def growth(self) -> int:
        """Return how far memory rose above where it started."""
        return self.peak - self.baseline


@dataclass
class Pair:
    """A healthy source and a stranger's source, polled together by one app."""

    app: App
    clock: Clock
    feeds: FeedServer
    discord: DiscordFake
    healthy_posts: list[Post] = field(default_factory=list)

    def healthy_leak(self) -> None:
        """The healthy source publishes a post that matches a watch."""
        minutes = len(self.healthy_posts)
        self.healthy_posts.insert(
            0,
            Post(
                f"h{minutes}",
                f"Leica camera leak number {minutes}",
                published=START + timedelta(minutes=minutes),
            ),
        )
        self.feeds.publish_rss("healthy", self.healthy_posts)

    async def poll(self) -> tuple[dict[str, object], float, PeakMemory]:
        """Poll both sources once, deliver, and measure the pass."""
        self.clock.advance(minutes=5)
        with PeakMemory() as memory:
            started = time.monotonic()
            reports = await self.app.poll()
            elapsed = time.monotonic() - started
        await self.app.dispatch()
        return {r.source_id: r for r in reports}, elapsed, memory

    def titles(self) -> list[str]:
        return [m.body["embeds"][0]["title"] for m in self.discord.messages]


@pytest.fixture
async def pair(cli: Leakbot, feeds: FeedServer, discord: DiscordFake) -> AsyncIterator[Pair]:
    old = Post("h-old", "old news", published=START)
    feeds.publish_rss("healthy", [old])
    feeds.publish_rss("stranger", [Post("s-old", "old news", published=START)])
    path = cli.write_config(
        CONFIG.format(healthy=feeds.url("healthy"), stranger=feeds.url("stranger"))
    )
    clock = Clock(START)
    async with App(
        Settings(), load_config(path), now=clock, fetch_limits=FETCH, parse_limits=PARSE
    ) as app:
        result = Pair(app, clock, feeds, discord, [old])
        reports = await app.poll()  # the silent baseline of both
        assert [r.outcome for r in reports] == ["baseline", "baseline"]
        yield result


def _serve(body: bytes, content_type: str = "application/rss+xml") -> Callable[[], Handler]:
    return lambda: hostile.respond(body, content_type=content_type)


FAILING: dict[str, tuple[Callable[[], Handler], str]] = {
    "body over the cap, streamed": (hostile.endless, "over the 1048576-byte cap"),
    "body over the cap, declared": (
        _serve(hostile.rss(hostile.item("1", "x" * 2_000_000))),
        "over the 1048576-byte cap",
    ),
    "gzip bomb, Content-Encoding": (hostile.encoded_bomb, "over the 1048576-byte cap"),
    "gzip bomb, .gz file": (
        _serve(hostile.gzip_bomb(), "application/gzip"),
        "inflates past the 16777216-byte cap",
    ),
    "billion laughs": (_serve(hostile.billion_laughs()), "declares XML entities"),
    "quadratic blowup": (_serve(hostile.quadratic_blowup()), "declares XML entities"),
    "external entity": (_serve(hostile.external_entity()), "declares XML entities"),
    # not well-formed (&nbsp;), so feedparser's loose parser reads it, not the fast path
    "quadratic author e-mail": (
        _serve(hostile.slow_author().replace(b">Leica<", b">Leica&nbsp;<")),
        "took longer than 2s",
    ),
    "headers, then a stall": (lambda: hostile.stall_after_headers(4), "no data for 1s"),
    "one byte every half second": (hostile.drip, "timed out after 3s"),
    "redirect loop": (lambda: hostile.redirect(lambda r: str(r.url)), "redirect loop"),
    "redirect to file:": (
        lambda: hostile.redirect(lambda r: "file:///etc/passwd"),
        "non-HTTP URL (file:)",
    ),
    "redirect to ftp:": (
        lambda: hostile.redirect(lambda r: "ftp://127.0.0.1/feed"),
        "non-HTTP URL (ftp:)",
    ),
    "HTML instead of a feed": (
        _serve(b"<!doctype html><html><body><h1>Leica</h1></body></html>", "text/html"),
        "not a feed",
    ),
    "an empty 200": (_serve(b""), "not a feed"),
}


@pytest.mark.parametrize("case", FAILING, ids=list(FAILING))
async def test_a_hostile_feed_costs_only_its_own_source(pair: Pair, case: str) -> None:
    make_handler, reason = FAILING[case]
    pair.feeds.handle("stranger", make_handler())
    pair.healthy_leak()

    reports, elapsed, memory = await pair.poll()

    stranger = reports["stranger"]
    assert stranger.outcome == "failed"  # type: ignore[attr-defined]
    assert reason in stranger.detail  # type: ignore[attr-defined]
    assert stranger.line().startswith(f"stranger: FAILED ({stranger.detail}); 1 failure")  # type: ignore[attr-defined]
    assert stranger.next_poll_at > pair.clock() + timedelta(minutes=4)  # type: ignore[attr-defined]
    assert elapsed < PASS_SECONDS, f"the pass took {elapsed:.1f}s"
    assert memory.growth < MEMORY_BYTES, f"memory rose by {memory.growth / 2**20:.0f} MiB"
    # the healthy source, polled in the same pass, alerted
    assert reports["healthy"].outcome == "ok"  # type: ignore[attr-defined]
    assert pair.titles() == ["Leica camera leak number 1"]

    # the pool recovered from whatever the stranger did: the next pass works as usual
    pair.feeds.handlers.pop("stranger")
    pair.feeds.publish_rss("stranger", [Post("s-new", "徕卡 lens leak", published=START)])
    pair.clock.advance(hours=1)
    reports, _, _ = await pair.poll()
    assert reports["stranger"].outcome == "ok"  # type: ignore[attr-defined]
    assert sorted(pair.titles()) == ["Leica camera leak number 1", "徕卡 lens leak"]


WINDOWS_1252 = "Caf\xe9 Leica leak \u2013 \u201cM12\u201d".encode("cp1252")
QUIRKS: dict[str, tuple[bytes, str, str]] = {
    # case: (body, content type, the title the alert shows)
    "invalid UTF-8": (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><guid>q1</guid><title>Leica \xff\xfe leak</title></item></channel></rss>",
        "application/rss+xml",
        "Leica",
    ),
    "a wrongly declared encoding": (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><guid>q1</guid><title>" + WINDOWS_1252 + b"</title></item></channel></rss>",
        "application/rss+xml",
        "Leica leak",
    ),
    "a charset header that lies": (
        hostile.rss(hostile.item("q1", "徕卡 影像 leak")),
        "application/rss+xml; charset=iso-8859-1",
        "leak",
    ),
}


@pytest.mark.parametrize("case", QUIRKS, ids=list(QUIRKS))
async def test_a_badly_encoded_feed_still_alerts(pair: Pair, case: str) -> None:
    body, content_type, shown = QUIRKS[case]
    pair.feeds.handle("stranger", hostile.respond(body, content_type=content_type))
    pair.healthy_leak()

    reports, _, _ = await pair.poll()

    assert reports["stranger"].outcome == "ok", reports["stranger"]  # type: ignore[attr-defined]
    assert reports["healthy"].outcome == "ok"  # type: ignore[attr-defined]
    titles = pair.titles()
    assert len(titles) == 2 and "Leica camera leak number 1" in titles, titles
    [stranger] = [t for t in titles if t != "Leica camera leak number 1"]
    assert shown in stranger
    reports, _, _ = await pair.poll()  # the same feed again: nothing new
    assert len(pair.titles()) == 2


def _leaks(dates: list[datetime | None], guids: list[str] | None = None) -> bytes:
    guids = guids or [f"d{n}" for n in range(len(dates))]
    return hostile.rss(
        *(
            hostile.item(guid, f"Leica leak {n}", date=date)
            for n, (guid, date) in enumerate(zip(guids, dates, strict=True))
        )
    )


DATED: dict[str, tuple[bytes, int]] = {
    # case: (body, how many alerts it makes)
    "dates missing": (_leaks([None, None, None]), 3),
    "dates in the future": (_leaks([START + timedelta(days=3650)] * 3), 3),
    "all dates identical": (_leaks([START] * 3), 3),
    "guids that repeat": (_leaks([START, START, START], ["same", "same", "other"]), 2),
}


@pytest.mark.parametrize("case", DATED, ids=list(DATED))
async def test_bad_dates_and_ids_alert_once_per_post(pair: Pair, case: str) -> None:
    body, alerts = DATED[case]
    pair.feeds.publish("stranger", body)
    pair.healthy_leak()

    reports, _, _ = await pair.poll()

    assert reports["stranger"].outcome == "ok"  # type: ignore[attr-defined]
    titles = pair.titles()
    assert "Leica camera leak number 1" in titles
    assert len(titles) == 1 + alerts, titles
    for message in pair.discord.messages:
        stamp = message.body["embeds"][0].get("timestamp")
        if stamp is not None:  # a post is never shown as newer than the moment it was seen
            assert datetime.fromisoformat(stamp) <= pair.clock() + timedelta(hours=1)
    await pair.poll()
    await pair.poll()
    assert len(pair.titles()) == 1 + alerts  # polling again sends nothing new


async def test_a_worker_that_needs_too_much_memory_is_stopped(
    cli: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    posts = [Post(str(n), f"Leica post {n}", body="x" * 2000) for n in range(6000)]
    feeds.publish_rss("healthy", [Post("h-old", "old news")])
    feeds.publish_rss("stranger", posts)
    path = cli.write_config(
        CONFIG.format(healthy=feeds.url("healthy"), stranger=feeds.url("stranger"))
    )
    # a worker maps some 50 MiB before it parses (Python, feedparser, lxml, thread stacks)
    tight = ParseLimits(seconds=20, memory_bytes=96 * 1024 * 1024, workers=1)
    fetch = Limits(max_bytes=64 * 1024 * 1024)
    async with App(
        Settings(), load_config(path), now=Clock(START), fetch_limits=fetch, parse_limits=tight
    ) as app:
        reports = {r.source_id: r for r in await app.poll()}
    assert reports["stranger"].outcome == "failed"
    assert "needed more than 96 MiB" in (reports["stranger"].detail or "")
    assert reports["healthy"].outcome == "baseline"


async def test_polls_of_one_host_are_limited_in_flight(
    cli: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    in_flight = 0
    most = 0
    agents: set[str] = set()

    async def slow(request: web.Request) -> web.StreamResponse:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        agents.add(request.headers.get("User-Agent", ""))
        try:
            await asyncio.sleep(0.3)
            return web.Response(
                body=hostile.rss(hostile.item("1", "old")), content_type="application/rss+xml"
            )
        finally:
            in_flight -= 1

    names = [f"s{n}" for n in range(8)]
    for name in names:
        feeds.handle(name, slow)
    sources = "".join(f"\n  - id: {name}\n    feed: {feeds.url(name)}" for name in names)
    path = cli.write_config(f"sources:{sources}\n")
    async with App(
        Settings(),
        load_config(path),
        now=Clock(START),
        # eight polls of 0.3 s, two at a time, take 1.2 s: longer than one fetch may take,
        # so waiting for a turn must not count against a fetch's deadline
        fetch_limits=Limits(per_host=2, total_seconds=1, connect_seconds=0.5),
    ) as app:
        reports = await app.poll()
    assert [r.outcome for r in reports] == ["baseline"] * 8, [r.detail for r in reports]
    assert most == 2
    [agent] = agents
    assert agent.startswith("leakbot/")


def _atom(*entries: tuple[str, str]) -> bytes:
    """An Atom feed whose entry ids are relative, as reddit's are."""
    body = "".join(
        f"<entry><id>{entry_id}</id><title>{title}</title>"
        f"<updated>2026-11-24T08:00:00Z</updated></entry>"
        for entry_id, title in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>t</title><id>feed</id><updated>2026-11-24T08:00:00Z</updated>{body}</feed>"
    ).encode()


async def test_a_feed_that_moves_behind_a_redirect_keeps_its_posts(pair: Pair) -> None:
    first = _atom(("t3_a", "Leica leak"), ("t3_b", "old news"))
    pair.feeds.publish("stranger", first, content_type="application/atom+xml")
    await pair.poll()
    assert pair.titles() == ["Leica leak"]

    # the site moves its feed to another folder and redirects; relative ids stay put
    pair.feeds.set_page("moved-feed", 200, first, content_type="application/atom+xml")
    moved = pair.feeds.page_url("moved-feed")
    pair.feeds.handle("stranger", hostile.redirect(lambda r: moved))
    reports, _, _ = await pair.poll()
    assert reports["stranger"].outcome == "ok"  # type: ignore[attr-defined]
    assert reports["stranger"].new_items == 0  # type: ignore[attr-defined]
    assert pair.titles() == ["Leica leak"]
