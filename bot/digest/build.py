"""The daily digest: a day's matched posts, stories, deletions and trouble, for people.

Pure: ``build_digest`` turns what storage read for a day (``DayActivity``) into a
``Digest``; ``render_markdown`` and ``digest_json`` print it; ``split_parts`` cuts it into
Discord-sized messages at entry boundaries, never inside an entry; ``digest_alerts``
makes those parts alerts for the outbox. Names and errors are escaped for Discord only in
what is posted: the terminal shows them as they are. The most important entries come first:
deletions and edits, then the stories told by the most sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.config.durations import format_duration
from bot.delivery.alerts import AlertMessage, escape_markdown
from bot.domain import (
    AlertKind,
    ChannelTrouble,
    DayActivity,
    DayChange,
    DayPost,
    SourceTrouble,
)
from bot.masking import mask_text
from bot.polling.deletions import lifetime, word_diff
from bot.wording import counted

PART_LIMIT = 3900  # characters of one message: under an embed's 4096, with room to spare
TITLE_CHARS = 200
SAID_CHARS = 300
ALSO_SHOWN = 12  # other sources of a story named in its entry; the rest are counted
DIGEST_SOURCE = "leakbot"

Escape = Callable[[str], str]  # how names and errors are written: for Discord, or as they are


def day_span(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the UTC instants a day in a timezone starts and ends (23 or 25 hours on DST)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def due_at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return when a day's digest is due: ``at`` on the next day, in UTC.

    A time the clocks skip (02:30 when they go forward) is taken after the jump, as
    apscheduler fires it; a time that comes twice is the first.
    """
    return datetime.combine(day + timedelta(days=1), at, tzinfo=zone).astimezone(UTC)


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(text: str, *, today: date, timezone: str) -> date:
    """Read a day written YYYY-MM-DD; a ValueError names what is wrong with it."""
    if not _DAY.match(text):
        raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text} is not a day of the calendar ({exc})") from None
    if day > today:
        raise ValueError(f"{text} has not begun yet in {timezone}")
    return day


@dataclass(frozen=True, slots=True)
class Sighting:
    """A source that reported a story, and when."""

    source_id: str
    at: datetime
    link: str | None


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a watch's section: a post, or a story with every source that told it."""

    title: str
    link: str | None
    source_id: str
    at: datetime
    also: tuple[Sighting, ...] = ()  # a story's other sources, first report first
    story_id: int | None = None

    @property
    def sources(self) -> int:
        """Count the sources that reported it."""
        return len({self.source_id, *(s.source_id for s in self.also)})


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """A post deleted or edited within the day: what it said and how long it lived."""

    kind: AlertKind
    title: str
    link: str | None
    source_id: str
    posted_at: datetime
    at: datetime
    said: str
    now_says: str = ""
    lived: timedelta | None = None
    restored: bool = False
    edits: int = 0


@dataclass(frozen=True, slots=True)
class WatchSection:
    """A watch's matched posts of the day, stories with the most sources first."""

    watch_id: str
    posts: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """A day's digest, ready to render."""

    day: date
    zone: str
    start: datetime
    end: datetime
    watches: tuple[WatchSection, ...] = ()
    changes: tuple[ChangeEntry, ...] = ()
    by_watch: tuple[tuple[str, int], ...] = ()
    by_source: tuple[tuple[str, int], ...] = ()
    failing_sources: tuple[SourceTrouble, ...] = ()
    broken_channels: tuple[ChannelTrouble, ...] = ()
    watch: str | None = None  # the one watch it was narrowed to
    until: datetime | None = None  # a day not over yet: the digest so far
    late: datetime | None = None  # caught up: when it was due
    made_at: datetime | None = None
    posts: int = 0  # matched posts, each once
    named_times: bool = False  # the clocks change that day: times carry the zone's name

    @property
    def empty(self) -> bool:
        """Tell whether nothing matched and nothing was deleted or edited."""
        return not self.watches and not self.changes

    @property
    def title(self) -> str:
        """Name the digest: the day, and ``so far`` for a day not over yet."""
        name = f"leakbot digest · {_long_day(self.day)}"
        return f"{name}, so far" if self.until is not None else name


def build_digest(
    activity: DayActivity,
    *,
    day: date,
    zone: ZoneInfo,
    watch: str | None = None,
    until: datetime | None = None,
    late: datetime | None = None,
    made_at: datetime | None = None,
) -> Digest:
    """Make a day's digest from what storage read; ``watch`` keeps only that watch."""

    def kept(post: DayPost) -> tuple[str, ...]:
        return tuple(w for w in post.watches if watch is None or w == watch)

    by_watch: dict[str, list[DayPost]] = {}
    matched: dict[int, DayPost] = {}
    for post in activity.posts:
        for watch_id in kept(post):
            by_watch.setdefault(watch_id, []).append(post)
            matched[post.item_id] = post
    sections = [
        WatchSection(watch_id, len({p.item_id for p in posts}), _entries(posts))
        for watch_id, posts in by_watch.items()
    ]
    sections.sort(key=lambda s: (-max(e.sources for e in s.entries), -s.posts, s.watch_id))
    changes = [_change(c) for c in activity.changes if kept(c.post)]
    # deletions lead: they are what the news sites will call "a now-deleted post"
    changes.sort(key=lambda c: (c.kind != AlertKind.DELETED, c.at))
    sources: dict[str, int] = {}
    for post in matched.values():
        sources[post.source_id] = sources.get(post.source_id, 0) + 1
    return Digest(
        day=day,
        zone=zone.key,
        start=activity.start,
        end=activity.end,
        watches=tuple(sections),
        changes=tuple(changes),
        by_watch=tuple(sorted((s.watch_id, s.posts) for s in sections)),
        by_source=tuple(sorted(sources.items())),
        failing_sources=activity.failing_sources if watch is None else (),
        broken_channels=activity.broken_channels if watch is None else (),
        watch=watch,
        until=until,
        late=late,
        made_at=made_at,
        posts=len(matched),
        named_times=_offset_changes(activity.start, activity.end, zone),
    )


def _entries(posts: Sequence[DayPost]) -> tuple[Entry, ...]:
    """Make one entry per post, and one per story with the other sources that told it."""
    groups: dict[object, list[DayPost]] = {}
    for post in posts:
        key = ("story", post.story_id) if post.story_id is not None else ("post", post.item_id)
        groups.setdefault(key, []).append(post)
    entries = []
    for group in groups.values():
        group = sorted(dict((p.item_id, p) for p in group).values(), key=_posted)
        first = group[0]
        also: dict[str, Sighting] = {}
        for post in group[1:]:
            if post.source_id != first.source_id and post.source_id not in also:
                also[post.source_id] = Sighting(post.source_id, _posted(post), post.link)
        entries.append(
            Entry(
                title=_headline(first.title, first.text, first.link),
                link=first.link,
                source_id=first.source_id,
                at=_posted(first),
                also=tuple(also.values()),
                story_id=first.story_id,
            )
        )
    entries.sort(key=lambda e: (-e.sources, e.at, e.source_id))
    return tuple(entries)


def _posted(post: DayPost) -> datetime:
    """Return when a post was published, or first seen when its feed gave no sane date."""
    published = post.published_at
    return (
        published
        if published is not None and published <= post.first_seen_at
        else (post.first_seen_at)
    )


def _headline(title: str, text: str, link: str | None) -> str:
    line = " ".join((title or text.split("\n", 1)[0] or link or "(untitled post)").split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


def _change(change: DayChange) -> ChangeEntry:
    post = change.post
    lived = None
    if change.kind == AlertKind.DELETED:
        gone = change.missing_since or change.at
        lived = lifetime(post.published_at, post.first_seen_at, gone)
    return ChangeEntry(
        kind=change.kind,
        title=_headline(post.title, post.text, post.link),
        link=post.link,
        source_id=post.source_id,
        posted_at=_posted(post),
        at=change.at,
        said=change.said,
        now_says=change.now_says,
        lived=lived,
        restored=change.restored,
        edits=change.edits,
    )


def _offset_changes(start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    return (
        start.astimezone(zone).utcoffset()
        != (end - timedelta(seconds=1)).astimezone(zone).utcoffset()
    )


# --- Markdown ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and its entries, each entry a block of lines never split."""

    heading: str
    entries: tuple[str, ...]


def as_is(text: str) -> str:
    """Return the text unchanged: a terminal shows Discord's escapes as backslashes."""
    return text


def sections(digest: Digest, escape: Escape = escape_markdown) -> list[Section]:
    """Lay the digest out as sections of entries, the most important first.

    An empty day is its summary line, then only its trouble (sources failing all day,
    channels that could not be reached) when it has any.
    """
    zone = ZoneInfo(digest.zone)
    clock = _Clock(digest.day, zone, digest.named_times)
    lead = [_summary(digest, escape)]
    if digest.late is not None and digest.made_at is not None:
        lead.append(
            f"_Late: leakbot was not running at {clock.at(digest.late)}, "
            f"so this digest comes at {clock.at(digest.made_at)}._"
        )
    laid = [Section("", tuple(lead))]
    if digest.changes:
        laid.append(
            Section(
                "**Deleted or edited**",
                tuple(_change_line(c, clock, escape) for c in digest.changes),
            )
        )
    for section in digest.watches:
        heading = f"**{escape(section.watch_id)}** · {counted(section.posts, 'post')}"
        laid.append(Section(heading, tuple(_entry_line(e, clock, escape) for e in section.entries)))
    if digest.failing_sources:
        laid.append(
            Section(
                "**Failing all day**",
                tuple(_source_line(s, clock, escape) for s in digest.failing_sources),
            )
        )
    if digest.broken_channels:
        laid.append(
            Section(
                "**Could not deliver to**",
                tuple(_channel_line(c, clock, escape) for c in digest.broken_channels),
            )
        )
    if not digest.empty:
        laid.append(
            Section(
                "**Counts**",
                (
                    "By watch: " + _counts(digest.by_watch, escape),
                    "By source: " + _counts(digest.by_source, escape),
                ),
            )
        )
    return laid


def _summary(digest: Digest, escape: Escape) -> str:
    where = digest.zone
    hours = round((digest.end - digest.start).total_seconds() / 3600)
    if hours != 24 and digest.until is None:
        where += f", a {hours}-hour day"
    if digest.watch is not None:
        where += f" · watch {escape(digest.watch)}"
    if digest.until is not None:
        clock = _Clock(digest.day, ZoneInfo(digest.zone), digest.named_times)
        where += f" · until {clock.at(digest.until)}"
    if digest.empty:
        day = _long_day(digest.day)
        return f"Nothing matched on {day} ({where}), and nothing was deleted or edited."
    parts = [
        f"{counted(digest.posts, 'matched post')} in "
        f"{counted(len(digest.watches), 'watch', 'watches')}"
    ]
    stories = sum(1 for s in digest.watches for e in s.entries if e.sources > 1)
    if stories:
        parts.append(counted(stories, "story", "stories") + " told by several sources")
    deleted = sum(1 for c in digest.changes if c.kind == AlertKind.DELETED)
    edited = len(digest.changes) - deleted
    if deleted:
        parts.append(f"{deleted} deleted")
    if edited:
        parts.append(f"{edited} edited")
    return f"{where} · " + " · ".join(parts)


class _Clock:
    """Times as the day's readers read them: local, with the zone's name on a DST day."""

    def __init__(self, day: date, zone: ZoneInfo, named: bool) -> None:
        self.day, self.zone, self.named = day, zone, named

    def at(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        shown = local.strftime("%H:%M")
        if self.named:
            shown += f" {local.strftime('%Z')}"
        if local.date() != self.day:
            shown = f"{local.day} {local.strftime('%b')} {shown}"
        return shown


def _link(title: str, link: str | None, escape: Escape) -> str:
    text = escape(title)
    if link and link.startswith(("http://", "https://")):
        return f"[{text}]({link.replace('(', '%28').replace(')', '%29').replace(' ', '%20')})"
    return text


def _entry_line(entry: Entry, clock: _Clock, escape: Escape) -> str:
    line = (
        f"- {_link(entry.title, entry.link, escape)} · {escape(entry.source_id)} "
        f"{clock.at(entry.at)}"
    )
    if entry.also:
        named = [f"{escape(s.source_id)} {clock.at(s.at)}" for s in entry.also]
        shown = ", ".join(named[:ALSO_SHOWN])
        if len(named) > ALSO_SHOWN:
            shown += f" and {len(named) - ALSO_SHOWN} more"
        line += f" · also {shown}"
    return line


def _change_line(change: ChangeEntry, clock: _Clock, escape: Escape) -> str:
    where = f"{_link(change.title, change.link, escape)} · {escape(change.source_id)}"
    if change.kind == AlertKind.DELETED:
        minutes = (change.lived or timedelta()) // timedelta(minutes=1)
        lived = format_duration(timedelta(minutes=minutes)) if minutes else "under a minute"
        line = (
            f"- **Deleted** {where} · posted {clock.at(change.posted_at)}, "
            f"deleted {clock.at(change.at)}, lived {lived}"
        )
        if change.restored:
            line += " · since restored"
        said = " ".join(change.said.split())
        if said and said != change.title.rstrip("…"):
            line += f"\n  said: {escape(_clip(said, SAID_CHARS))}"
        return line
    times = f", {change.edits} times" if change.edits > 1 else ""
    line = f"- **Edited** {where} · {clock.at(change.at)}{times}"
    diff = word_diff(" ".join(change.said.split()), " ".join(change.now_says.split()))
    return f"{line}\n  {_clip(diff, SAID_CHARS)}"


def _source_line(source: SourceTrouble, clock: _Clock, escape: Escape) -> str:
    # an error may name a URL with its token (a redirect, aiohttp's own words): masked
    error = _clip(" ".join(mask_text(source.error or "no answer").split()), 300)
    last = clock.at(source.last_success_at) if source.last_success_at else "never"
    paused = ", paused" if source.paused else ""
    return f"- {escape(source.source_id)}: {escape(error)} (last success {last}{paused})"


def _channel_line(channel: ChannelTrouble, clock: _Clock, escape: Escape) -> str:
    reason = _clip(" ".join((channel.reason or "refused").split()), 300)
    since = f" (since {clock.at(channel.since)})" if channel.since else ""
    return f"- {escape(channel.channel_id)}: {escape(reason)}{since}"


def _counts(counts: Sequence[tuple[str, int]], escape: Escape) -> str:
    return " · ".join(f"{escape(name)} {count}" for name, count in counts) or "none"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _long_day(day: date) -> str:
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"


def _units(digest: Digest, escape: Escape) -> list[tuple[str, str, str]]:
    """Return the digest's units in order: (what joins it on, the unit, its section's heading).

    A section's first unit is its heading with its first entry, so no heading ends a part.
    """
    units = []
    for section in sections(digest, escape):
        for index, entry in enumerate(section.entries):
            if index == 0:
                first = f"{section.heading}\n{entry}" if section.heading else entry
                units.append(("\n\n", first, section.heading))
            else:
                units.append(("\n", entry, section.heading))
    return units


def render_markdown(digest: Digest, escape: Escape = as_is) -> str:
    """Render the whole digest as Markdown, its title first; for a terminal unless told."""
    body = "".join(joint + unit for joint, unit, _ in _units(digest, escape))
    return f"**{digest.title}**{body}\n"


def split_parts(digest: Digest, limit: int = PART_LIMIT) -> list[str]:
    """Cut the digest (without its title) into parts of at most ``limit`` characters.

    A part ends between two entries, never inside one; a section carried over to the
    next part repeats its heading, marked as continued.
    """
    parts: list[str] = []
    current = ""
    # parts are posted: Discord reads Markdown in names and errors unless escaped
    for joint, unit, heading in _units(digest, escape_markdown):
        if current and len(current) + len(joint) + len(unit) <= limit:
            current += joint + unit
            continue
        if current:
            parts.append(current)
        if joint == "\n" and heading:
            unit = f"{heading} (continued)\n{unit}"
        current = _clip(unit, limit)  # entries are clipped far below a part: never in practice
    if current:
        parts.append(current)
    return parts


# --- JSON and alerts ------------------------------------------------------------------------


def digest_json(digest: Digest) -> dict[str, Any]:
    """Return the digest as JSON-safe data, for scripts."""

    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "day": digest.day.isoformat(),
        "timezone": digest.zone,
        "start": when(digest.start),
        "end": when(digest.end),
        "until": when(digest.until),
        "late": digest.late is not None,
        "watch": digest.watch,
        "posts": digest.posts,
        "deleted_or_edited": [
            {
                "kind": str(c.kind),
                "title": c.title,
                "link": c.link,
                "source": c.source_id,
                "posted_at": when(c.posted_at),
                "at": when(c.at),
                "lived_seconds": int(c.lived.total_seconds()) if c.lived is not None else None,
                "said": c.said,
                "now_says": c.now_says or None,
                "restored": c.restored,
                "edits": c.edits,
            }
            for c in digest.changes
        ],
        "watches": [
            {
                "id": s.watch_id,
                "posts": s.posts,
                "entries": [
                    {
                        "title": e.title,
                        "link": e.link,
                        "source": e.source_id,
                        "at": when(e.at),
                        "story": e.story_id,
                        "also": [
                            {"source": a.source_id, "at": when(a.at), "link": a.link}
                            for a in e.also
                        ],
                    }
                    for e in s.entries
                ],
            }
            for s in digest.watches
        ],
        "counts": {"watches": dict(digest.by_watch), "sources": dict(digest.by_source)},
        "failing_sources": [
            {
                "id": s.source_id,
                "error": s.error,
                "last_success_at": when(s.last_success_at),
                "paused": s.paused,
            }
            for s in digest.failing_sources
        ],
        "broken_channels": [
            {"id": c.channel_id, "reason": c.reason, "since": when(c.since)}
            for c in digest.broken_channels
        ],
    }


def digest_alerts(digest: Digest, limit: int = PART_LIMIT) -> list[AlertMessage]:
    """Make the digest's parts alerts for the outbox, numbered when there are several."""
    parts = split_parts(digest, limit)
    count = len(parts)
    return [
        AlertMessage(
            kind=AlertKind.DIGEST,
            source_id=DIGEST_SOURCE,
            title=digest.title + (f" ({index}/{count})" if count > 1 else ""),
            link=None,
            excerpt=part,
            author=None,
            image=None,
            posted_at=None,
        )
        for index, part in enumerate(parts, 1)
    ]
