"""Alerts: what leakbot tells a channel, in a form every sink can render."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from bot.items import Item
from bot.matching import Hit

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

    def to_json(self) -> dict[str, Any]:
        """Turn the alert into JSON-safe data for the outbox."""
        data = asdict(self)
        data["posted_at"] = self.posted_at.isoformat() if self.posted_at else None
        data["watches"] = list(self.watches)
        data["terms"] = list(self.terms)
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
