"""``leakbot status``: each source, each channel and the outbox at a glance, read from the
database without changing it; and the summary ``leakbot run`` logs when it starts."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from bot.clock import Now, utc_now
from bot.config.durations import format_duration
from bot.config.file import CONSOLE_CHANNEL, Config, Source
from bot.config.settings import Settings
from bot.domain import ChannelState, SourceKind, SourceRecord
from bot.masking import mask_text
from bot.ops.database_trouble import DatabaseTroubleError, check_database_url, database_trouble
from bot.ops.health import describe
from bot.sources.base import source_type
from bot.sources.x.budget import Spending, first_day
from bot.wording import counted
from storage.db import Engine, existing_engine, in_transaction
from storage.errors import StorageError
from storage.outbox import ChannelCounts, ChannelStatus
from storage.overview import read_overview
from storage.x_reads import reads_between

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR = 0, 1


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """How one configured source is doing, in a line."""

    id: str
    health: str
    paused: bool = False


@dataclass(frozen=True, slots=True)
class ChannelLine:
    """How one channel is doing, in a line."""

    id: str
    health: str
    broken: bool = False


@dataclass(frozen=True, slots=True)
class Status:
    """Everything ``leakbot status`` shows."""

    sources: tuple[SourceStatus, ...]
    channels: tuple[ChannelLine, ...]
    outbox: str
    note: str | None = None  # why there is nothing to show yet
    # X's pay-per-use API: the month's spending and projection, and each X source's pace
    x: tuple[str, ...] = ()


def _next_poll(next_poll_at: datetime | None, now: datetime) -> str:
    if next_poll_at is None:
        return ""
    gap = next_poll_at - now
    if gap >= timedelta(0):
        return f"; next poll in {format_duration(max(gap, timedelta(seconds=1)))}"
    return f"; next poll due {format_duration(max(-gap, timedelta(seconds=1)))} ago"


@contextmanager
def existing_database(settings: Settings) -> Iterator[Engine | None]:
    """Open the database to read it, without creating or migrating it: None when it does not
    exist yet. Raise DatabaseTroubleError when it cannot be read, or is older than this leakbot."""
    url = settings.database_url.get_secret_value()
    check_database_url(url)
    with ExitStack() as stack:
        try:
            engine = stack.enter_context(existing_engine(url))
        except StorageError as exc:
            raise database_trouble(exc, url) or exc from None
        yield engine


def read_status(settings: Settings, config: Config, now: datetime) -> Status:
    """Read what the database knows of each source; raise DatabaseTroubleError if it cannot."""
    url = settings.database_url.get_secret_value()
    with existing_database(settings) as engine:
        if engine is None:
            return Status(
                tuple(
                    SourceStatus(s.id, skipped(settings, s) or "not polled yet")
                    for s in config.sources
                ),
                _channels(settings, config, [], {}, now),
                "empty",
                note="no database yet: leakbot has not run here",
            )
        try:
            overview = in_transaction(engine, read_overview, now=now)
        except StorageError as exc:
            raise database_trouble(exc, url) or exc from None
        summary = overview.outbox
        return Status(
            _sources(overview.sources, settings, config, now),
            _channels(settings, config, list(overview.channels), summary.channels, now),
            _outbox(summary.depth, summary.oldest_age, summary.set_aside),
            x=_x_spending(engine, settings, config, now),
        )


def _x_spending(
    engine: Engine, settings: Settings, config: Config, now: datetime
) -> tuple[str, ...]:
    """Say what X cost this month, where the month is heading, and each X source's pace."""
    sources = [s for s in config.sources if s.kind == SourceKind.X and skipped(settings, s) is None]
    if not sources:
        return ()
    reads = in_transaction(engine, reads_between, first=first_day(now), last=now.date())
    spending = Spending(reads, now, config.x.monthly_budget_usd, config.x.price_per_read_usd)
    return (
        spending.line(),
        *(spending.freshness(s.id, config.interval_of(s)) for s in sources),
    )


def skipped(settings: Settings, source: Source) -> str | None:
    """Say why no poll looks at a source, as ``poll-once`` says it; None when one does."""
    reason = source_type(source.kind).unavailable(settings)
    return f"skipped: {reason}" if reason else None


def _sources(
    records: Sequence[SourceRecord], settings: Settings, config: Config, now: datetime
) -> tuple[SourceStatus, ...]:
    states = {record.id: record for record in records}
    sources = []
    for source in config.sources:
        state = states.get(source.id)
        reason = skipped(settings, source)
        if reason is not None:
            sources.append(SourceStatus(source.id, reason))
            continue
        health = describe(state, now)
        paused = state is not None and state.paused_at is not None
        if state is not None and not state.consecutive_failures and state.last_success_at:
            health += _next_poll(state.next_poll_at, now)
        sources.append(SourceStatus(source.id, mask_text(health), paused))
    return tuple(sources)


def _channels(
    settings: Settings,
    config: Config,
    states: list[ChannelStatus],
    counts: Mapping[str, ChannelCounts],
    now: datetime,
) -> tuple[ChannelLine, ...]:
    by_id = {state.channel_id: state for state in states}
    configured = _configured(config)
    lines = []
    for channel_id in configured:
        state = by_id.get(channel_id)
        health = channel_health(settings, config, channel_id, state, now)
        broken = state is not None and state.state == ChannelState.BROKEN
        lines.append(ChannelLine(channel_id, health + _queue(counts.get(channel_id)), broken))
    for channel_id, channel_counts in counts.items():
        if channel_id not in configured and channel_counts.pending:
            waiting = counted(channel_counts.pending, "alert")
            lines.append(
                ChannelLine(
                    channel_id,
                    f"not in the config: its {waiting} wait for nothing "
                    "(`leakbot outbox list`, then `leakbot outbox drop ID`)",
                )
            )
    return tuple(lines)


def _configured(config: Config) -> list[str]:
    return [c.id for c in config.channels] or [CONSOLE_CHANNEL]


def waits_for_token(settings: Settings, config: Config, channel_id: str) -> bool:
    """Tell whether a channel is a bot channel that nothing is sent to: no DISCORD_TOKEN."""
    channel = config.channel(channel_id)
    token = settings.discord_token
    has_token = token is not None and bool(token.get_secret_value())
    return channel is not None and channel.discord_channel is not None and not has_token


def channel_health(
    settings: Settings, config: Config, channel_id: str, state: ChannelStatus | None, now: datetime
) -> str:
    """Say whether a channel's alerts go out, and if not, why and what to do; masked."""
    if channel_id not in _configured(config):
        health = "not in the config: its alerts wait for nothing (`leakbot outbox drop ID`)"
    elif waits_for_token(settings, config, channel_id):
        health = "waiting: DISCORD_TOKEN is not set, so nothing is sent to it"
    elif state is None or state.state == ChannelState.OK:
        health = "ok"
    elif state.state == ChannelState.BACKING_OFF:
        until = _at(state.retry_at, now)
        health = f"backing off ({state.reason or 'no reason given'}); next try {until}"
    else:
        health = (
            f"BROKEN since {_at(state.since, now)}: {state.reason or 'no reason given'}; "
            f"its alerts are held: fix the channel, then `leakbot outbox retry {channel_id}`"
        )
    return mask_text(health)


def _queue(counts: ChannelCounts | None) -> str:
    if counts is None or not (counts.pending or counts.set_aside):
        return ""
    parts = []
    if counts.pending:
        oldest = f", the oldest for {_age(counts.oldest_age)}" if counts.oldest_age else ""
        parts.append(f"{counted(counts.pending, 'alert')} waiting{oldest}")
    if counts.set_aside:
        parts.append(f"{counts.set_aside} set aside")
    return f"; {', '.join(parts)}"


def _outbox(depth: int, oldest_age: timedelta | None, set_aside: int) -> str:
    if not depth and not set_aside:
        return "empty"
    text = f"{counted(depth, 'alert')} waiting"
    if oldest_age is not None:
        text += f", the oldest for {_age(oldest_age)}"
    if set_aside:
        text += f"; {set_aside} set aside, refused by Discord (`leakbot outbox list`)"
    return text


def _age(age: timedelta | None) -> str:
    return format_duration(max(age or timedelta(0), timedelta(seconds=1)))


def _at(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "?"
    if moment >= now:
        return f"at {moment.isoformat(timespec='seconds')} (in {_age(moment - now)})"
    return f"{moment.isoformat(timespec='seconds')} ({_age(now - moment)} ago)"


def print_status(status: Status, out: TextIO) -> None:
    """Write the status the way ``leakbot status`` shows it."""
    print(f"{counted(len(status.sources), 'source')}:", file=out)
    for source in status.sources:
        print(f"  {source.id:<24} {source.health}", file=out)
    if status.note:
        print(f"  ({status.note})", file=out)
    print(f"{counted(len(status.channels), 'channel')}:", file=out)
    for channel in status.channels:
        print(f"  {channel.id:<24} {channel.health}", file=out)
    print(f"outbox: {status.outbox}", file=out)
    for line in status.x:
        print(line if line.startswith("X ") else f"  {line}", file=out)


def run(settings: Settings, config: Config, *, now: Now = utc_now) -> int:
    """Print the status; 1 with one line when the database cannot be read."""
    try:
        status = read_status(settings, config, now())
    except DatabaseTroubleError as trouble:
        print(f"leakbot: {trouble}", file=sys.stderr)
        return EXIT_ERROR
    print_status(status, sys.stdout)
    return EXIT_OK


def log_start_summary(*, engine: Engine, settings: Settings, config: Config, now: datetime) -> None:
    """Log what an operator should know as the bot starts: paused sources, broken channels,
    alerts waiting."""
    overview = in_transaction(engine, read_overview, now=now)
    summary = overview.outbox
    sources = _sources(overview.sources, settings, config, now)
    channels = _channels(settings, config, list(overview.channels), summary.channels, now)
    paused = [s for s in sources if s.paused]
    broken = [c for c in channels if c.broken]
    log.info(
        "at start: %s paused, %s broken, outbox %s",
        counted(len(paused), "source"),
        counted(len(broken), "channel"),
        _outbox(summary.depth, summary.oldest_age, summary.set_aside),
    )
    for source in paused:
        log.warning("source %s: %s", source.id, source.health)
    for channel in broken:
        log.warning("channel %s: %s", channel.id, channel.health)
