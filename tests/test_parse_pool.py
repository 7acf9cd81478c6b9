"""A parse worker killed while idle (the OOM killer) costs no feed anything: the pool is
replaced at once and the parse runs again; only a parse that kills its own worker fails,
and only its own source. /healthz says when no feed can be parsed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest

from bot.config.file import parse_config
from bot.delivery.routing import Routes
from bot.domain import PollOutcome, SourceKind, SourceRecord, SourceSnapshot
from bot.errors import SourceErrorKind
from bot.matching.watchlist import Watchlist
from bot.ops.vitals import Health, Vitals
from bot.polling.decide import PollRules, decide_poll
from bot.polling.timetable import next_slot
from bot.sources.feed.parse_pool import ParseError, ParseLimits, ParsePool, ParserDownError
from tests.clock import Clock
from tests.conftest import Leakbot
from tests.fakes import hostile
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running, free_port

FEED = hostile.rss(hostile.item("1", "Leica M12 leaks"), hostile.item("2", "Xiaomi 17 Ultra"))
# not well-formed (&nbsp;), so feedparser's loose parser reads it: seconds of regex work
SLOW_FEED = hostile.slow_author().replace(b">Leica<", b">Leica&nbsp;<")
BROKE = "feed parser: its worker pool broke"
TOOK_OVER = "feed parser: a new worker pool took over"


def _workers(parent: psutil.Process) -> list[psutil.Process]:
    """Return the parse workers under a process: the forkserver's children."""
    found = []
    for child in parent.children(recursive=True):
        try:
            if child.ppid() != parent.pid and "forkserver" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def _kill_one(parent: psutil.Process) -> int:
    """SIGKILL one parse worker under a process, as the OOM killer would; return its pid."""
    workers = _workers(parent)
    assert workers, "no parse worker found"
    os.kill(workers[0].pid, signal.SIGKILL)
    return workers[0].pid


def _until(check: Callable[[], bool], seconds: float, why: str | Running) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        said = why.output if isinstance(why, Running) else why
        assert time.monotonic() < deadline, f"gave up waiting: {said}"
        time.sleep(0.05)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


class Reaper:
    """Kill every parse worker of this process as soon as it appears: memory pressure that
    the OOM killer answers again and again."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._reap, daemon=True)
        self.killed = 0

    def _reap(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.005):
            for worker in _workers(me):
                try:
                    os.kill(worker.pid, signal.SIGKILL)
                    self.killed += 1
                except ProcessLookupError:
                    continue

    def __enter__(self) -> Reaper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """Return what the parse pool logged, line by line."""
    logger = "bot.sources.feed.parse_pool"
    caplog.set_level(logging.INFO, logger=logger)
    return lambda: [r.getMessage() for r in caplog.records if r.name == logger]


async def test_a_worker_killed_while_idle_is_replaced_once_and_every_parse_runs(
    records: Callable[[], list[str]],
) -> None:
    vitals = Vitals(now=Clock())
    async with ParsePool(ParseLimits(workers=2), health=vitals) as pool:
        first = await pool.parse(FEED, source_id="s", url="https://e.com/feed")
        assert [i.title for i in first.items] == ["Leica M12 leaks", "Xiaomi 17 Ultra"]
        killed = _kill_one(psutil.Process())
        await asyncio.to_thread(_until, lambda: _gone(killed), 5, "the killed worker to end")
        await asyncio.sleep(0.3)  # pebble's manager looks at its workers every 0.1 s

        # 32 polls at once meet the broken pool: one new pool, every parse runs on it
        parsed = await asyncio.gather(
            *(pool.parse(FEED, source_id=f"s{n}", url="https://e.com/feed") for n in range(32))
        )
        assert all(len(p.items) == 2 for p in parsed)
        assert killed not in {w.pid for w in _workers(psutil.Process())}

    lines = records()
    assert len(lines) == 2, lines
    assert lines[0].startswith(BROKE), lines
    assert "a worker process died while no parse ran in it" in lines[0] or "pebble:" in lines[0]
    assert re.match(rf"{TOOK_OVER} after \d+\.\ds \(1 broken pool replaced\)", lines[1]), lines
    assert vitals.health().healthy


async def test_a_parse_that_kills_its_own_worker_fails_only_itself(
    records: Callable[[], list[str]],
) -> None:
    async with ParsePool(ParseLimits(seconds=20, workers=1)) as pool:
        await pool.parse(FEED, source_id="s", url="https://e.com/feed")
        slow = asyncio.create_task(
            pool.parse(SLOW_FEED, source_id="hostile", url="https://e.com/h")
        )
        await asyncio.sleep(0.5)  # the worker took the parse and is deep in it
        assert not slow.done()
        _kill_one(psutil.Process())
        with pytest.raises(ParseError, match=r"the parser process died \(exit code -9\)") as error:
            await slow
        assert error.value.kind == SourceErrorKind.PARSE  # the hostile source's own failure

        after = await pool.parse(FEED, source_id="s", url="https://e.com/feed")
        assert len(after.items) == 2
    assert records() == []  # the pool itself never broke


async def test_healthz_is_unhealthy_while_no_feed_can_be_parsed(
    records: Callable[[], list[str]],
) -> None:
    clock = Clock()
    vitals = Vitals(now=clock)
    async with ParsePool(ParseLimits(workers=2), health=vitals) as pool:
        await pool.parse(FEED, source_id="s", url="https://e.com/feed")
        with Reaper() as reaper:
            deadline = time.monotonic() + 60
            while vitals.health().healthy:
                assert time.monotonic() < deadline, "the pool never broke under the reaper"
                with contextlib.suppress(ParseError, ParserDownError):
                    await pool.parse(FEED, source_id="s", url="https://e.com/feed")
            health = vitals.health()
            assert health.reason.startswith(
                "the feed parser cannot parse since 2026-11-24T08:00:00+00:00: "
            ), health.reason
            # every new pool breaks at once: the parse gives up, which is not the feed's fault
            with pytest.raises(ParserDownError, match="leakbot's feed parser is down") as down:
                await pool.parse(FEED, source_id="s", url="https://e.com/feed")
            assert down.value.kind == SourceErrorKind.PARSER_DOWN
            assert not vitals.health().healthy
        assert reaper.killed >= 3

        clock.advance(minutes=1)
        parsed = await pool.parse(FEED, source_id="s", url="https://e.com/feed")
        assert len(parsed.items) == 2
        assert vitals.health() == Health(True, "ok")

    lines = records()
    assert [line.split(" (")[0] for line in lines] == [
        BROKE,
        "feed parser: 2 new worker pools in a row broke too",
        TOOK_OVER + " after " + lines[-1].split(" after ")[1].split(" (")[0],
    ], lines


def test_a_source_the_parser_could_not_read_is_not_counted_or_paused() -> None:
    config = parse_config(DECIDE_CONFIG, Path("leakbot.yaml"))
    source = config.source("tipster")
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    # four failures in a row: one more would pause it
    state = SourceRecord(
        "tipster",
        SourceKind.FEED,
        source.address,
        etag='"v1"',
        baseline_done=True,
        consecutive_failures=4,
        last_error="HTTP 503",
        next_poll_at=now,
    )
    rules = PollRules(
        interval=config.interval_of(source),
        failures_before_pause=config.defaults.failures_before_pause,
        max_backoff=config.defaults.max_backoff,
        track_deletions=False,
        deletions=config.deletions,
        address=source.address,
    )
    decision = decide_poll(
        snapshot=SourceSnapshot(state, frozenset(), {}),
        reading=ParserDownError("leakbot's feed parser is down (pebble: x); not counted"),
        watchlist=Watchlist(config),
        routes=Routes(config),
        rules=rules,
        now=now,
    )
    after = decision.plan.source
    assert after is not None
    assert (after.consecutive_failures, after.paused_at) == (4, None)
    assert (after.last_error, after.etag, after.last_polled_at) == ("HTTP 503", '"v1"', None)
    assert after.next_poll_at == next_slot("tipster", rules.interval, now)
    assert decision.plan.alerts == ()  # no pause notice to the channel
    assert decision.report.outcome == PollOutcome.SKIPPED
    assert decision.report.line() == (
        "tipster: skipped (leakbot's feed parser is down (pebble: x); not counted; "
        f"next try at {next_slot('tipster', rules.interval, now).isoformat(timespec='seconds')})"
    )


def _get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


# first polls come within 5 s of the start; until the test publishes, the next ones are
# answered 304 (nothing changed) and parse nothing: the workers stay idle for the kill
RUN_CONFIG = """
    defaults:
      interval: 10s
      failures_before_pause: 1
    sources:{sources}
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
    watches:
      - id: pixel
        any: ["Pixel 11"]
"""
NAMES = ["one", "two", "three"]
DECIDE_CONFIG = """
defaults:
  failures_before_pause: 5
sources:
  - id: tipster
    feed: https://e.com/feed
channels:
  - id: leaks
    webhook: https://discord.com/api/webhooks/1234567890123456789/token-a
watches:
  - id: pixel
    any: ["Pixel 11"]
"""


def test_leakbot_run_keeps_alerting_after_a_parse_worker_is_killed(
    cli: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    """On SQLite alone: the parse pool is a pool of processes, the same on either database;
    the polls' writes on PostgreSQL are tested elsewhere (test_run, test_workers)."""
    for name in NAMES:
        feeds.publish_rss(name, [Post(f"{name}-old", "Old news", link=f"https://e.com/{name}")])
    sources = "".join(f"\n      - id: {n}\n        feed: {feeds.url(n)}" for n in NAMES)
    cli.write_config(RUN_CONFIG.format(sources=sources))
    base = f"http://127.0.0.1:{free_port()}"
    env = {**cli.env, "LEAKBOT_HTTP_ADDR": base.removeprefix("http://")}
    bot = Running(["run"], cli.home, env)
    try:
        _until(lambda: bot.output.count(": first poll, 1 item") == 3, 30, bot)
        # right after the first polls: what comes before the posts below is a 304, and no
        # parse runs: the workers are idle
        killed = _kill_one(psutil.Process(bot.process.pid))
        _until(lambda: _gone(killed), 5, "the killed worker to end")
        for name in NAMES:
            feeds.publish_rss(
                name,
                [
                    Post(
                        f"{name}-new", f"Pixel 11 leak from {name}", link=f"https://e.com/{name}/n"
                    ),
                    Post(f"{name}-old", "Old news", link=f"https://e.com/{name}"),
                ],
            )
        _until(lambda: len(discord.messages) == 3, 50, bot)
        titles = sorted(m.body["embeds"][0]["title"] for m in discord.messages)
        assert titles == [f"Pixel 11 leak from {n}" for n in sorted(NAMES)]
        status, body = _get(f"{base}/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok", "reason": "ok"})
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
    output = bot.output
    assert output.count(BROKE) == 1, output
    assert output.count(TOOK_OVER) == 1, output
    assert "poll failed" not in output and "unexpected error" not in output, output
    assert "Traceback" not in output

    shown = cli("status")
    assert shown.code == 0, shown.err
    for name in NAMES:
        row = next(line for line in shown.out.splitlines() if line.lstrip().startswith(name))
        assert "ok, last success" in row and "PAUSED" not in row, shown.out
