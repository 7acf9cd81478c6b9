"""``leakbot run``: apscheduler drives the polls and the outbox until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import random
import signal
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import App
from bot.config import Source
from bot.http_server import HttpServer
from bot.status import log_start_summary
from bot.wording import counted
from storage.sources import next_polls

log = logging.getLogger(__name__)

DISPATCH_EVERY = timedelta(seconds=5)
FOLLOW_RESUMES_EVERY = timedelta(seconds=30)
MIN_FIRST_POLL_SPREAD = timedelta(seconds=5)
SPREAD_PER_SOURCE = timedelta(milliseconds=200)


def _jitter(interval: timedelta) -> int:
    """Spread polls of a source by up to a tenth of its interval, at most a minute."""
    return max(1, min(60, int(interval.total_seconds() / 10)))


async def run(app: App, *, stop: asyncio.Event | None = None) -> None:
    """Poll every source on its schedule and dispatch the outbox, until told to stop."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def poll(source: Source) -> None:
        try:
            report = (await app.poll([source.id]))[0]
        except asyncio.CancelledError:
            # shutting down: what the poll had not written yet is read again next time
            log.info("source %s: poll cut short by the shutdown", source.id)
            return
        app.vitals.poll_done(report.outcome)
        if report.outcome == "failed":
            if report.next_poll_at is not None:
                scheduler.modify_job(f"poll:{source.id}", next_run_time=report.next_poll_at)
        else:
            log.info("%s", report.line())
        if report.alerts:
            await dispatch()

    async def follow_resumes() -> None:
        """Poll at once a source the operator resumed (``leakbot source resume``)."""
        moment = app.now()
        due = await app.database.run(lambda session: next_polls(session=session))
        for source in app.config.sources:
            job = scheduler.get_job(f"poll:{source.id}")
            wanted, _ = due.get(source.id, (None, 0))
            if job is None or wanted is None or job.next_run_time is None:
                continue
            slack = timedelta(seconds=_jitter(app.config.interval_of(source)) + 5)
            if wanted <= moment and job.next_run_time > moment + slack:
                log.info("source %s: resumed by the operator; polling it now", source.id)
                job.modify(next_run_time=moment)

    async def dispatch() -> None:
        result = await app.dispatch()
        if result.delivered or result.failed:
            log.info("outbox: %d delivered, %d failed", result.delivered, result.failed)

    now = app.now()
    states = app.source_states()
    feeds = [s for s in app.config.sources if s.kind == "feed"]
    spread = max(MIN_FIRST_POLL_SPREAD, SPREAD_PER_SOURCE * len(feeds))
    for source in app.config.sources:
        if source.kind == "x" and app.x is None:
            continue  # the app has warned that X_BEARER_TOKEN is not set
        interval = app.config.interval_of(source)
        # the first polls are spread out so that a large watchlist does not start in one burst
        first = now + min(spread, interval / 2) * random.random()  # noqa: S311
        state = states.get(source.id)
        if state and state.consecutive_failures and state.next_poll_at:
            # a failing or paused source keeps its back-off across restarts
            first = max(first, state.next_poll_at)
        scheduler.add_job(
            # a poll reports a failed query as a failed poll: it cannot say the database is back
            app.vitals.guarded(poll),
            IntervalTrigger(seconds=interval.total_seconds(), jitter=_jitter(interval)),
            args=[source],
            id=f"poll:{source.id}",
            next_run_time=first,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(interval.total_seconds()),
        )
    scheduler.add_job(
        app.vitals.guarded(follow_resumes),
        IntervalTrigger(seconds=FOLLOW_RESUMES_EVERY.total_seconds()),
        id="follow-resumes",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        app.vitals.guarded(dispatch),
        IntervalTrigger(seconds=DISPATCH_EVERY.total_seconds()),
        id="dispatch",
        next_run_time=now,
        max_instances=1,
        coalesce=True,
    )
    server = None
    if app.settings.http_address is not None:
        server = HttpServer(app.vitals, *app.settings.http_address)
        await server.start()
    with app.vitals.database_calls():
        log_start_summary(engine=app.engine, settings=app.settings, config=app.config, now=now)
    scheduler.start()
    log.info(
        "leakbot running: %s, %s, %s; Ctrl-C stops",
        counted(len(app.config.sources), "source"),
        counted(len(app.watchlist), "watch", "watches"),
        counted(len(app.sinks), "channel"),
    )
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        scheduler.pause()
        # the scheduler's shutdown cancels the jobs still running: a POST Discord may have
        # accepted must first finish and be committed, or the alert would go out twice
        await app.outbox.stop()
        scheduler.shutdown(wait=False)
        if server is not None:
            await server.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
