"""Making a day's digest from the database, and queueing it once per channel.

The digest goes through the outbox like every alert, so a Discord outage delays it and
never loses or doubles it. ``storage.digests.queue_digest`` writes one row per day and
channel with the alerts, in one transaction: a restart at the scheduled minute or a second
process finds the row and queues nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.file import Config
from bot.delivery.routing import Routes
from bot.digest.build import Digest, build_digest, day_span, digest_alerts, due_at, split_parts
from bot.domain import DayActivity
from bot.wording import counted
from storage.db import Database
from storage.digests import digests_of, queue_digest, read_day, saw_posts_before

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=15)  # a digest queued later than this after it was due is late
REPLY_LIMIT = 2000  # characters of a Discord message's content


class MadeBy:
    """Who made a digest: the schedule, the catch-up at start, or a command."""

    SCHEDULE = "schedule"
    CATCH_UP = "catch-up"
    COMMAND = "command"


@dataclass(frozen=True, slots=True)
class Posting:
    """What queueing a day's digest did."""

    day: date
    queued: tuple[str, ...] = ()  # channels that got it now
    already: tuple[tuple[str, datetime], ...] = ()  # channels that had it, and since when
    parts: int = 0
    late: bool = False


def zone_of(config: Config) -> ZoneInfo:
    """Return the digests' clock."""
    return ZoneInfo(config.timezone)


def today(config: Config, now: datetime) -> date:
    """Return the date it is now in the config's timezone."""
    return now.astimezone(zone_of(config)).date()


def last_due_day(config: Config, now: datetime) -> date:
    """Return the latest day whose digest is due by now."""
    zone = zone_of(config)
    day = now.astimezone(zone).date() - timedelta(days=1)
    if due_at(day, config.digest.at, zone) > now:
        day -= timedelta(days=1)
    return day


def digest_channels(config: Config) -> tuple[str, ...]:
    """Return the channels the digest goes to: ``digest.channels``, else every channel."""
    return config.digest.channels or Routes(config).everywhere


async def make_digest(
    database: Database | None,
    config: Config,
    day: date,
    *,
    now: datetime,
    watch: str | None = None,
    late: datetime | None = None,
) -> Digest:
    """Read a day from the database and make its digest; a day not over yet, so far.

    Without a database (leakbot never ran here) the day is empty.
    """
    zone = zone_of(config)
    start, end = day_span(day, zone)
    activity = DayActivity(start=start, end=end)
    if database is not None:
        activity = await database.run(read_day, start=start, end=end)
    sources = {source.id for source in config.sources}
    channels = {channel.id for channel in config.channels}
    activity = DayActivity(
        start=activity.start,
        end=activity.end,
        posts=activity.posts,
        changes=activity.changes,
        # a source or channel since removed from the config is no one's trouble
        failing_sources=tuple(s for s in activity.failing_sources if s.source_id in sources),
        broken_channels=tuple(c for c in activity.broken_channels if c.channel_id in channels),
    )
    return build_digest(
        activity,
        day=day,
        zone=zone,
        watch=watch,
        until=now if now < end else None,
        late=late,
        made_at=now,
    )


async def post_digest(
    database: Database,
    config: Config,
    day: date,
    *,
    now: datetime,
    made_by: str,
    force: bool = False,
    channels: Sequence[str] | None = None,
) -> Posting:
    """Queue a finished day's digest for each digest channel that has not had it.

    A digest made later than ``LATE_AFTER`` after it was due, by the schedule or the
    catch-up, is marked late. ``force`` queues a new edition for every channel.
    """
    wanted = tuple(channels) if channels is not None else digest_channels(config)
    posted = await database.run(digests_of, day=day)
    had = {row.channel_id: row.queued_at for row in posted if row.edition == 1}
    if not force and all(channel in had for channel in wanted):
        log.info("digest of %s: already queued for %s", day.isoformat(), ", ".join(wanted))
        return Posting(day, already=tuple((c, had[c]) for c in wanted))
    due = due_at(day, config.digest.at, zone_of(config))
    late = made_by != MadeBy.COMMAND and now - due > LATE_AFTER
    digest = await make_digest(database, config, day, now=now, late=due if late else None)
    messages = [alert.to_json() for alert in digest_alerts(digest)]
    queued = await database.run(
        queue_digest,
        day=day,
        channel_ids=wanted,
        messages=messages,
        late=late,
        made_by=made_by,
        force=force,
        now=now,
    )
    # a channel not queued now was queued first by another writer, a moment ago at most
    already = tuple((c, had.get(c, now)) for c in wanted if c not in queued)
    if not queued:
        # another process queued it between our look and our write
        log.info("digest of %s: already queued for %s", day.isoformat(), ", ".join(wanted))
    else:
        log.info(
            "digest of %s queued for %s (%s)%s",
            day.isoformat(),
            ", ".join(queued),
            counted(len(messages), "part"),
            ", late" if late else "",
        )
    return Posting(day, tuple(queued), already, len(messages), late)


async def post_due(
    database: Database, config: Config, *, now: datetime, made_by: str
) -> Posting | None:
    """Queue the latest due day's digest where it is missing.

    The catch-up at start posts only for a day leakbot was at work before its digest was
    due: a bot started for the first time does not post yesterday's empty digest.
    """
    day = last_due_day(config, now)
    if made_by == MadeBy.CATCH_UP:
        due = due_at(day, config.digest.at, zone_of(config))
        worked = await database.run(saw_posts_before, moment=due)
        if not worked:
            return None
    return await post_digest(database, config, day, now=now, made_by=made_by)


async def digest_reply(
    database: Database, config: Config, day: date | None, *, now: datetime
) -> list[str]:
    """Return a day's digest (None: today's so far) as Discord messages of 2000 characters
    at most, the title in the first: for ``/digest now`` and ``/digest day``, ephemeral."""
    digest = await make_digest(database, config, day or today(config, now), now=now)
    title = f"**{digest.title}**"
    parts = split_parts(digest, REPLY_LIMIT - len(title) - 2)
    return [f"{title}\n\n{parts[0]}", *parts[1:]]
