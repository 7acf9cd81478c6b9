"""Deciding what a poll means: which posts are new, which match, which alerts to write.

Pure logic over Items and stored keys; storage writes the plan in one transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts import AlertMessage, new_post_alert
from bot.domain import Item
from bot.matching import Hit
from bot.watchlist import Watchlist


@dataclass(frozen=True, slots=True)
class PlannedMatch:
    """A watch that matched a new post."""

    item_key: str
    watch_id: str
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]


@dataclass(frozen=True, slots=True)
class PlannedAlert:
    """An alert to put in the outbox, once per post and channel."""

    dedup_key: str
    item_key: str
    channel_id: str
    message: AlertMessage


@dataclass(frozen=True, slots=True)
class PollPlan:
    """What to write after one successful poll of a source."""

    source_id: str
    new_items: tuple[Item, ...]
    seen_keys: tuple[str, ...]
    matches: tuple[PlannedMatch, ...]
    alerts: tuple[PlannedAlert, ...]
    baseline: bool


FUTURE_SLACK = timedelta(hours=1)


def sane_dates(items: tuple[Item, ...], *, now: datetime) -> tuple[Item, ...]:
    """Bring dates from the future back to now: a post cannot be newer than its first sight.

    Clocks drift and some feeds stamp every entry with a date years ahead; such a date would
    sort the post above everything and confuse deletion tracking. An hour of drift is fine.
    """
    if not any(i.published_at and i.published_at > now + FUTURE_SLACK for i in items):
        return items
    return tuple(
        dataclasses.replace(item, published_at=now)
        if item.published_at and item.published_at > now + FUTURE_SLACK
        else item
        for item in items
    )


def alert_key(kind: str, channel_id: str, source_id: str, item_key: str, *extra: str) -> str:
    """Name an alert so the outbox refuses a second copy of it."""
    digest = hashlib.sha256("\0".join((source_id, item_key, *extra)).encode()).hexdigest()
    return f"{kind}:{channel_id}:{digest[:40]}"


def plan_poll(
    *,
    source_id: str,
    items: tuple[Item, ...],
    known_keys: set[str],
    baseline_done: bool,
    watchlist: Watchlist,
) -> PollPlan:
    """Decide what a poll's items mean; a source's first successful poll alerts nothing."""
    new_items = tuple(item for item in items if item.key not in known_keys)
    seen_keys = tuple(item.key for item in items if item.key in known_keys)
    matches: list[PlannedMatch] = []
    alerts: list[PlannedAlert] = []
    if baseline_done:
        for item in new_items:
            found = watchlist.matches(item)
            if not found:
                continue
            by_channel: dict[str, list[str]] = {}
            for match in found:
                matches.append(
                    PlannedMatch(
                        item.key, match.watch.id, match.verdict.matched_terms, match.verdict.hits
                    )
                )
                for channel in match.channels:
                    by_channel.setdefault(channel, []).append(match.watch.id)
            for channel, watch_ids in by_channel.items():
                channel_hits = sorted(
                    {h for m in found if m.watch.id in watch_ids for h in m.verdict.hits},
                    key=lambda h: (h.start, h.end),
                )
                alerts.append(
                    PlannedAlert(
                        dedup_key=alert_key("new", channel, source_id, item.key),
                        item_key=item.key,
                        channel_id=channel,
                        message=new_post_alert(item, channel_hits, watch_ids),
                    )
                )
    return PollPlan(
        source_id=source_id,
        new_items=new_items,
        seen_keys=seen_keys,
        matches=tuple(matches),
        alerts=tuple(alerts),
        baseline=not baseline_done,
    )
