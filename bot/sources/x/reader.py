"""Reading an X account through the X API v2, paying for each post once.

A poll asks only for the posts newer than the newest one seen (``since_id``, kept as the
source's etag); the first poll reads one small page, the silent baseline. A followed post
(one that matched a watch, within ``deletions.watch_for``) is looked up in batches of up
to 100 ids (``GET /2/tweets?ids=``), at most once every ``deletions.confirm_missing_for``;
one already paid for today costs nothing more, one that would cost is looked up only while
the budget allows (bot.sources.x.budget). A Not Found answer is the deletion's proof.
Every post returned is counted as X bills it, in the database (bot.sources.x.ledger).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Now
from bot.config.file import Deletions, Source, XOptions
from bot.domain import Reading, StoredPost
from bot.errors import SourceHeldError
from bot.ops import metrics
from bot.sources.x.budget import Spending, budget_reached_notice, usd
from bot.sources.x.ledger import XLedger
from bot.sources.x.timeline import PostStatus, XError, XTimeline
from bot.wording import at_utc
from storage.db import Database

log = logging.getLogger(__name__)

# while the filtered stream is connected (on any worker), timelines are polled this seldom
# at most: a safety net for what the stream missed, free when nothing is new
SAFETY_NET = timedelta(minutes=30)


@dataclass
class XReader:
    """X accounts through the X API v2 (tweepy's AsyncClient)."""

    timeline: XTimeline
    ledger: XLedger | None = None  # without one (a test of the reader alone), nothing is billed
    _gone: set[str] = field(default_factory=set)  # looked up and Not Found, not yet confirmed
    _spending: Spending | None = field(default=None, repr=False)
    _streaming: bool = False  # the filtered stream was connected at the last read
    _paying: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _promised: int = 0  # paid look-ups chosen and not yet counted in the database

    def bind(self, database: Database, now: Now, options: Callable[[], XOptions]) -> None:
        """Keep the books in this database, on this clock, by the config's ``x:`` section."""
        self.ledger = XLedger(database, now, options)
        self.timeline.limits.now = now

    def every(self, interval: timedelta) -> timedelta:
        """Return how often a source of this interval is polled now: slower when the month
        runs over its budget's share; at the safety net's pace while the stream is live."""
        pace = self._spending.every(interval) if self._spending is not None else interval
        return max(pace, SAFETY_NET) if self._streaming else pace

    async def close(self) -> None:
        """Close the client's HTTP session."""
        await self.timeline.close()

    async def read(self, source: Source, *, etag: str | None, last_modified: str | None) -> Reading:
        """Read the account's posts new since the last read (the etag keeps the newest id)."""
        return await self.read_new(source, since=etag, followed=(), deletions=Deletions())

    async def read_new(
        self,
        source: Source,
        *,
        since: str | None,
        followed: Sequence[StoredPost],
        deletions: Deletions,
    ) -> Reading:
        """Read the posts new since ``since``; look up the followed posts that are due."""
        assert source.x is not None
        spending = await self.hold_for_budget()
        self._spending = spending
        if self.ledger is not None:
            self._streaming = await self.ledger.stream_live()
        await self._take_shared_holds()
        try:
            items, newest = await self.timeline.posts_since(
                source_id=source.id, username=source.x, since_id=since
            )
        finally:
            await self._share_holds()
        if self.ledger is not None:
            await self.ledger.billed([item.key for item in items])
        gone = await self._look_up(source, followed, deletions)
        return Reading(items=tuple(items), etag=newest or since, new_only=True, gone=gone)

    async def hold_for_budget(self) -> Spending | None:
        """Raise SourceHeldError, with its monthly notice, once the budget is spent."""
        if self.ledger is None:
            return None
        spending = await self.ledger.spending()
        if spending.reached:
            metrics.X_HELD.labels("budget").inc()
            raise SourceHeldError(
                f"the X budget of {usd(spending.monthly_budget_usd)} is spent "
                f"({usd(spending.spent_usd)} this month); X reads resume at "
                f"{at_utc(spending.turn)}",
                spending.turn,
                notice=budget_reached_notice(spending),
            )
        return spending

    async def _take_shared_holds(self) -> None:
        if self.ledger is not None:
            for endpoint, until in (await self.ledger.holds()).items():
                self.timeline.limits.hold(endpoint, until)

    async def _share_holds(self) -> None:
        for endpoint, until in self.timeline.spent():
            metrics.X_HELD.labels("rate-limit").inc()
            log.info("X rate limit on %s: not asked again before %s", endpoint, at_utc(until))
            if self.ledger is not None:
                await self.ledger.hold(endpoint, until)

    async def _look_up(
        self,
        source: Source,
        followed: Sequence[StoredPost],
        deletions: Deletions,
    ) -> tuple[str, ...]:
        """Look up the followed posts that are due (those paid for today, free; the others,
        the youngest first, as far as the budget allows now); return those X says are gone."""
        now = self.timeline.limits.now()
        keys = [post.key for post in followed]
        if not keys:
            return ()
        last: dict[str, datetime] = {}
        paid: set[str] = set(keys)
        if self.ledger is not None:
            last = await self.ledger.last_checked(keys)
            paid = await self.ledger.paid_today(keys)
        due = [
            post
            for post in followed
            if now - last.get(post.key, post.first_seen_at) >= deletions.confirm_missing_for
        ]
        free = [post.key for post in due if post.key in paid]
        # the youngest first: tipsters delete within hours, if at all
        costly = [
            post.key
            for post in sorted(due, key=lambda p: p.first_seen_at, reverse=True)
            if post.key not in paid
        ]
        promised = 0
        if costly and self.ledger is not None:
            async with self._paying:  # polls at once share one room, not each the whole
                room = (await self.ledger.spending()).may_pay() - self._promised
                costly = costly[: max(0, room)]
                promised = len(costly)
                self._promised += promised
        try:
            return await self._ask(source, free + costly)
        finally:
            self._promised -= promised

    async def _ask(self, source: Source, asked: list[str]) -> tuple[str, ...]:
        if not asked:
            return ()
        try:
            statuses = await self.timeline.status_of(asked)
        except SourceHeldError as held:
            log.info("source %s: look-ups wait: %s", source.id, held)
            return ()
        except XError as exc:
            log.info("source %s: look-ups failed, tried again next poll: %s", source.id, exc)
            return ()
        finally:
            await self._share_holds()
        if self.ledger is not None:
            await self.ledger.billed([k for k, s in statuses.items() if s is PostStatus.THERE])
            await self.ledger.checked(asked)
        gone = tuple(key for key, status in statuses.items() if status is PostStatus.GONE)
        self._gone.update(gone)
        return gone

    async def confirm_deleted(self, source: Source, post: StoredPost) -> tuple[bool, str]:
        """Ask the X API: a Not Found Error proves the post was deleted."""
        if post.key in self._gone:
            self._gone.discard(post.key)
            return True, "X answers Not Found"
        try:
            status = (await self.timeline.status_of([post.key]))[post.key]
        except XError as exc:
            return False, f"X did not say more: {exc}"
        except SourceHeldError as held:
            return False, f"X did not say more: {held}"
        finally:
            await self._share_holds()
        if status is not PostStatus.GONE:
            return False, f"X says {status.value}"
        return True, "X answers Not Found"
