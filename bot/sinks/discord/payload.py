"""Discord message bodies for alerts: one embed, within Discord's documented limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.delivery.alerts import AlertMessage, escape_markdown

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
URL_LIMIT = 2048
FIELDS_LIMIT = 25
LISTED_LINK_LIMIT = 200  # a longer link is left out of the "also reported by" list
COLORS = {
    "new": 0xE67E22,
    "deleted": 0xE74C3C,
    "edited": 0x3498DB,
    "restored": 0x2ECC71,
    "paused": 0x7F8C8D,
    "recovered": 0x2ECC71,
}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _url(url: str | None) -> str | None:
    return (
        url if url and len(url) <= URL_LIMIT and url.startswith(("http://", "https://")) else None
    )


def message_body(alert: AlertMessage) -> dict[str, Any]:
    """Return the JSON body of a Discord message (webhook or channel) for an alert."""
    embed: dict[str, Any] = {
        "type": "rich",
        "title": _clip(alert.title or "(untitled post)", TITLE_LIMIT),
        "description": _clip(alert.excerpt, DESCRIPTION_LIMIT),
        "color": COLORS.get(alert.kind, 0x95A5A6),
    }
    link = _url(alert.link)
    if link:
        embed["url"] = link
    fields = [
        {"name": "Source", "value": _clip(alert.source_id, FIELD_VALUE_LIMIT), "inline": True}
    ]
    if alert.author:
        fields.append(
            {"name": "Author", "value": _clip(alert.author, FIELD_VALUE_LIMIT), "inline": True}
        )
    if alert.terms:
        terms = ", ".join(alert.terms)
        fields.append({"name": "Matched", "value": _clip(terms, FIELD_VALUE_LIMIT), "inline": True})
    for name, value in alert.facts[:20]:
        fields.append(
            {"name": _clip(name, 256), "value": _clip(value, FIELD_VALUE_LIMIT), "inline": True}
        )
    fields.extend(_also_fields(alert))
    embed["fields"] = fields[:FIELDS_LIMIT]
    image = _url(alert.image)
    if alert.attachments:
        embed["image"] = {"url": f"attachment://{alert.attachments[0][1]}"}
    elif image:
        embed["image"] = {"url": image}
    if alert.posted_at:
        embed["timestamp"] = alert.posted_at.isoformat()
    footer = f"leakbot · watch {', '.join(alert.watches)}" if alert.watches else "leakbot"
    embed["footer"] = {"text": footer[:2048]}
    _fit_total(embed)
    body: dict[str, Any] = {"embeds": [embed], "allowed_mentions": {"parse": []}}
    if alert.attachments:
        body["attachments"] = [
            {"id": str(index), "filename": filename}
            for index, (_, filename) in enumerate(alert.attachments)
        ]
    return body


def _also_fields(alert: AlertMessage) -> list[dict[str, Any]]:
    """List a story's later reports, one line each (source, link, time), in as few fields
    as Discord's 1024 characters a field allow."""
    if not alert.also:
        return []
    lines = []
    if alert.also_more:
        lines.append(f"… {alert.also_more} earlier, then the newest:")
    for source, link, when in alert.also:
        name = escape_markdown(source)
        url = _url(link)
        label = f"[{name}]({url})" if url and len(url) <= LISTED_LINK_LIMIT else name
        moment = _moment(when)
        lines.append(f"{label} · {moment}" if moment else label)
    count = len(alert.also) + alert.also_more
    values: list[str] = []
    value = ""
    for line in lines:
        if value and len(value) + 1 + len(line) > FIELD_VALUE_LIMIT:
            values.append(value)
            value = ""
        value = f"{value}\n{line}" if value else _clip(line, FIELD_VALUE_LIMIT)
    values.append(value)
    return [
        {
            "name": f"Also reported by ({count})" if index == 0 else "Also reported by, more",
            "value": text,
            "inline": False,
        }
        for index, text in enumerate(values)
    ]


def _moment(when: str | None) -> str | None:
    if not when:
        return None
    try:
        return datetime.fromisoformat(when).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return None


def _fit_total(embed: dict[str, Any]) -> None:
    """Shorten the description so the whole embed stays within Discord's 6000 characters."""
    total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    if total > EMBED_TOTAL_LIMIT:
        room = len(embed["description"]) - (total - EMBED_TOTAL_LIMIT)
        embed["description"] = _clip(embed["description"], max(room, 1))
