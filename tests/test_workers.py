"""Workers share the load through the database: each source polled by one worker at a time,
spread over its interval; a killed worker's sources go to the others; one gateway holder;
one ``leakbot run`` per SQLite file."""

from __future__ import annotations

import itertools
import re
import signal
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiohttp import web
from sqlmodel import col, select

from bot.polling.timetable import first_poll, next_slot, offset
from bot.runtime.worker import Role, Worker
from storage.db import Database, make_engine, migrate, session_scope
from storage.leases import Lease
from storage.models import AlertRow, SourceState
from storage.schedule import claim, claim_due, release
from tests.clock import Clock
from tests.conftest import WEBHOOK_ID, WEBHOOK_URL, Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.discord_gateway import LEAKS_CHANNEL_ID, TOKEN, DiscordBotFake
from tests.fakes.feed_server import FeedServer, Post, rss
from tests.running import Running, free_port, read_metrics

MINUTE = timedelta(minutes=1)


# --- the timetable: when each source is polled ---------------------------------------------


def test_five_thousand_sources_at_a_minute_are_spread_evenly_over_it() -> None:
    per_second = Counter(int(offset(f"feed-{n}", MINUTE).total_seconds()) for n in range(5000))
    assert len(per_second) == 60  # every second of the minute has polls
    assert min(per_second.values()) >= 83 * 0.6
    assert max(per_second.values()) <= 83 * 1.4  # no burst: about 83 a second


def test_a_late_poll_keeps_its_slot_and_a_very_late_one_skips_one() -> None:
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    slot = next_slot("tipster", MINUTE, now)
    assert now + MINUTE / 2 <= slot < now + MINUTE * 1.5
    assert next_slot("tipster", MINUTE, slot) == slot + MINUTE  # on time
    assert next_slot("tipster", MINUTE, slot + timedelta(seconds=20)) == slot + MINUTE  # late
    assert next_slot("tipster", MINUTE, slot + timedelta(seconds=40)) == slot + 2 * MINUTE
    # every worker computes the same slot, whatever its clock reads within the interval
    assert next_slot("tipster", MINUTE, slot - timedelta(seconds=5)) == slot + MINUTE


def test_a_fresh_watchlist_starts_within_seconds_and_a_big_one_spreads_over_the_interval() -> None:
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    few = [first_poll(f"s{n}", timedelta(hours=1), now, sources=3) for n in range(3)]
    assert all(now <= at < now + timedelta(seconds=5) for at in few)
    many = [first_poll(f"s{n}", MINUTE, now, sources=5000) for n in range(5000)]
    assert all(now <= at < now + MINUTE for at in many)
    assert max(Counter(int((at - now).total_seconds()) for at in many).values()) < 83 * 1.4


# --- claims and leases in the database -----------------------------------------------------


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _sources(engine: sa.Engine, count: int, due: datetime) -> list[str]:
    ids = [f"feed-{n:04d}" for n in range(count)]
    with session_scope(engine) as session:
        for source_id in ids:
            session.add(
                SourceState(id=source_id, kind="feed", address="https://e.com/", next_poll_at=due)
            )
    return ids


def test_workers_claiming_at_once_never_share_a_source(engine: sa.Engine) -> None:
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    ids = _sources(engine, 300, now - timedelta(seconds=1))
    taken: dict[str, list[str]] = defaultdict(list)
    start = threading.Barrier(4)

    def work(name: str) -> None:
        start.wait()
        while True:
            with session_scope(engine) as session:
                got = claim_due(
                    session=session,
                    source_ids=ids,
                    worker=name,
                    now=now,
                    lease=timedelta(seconds=10),
                    limit=7,
                )
            if not got:
                return
            taken[name].extend(c.source_id for c in got)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [source_id for got in taken.values() for source_id in got]
    assert sorted(every) == ids  # each source claimed once, by one worker
    assert len(taken) >= 2  # and the workers shared them


def test_a_claim_runs_out_unless_renewed_and_a_released_source_waits_for_its_time(
    engine: sa.Engine,
) -> None:
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    [source] = _sources(engine, 1, now)
    lease = timedelta(seconds=10)
    with session_scope(engine) as session:
        [got] = claim_due(
            session=session, source_ids=[source], worker="a", now=now, lease=lease, limit=5
        )
        assert (got.source_id, got.due) == (source, now)
    with session_scope(engine) as session:  # still held: another worker finds nothing due
        later = now + timedelta(seconds=9)
        assert (
            claim_due(
                session=session, source_ids=[source], worker="b", now=later, lease=lease, limit=5
            )
            == []
        )
        assert claim(session=session, source_ids=[source], worker="b", now=later, lease=lease) == {
            source: "a"
        }
    with session_scope(engine) as session:  # worker a died: its claim ran out
        dead = now + timedelta(seconds=11)
        [got] = claim_due(
            session=session, source_ids=[source], worker="b", now=dead, lease=lease, limit=5
        )
        assert got.source_id == source
    with session_scope(engine) as session:  # b polled it: the next poll is an interval on
        row = session.get(SourceState, source)
        assert row is not None
        row.next_poll_at = now + MINUTE
        session.add(row)
        session.flush()
        release(session=session, worker="b", source_ids=[source])
    with session_scope(engine) as session:
        soon = now + timedelta(seconds=30)
        assert (
            claim_due(
                session=session, source_ids=[source], worker="c", now=soon, lease=lease, limit=5
            )
            == []
        )


async def test_the_gateway_role_passes_to_another_worker_when_its_holder_dies(
    engine: sa.Engine,
) -> None:
    clock = Clock()
    database = Database(engine)
    events: list[str] = []

    def role(worker: Worker) -> Role:
        async def gained(lease: Lease) -> None:
            events.append(f"{worker.name} gained")

        async def lost(lease: Lease) -> None:
            events.append(f"{worker.name} lost")

        return Role(worker, "discord-gateway", ttl=timedelta(seconds=30), gained=gained, lost=lost)

    try:
        one, two = Worker(database, clock), Worker(database, clock)
        first, second = role(one), role(two)
        assert (await first.tick()).holder == one.name
        taken_at = clock()
        for _ in range(5):  # both keep trying; the holder renews
            clock.advance(seconds=10)
            assert (await first.tick()).holder == one.name
            lease = await second.tick()
            assert lease.holder == one.name
            assert lease.since == taken_at  # a renewal keeps the moment it was taken
        assert events == [f"{one.name} gained"]
        # the holder dies: it stops renewing; within the lease another worker takes it
        clock.advance(seconds=29)
        assert (await second.tick()).holder == one.name
        clock.advance(seconds=2)
        assert (await second.tick()).holder == two.name
        assert events == [f"{one.name} gained", f"{two.name} gained"]
        # a holder that was only stalled finds out on its next tick, and lets go
        assert (await first.tick()).holder == two.name
        assert events[-1] == f"{one.name} lost"
        # stopping gives the role up at once
        await second.give_up()
        assert (await first.tick()).holder == one.name
    finally:
        database.close()


# --- poll-once beside a running worker -------------------------------------------------------

TWO_SOURCES = """
    sources:
      - id: tipster
        feed: {tipster}
      - id: steady
        feed: {steady}
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
    watches:
      - id: pixel
        any: ["Pixel 11"]
"""


def test_poll_once_leaves_a_source_a_running_worker_is_polling_alone(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    """It used to poll it a second time at once and fail on the same new post."""
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    feeds.publish_rss("steady", [Post("s", "Old news")])
    leakbot.write_config(
        TWO_SOURCES.format(tipster=feeds.url("tipster"), steady=feeds.url("steady"))
    )
    assert leakbot("poll-once").code == 0
    feeds.publish_rss("tipster", [Post("b", "Pixel 11 leaks"), Post("a", "Old news")])
    engine = make_engine(leakbot.env["DATABASE_URL"])
    try:
        with session_scope(engine) as session:  # a worker on another host is polling it
            claim(
                session=session,
                source_ids=["tipster"],
                worker="box-2 pid 7 0a1b2c3d",
                now=datetime.now(UTC),
                lease=MINUTE,
            )
        asked = len(feeds.hits("tipster"))

        result = leakbot("poll-once")

        assert "tipster: skipped (being polled by box-2 pid 7 0a1b2c3d)" in result.out
        assert "steady: not modified (304)" in result.out
        assert len(feeds.hits("tipster")) == asked
        assert discord.messages == []
        with session_scope(engine) as session:  # that worker is done with it
            release(session=session, worker="box-2 pid 7 0a1b2c3d")
        result = leakbot("poll-once")
        assert "tipster: ok, 2 items, 1 new, 1 alert" in result.out
        assert [m.title for m in discord.messages] == ["Pixel 11 leaks"]
    finally:
        engine.dispose()


# --- one leakbot run per SQLite file ---------------------------------------------------------


def test_a_second_run_on_one_sqlite_file_refuses_and_names_the_first(
    leakbot: Leakbot, database_url: str, feeds: FeedServer
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("on PostgreSQL any number of workers run: see the test with three")
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    feeds.publish_rss("steady", [Post("s", "Old news")])
    leakbot.write_config(
        TWO_SOURCES.format(tipster=feeds.url("tipster"), steady=feeds.url("steady"))
    )
    first = Running(["run"], leakbot.home, leakbot.env)
    try:
        first.wait_for(re.compile("leakbot running"), 30)
        assert first.process.poll() is None, first.output

        second = leakbot.process("run", timeout=30)

        assert second.code == 1, second.err
        assert re.search(
            rf"leakbot: another leakbot run uses the SQLite file .*leakbot\.db: "
            rf"pid {first.process.pid} on {re.escape(socket.gethostname())}, running since "
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00; SQLite is for one process",
            second.err,
        ), second.err
        assert first.process.poll() is None  # the first one goes on

        first.stop(signal.SIGKILL)
        # killed, it cannot let go; its process is gone, so the next one starts at once
        third = Running(["run"], leakbot.home, leakbot.env)
        try:
            output = third.wait_for(re.compile("leakbot running"), 30)
            assert "leakbot running" in output, output
            assert third.stop() == 0
        finally:
            third.kill()
    finally:
        first.kill()


# --- three workers on PostgreSQL -------------------------------------------------------------

INTERVAL = 10.0  # seconds: the shortest interval the config takes
SOURCES = 9
HOOK_TWO_ID = "223344556677889900"

THREE_WORKERS = """
    defaults:
      interval: 10s
    sources:{sources}
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
      - id: rumours
        webhook: ${{RUMOURS_WEBHOOK_URL}}
    watches:
      - id: pixel
        any: ["Pixel 11"]
        channels: [leaks]
      - id: galaxy
        any: ["Galaxy S30"]
        channels: [rumours]
"""


class Tipsters:
    """Feeds that time every request and serve what the test posts (ETag, 304)."""

    def __init__(self, feeds: FeedServer, names: list[str]) -> None:
        self.polls: dict[str, list[float]] = {name: [] for name in names}
        self.posts: dict[str, list[Post]] = {
            name: [Post(f"{name}-0", "Old news")] for name in names
        }
        self._lock = threading.Lock()
        for name in names:
            feeds.handle(name, self._server_for(name))

    def _server_for(self, name: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def serve(request: web.Request) -> web.StreamResponse:
            with self._lock:
                self.polls[name].append(time.monotonic())
                body = rss(self.posts[name])
            etag = f'"{len(self.posts[name])}"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            return web.Response(
                body=body.encode(), headers={"Content-Type": "application/rss+xml", "ETag": etag}
            )

        return serve

    def post(self, name: str, title: str) -> None:
        with self._lock:
            self.posts[name].insert(0, Post(f"{name}-{len(self.posts[name])}", title))


def _polled_by(worker: Running) -> set[str]:
    return set(re.findall(r"INFO +bot\.runtime\.run: (feed-\d+): ", worker.output))


def test_three_workers_poll_each_source_once_per_interval_and_survive_a_kill(
    leakbot: Leakbot, database_url: str, feeds: FeedServer, discord: DiscordFake
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is for one process; workers share PostgreSQL")
    names = [f"feed-{n}" for n in range(SOURCES)]
    tipsters = Tipsters(feeds, names)
    sources = "".join(f"\n      - id: {n}\n        feed: {feeds.url(n)}" for n in names)
    leakbot.write_config(THREE_WORKERS.format(sources=sources))
    hook_two = WEBHOOK_URL.replace(WEBHOOK_ID, HOOK_TWO_ID)
    env = {**leakbot.env, "RUMOURS_WEBHOOK_URL": hook_two}
    ports = [free_port() for _ in range(3)]
    workers = [
        Running(["run"], leakbot.home, {**env, "LEAKBOT_HTTP_ADDR": f"127.0.0.1:{port}"})
        for port in ports
    ]
    titles: list[str] = []

    def publish(count: int) -> None:
        for _ in range(count):
            n = len(titles)
            title = f"{'Pixel 11' if n % 2 else 'Galaxy S30'} leak number {n}"
            tipsters.post(names[(n * 4) % SOURCES], title)
            titles.append(title)
            time.sleep(1)

    def delivered() -> list[str]:
        return [m.title or "" for m in discord.messages]

    try:
        for worker in workers:
            worker.wait_for(re.compile("leakbot running"), 40)
            assert worker.process.poll() is None, worker.output
        _until(lambda: all(tipsters.polls[n] for n in names), 15, workers)  # first polls
        publish(6)

        # kill a worker that holds no channel's queue: a kill in the instant between
        # Discord's answer and the commit would double an alert (at-least-once; see README)
        engine = make_engine(database_url)
        try:
            with engine.connect() as connection:
                dispatching = {
                    holder or ""
                    for (holder,) in connection.execute(
                        sa.text("SELECT claimed_by FROM channel WHERE claimed_until > :now"),
                        {"now": datetime.now(UTC)},
                    )
                }
        finally:
            engine.dispose()
        idle = [w for w in workers if not any(f"pid {w.process.pid} " in d for d in dispatching)]
        victim = max(idle, key=lambda w: len(_polled_by(w)))  # the one with most to take
        taken = _polled_by(victim)
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(5)
        killed_at = time.monotonic()
        publish(6)
        _until(
            lambda: time.monotonic() > killed_at + INTERVAL + 3,
            30,
            [w for w in workers if w is not victim],
        )
        _until(lambda: len(delivered()) >= len(titles), 20, [w for w in workers if w is not victim])
        time.sleep(1)  # nothing more comes
        ended = time.monotonic()
        survivor = next(k for k, w in enumerate(workers) if w is not victim)
        metrics = read_metrics(ports[survivor])
        for worker in workers:
            if worker is not victim:
                assert worker.stop() == 0, worker.output
    finally:
        for worker in workers:
            worker.kill()

    # each alert once, and each channel in the order its alerts were queued
    assert sorted(delivered()) == sorted(titles), Counter(delivered()).most_common(3)
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            queued = {
                channel: [
                    row.message["title"]
                    for row in session.exec(
                        select(AlertRow)
                        .where(AlertRow.channel_id == channel)
                        .order_by(col(AlertRow.id))
                    )
                ]
                for channel in ("leaks", "rumours")
            }
    finally:
        engine.dispose()
    for channel, hook in (("leaks", WEBHOOK_ID), ("rumours", HOOK_TWO_ID)):
        assert [m.title for m in discord.messages if m.target == hook] == queued[channel]
    # each source polled by one worker at a time, once per interval, through the kill
    for name, polls in tipsters.polls.items():
        gaps = [b - a for a, b in itertools.pairwise(polls)]
        assert min(gaps) >= INTERVAL / 2, (
            name,
            gaps,
            [p - killed_at for p in polls],
        )  # never twice at once
        # the first poll comes within seconds; from the second on, the source keeps its slot
        steady = [*gaps[1:], ended - polls[-1]]
        assert max(steady) <= INTERVAL * 1.5, (name, gaps)
        assert all(abs(gap - INTERVAL) < 2 for gap in gaps[1:-1]), (name, gaps)
        assert any(killed_at < at <= killed_at + INTERVAL + 2 for at in polls), (name, polls)
    assert taken, victim.output
    # the workers say how late their polls start: here, never more than a few seconds
    started = metrics["leakbot_poll_lateness_seconds_count"]
    assert started >= len(_polled_by(workers[survivor])) > 0
    assert metrics['leakbot_poll_lateness_seconds_bucket{le="5.0"}'] == started
    after = {name for w in workers if w is not victim for name in _polled_by(w)}
    assert after == set(names)  # the survivors took the killed worker's sources too


def _until(check: Callable[[], bool], seconds: float, workers: list[Running]) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        for worker in workers:
            assert worker.process.poll() is None, f"a worker exited:\n{worker.output}"
        assert time.monotonic() < deadline, "gave up waiting:\n" + "\n---\n".join(
            w.output for w in workers
        )
        time.sleep(0.1)


# --- one worker holds the Discord gateway ----------------------------------------------------

GATEWAY_CONFIG = """
    defaults:
      interval: 10s
    sources:
      - id: tipster
        feed: {feed}
    channels:
      - id: leaks
        discord_channel: "{channel}"
    watches:
      - id: galaxy
        any: ["Galaxy S30"]
"""


def test_one_worker_holds_the_discord_gateway_and_hands_it_over_when_it_stops(
    leakbot: Leakbot, database_url: str, feeds: FeedServer
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is for one process; workers share PostgreSQL")
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    leakbot.write_config(GATEWAY_CONFIG.format(feed=feeds.url("tipster"), channel=LEAKS_CHANNEL_ID))
    with DiscordBotFake() as gateway:
        env = {
            **leakbot.env,
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE_URL": gateway.api_base,
            "DISCORD_GATEWAY_URL": gateway.gateway_url,
        }
        first = Running(["run"], leakbot.home, env)
        second: Running | None = None
        try:
            gateway.wait_ready(30)
            second = Running(["run"], leakbot.home, env)
            second.wait_for(re.compile("leakbot running"), 30)
            time.sleep(2)  # it has asked for the gateway: another worker holds it
            assert gateway.identifies == 1
            assert "this worker holds the Discord gateway" in first.output
            assert "Discord gateway" not in second.output
            assert first.stop() == 0, first.output

            gateway.wait_ready(20, identifies=1)  # the other worker took the gateway over
            assert "this worker holds the Discord gateway" in second.output
            answer = gateway.command("watch", "list")
            assert answer.text is not None and answer.text.startswith("1 watch:"), answer
            assert second.stop() == 0, second.output
        finally:
            first.kill()
            if second is not None:
                second.kill()
        assert gateway.rejected == []
