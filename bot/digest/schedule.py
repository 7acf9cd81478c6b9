"""When ``leakbot run`` posts the daily digest: a cron trigger at ``digest.at`` in the
config's timezone, and one catch-up at start for a digest missed while the bot was down.

apscheduler's cron trigger fires once on a day the clocks skip ``digest.at`` (after the
jump) and twice on a day they repeat it; the second firing finds the day's digest queued
and posts nothing, as does every other process sharing the database.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger

from bot.digest.deliver import MadeBy, post_due, zone_of

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.config.file import Config
    from bot.runtime.app import App

log = logging.getLogger(__name__)

RETRY_EVERY = timedelta(minutes=1)  # a digest the database could not take is tried again
RETRIES = 60


def digest_trigger(config: Config) -> CronTrigger:
    """Return the cron trigger of the daily digest."""
    at = config.digest.at
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=zone_of(config))


def install(scheduler: AsyncIOScheduler, app: App) -> None:
    """Post each day's digest at ``digest.at``, and catch up once now if one was missed."""

    async def post(made_by: str, tries_left: int = RETRIES) -> None:
        try:
            await post_due(app.database, app.config, now=app.now(), made_by=made_by)
        except Exception as exc:
            if tries_left <= 0:
                raise
            # queueing is idempotent: trying again cannot post twice
            log.warning("digest: not queued (%s); trying again in a minute", exc)
            scheduler.add_job(
                app.vitals.guarded(post),
                args=[made_by, tries_left - 1],
                id="digest-retry",
                next_run_time=app.now() + RETRY_EVERY,
                replace_existing=True,
                misfire_grace_time=None,
            )
            return
        await app.dispatch()

    scheduler.add_job(
        app.vitals.guarded(post),
        digest_trigger(app.config),
        args=[MadeBy.SCHEDULE],
        id="digest",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,  # late is better than never: the digest says it is late
    )
    scheduler.add_job(
        app.vitals.guarded(post),
        args=[MadeBy.CATCH_UP],
        id="digest-catch-up",
        next_run_time=app.now(),
        misfire_grace_time=None,
    )
