"""Discord message bodies for alerts, within Discord's documented limits: one embed (the
full style) or one line (compact), the content a channel's template makes, and exactly the
roles and users the config names in ``allowed_mentions``. Pure: no IO.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bot.delivery.alerts import AlertMessage, cut_at_word, escape_markdown, render_template

if TYPE_CHECKING:
    from bot.config.file import Channel, Watch

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
URL_LIMIT = 2048
FIELDS_LIMIT = 25
CONTENT_LIMIT = 2000
DEFAULT_MENTION_ON = ("new", "deleted")
# one line of content and the link, for busy channels
COMPACT_TEMPLATE = "{mentions} **{title}** · {source} · {link}"
# Chinese, Japanese and Korean script: a post in one of them gets the translate link
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_UNESCAPE = re.compile(r"\\(.)")
# the alerts about a post: a style and a template dress these; a digest or a notice about a
# source keeps its embed, whose text is the whole message
POST_KINDS = ("new", "deleted", "edited", "restored", "story")
TRANSLATED_CHARS = 300  # of the post's text, at most, put in a translate link
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


@dataclass(frozen=True, slots=True)
class Look:
    """How one alert looks in one channel, and whom it pings there."""

    style: str = "full"  # full: an embed; compact: one line of content and the link
    template: str | None = None  # the content; placeholders as in alerts.TEMPLATE_PLACEHOLDERS
    color: int | None = None  # the embed's colour for a new post
    mentions: tuple[str, ...] = ()  # "<@&ID>" and "<@ID>", as the content shows them
    ping: bool = True  # False on an edit: the mentions are shown, nobody is pinged again
    username: str | None = None  # a webhook's name for this message
    avatar_url: str | None = None
    translate_link: str | None = None  # a URL with {text}, for posts in CJK script


def look_of(
    channel: Channel | None,
    watches: Sequence[Watch],
    kind: str,
    *,
    edit: bool = False,
    roles: Mapping[str, str] | None = None,
) -> tuple[Look, tuple[str, ...]]:
    """Work out how an alert of a kind looks in a channel, from the channel and the watches
    that send it there; return the look and the role names ``roles`` (name to id) lacks.

    Each watch pings its ``mention`` (its channel's when it names none) on the kinds of
    its ``mention_on`` (its channel's, else new and deleted); every role and user once.
    """
    mentions: dict[str, None] = {}
    unknown: dict[str, None] = {}
    color = next((w.color for w in watches if w.color is not None), None)
    owners: list[Watch | None] = [*watches] or [None]  # None: the channel's own defaults
    for watch in owners:
        named = watch.mention if watch is not None else None
        if named is None and channel is not None:
            named = channel.mention
        pings_on: tuple[str, ...] | None = watch.mention_on if watch is not None else None
        if pings_on is None and channel is not None:
            pings_on = channel.mention_on
        if pings_on is None:
            pings_on = DEFAULT_MENTION_ON
        if kind not in pings_on:
            continue
        for entry in named or ():
            token = mention_token(entry, roles or {})
            if token is None:
                unknown[entry] = None
            else:
                mentions[token] = None
    if channel is None:
        return Look(color=color, mentions=tuple(mentions), ping=not edit), tuple(unknown)
    return (
        Look(
            style=channel.style,
            template=channel.template,
            color=color if color is not None else channel.color,
            mentions=tuple(mentions),
            ping=not edit,
            username=channel.username,
            avatar_url=channel.avatar_url,
            translate_link=channel.translate_link,
        ),
        tuple(unknown),
    )


def mention_token(entry: str, roles: Mapping[str, str]) -> str | None:
    """Write a configured mention as Discord reads it: a role name becomes ``<@&ID>``
    through ``roles`` (name to id); None for a name the server has no role of."""
    if entry.startswith("<@"):
        return entry
    role_id = roles.get(entry.removeprefix("@").strip())
    return f"<@&{role_id}>" if role_id else None


def allowed_mentions(look: Look) -> dict[str, Any]:
    """List exactly the roles and users an alert pings: never everyone, nothing on an edit."""
    roles = [m[3:-1] for m in look.mentions if m.startswith("<@&")] if look.ping else []
    users = [m[2:-1] for m in look.mentions if not m.startswith("<@&")] if look.ping else []
    return {"parse": [], "roles": roles[:100], "users": users[:100]}


def message_body(alert: AlertMessage, look: Look | None = None) -> dict[str, Any]:
    """Return the JSON body of a Discord message (webhook or channel) for an alert."""
    look = look or Look()
    if alert.kind not in POST_KINDS:
        look = replace(look, style="full", template=None, translate_link=None)
    body: dict[str, Any] = {}
    content = _content(alert, look)
    if content:
        body["content"] = content
    if look.style != "compact":
        body["embeds"] = [_embed(alert, look)]
    body["allowed_mentions"] = allowed_mentions(look)
    if look.username:
        body["username"] = look.username
    if look.avatar_url:
        body["avatar_url"] = look.avatar_url
    if alert.attachments:
        body["attachments"] = [
            {"id": str(index), "filename": filename}
            for index, (_, filename) in enumerate(alert.attachments)
        ]
    return body


def _content(alert: AlertMessage, look: Look) -> str:
    """Fill the channel's template (or the compact line), within Discord's 2000 characters:
    the title gives way first, at a word, then the whole text."""
    template = look.template or (COMPACT_TEMPLATE if look.style == "compact" else None)
    mentions = " ".join(look.mentions)
    if template is None:
        return mentions
    if mentions and "{mentions}" not in template:
        template = "{mentions} " + template  # a mention must be in the content to ping
    link = _url(alert.link)
    sources = [alert.source_id, *(source for source, _, _ in alert.also)]
    values = {
        "mentions": mentions,
        "link": f"<{link}>" if link else "",
        "source": escape_markdown(alert.source_id),
        "watch": escape_markdown(", ".join(alert.watches)),
        "terms": escape_markdown(", ".join(alert.terms)),
        "story_sources": escape_markdown(", ".join(dict.fromkeys(sources))),
    }
    translate = _translate_url(alert, look)
    title = alert.title or "(untitled post)"
    keep = len(title)
    while True:
        values["title"] = escape_markdown(cut_at_word(title, keep))
        text = render_template(template, values).strip()
        if look.style == "compact" and translate and not look.template:
            text += f" · [translate](<{translate}>)"
        over = len(text) - CONTENT_LIMIT
        if over <= 0 or keep <= 1:
            return cut_at_word(text, CONTENT_LIMIT)
        keep = max(1, keep - over)


def _plain(markdown: str) -> str:
    return _UNESCAPE.sub(r"\1", markdown.replace("**", ""))


def _translate_url(alert: AlertMessage, look: Look) -> str | None:
    """Link to a translation of a post in Chinese, Japanese or Korean; None otherwise.

    Only a link: nothing is sent anywhere unless a person opens it."""
    if not look.translate_link:
        return None
    text = f"{alert.title}\n{_plain(alert.excerpt)}".strip()
    if not _CJK.search(text):
        return None
    text = text[:TRANSLATED_CHARS]
    while True:
        url = look.translate_link.replace("{text}", quote(text, safe=""))
        if len(url) <= FIELD_VALUE_LIMIT - 40 or len(text) <= 1:
            return url if len(url) <= URL_LIMIT else None
        text = text[: len(text) * 3 // 4]


def _embed(alert: AlertMessage, look: Look) -> dict[str, Any]:
    """Build the alert's embed, coloured by its kind (a new post: its watch's colour)."""
    color = COLORS.get(alert.kind, 0x95A5A6)
    if look.color is not None and alert.kind in ("new", "story"):
        color = look.color
    embed: dict[str, Any] = {
        "type": "rich",
        "title": _clip(alert.title or "(untitled post)", TITLE_LIMIT),
        "description": _clip(alert.excerpt, DESCRIPTION_LIMIT),
        "color": color,
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
    translate = _translate_url(alert, look)
    if translate:
        fields.append({"name": "Translate", "value": f"[Open a translation]({translate})"})
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
    return embed


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
