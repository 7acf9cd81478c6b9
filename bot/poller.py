"""One poll of one source: fetch, parse, decide, and write it all in one transaction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
import sqlalchemy as sa
from sqlmodel import Session

from bot.alerts import source_paused_alert, source_recovered_alert
from bot.backoff import source_retry_delay
from bot.config import Config, Source
from bot.domain import Item
from bot.polling import alert_key, plan_poll, sane_dates
from bot.sources.http import FetchError, HostSlots, Limits, fetch
from bot.sources.parse_pool import ParseError, ParsePool
from bot.sources.x import XError, XTimeline
from bot.tracker import Tracker
from bot.watchlist import Watchlist
from storage.alerts import add_alert
from storage.db import session_scope
from storage.items import known_keys, save_poll
from storage.sources import get_source, record_failure, record_success
from storage.tracking import has_missing

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollReport:
    """How one poll of one source went, in a line an operator can read."""

    source_id: str
    outcome: str  # "ok", "baseline", "not-modified", "failed", "skipped"
    items: int = 0
    new_items: int = 0
    alerts: int = 0
    detail: str | None = None
    next_poll_at: datetime | None = None
    failures: int = 0
    paused: bool = False

    def line(self) -> str:
        """Say what happened, for poll-once and the log."""
        when = self.next_poll_at.isoformat(timespec="seconds") if self.next_poll_at else None
        if self.outcome == "failed":
            state = "PAUSED, next try" if self.paused else "next retry"
            return (
                f"{self.source_id}: FAILED ({self.detail}); {self.failures} failure(s) in a row; "
                f"{state} at {when}"
            )
        if self.outcome == "skipped":
            return f"{self.source_id}: skipped ({self.detail})"
        if self.outcome == "not-modified":
            return f"{self.source_id}: not modified (304)"
        if self.outcome == "baseline":
            return f"{self.source_id}: first poll, {self.items} items recorded silently"
        note = f"; {self.detail}" if self.detail else ""
        return (
            f"{self.source_id}: ok, {self.items} items, {self.new_items} new, "
            f"{self.alerts} alerts{note}"
        )


@dataclass
class Poller:
    """Polls feed sources with everything one poll needs."""

    config: Config
    watchlist: Watchlist
    engine: sa.Engine
    http: aiohttp.ClientSession
    now: Callable[[], datetime]
    parser: ParsePool
    slots: HostSlots
    limits: Limits = field(default_factory=Limits)
    x: XTimeline | None = None

    async def poll(self, source: Source) -> PollReport:
        """Poll one source; a failure is reported and backed off, never raised."""
        if source.x is not None:
            return await self._poll_x(source, source.x)
        assert source.feed is not None
        with session_scope(self.engine) as session:
            state = get_source(session=session, source_id=source.id)
            etag, last_modified = state.etag, state.last_modified
            baseline_done = state.baseline_done
            if source.track_deletions and has_missing(session=session, source_id=source.id):
                # a 304 shows nothing: while a post is missing, every poll must be a full look
                etag = last_modified = None
        try:
            async with self.slots.hold(source.feed):
                fetched = await fetch(
                    self.http,
                    source.feed,
                    etag=etag,
                    last_modified=last_modified,
                    limits=self.limits,
                )
            if fetched.not_modified:
                return self._succeeded(source, fetched.etag, fetched.last_modified, "not-modified")
            # relative links and guids resolve against the configured URL, not wherever a
            # redirect ended: a feed that moves behind a redirect keeps its posts' keys
            parsed = await self.parser.parse(
                fetched.body,
                source_id=source.id,
                url=source.feed,
                content_type=fetched.content_type,
            )
        except (FetchError, ParseError) as exc:
            return self._failed(source, str(exc))
        return await self._record(
            source,
            parsed.items,
            problem=parsed.problem,
            clean=parsed.clean,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            baseline_done=baseline_done,
        )

    async def _poll_x(self, source: Source, username: str) -> PollReport:
        """Poll an X account through the X API; needs X_BEARER_TOKEN."""
        if self.x is None:
            return PollReport(source.id, "skipped", detail="X_BEARER_TOKEN is not set")
        with session_scope(self.engine) as session:
            baseline_done = get_source(session=session, source_id=source.id).baseline_done
        try:
            items = await asyncio.to_thread(
                self.x.recent_posts, source_id=source.id, username=username
            )
        except XError as exc:
            return self._failed(source, str(exc))
        return await self._record(
            source,
            tuple(items),
            problem=None,
            clean=True,
            etag=None,
            last_modified=None,
            baseline_done=baseline_done,
        )

    async def _record(
        self,
        source: Source,
        items: tuple[Item, ...],
        *,
        problem: str | None,
        clean: bool,
        etag: str | None,
        last_modified: str | None,
        baseline_done: bool,
    ) -> PollReport:
        """Write what a successful poll saw, alert on it, and track deletions and edits."""
        interval = self.config.interval_of(source)
        moment = self.now()
        items = sane_dates(items, now=moment)
        with session_scope(self.engine) as session:
            self._announce_recovery(session, source, moment)
            keys = [item.key for item in items]
            plan = plan_poll(
                source_id=source.id,
                items=items,
                known_keys=known_keys(session=session, source_id=source.id, keys=keys),
                baseline_done=baseline_done,
                watchlist=self.watchlist,
            )
            new_ids = save_poll(session=session, plan=plan, now=moment)
            record_success(
                session=session,
                source_id=source.id,
                now=moment,
                next_poll_at=moment + interval,
                etag=etag,
                last_modified=last_modified,
                baseline_done=True,
            )
        notes = [f"feed quirk: {problem}"] if problem else []
        tracked_alerts = 0
        if source.track_deletions:
            tracker = Tracker(
                self.config, self.watchlist, self.engine, self.http, self.now, x=self.x
            )
            tracked = await tracker.after_poll(
                source,
                items,
                new_ids=new_ids,
                archive={match.item_key for match in plan.matches},
                clean=clean,
            )
            tracked_alerts = tracked.alerts
            notes.extend(filter(None, [tracked.note()]))
        return PollReport(
            source.id,
            "baseline" if plan.baseline else "ok",
            items=len(items),
            new_items=len(plan.new_items),
            alerts=len(plan.alerts) + tracked_alerts,
            detail="; ".join(notes) or None,
            next_poll_at=moment + interval,
        )

    def _succeeded(
        self, source: Source, etag: str | None, last_modified: str | None, outcome: str
    ) -> PollReport:
        moment = self.now()
        next_poll_at = moment + self.config.interval_of(source)
        with session_scope(self.engine) as session:
            self._announce_recovery(session, source, moment)
            record_success(
                session=session,
                source_id=source.id,
                now=moment,
                next_poll_at=next_poll_at,
                etag=etag,
                last_modified=last_modified,
                baseline_done=False,
            )
        return PollReport(source.id, outcome, next_poll_at=next_poll_at)

    def _failed(self, source: Source, reason: str) -> PollReport:
        moment = self.now()
        defaults = self.config.defaults
        with session_scope(self.engine) as session:
            state = get_source(session=session, source_id=source.id)
            was_paused = state.paused_at is not None
            failures = state.consecutive_failures + 1
            paused = was_paused or failures >= defaults.failures_before_pause
            delay = source_retry_delay(
                self.config.interval_of(source), failures, ceiling=defaults.max_backoff
            )
            if paused:
                delay = max(delay, defaults.max_backoff)  # only a probe now and then
            state = record_failure(
                session=session,
                source_id=source.id,
                error=reason,
                now=moment,
                next_poll_at=moment + delay,
                paused=paused,
            )
            paused_at = state.paused_at
            if paused_at is not None and not was_paused:
                message = source_paused_alert(
                    source.id,
                    address=source.address,
                    failures=failures,
                    error=reason,
                    last_success=state.last_success_at,
                    next_try=moment + delay,
                )
                self._announce(session, "paused", source, paused_at, message.to_json(), moment)
        report = PollReport(
            source.id,
            "failed",
            detail=reason,
            next_poll_at=moment + delay,
            failures=failures,
            paused=paused,
        )
        log.warning(
            "source %s: poll failed: %s; %s at %s",
            source.id,
            reason,
            f"paused after {failures} failures, next try" if report.paused else "next retry",
            report.next_poll_at.isoformat(timespec="seconds") if report.next_poll_at else "?",
        )
        return report

    def _announce_recovery(self, session: Session, source: Source, moment: datetime) -> None:
        """Tell the channels once that a paused source answers again."""
        paused_at = get_source(session=session, source_id=source.id).paused_at
        if paused_at is None:
            return
        message = source_recovered_alert(
            source.id, address=source.address, paused_at=paused_at, now=moment
        )
        self._announce(session, "recovered", source, paused_at, message.to_json(), moment)
        log.info("source %s: recovered after a pause since %s", source.id, paused_at.isoformat())

    def _announce(
        self,
        session: Session,
        kind: str,
        source: Source,
        paused_at: datetime,
        message: dict[str, Any],
        moment: datetime,
    ) -> None:
        """Queue a notice about a source for the channels that follow it, once per pause."""
        for channel in self.config.channel_ids_for_source(source.id):
            add_alert(
                session=session,
                dedup_key=alert_key(kind, channel, source.id, paused_at.isoformat()),
                kind=kind,
                channel_id=channel,
                item_id=None,
                message=message,
                now=moment,
            )
