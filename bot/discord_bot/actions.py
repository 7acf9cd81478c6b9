"""What the slash commands do: check like the file, write the rows, take the change in.

Each action returns the reply's text; the commands only parse the interaction and send it.
A change is written in one transaction, then the app takes it in at once (``refresh``);
the other workers see the database's counter move within seconds.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import StringIO
from typing import Any

from bot.config.file import Source
from bot.config.managed import (
    Effective,
    Refusal,
    channel_spec,
    check_addition,
    check_removal,
    fit,
    show_watch,
    source_lines,
    watch_lines,
    with_managed,
)
from bot.digest.build import parse_day
from bot.digest.deliver import digest_reply, today
from bot.domain import ManagedEntry, ManagedKind
from bot.masking import mask_text
from bot.matching.terms import MatchVerdict
from bot.matching.watchlist import Watchlist
from bot.ops.status import print_status, read_status
from bot.runtime.app import App
from bot.wording import counted
from storage.managed import add_entries, remove_entry
from storage.schedule import resume_now


@dataclass(frozen=True, slots=True)
class Member:
    """Who asked: the name Discord shows and the user id."""

    name: str
    id: str


@dataclass(frozen=True, slots=True)
class Place:
    """Where a command was run, and whether the bot may post there."""

    channel_id: str
    bot_can_post: bool


async def add_watch(
    app: App, spec: dict[str, Any], member: Member, *, channel: str | None, place: Place
) -> str:
    """Add a watch; ``channel`` is a Discord channel id it alone should alert."""
    await app.refresh()  # another worker's change first
    extra: list[ManagedEntry] = []
    effective = app.managed
    if channel is not None:
        named = _channel_for(app, channel, place)
        if isinstance(named, Refusal):
            return named.message
        if isinstance(named, ManagedEntry):
            extra.append(named)
            effective = with_managed(app.file_config, [*app.managed.entries.values(), named])
            named = named.id
        spec = {**spec, "channels": [named]}
    refusal = check_addition(app.file_config, effective, ManagedKind.WATCH, spec)
    if refusal is not None:
        return refusal.message
    entry = ManagedEntry(ManagedKind.WATCH, spec["id"], spec, member.name, member.id, _now(app))
    await _write(app, [*extra, entry])
    watch = app.watchlist.watch(entry.id)
    return f"Added.\n{show_watch(app.managed, app.routes, watch)}"


def _channel_for(app: App, channel: str, place: Place) -> str | ManagedEntry | Refusal:
    """Find the leakbot channel of a Discord channel: a configured one, or this channel."""
    for known in app.config.channels:
        if known.discord_channel == channel:
            return known.id
    if not app.file_config.channels:
        return Refusal(
            "the config file has no channels (alerts go to the console on the bot's host), "
            "so a watch cannot name a Discord channel; nothing changed"
        )
    if channel != place.channel_id or not place.bot_can_post:
        return Refusal(
            f"<#{channel}> is not one of leakbot's channels. Run `/watch add` inside that "
            "channel (where leakbot may post) to name it, or leave `channel` out to alert "
            "the configured channels; nothing changed"
        )
    spec = channel_spec(channel)
    return ManagedEntry(ManagedKind.CHANNEL, spec["id"], spec, "", "", datetime.now(UTC))


async def add_source(app: App, spec: dict[str, Any], member: Member) -> str:
    """Add a source and give it its first poll at once: it records the feed, alerts nothing."""
    await app.refresh()
    refusal = check_addition(app.file_config, app.managed, ManagedKind.SOURCE, spec)
    if refusal is not None:
        return refusal.message
    entry = ManagedEntry(ManagedKind.SOURCE, spec["id"], spec, member.name, member.id, _now(app))
    await _write(app, [entry])
    reports = await app.poll([entry.id])
    first = mask_text(reports[0].line()) if reports else "not polled"
    return (
        f"Added source `{entry.id}`; its first poll records what it holds and alerts "
        f"nothing:\n{first}"
    )


async def remove(app: App, kind: ManagedKind, entry_id: str) -> str:
    """Remove a watch or source added from Discord."""
    await app.refresh()
    refusal = check_removal(app.file_config, app.managed, kind, entry_id)
    if refusal is not None:
        return refusal.message
    removed = await app.database.run(remove_entry, kind=kind, entry_id=entry_id)
    await app.refresh()
    if removed is None:
        return f"{kind.value} `{entry_id}` was removed already"
    return f"Removed {kind.value} `{entry_id}` (added by {removed.added_by})."


async def resume(app: App, source_id: str) -> str:
    """Try a failing or paused source at once, and say how the poll went."""
    await app.refresh()
    if source_id not in {s.id for s in app.config.sources}:
        return f"no source `{source_id}`"
    moment = _now(app)
    state = await app.database.run(resume_now, source_id=source_id, now=moment)
    if state is None or state.last_polled_at is None:
        return f"source `{source_id}`: not polled yet; nothing to resume"
    if not state.consecutive_failures:
        return f"source `{source_id}`: not failing; it is polled on its usual schedule"
    reports = await app.poll([source_id])
    line = mask_text(reports[0].line()) if reports else "not polled"
    return f"source `{source_id}` tried at once:\n{line}"


async def status(app: App) -> str:
    """Say what ``leakbot status`` says: sources, channels, the outbox."""
    current = await asyncio.to_thread(read_status, app.settings, app.config, _now(app))
    out = StringIO()
    print_status(current, out)
    return fit("leakbot status", out.getvalue().splitlines(), code=True)


def list_watches(app: App) -> str:
    """List the watches, saying which the file manages and which Discord added."""
    lines = watch_lines(app.managed, app.routes)
    return fit(f"{counted(len(app.config.watches), 'watch', 'watches')}:", lines)


def show(app: App, watch_id: str) -> str:
    """Show one watch in full."""
    try:
        watch = app.watchlist.watch(watch_id)
    except KeyError:
        return f"no watch `{watch_id}`"
    return show_watch(app.managed, app.routes, watch)


TEST_BUDGET = 5.0  # seconds of matching one /watch test may take; the watches left are named
TESTS_WAITING = 3  # /watch test calls that may queue behind the running one; more are refused
NAMED_UNTESTED = 10  # watch ids a reply names when the budget ran out


class _Tester:
    """One thread for ``/watch test``: matching thousands of terms runs off the event loop,
    one text at a time, so members cannot fill the threads the database and X calls use."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="watch-test")
        self._queued = 0  # only touched on the event loop's thread

    async def run(self, watchlist: Watchlist, text: str) -> str:
        if self._queued > TESTS_WAITING:
            return (
                f"{self._queued} tests are already waiting for the matcher; "
                "try again in a few seconds"
            )
        self._queued += 1
        try:
            work = functools.partial(test_within, watchlist, text, TEST_BUDGET)
            return await asyncio.get_running_loop().run_in_executor(self._thread, work)
        finally:
            self._queued -= 1


_TESTER = _Tester()


async def test(app: App, text: str) -> str:
    """Say whether a text matches each watch, and why, matching on a thread of its own."""
    return await _TESTER.run(app.watchlist, text)


def test_within(watchlist: Watchlist, text: str, budget: float) -> str:
    """Say whether a text matches each watch and why, matches first (``leakbot explain``);
    stop deciding once ``budget`` seconds are spent and name the watches left untested."""
    deadline = time.monotonic() + budget
    verdicts: list[MatchVerdict] = []
    # watch by watch, so a watchlist too costly for this text stops at the budget
    for verdict in watchlist.judge_each(text):
        verdicts.append(verdict)
        if time.monotonic() > deadline:
            break
    if not verdicts:
        return "no watches to test against"
    matched = [v for v in verdicts if v.matched]
    lines = [line for v in sorted(verdicts, key=lambda v: not v.matched) for line in v.explain()]
    head = f"{len(matched)} of {len(verdicts)} watches match"
    left = [watch.id for watch in watchlist.watches[len(verdicts) :]]
    if left:
        named = ", ".join(left[:NAMED_UNTESTED]) + (", …" if len(left) > NAMED_UNTESTED else "")
        head += (
            f"; {counted(len(left), 'watch', 'watches')} not tested, as matching this text "
            f"took over {budget:g} s: {named}"
        )
    return fit(head, lines, code=True)


def list_sources(app: App) -> str:
    """List the sources, saying which the file manages and which Discord added."""
    return fit(f"{counted(len(app.config.sources), 'source')}:", source_lines(app.managed))


def ids(effective: Effective, kind: ManagedKind, typed: str) -> list[str]:
    """Offer the ids that start with (then contain) what the member typed, for autocomplete."""
    section: Sequence[Any] = (
        effective.config.watches if kind == ManagedKind.WATCH else effective.config.sources
    )
    typed = typed.casefold()
    every = [entry.id for entry in section]
    first = [i for i in every if i.startswith(typed)]
    return (first + [i for i in every if typed in i and i not in first])[:25]


DIGEST_REPLIES = 10  # messages one /digest answer may take; a longer day says where the rest is


def digest_day(app: App, text: str) -> date:
    """Read the day a member asked for, in the digest's timezone; a ValueError says why not."""
    config = app.config
    return parse_day(text, today=today(config, app.now()), timezone=config.timezone)


async def digest(app: App, day: date | None) -> list[str]:
    """Return a day's digest (None: today's so far) as replies, at most DIGEST_REPLIES."""
    parts = await digest_reply(app.database, app.config, day, now=app.now())
    if len(parts) <= DIGEST_REPLIES:
        return parts
    shown = DIGEST_REPLIES - 1
    when = f" --date {day.isoformat()}" if day is not None else ""
    rest = (
        f"… and {len(parts) - shown} more parts: `leakbot digest{when}` on the bot's "
        "host prints the whole day"
    )
    return [*parts[:shown], rest]


async def _write(app: App, entries: Sequence[ManagedEntry]) -> None:
    """Store the entries in one transaction (a source gets its row, due now), take them in."""
    sources = [_source_row(e.spec) for e in entries if e.kind == ManagedKind.SOURCE]
    await app.database.run(add_entries, entries=entries, sources=sources)
    await app.refresh()


def _source_row(spec: Mapping[str, Any]) -> tuple[str, str, str]:
    source = Source.model_validate(dict(spec))
    return source.id, source.kind, source.address


def _now(app: App) -> datetime:
    return app.now()
