"""A gateway holder that cannot renew its lease closes its session before the lease runs
out, so that no two workers ever hold a Discord gateway session at once (on Discord each
live session receives every interaction)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.runtime.worker import FENCE_MARGIN, Role, Worker
from storage.db import Database, make_engine, migrate
from storage.leases import Lease
from tests.clock import Clock
from tests.conftest import Leakbot
from tests.fakes.discord_gateway import LEAKS_CHANNEL_ID, TOKEN, DiscordBotFake
from tests.fakes.feed_server import FeedServer, Post
from tests.fakes.relay import Relay
from tests.running import Running

GATEWAY = "discord-gateway"
TTL = timedelta(seconds=2)
MARGIN = timedelta(seconds=1)  # so the holder lets go 1 s after its last renewal was sent


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@contextmanager
def lease_locked(engine: sa.Engine) -> Iterator[None]:
    """Hold the lease row in another transaction: a renewal hangs until the block ends, as
    it does while the database is cut off."""
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE lease SET pid = pid WHERE name = :name"), {"name": GATEWAY}
        )
        yield


class Roles:
    """Gateway roles on one database and one fixed clock, noting when each hook ran."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self.events: list[tuple[str, str, float]] = []  # (worker, hook, loop time)
        self.expiries: list[datetime] = []

    def role(self, name: str) -> Role:
        loop = asyncio.get_running_loop()

        def note(hook: str) -> Callable[[Lease], Awaitable[None]]:
            async def hooked(_: Lease) -> None:
                self.events.append((name, hook, loop.time()))

            return hooked

        async def fenced(expires_at: datetime) -> None:
            self.events.append((name, "fenced", loop.time()))
            self.expiries.append(expires_at)

        return Role(
            Worker(self.database, self.clock),
            GATEWAY,
            ttl=TTL,
            margin=MARGIN,
            gained=note("gained"),
            lost=note("lost"),
            fenced=fenced,
        )

    def hooks(self) -> list[tuple[str, str]]:
        return [(name, hook) for name, hook, _ in self.events]


async def test_a_holder_whose_renewal_hangs_lets_go_before_its_lease_runs_out(
    engine: sa.Engine,
) -> None:
    clock = Clock()
    database = Database(engine)
    loop = asyncio.get_running_loop()
    roles = Roles(database, clock)
    try:
        one = roles.role("one")
        for _ in range(5):  # renewed in time, it holds on
            sent = loop.time()
            sent_at = clock()
            assert (await one.tick()).holder == one.worker.name
            await asyncio.sleep(0.4)
        assert roles.hooks() == [("one", "gained")]

        with lease_locked(engine):  # the database stops answering
            await asyncio.sleep(0.3)
            renewal = asyncio.create_task(one.tick())
            await asyncio.sleep(1.2)
            # ttl - margin after the last renewal was sent, while a renewal still hangs
            assert not renewal.done()
            assert roles.hooks() == [("one", "gained"), ("one", "fenced")]
            fenced_at = roles.events[-1][2]
            assert sent + 0.95 <= fenced_at < sent + 1.3, fenced_at - sent
            assert roles.expiries == [sent_at + TTL]  # when the lease runs out, in the log
            assert not one.held
        # answered now, the hung renewal was sent too long ago to count: still let go
        assert (await renewal).holder == one.worker.name
        assert roles.hooks() == [("one", "gained"), ("one", "fenced")]

        # the database answers again and the lease is still its own: it takes it again
        assert (await one.tick()).holder == one.worker.name
        assert roles.hooks()[-1] == ("one", "gained")
        assert one.held
    finally:
        database.close()


async def test_a_holder_that_let_go_stays_out_when_another_worker_took_the_lease(
    engine: sa.Engine,
) -> None:
    clock = Clock()
    database = Database(engine)
    roles = Roles(database, clock)
    try:
        one, two = roles.role("one"), roles.role("two")
        assert (await one.tick()).holder == one.worker.name
        assert (await two.tick()).holder == one.worker.name
        await asyncio.sleep(1.2)  # one cannot renew: it lets go while its lease holds
        assert roles.hooks() == [("one", "gained"), ("one", "fenced")]
        assert (await two.tick()).holder == one.worker.name  # not yet another's to take

        clock.advance(seconds=2)  # the lease ran out: the other worker takes it
        assert (await two.tick()).holder == two.worker.name
        # the database answers the first again: it says where the role went, and stays out
        assert (await one.tick()).holder == two.worker.name
        assert roles.hooks() == [
            ("one", "gained"),
            ("one", "fenced"),
            ("two", "gained"),
            ("one", "lost"),
        ]
        assert (await one.tick()).holder == two.worker.name
        assert len(roles.events) == 4
        await one.give_up()  # it holds nothing: the other keeps the role
        assert (await two.tick()).holder == two.worker.name
        assert roles.hooks()[-1] == ("one", "lost")
    finally:
        database.close()


# --- three workers, the holder's database away ---------------------------------------------

CONFIG = """
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

# the three workers' gateway lease (LEAKBOT_GATEWAY_LEASE; 30 s by default), renewed every
# third of it: the shortest the setting allows, so that the run waits a lease out in seconds
LEASE = 15

FENCED = re.compile(
    r"WARNING +bot\.runtime\.run: cannot renew the Discord gateway lease: closing the gateway "
    r"session before it runs out at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"
)


@pytest.mark.parametrize("outage", ["cut", "partition"])
def test_three_workers_never_hold_two_gateway_sessions_while_the_holders_database_is_away(
    leakbot: Leakbot, database_url: str, feeds: FeedServer, outage: str
) -> None:
    """The holder's renewals fail (cut: refused at once; partition: nothing answers); it
    closes its session before another worker may take the lease, and stays closed once the
    database is back, since another worker holds it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is for one process; workers share PostgreSQL (TEST_DATABASE_URL)")
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    leakbot.write_config(CONFIG.format(feed=feeds.url("tipster"), channel=LEAKS_CHANNEL_ID))
    parsed = make_url(database_url)
    with (
        DiscordBotFake() as gateway,
        Relay(parsed.host or "127.0.0.1", parsed.port or 5432) as relay,
    ):
        env = {
            **leakbot.env,
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE_URL": gateway.api_base,
            "DISCORD_GATEWAY_URL": gateway.gateway_url,
            "LEAKBOT_GATEWAY_LEASE": str(LEASE),
        }
        relayed = parsed.set(host="127.0.0.1", port=relay.port)
        holder_env = {**env, "DATABASE_URL": relayed.render_as_string(hide_password=False)}
        holder = Running(["run"], leakbot.home, holder_env)
        others: list[Running] = []
        try:
            gateway.wait_live(1, 30, identifies=0)
            others = [Running(["run"], leakbot.home, env) for _ in range(2)]
            for other in others:
                other.wait_for(re.compile("leakbot running"), 30)
                assert other.process.poll() is None, other.output
            time.sleep(2)  # they have asked for the gateway: the holder has it
            assert gateway.identifies == 1
            [held] = gateway.lives

            if outage == "cut":
                relay.cut()
            else:
                relay.partition()
            cut_at = time.monotonic()
            # the lease runs out LEASE after the holder's last renewal; another worker takes
            # it at its next tick, LEASE / 3 apart
            gateway.wait_live(1, 55, identifies=1)
            taken = gateway.lives[-1]
            if outage == "cut":
                relay.restore()
            else:
                relay.heal()
            _until(
                lambda: "the Discord gateway went to another worker" in holder.output, 25, holder
            )
            time.sleep(1)
            answer = gateway.command("watch", "list")  # one session answers
            assert answer.text is not None and answer.text.startswith("1 watch:"), answer
            assert len(gateway.live_now()) == 1
            # the sessions up to now; while the workers stop one by one below, the lease may
            # pass on once more (a stopping holder gives it up), which is failover, not fencing
            lives = list(gateway.lives)
            for worker in [holder, *others]:
                assert worker.stop() == 0, worker.output
        finally:
            for worker in [holder, *others]:
                worker.kill()
        overlapping = gateway.overlapping()  # over the whole run, the stops included
        assert gateway.rejected == []
    assert overlapping == [], gateway.lives
    assert held.ended is not None
    assert len(lives) == 2, lives  # the holder opened no new session once the database was back
    # it let go within LEASE - 5 s of losing the database: 5 s before its lease could run out
    let_go = (timedelta(seconds=LEASE) - FENCE_MARGIN).total_seconds()
    assert held.ended - cut_at <= let_go + 0.5, held.ended - cut_at
    print(
        f"{outage}: the holder closed {held.ended - cut_at:.1f} s after it began; the next "
        f"session began "
        f"{taken.began - held.ended:.1f} s after that"
    )
    fenced = FENCED.findall(holder.output)
    assert len(fenced) == 1, holder.output  # said once
    assert "Traceback" not in holder.output
    for other in others:
        assert "cannot renew" not in other.output


def _until(check: Callable[[], bool], seconds: float, worker: Running) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert worker.process.poll() is None, f"the worker exited:\n{worker.output}"
        assert time.monotonic() < deadline, "gave up waiting:\n" + worker.output
        time.sleep(0.1)
