"""One poll of one source, in three steps: read, decide, write.

1. **Read** the source's state (its validators for a conditional GET), then the source
   itself through its SourceReader, then, in one database trip, what the decision needs.
2. **Decide** in one pure function (bot.polling.decide.decide_poll).
3. **Write** the plan in one transaction.

The IO a decision asks for (the images of a new matching post, the page of a long-missing
one) runs next, and its results go through a second decide and write. Database work runs
off the event loop. Whatever goes wrong in one source, a bug of ours included, becomes that
source's failure, never the pass's; but when leakbot's own feed parser is down (its worker
pool broke again and again) no source is to blame: the poll is skipped, not counted, and the
source tried again at its next slot.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import aiohttp

from bot.config.file import Config, Source
from bot.delivery.routing import Routes
from bot.domain import (
    ArchivedImage,
    Item,
    ItemState,
    PollOutcome,
    Reading,
    SourceKind,
    SourceRecord,
    SourceSnapshot,
    StoredPost,
    StoryRecord,
)
from bot.errors import SourceError, SourceErrorKind
from bot.matching.watchlist import Watchlist
from bot.ops import metrics
from bot.ops.database_trouble import is_outage
from bot.polling.archive import download_images
from bot.polling.decide import (
    Confirmation,
    Decision,
    PollReport,
    PollRules,
    decide_follow_ups,
    decide_poll,
    decide_stories,
)
from bot.sources.base import NewPostsReader, SourceReader
from bot.stories.rules import Fingerprint, StoryRules
from bot.wording import counted
from storage.db import Database
from storage.polls import (
    Polled,
    StoryQuery,
    decide_on_snapshot,
    read_snapshot,
    read_source,
    read_sources,
    write_polls,
)

log = logging.getLogger(__name__)

Known = tuple[SourceRecord, bool]  # a source's state, and whether a post of it is missing


@dataclass
class Poller:
    """Polls sources with everything one poll needs."""

    config: Config
    watchlist: Watchlist
    routes: Routes
    database: Database
    readers: Mapping[SourceKind, SourceReader]
    web: aiohttp.ClientSession  # for the images of matching posts
    now: Callable[[], datetime]
    rng: random.Random = field(default_factory=random.Random)
    skipped: Mapping[SourceKind, str] = field(default_factory=dict)
    # told as soon as a write that queued alerts has committed, so that they leave at once
    alerted: Callable[[], None] = field(default=lambda: None)
    _story_rules: tuple[Watchlist, StoryRules] | None = field(default=None, init=False, repr=False)
    # one callable for every write, so that the plans queued at one moment share a commit
    _write_plans: Callable[..., list[list[str]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._write_plans = partial(write_polls, stories=_StoryPlacer(self))
        for reader in self.readers.values():
            if isinstance(reader, NewPostsReader):
                reader.bind(self.database, self.now, lambda: self.config.x)

    async def poll(
        self,
        source: Source,
        *,
        when_due: bool = False,
        known: Known | None = None,
        together: PassRound | None = None,
    ) -> PollReport:
        """Poll one source; a failure is reported and backed off, never raised.

        ``when_due`` leaves a failing source alone until its next retry, so that polling
        by hand again and again does not push it into a pause. ``known`` is the source's
        state when a pass has read it already, with whether a post of it is missing;
        ``together`` is the pass's round, which writes its polls' plans at once.
        """
        started = time.perf_counter()
        try:
            report = await self._poll(source, when_due, known, together)
        except Exception as exc:
            if is_outage(exc):
                raise  # the database's trouble, not the source's: the caller says it once
            log.exception("source %s: unexpected error while polling", source.id)
            error = SourceError(
                f"unexpected error: {type(exc).__name__}: {exc}", SourceErrorKind.UNEXPECTED
            )
            report = await self._settle(source, error)
        metrics.POLLS.labels(report.outcome).inc()
        metrics.POLL_SECONDS.observe(time.perf_counter() - started)
        return report

    async def _poll(
        self, source: Source, when_due: bool, known: Known | None, together: PassRound | None
    ) -> PollReport:
        reader = self.readers.get(source.kind)
        if reader is None:
            reason = self.skipped.get(source.kind, "no reader for this kind of source")
            return PollReport(source.id, PollOutcome.SKIPPED, detail=reason)
        if known is None:
            known = await self.database.run(read_source, source_id=source.id)
        state, missing = known
        retry_at = state.next_poll_at if state.consecutive_failures else None
        if when_due and retry_at is not None and retry_at > self.now():
            return _backing_off(state)
        reading: Reading | SourceError
        try:
            if isinstance(reader, NewPostsReader):
                # only what is new since the last read: the etag keeps where that was
                followed = await self._followed(source) if source.track_deletions else ()
                reading = await reader.read_new(
                    source, since=state.etag, followed=followed, deletions=self.config.deletions
                )
            else:
                etag, last_modified = state.etag, state.last_modified
                if source.track_deletions and missing:
                    # a 304 shows nothing: while a post is missing, every poll must be a
                    # full look
                    etag = last_modified = None
                reading = await reader.read(source, etag=etag, last_modified=last_modified)
        except SourceError as exc:
            reading = exc
        return await self._settle(source, reading, reader, state, together)

    async def _followed(self, source: Source) -> tuple[StoredPost, ...]:
        """Return the source's posts that can still get a deletion alert: matched, within
        ``deletions.watch_for``, not called deleted yet."""
        snapshot = await self.database.run(
            read_snapshot,
            source_id=source.id,
            keys=[],
            tracking=True,
            since=self.now() - self.config.deletions.watch_for,
        )
        return tuple(
            post
            for post in snapshot.posts.values()
            if post.watches and post.state in (ItemState.LIVE, ItemState.MISSING)
        )

    async def take(self, source: Source, items: tuple[Item, ...]) -> PollReport:
        """Decide on and write posts a source pushed (X's filtered stream) as a poll's: the
        same matching, stories, deletions and outbox; its since-id is left as it was."""
        reader = self.readers.get(source.kind)
        state, _ = await self.database.run(read_source, source_id=source.id)
        reading = Reading(items=items, etag=state.etag, new_only=True)
        return await self._settle(source, reading, reader, state)

    async def _settle(
        self,
        source: Source,
        reading: Reading | SourceError,
        reader: SourceReader | None = None,
        state: SourceRecord | None = None,
        together: PassRound | None = None,
    ) -> PollReport:
        """Read what the decision needs, decide, and write the plan in one transaction.

        A 304 or a failure needs only the source's state, read before the fetch; posts
        are read (and decided on) on a database thread, and the plan joins the writes
        queued at the same moment.
        """
        moment = self.now()
        rules = self._rules(source)

        def decide(snapshot: SourceSnapshot) -> Decision:
            return decide_poll(
                snapshot=snapshot,
                reading=reading,
                watchlist=self.watchlist,
                routes=self.routes,
                rules=rules,
                now=moment,
                rng=self.rng,
                stories=self._stories(),
            )

        if isinstance(reading, Reading) and not reading.not_modified:
            keys = [item.key for item in reading.items]
            decision: Decision = await self.database.run(
                decide_on_snapshot,
                source_id=source.id,
                keys=keys,
                tracking=source.track_deletions,
                since=moment - rules.deletions.watch_for,
                decide=decide,
            )
        else:
            if state is None:
                state, _ = await self.database.run(read_source, source_id=source.id)
            assert state is not None
            decision = decide(SourceSnapshot(state, frozenset(), {}))
        if together is not None and decision.plan.stories:
            await together.ready()  # the pass's other polls in flight have their plans too
        queued = await self.database.write(self._write_plans, (decision.plan, moment))
        self._count(decision, queued)
        if queued:
            self.alerted()
        if reader is None or not (decision.archive or decision.confirm):
            return decision.report
        return await self._follow_up(source, reader, decision)

    async def _follow_up(
        self, source: Source, reader: SourceReader, decision: Decision
    ) -> PollReport:
        """Do the IO a decision asked for, then decide and write what it showed."""
        images: dict[str, tuple[ArchivedImage, ...]] = {}
        for item in decision.archive:
            found = await download_images(self.web, item.images, source_id=source.id)
            images[item.key] = tuple(found)
        confirmations = []
        for post in decision.confirm:
            gone, why = await reader.confirm_deleted(source, post)
            if gone:
                log.info("source %s: post %s deleted: %s", source.id, post.key, why)
            else:
                log.info("source %s: post %s is missing but %s", source.id, post.key, why)
            confirmations.append(Confirmation(post, gone, why))
        moment = self.now()
        plan = decide_follow_ups(
            source_id=source.id,
            images=images,
            confirmations=confirmations,
            routes=self.routes,
            now=moment,
        )
        queued = await self.database.write(self._write_plans, (plan, moment))
        _count_alerts(queued)
        if queued:
            self.alerted()
        deleted = sum(1 for c in confirmations if c.gone)
        report = decision.report
        notes = [n for n in (report.detail or "").split("; ") if n]
        if deleted:
            notes.insert(0, f"{deleted} deleted")
        return PollReport(
            report.source_id,
            report.outcome,
            items=report.items,
            new_items=report.new_items,
            alerts=report.alerts + len(queued),
            detail="; ".join(notes) or None,
            next_poll_at=report.next_poll_at,
        )

    def _stories(self) -> StoryRules | None:
        """Return how posts are put in stories (None when stories are off), per watchlist."""
        if not self.config.stories.enabled:
            return None
        if self._story_rules is None or self._story_rules[0] is not self.watchlist:
            rules = StoryRules.of(self.watchlist.watches, self.config.stories.window)
            self._story_rules = (self.watchlist, rules)
        return self._story_rules[1]

    def _rules(self, source: Source) -> PollRules:
        defaults = self.config.defaults
        interval = self.config.interval_of(source)
        reader = self.readers.get(source.kind)
        if isinstance(reader, NewPostsReader):
            interval = reader.every(interval)  # X: the budget's and the stream's pace
            metrics.X_POLL_EVERY.labels(source.id).set(interval.total_seconds())
        return PollRules(
            interval=interval,
            failures_before_pause=defaults.failures_before_pause,
            max_backoff=defaults.max_backoff,
            track_deletions=source.track_deletions,
            deletions=self.config.deletions,
            address=source.address,
        )

    @staticmethod
    def _count(decision: Decision, queued: list[str]) -> None:
        plan = decision.plan
        if plan.new_items:
            metrics.ITEMS.labels("new").inc(len(plan.new_items))
        seen = decision.report.items - len(plan.new_items)
        if seen > 0:
            metrics.ITEMS.labels("seen").inc(seen)
        _count_alerts(queued)


@dataclass(frozen=True)
class _StoryPlacer:
    """Puts polls' new posts in stories as their plans are written (storage.polls.StoryPlacer).

    Which story a post joins is decided during the write, against the stories open as it
    begins (and those the plans before it open), so that two sources polled at once that
    report one leak still make one story.
    """

    poller: Poller

    def ask(self, plans: list[Polled]) -> StoryQuery | None:
        """Say which open stories the plans need; None when stories are off or unneeded."""
        rules = self.poller._stories()
        if rules is None or not any(plan.stories for plan, _ in plans):
            return None
        moment = max(now for _, now in plans)
        keys = {
            key
            for plan, _ in plans
            for choice in plan.stories
            for key in Fingerprint.from_json(choice.fingerprint).lookup_keys()
        }
        routes = self.poller.routes

        def place(found: list[StoryRecord]) -> list[Polled]:
            decided = decide_stories(
                [plan for plan, _ in plans], found, rules=rules, routes=routes, now=moment
            )
            return [(plan, now) for plan, (_, now) in zip(decided, plans, strict=True)]

        return StoryQuery(keys, moment - rules.window, place)


def _count_alerts(channels: list[str]) -> None:
    for channel in channels:
        metrics.ALERTS_QUEUED.labels(channel).inc()


def _backing_off(state: SourceRecord) -> PollReport:
    """Report a failing source left alone until its next retry."""
    assert state.next_poll_at is not None
    how = "paused" if state.paused_at is not None else "backing off"
    failures = state.consecutive_failures
    retry_at = state.next_poll_at.isoformat(timespec="seconds")
    return PollReport(
        state.id,
        PollOutcome.SKIPPED,
        detail=(
            f"{how} after {counted(failures, 'failure')} in a row "
            f"({state.last_error}); next try at {retry_at}; "
            f"`leakbot source resume {state.id}` tries it now"
        ),
        next_poll_at=state.next_poll_at,
        failures=failures,
        paused=state.paused_at is not None,
    )


class PassRound:
    """The polls of a pass in flight, whose plans are written at once when each has decided.

    A pass brings many sources' new posts at the same moment; a poll whose plan puts posts
    in stories waits here until every other poll in flight has its plan too (or has ended),
    and then all of them queue their writes in the same moment, so that they share a
    transaction (``Database.write``) and their new posts go into stories oldest first
    (bot.polling.decide.decide_stories), not in the order their sources happened to answer.
    A plan with no post for stories (a 304, a first sight, posts no watch matched) is written
    at once. A pass of a few feeds is one round; a bigger one, rounds of the polls in flight.
    """

    def __init__(self) -> None:
        self._active = 0
        self._waiting: list[asyncio.Future[None]] = []

    def enter(self) -> None:
        """Count a poll that has begun."""
        self._active += 1

    def leave(self) -> None:
        """Count a poll that has ended, written or not."""
        self._active -= 1
        self._release()

    async def ready(self) -> None:
        """Wait until every other poll in flight has its plan too, or has ended."""
        waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiting)
        self._release()
        await waiting

    def _release(self) -> None:
        if not self._waiting or len(self._waiting) < self._active:
            return
        waiting, self._waiting = self._waiting, []
        for future in waiting:
            if not future.done():
                future.set_result(None)


async def poll_all(
    poller: Poller, sources: list[Source], *, in_flight: int, when_due: bool = False
) -> list[PollReport]:
    """Poll many sources at once, at most ``in_flight`` at a time, in the given order.

    ``in_flight`` pollers take the sources one after another, so a pass over thousands of
    sources holds a few dozen polls in memory, not thousands. A database outage lets the
    pass end first, then is raised once.
    """
    known = await poller.database.run(read_sources, source_ids=[s.id for s in sources])
    reports: dict[int, PollReport] = {}
    outages: list[BaseException] = []
    todo = iter(enumerate(sources))
    together = PassRound()

    async def take_turns() -> None:
        for index, source in todo:
            together.enter()
            try:
                reports[index] = await poller.poll(
                    source, when_due=when_due, known=known.get(source.id), together=together
                )
            except Exception as exc:
                outages.append(exc)
            finally:
                together.leave()

    await asyncio.gather(*(take_turns() for _ in range(min(in_flight, len(sources)))))
    if outages:
        raise outages[0]
    return [reports[index] for index in range(len(sources))]
