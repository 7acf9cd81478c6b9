"""Alerts: what leakbot tells a channel, in a form every sink can render."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot.domain import Hit, Item, StoryReport
from bot.wording import at_utc

EXCERPT_CHARS = 600
_MARKDOWN_SPECIALS = str.maketrans({c: f"\\{c}" for c in "\\*_~`|>#[]()<@:-"})


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """One alert: a new matching post, ready for any sink."""

    kind: str
    source_id: str
    title: str
    link: str | None
    excerpt: str  # Markdown; the matched terms are in bold
    author: str | None
    image: str | None
    posted_at: datetime | None
    watches: tuple[str, ...] = ()
    terms: tuple[str, ...] = field(default=())
    facts: tuple[tuple[str, str], ...] = ()  # extra embed fields: name, value
    attachments: tuple[tuple[str, str], ...] = ()  # archived images to attach: sha256, filename
    # a story's later reports, newest last: source, link, when (ISO); and how many older
    # reports the list leaves out
    also: tuple[tuple[str, str | None, str | None], ...] = ()
    also_more: int = 0

    def to_json(self) -> dict[str, Any]:
        """Turn the alert into JSON-safe data for the outbox."""
        data = asdict(self)
        data["posted_at"] = self.posted_at.isoformat() if self.posted_at else None
        data["watches"] = list(self.watches)
        data["terms"] = list(self.terms)
        data["facts"] = [list(fact) for fact in self.facts]
        data["attachments"] = [list(attachment) for attachment in self.attachments]
        data["also"] = [list(report) for report in self.also]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlertMessage:
        """Read an alert back from the outbox."""
        posted = data.get("posted_at")
        return cls(
            kind=data["kind"],
            source_id=data["source_id"],
            title=data.get("title", ""),
            link=data.get("link"),
            excerpt=data.get("excerpt", ""),
            author=data.get("author"),
            image=data.get("image"),
            posted_at=datetime.fromisoformat(posted) if posted else None,
            watches=tuple(data.get("watches", ())),
            terms=tuple(data.get("terms", ())),
            facts=tuple((str(n), str(v)) for n, v in data.get("facts", ())),
            attachments=tuple((str(h), str(f)) for h, f in data.get("attachments", ())),
            also=tuple((str(s), link, when) for s, link, when in data.get("also", ())),
            also_more=int(data.get("also_more", 0)),
        )


def escape_markdown(text: str) -> str:
    """Escape the characters Discord would read as Markdown."""
    return text.translate(_MARKDOWN_SPECIALS)


def excerpt(text: str, hits: list[Hit], limit: int = EXCERPT_CHARS) -> str:
    """Cut a window of the text around the first hit and put every hit in it in bold."""
    spans = _merge(sorted((h.start, h.end) for h in hits if 0 <= h.start < h.end <= len(text)))
    start = 0
    if len(text) > limit and spans:
        start = max(0, spans[0][0] - limit // 4)
        space = text.rfind(" ", 0, start)
        start = space + 1 if space != -1 and start - space < 30 else start
    end = min(len(text), start + limit)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + limit // 2 else end
    pieces = ["…" if start > 0 else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        pieces.append(escape_markdown(text[cursor:span_start]))
        pieces.append(f"**{escape_markdown(text[span_start:span_end])}**")
        cursor = span_end
    pieces.append(escape_markdown(text[cursor:end]))
    pieces.append("…" if end < len(text) else "")
    return "".join(pieces)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def new_post_alert(item: Item, hits: list[Hit], watches: list[str]) -> AlertMessage:
    """Build the alert for a new post that matched, from hits in ``item.searchable``."""
    searchable = item.searchable
    offset = len(searchable) - len(item.text)  # the title and newline in front, if any
    body_hits = [Hit(h.term, h.start - offset, h.end - offset) for h in hits if h.start >= offset]
    terms = tuple(dict.fromkeys(h.term for h in hits))
    title = item.title or (item.text.split("\n", 1)[0] if item.text else item.link or item.key)
    return AlertMessage(
        kind="new",
        source_id=item.source_id,
        title=title,
        link=item.link,
        excerpt=excerpt(item.text, body_hits),
        author=item.author,
        image=item.images[0] if item.images else None,
        posted_at=item.published_at,
        watches=tuple(watches),
        terms=terms,
    )


def _span(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m"]
    return " ".join(p for p in parts if p and (p != "0m" or not (days or hours)))


def deleted_post_alert(
    item: Item,
    *,
    first_seen_missing: datetime,
    lived: timedelta,
    watches: list[str],
    images: list[tuple[str, str]],
    unconfirmed: str | None = None,
) -> AlertMessage:
    """Build the alert for a post that was deleted: its archived text, image and lifetime.

    ``unconfirmed`` is the evidence for a post with no page to check: the feed's alone.
    """
    facts = []
    if item.published_at:
        facts.append(("Posted", at_utc(item.published_at)))
    facts.append(("First seen missing", at_utc(first_seen_missing)))
    facts.append(("Lived", _span(lived)))
    if unconfirmed:
        facts.append(("Evidence", unconfirmed))
    called = "Deleted (unconfirmed)" if unconfirmed else "Deleted"
    return AlertMessage(
        kind="deleted",
        source_id=item.source_id,
        title=f"{called}: {item.title or item.text.split(chr(10), 1)[0] or item.key}",
        link=item.link,
        excerpt=excerpt(item.text, [], limit=1500),
        author=item.author,
        image=None if images else (item.images[0] if item.images else None),
        posted_at=item.published_at,
        watches=tuple(watches),
        facts=tuple(facts),
        attachments=tuple(images[:1]),
    )


def restored_post_alert(item: Item, *, deleted_at: datetime, watches: list[str]) -> AlertMessage:
    """Build the note for a post that came back after it was called deleted."""
    return AlertMessage(
        kind="restored",
        source_id=item.source_id,
        title=f"Restored: {item.title or item.text.split(chr(10), 1)[0] or item.key}",
        link=item.link,
        excerpt=excerpt(item.text, [], limit=300),
        author=item.author,
        image=None,
        posted_at=item.published_at,
        watches=tuple(watches),
        facts=(("Called deleted", at_utc(deleted_at)),),
    )


def edited_post_alert(item: Item, *, diff: str, watches: list[str]) -> AlertMessage:
    """Build the alert for a post whose text changed, showing the change."""
    return AlertMessage(
        kind="edited",
        source_id=item.source_id,
        title=f"Edited: {item.title or item.text.split(chr(10), 1)[0] or item.key}",
        link=item.link,
        excerpt=diff,
        author=item.author,
        image=item.images[0] if item.images else None,
        posted_at=item.published_at,
        watches=tuple(watches),
    )


def _web_address(address: str) -> str | None:
    """Return a source's address as a link when it is a web URL (an X source's is not)."""
    return address if address.startswith(("http://", "https://")) else None


def source_paused_alert(
    source_id: str,
    *,
    address: str,
    failures: int,
    error: str,
    last_success: datetime | None,
    next_try: datetime,
) -> AlertMessage:
    """Build the one notice that a source keeps failing and is now only probed rarely."""
    return AlertMessage(
        kind="paused",
        source_id=source_id,
        title=f"Source paused: {source_id}",
        link=_web_address(address),
        excerpt=(
            f"{source_id} failed {failures} times in a row, so leakbot paused it: it is tried "
            "only now and then until it answers again."
        ),
        author=None,
        image=None,
        posted_at=None,
        facts=(
            ("Failures in a row", str(failures)),
            ("Last success", at_utc(last_success) if last_success else "never"),
            ("Next try", at_utc(next_try)),
            ("Last error", error[:1000]),
        ),
    )


def source_recovered_alert(
    source_id: str, *, address: str, paused_at: datetime, now: datetime
) -> AlertMessage:
    """Build the one notice that a paused source answers again."""
    return AlertMessage(
        kind="recovered",
        source_id=source_id,
        title=f"Source recovered: {source_id}",
        link=_web_address(address),
        excerpt=f"{source_id} answers again; leakbot polls it on its usual schedule.",
        author=None,
        image=None,
        posted_at=None,
        facts=(("Paused since", at_utc(paused_at)), ("Paused for", _span(now - paused_at))),
    )


STORY_LISTED = 12  # reports an edited story alert lists one by one
STORY_NEWEST = 5  # past that, the newest it lists after the count


def story_report_alert(item: Item, *, story_id: int) -> AlertMessage:
    """Build the outbox entry for a later report of a story: it edits the story's alert."""
    return AlertMessage(
        kind="story",
        source_id=item.source_id,
        title=f"Also reported by {item.source_id}: {item.title or item.text[:200]}",
        link=item.link,
        excerpt="",
        author=item.author,
        image=None,
        posted_at=item.published_at,
        facts=(("Story", f"#{story_id}"),) if story_id > 0 else (),
    )


def story_alert(first: AlertMessage, later: Sequence[StoryReport]) -> AlertMessage:
    """Show a story's first alert with every later report under "also reported by".

    Past a dozen reports it gives their count and lists the newest few, so that the
    message stays within Discord's limits however far the leak travels.
    """
    shown = later if len(later) <= STORY_LISTED else later[-STORY_NEWEST:]
    return replace(
        first,
        also=tuple(
            (report.source_id, report.link, report.at.isoformat() if report.at else None)
            for report in shown
        ),
        also_more=len(later) - len(shown),
    )


# what a channel's ``template`` may say; ``{sources}`` is ``{story_sources}``, as the
# design's first wording named it
TEMPLATE_PLACEHOLDERS = (
    "mentions",
    "title",
    "link",
    "source",
    "watch",
    "terms",
    "story_sources",
    "sources",
)
_SHOWN_PLACEHOLDERS = ", ".join(f"{{{name}}}" for name in TEMPLATE_PLACEHOLDERS[:-1])


def template_problem(template: str) -> str | None:
    """Say what is wrong with a message template, or None when every placeholder is known."""
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError as exc:
        return (
            f"the template is not well formed ({exc}); write {{{{ and }}}} for a brace itself, "
            f"got {template!r}"
        )
    for _literal, name, spec, conversion in pieces:
        if name is None:
            continue
        if name not in TEMPLATE_PLACEHOLDERS or spec or conversion:
            written = "{" + name + (f"!{conversion}" if conversion else "")
            written += (f":{spec}" if spec else "") + "}"
            return (
                f"unknown placeholder {written} in the template; the placeholders are "
                f"{_SHOWN_PLACEHOLDERS}"
            )
    return None


def render_template(template: str, values: Mapping[str, str]) -> str:
    """Fill a checked template's placeholders; ``{{`` and ``}}`` are braces themselves."""
    pieces = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        pieces.append(literal)
        if name is not None:
            pieces.append(values.get("story_sources" if name == "sources" else name, ""))
    return "".join(pieces)


def cut_at_word(text: str, limit: int) -> str:
    """Shorten a text to at most ``limit`` characters at a space, with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"
