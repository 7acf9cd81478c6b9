"""``leakbot run``: one worker among any number on one database, until SIGINT or SIGTERM.

The database owns the schedule (storage.schedule): each tick, this worker claims the
sources that are due, as many as it has room for, polls them, and lets each go once its
outcome and next poll are written. A killed worker's claims run out and the others take
its sources. apscheduler keeps the local timers: the claim tick, the renewal of claims,
the outbox dispatch and the Discord gateway's lease (one worker holds the gateway).
SQLite is for one process: a second ``leakbot run`` on the same file refuses to start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from contextlib import suppress
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.config.file import Source
from bot.digest import schedule as digest_schedule
from bot.domain import PollOutcome
from bot.errors import LeakbotError
from bot.ops import metrics
from bot.ops.http_server import HttpServer
from bot.ops.status import log_start_summary
from bot.polling.poller import Known
from bot.polling.timetable import first_poll
from bot.runtime.app import POLLS_IN_FLIGHT, App
from bot.runtime.worker import RENEW_EVERY, Role
from bot.sources.base import SOURCE_KINDS, PushParts, SourceType
from bot.wording import counted
from storage.db import database_address
from storage.leases import Lease
from storage.polls import read_sources
from storage.schedule import Claimed, place

if TYPE_CHECKING:
    from bot.discord_bot import DiscordBot

log = logging.getLogger(__name__)

CLAIM_EVERY = timedelta(seconds=1)
DISPATCH_EVERY = timedelta(seconds=5)
GATEWAY = "discord-gateway"
PUSH_LEASE = timedelta(seconds=30)  # a dead holder's stream is taken within 35 s
PUSH_EVERY = timedelta(seconds=5)  # rules follow a source added within this long
SQLITE_RUN = "sqlite-run"
SQLITE_RUN_LEASE = timedelta(seconds=30)


class Polls:
    """The polls this worker runs: claimed when due, as many at once as it has room for."""

    def __init__(self, app: App, *, in_flight: int = POLLS_IN_FLIGHT) -> None:
        self.app = app
        self.in_flight = in_flight
        self.running: dict[str, asyncio.Task[None]] = {}
        self._claiming = asyncio.Lock()
        self._behind = False  # the last claim filled the room: more may be due
        self._refills: set[asyncio.Task[None]] = set()
        self._stopping = False

    def stopping(self) -> bool:
        """Say whether the worker is stopping: then nothing more is claimed."""
        return self._stopping

    def pollable(self) -> dict[str, Source]:
        """Return the sources this worker can poll, by id (X ones need a bearer token)."""
        return {s.id: s for s in self.app.config.sources if self.app.readable(s)}

    async def tick(self) -> None:
        """Take in sources added from Discord (by any worker), then claim what is due."""
        await self.app.refresh()
        await self.claim()

    async def claim(self) -> None:
        """Claim what is due, as much as there is room for, and start polling it."""
        async with self._claiming:
            room = self.in_flight - len(self.running)
            if self.stopping() or room <= 0:
                self._behind = room <= 0
                return
            sources = self.pollable()
            claimed = await self.app.worker.claim_due(list(sources), limit=room)
            if self.stopping():
                await self.app.worker.release_many([c.source_id for c in claimed])
                return
            # a full claim: more may be due, so claim again once half the room is free
            # rather than at the next tick
            self._behind = len(claimed) == room
            if claimed:
                await self._start(claimed, sources)

    async def _start(self, claimed: list[Claimed], sources: dict[str, Source]) -> None:
        ids = [c.source_id for c in claimed]
        known = await self.app.database.run(read_sources, source_ids=ids)
        moment = self.app.now()
        for claim in claimed:
            if claim.due is not None:
                metrics.POLL_LATENESS.observe(max(0.0, (moment - claim.due).total_seconds()))
            source = sources[claim.source_id]
            task = asyncio.create_task(self._poll(source, known.get(source.id)))
            self.running[source.id] = task
            task.add_done_callback(partial(self._done, source.id))

    def _done(self, source_id: str, _: asyncio.Task[None]) -> None:
        self.running.pop(source_id, None)
        half_free = self.in_flight - len(self.running) >= self.in_flight // 2
        if self._behind and half_free and not self._claiming.locked() and not self.stopping():
            self._behind = False
            refill = asyncio.create_task(self._refill())
            self._refills.add(refill)
            refill.add_done_callback(self._refills.discard)

    async def _refill(self) -> None:
        with self.app.vitals.database_calls():
            await self.claim()

    async def _poll(self, source: Source, known: Known | None) -> None:
        app = self.app
        try:
            # a poll reports a failed query as a failed poll: it cannot say the database is back
            with app.vitals.database_calls():
                report = await app.poller.poll(source, known=known)
                app.vitals.poll_done(report.outcome)
                if report.outcome == PollOutcome.FAILED:
                    log.warning("%s", report.warning())
                else:
                    log.info("%s", report.line())
        except asyncio.CancelledError:
            # shutting down: what the poll had not written yet is read again next time
            log.info("source %s: poll cut short by the shutdown", source.id)
            raise
        finally:
            with suppress(Exception), app.vitals.database_calls(ends_outage=False):
                await asyncio.shield(app.worker.release(source.id))

    async def stop(self) -> None:
        """Claim nothing more; cut the polls in flight short and wait for them."""
        self._stopping = True
        async with self._claiming:  # a claim under way lets its sources go
            pass
        tasks = [*self.running.values(), *self._refills]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Sending:
    """The outbox's dispatch, started the moment a poll's alerts are committed.

    One pass at a time; alerts written during a pass get one more pass right after it, so
    none waits for the next tick. The periodic dispatch still retries what failed.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def soon(self) -> None:
        """Dispatch now, or right after the pass under way."""
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._passes())

    async def _passes(self) -> None:
        while self._again:
            self._again = False
            try:
                with self.app.vitals.database_calls():
                    await dispatch(self.app)
            except Exception:
                log.exception("outbox: dispatch failed")

    async def stop(self) -> None:
        """Cut a pass under way short (the outbox has let its deliveries finish first)."""
        self._again = False
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def dispatch(app: App) -> None:
    """Deliver what is due in the outbox, and log what happened."""
    result = await app.dispatch()
    if result.delivered or result.failed:
        log.info("outbox: %d delivered, %d failed", result.delivered, result.failed)


async def place_sources(app: App, sources: list[Source]) -> None:
    """Give each source that has no next poll yet (or fell far behind) its first one,
    spread over a window that grows with the watchlist."""
    moment = app.now()
    slots = {}
    for source in sources:
        interval = app.config.interval_of(source)
        slots[source.id] = (
            first_poll(source.id, interval, moment, sources=len(sources)),
            moment - interval,
        )
    await app.database.run(place, slots=slots)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


async def hold_sqlite_file(app: App) -> Role | None:
    """Make this the one ``leakbot run`` on a SQLite file, or raise naming the running one.

    A holder on this host whose process is gone (a kill, a container restart) is replaced
    at once; elsewhere its lease runs out after 30 s.
    """
    address = database_address(app.settings.database_url.get_secret_value())
    if address is None or not address.sqlite:
        return None
    worker = app.worker

    async def gained(_: Lease) -> None:
        pass

    async def lost(lease: Lease) -> None:
        log.error("another leakbot run (pid %d on %s) took this SQLite file", lease.pid, lease.host)

    role = Role(worker, SQLITE_RUN, ttl=SQLITE_RUN_LEASE, gained=gained, lost=lost)
    lease = await role.tick()
    dead = lease.host == worker.host and (lease.pid == worker.pid or not _alive(lease.pid))
    if lease.holder != worker.name and dead:
        lease = await worker.take(SQLITE_RUN, SQLITE_RUN_LEASE, over=lease.holder)
        role.held = lease.holder == worker.name
    if lease.holder != worker.name:
        raise LeakbotError(
            f"another leakbot run uses the SQLite file {address.database}: pid {lease.pid} on "
            f"{lease.host}, running since {lease.since.isoformat(timespec='seconds')}; SQLite is "
            "for one process: stop that one first, or let several workers share PostgreSQL "
            "(see the README, 'Running more than one worker')"
        )
    return role


class Gateway:
    """The Discord gateway session, held by one worker at a time under a lease."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.bot: DiscordBot | None = None
        # LEAKBOT_GATEWAY_LEASE, 30 s by default: renewed every 10 s, a dead holder's
        # gateway is taken within 40 s
        lease = timedelta(seconds=app.settings.leakbot_gateway_lease)
        self.every = lease / 3
        self.role = Role(
            app.worker,
            GATEWAY,
            ttl=lease,
            gained=self._gained,
            lost=self._lost,
            fenced=self._fenced,
        )

    async def _gained(self, lease: Lease) -> None:
        from bot.discord_bot import DiscordBot  # discord.py, only for the worker that needs it

        log.info("this worker holds the Discord gateway (slash commands answer here)")
        self.bot = DiscordBot.for_app(self.app)
        if self.bot is not None:
            self.bot.start()

    async def _lost(self, lease: Lease) -> None:
        log.warning(
            "the Discord gateway went to another worker (pid %d on %s)", lease.pid, lease.host
        )
        await self.close()

    async def _fenced(self, expires_at: datetime) -> None:
        # on Discord every live session receives every interaction: this one must be gone
        # before another worker may take the lease and open its own
        log.warning(
            "cannot renew the Discord gateway lease: closing the gateway session before it "
            "runs out at %s (it opens again once the database answers, unless another worker "
            "took it)",
            expires_at.isoformat(timespec="seconds"),
        )
        await self.close()

    async def close(self) -> None:
        """Close the gateway session; no database call, so a stop never waits on one."""
        if self.bot is not None:
            bot, self.bot = self.bot, None
            await bot.close()

    async def stop(self) -> None:
        """Close the session and let another worker take the gateway at once."""
        await self.close()
        await self.role.give_up()


class Push:
    """A kind's push of posts as they are made (X's filtered stream), held by one worker at
    a time under a lease, as the gateway is; its posts go through the poller's decide and
    write. On each tick the holder keeps it in step with the running config."""

    def __init__(self, app: App, entry: SourceType) -> None:
        assert entry.push is not None
        self.app = app
        self.label = entry.label
        self.pusher = entry.push(
            PushParts(
                settings=app.settings,
                database=app.database,
                now=app.now,
                config=lambda: app.config,
                readable=app.readable,
                take=lambda source, items: app.poller.take(source, items),
                worker=app.worker,
            )
        )
        self.role = Role(
            app.worker,
            self.pusher.lease,
            ttl=PUSH_LEASE,
            gained=self._gained,
            lost=self._lost,
            fenced=self._fenced,
        )

    async def tick(self) -> None:
        """Take or renew the lease; the holder keeps its push in step with the config."""
        await self.role.tick()
        if self.role.held:
            await self.pusher.keep()

    async def _gained(self, lease: Lease) -> None:
        log.info("this worker holds the %s stream", self.label)

    async def _lost(self, lease: Lease) -> None:
        log.warning(
            "the %s stream went to another worker (pid %d on %s)", self.label, lease.pid, lease.host
        )
        await self.pusher.stop()

    async def _fenced(self, expires_at: datetime) -> None:
        # one stream connection at a time: this one closes before another worker may open
        log.warning(
            "cannot renew the %s stream's lease: closing it before it runs out at %s",
            self.label,
            expires_at.isoformat(timespec="seconds"),
        )
        await self.pusher.stop()

    async def close(self) -> None:
        """Close the push (no database call needed for the connection itself)."""
        with suppress(Exception):
            await self.pusher.stop()


async def run(app: App, stop: asyncio.Event) -> None:
    """Poll what is due, dispatch the outbox, hold the gateway if no worker does; until
    ``stop`` is set (the command line sets it on SIGINT and SIGTERM)."""
    sqlite_run = await hold_sqlite_file(app)
    scheduler = AsyncIOScheduler(timezone="UTC")
    polls = Polls(app)
    worker = app.worker

    sending = Sending(app)
    # a poll's alerts leave the moment its write commits, not at the next tick
    app.poller.alerted = sending.soon

    async def renew() -> None:
        await worker.renew()
        if sqlite_run is not None:
            await sqlite_run.tick()

    now = app.now()
    with app.vitals.database_calls():
        await place_sources(app, list(polls.pollable().values()))
    scheduler.add_job(
        app.vitals.guarded(polls.tick),
        # ticks a second apart on average, each at a random moment: the first worker to tick
        # after a source is due claims it, so workers ticking in step would leave one doing
        # all (apscheduler counts the next tick from the jittered one)
        IntervalTrigger(
            seconds=CLAIM_EVERY.total_seconds() / 2, jitter=CLAIM_EVERY.total_seconds()
        ),
        id="claim",
        next_run_time=now + CLAIM_EVERY * random.random(),  # noqa: S311
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        app.vitals.guarded(renew),
        IntervalTrigger(seconds=RENEW_EVERY.total_seconds()),
        id="renew",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        app.vitals.guarded(partial(dispatch, app)),
        IntervalTrigger(seconds=DISPATCH_EVERY.total_seconds()),
        id="dispatch",
        next_run_time=now,
        max_instances=1,
        coalesce=True,
    )
    gateway: Gateway | None = None
    token = app.settings.discord_token
    if token is not None and token.get_secret_value():
        gateway = Gateway(app)
        scheduler.add_job(
            app.vitals.guarded(gateway.role.tick),
            IntervalTrigger(seconds=gateway.every.total_seconds()),
            id="gateway",
            next_run_time=now,
            max_instances=1,
            coalesce=True,
        )
    pushes = [
        Push(app, entry)
        for entry in SOURCE_KINDS
        if entry.push is not None and entry.kind not in app.unreadable
    ]
    for push in pushes:
        scheduler.add_job(
            app.vitals.guarded(push.tick),
            IntervalTrigger(seconds=PUSH_EVERY.total_seconds()),
            id=f"push {push.pusher.lease}",
            next_run_time=now,
            max_instances=1,
            coalesce=True,
        )
    digest_schedule.install(scheduler, app)  # the daily digest at digest.at, and a catch-up
    server = None
    if app.settings.http_address is not None:
        server = HttpServer(app.vitals, *app.settings.http_address)
        await server.start()
    with app.vitals.database_calls():
        log_start_summary(engine=app.engine, settings=app.settings, config=app.config, now=now)
    scheduler.start()
    # the first post after a start is alerted as fast as the next ones
    warming = asyncio.create_task(app.warm_up())
    log.info(
        "leakbot running: %s, %s, %s; worker %s; Ctrl-C stops",
        counted(len(app.config.sources), "source"),
        counted(len(app.watchlist), "watch", "watches"),
        counted(len(app.sinks), "channel"),
        worker.name,
    )
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        # a database that does not answer (a partition) must not hold the stop: what is
        # left undone there, the leases and claims, runs out by itself
        app.database.finish_within()
        scheduler.pause()
        # a POST Discord may have accepted must first finish and be committed, or the alert
        # would go out twice
        await app.outbox.stop()
        await sending.stop()
        await polls.stop()
        warming.cancel()
        await asyncio.gather(warming, return_exceptions=True)
        # a job under way (a renewal waiting on a silent database) ends within the bound
        # above; cancelled by the shutdown, apscheduler would log it with a traceback (it
        # keeps its jobs' tasks to itself)
        jobs: set[asyncio.Future[object]] = getattr(
            scheduler._lookup_executor("default"), "_pending_futures", set()
        )
        if under_way := {job for job in jobs if not job.done()}:
            await asyncio.wait(under_way, timeout=2)
        scheduler.shutdown(wait=False)
        if gateway is not None:
            # first, and with no database: an outage below must not leave the session open
            await gateway.close()
        for push in pushes:
            with suppress(TimeoutError):
                await asyncio.wait_for(push.close(), timeout=2)
        # the other workers take this one's sources and roles now, not when the leases run out
        with suppress(Exception), app.vitals.database_calls(ends_outage=False):
            await worker.release_all()
            if gateway is not None:
                await gateway.stop()
            for push in pushes:
                await push.role.give_up()
            if sqlite_run is not None:
                await sqlite_run.give_up()
        if server is not None:
            await server.stop()
