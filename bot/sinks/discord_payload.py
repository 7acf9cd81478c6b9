"""Discord message bodies for alerts: one embed, within Discord's documented limits."""

from __future__ import annotations

from typing import Any

from bot.alerts import AlertMessage

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
URL_LIMIT = 2048
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
    embed["fields"] = fields
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


def _fit_total(embed: dict[str, Any]) -> None:
    """Shorten the description so the whole embed stays within Discord's 6000 characters."""
    total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    if total > EMBED_TOTAL_LIMIT:
        room = len(embed["description"]) - (total - EMBED_TOTAL_LIMIT)
        embed["description"] = _clip(embed["description"], max(room, 1))
