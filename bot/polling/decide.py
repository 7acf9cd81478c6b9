"""Deciding what a poll means: one pure function from what was read and fetched to a plan.

No HTTP, no database, no clock of its own: ``decide_poll`` takes the source's stored state
and posts (a SourceSnapshot), what the source gave (a Reading, or the SourceError it raised),
the watches and routes, and the time, and returns the PollPlan that storage writes in one
transaction, the report an operator reads, and the IO the decision asks for (images to
archive, missing posts to confirm on their page). ``decide_follow_ups`` turns the results
of that IO into a second plan.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config.file import Deletions
from bot.delivery.alerts import (
    AlertMessage,
    deleted_post_alert,
    edited_post_alert,
    new_post_alert,
    restored_post_alert,
    source_paused_alert,
    source_recovered_alert,
    story_report_alert,
)
from bot.delivery.routing import Routes
from bot.domain import (
    AlertKind,
    ArchivedImage,
    Item,
    ItemState,
    Match,
    PollOutcome,
    PollPlan,
    PostChange,
    QueuedAlert,
    Reading,
    SourceRecord,
    SourceSnapshot,
    StoredPost,
    StoryChoice,
    StoryRecord,
)
from bot.errors import SourceError, SourceErrorKind, SourceHeldError
from bot.matching.watchlist import Watchlist
from bot.polling.backoff import source_retry_delay
from bot.polling.deletions import (
    identity,
    lifetime,
    plan_deletions,
    remember_size,
    repeat_last_size,
    same_content,
    unconfirmed_evidence,
    unhealthy_because,
    word_diff,
)
from bot.polling.timetable import next_slot
from bot.stories.rules import Fingerprint, OpenStory, StoryIndex, StoryRules
from bot.wording import counted

FUTURE_SLACK = timedelta(hours=1)
STORY_TEXT_CHARS = 1500  # of a post's text read for its story: the first paragraph or so
ERROR_CHARS = 1000  # what the status line keeps of a failure's message


@dataclass(frozen=True, slots=True)
class PollRules:
    """The settings one source is polled by."""

    interval: timedelta
    failures_before_pause: int
    max_backoff: timedelta
    track_deletions: bool
    deletions: Deletions
    address: str = ""


@dataclass(frozen=True, slots=True)
class PollReport:
    """How one poll of one source went, in a line an operator can read."""

    source_id: str
    outcome: PollOutcome
    items: int = 0
    new_items: int = 0
    alerts: int = 0
    detail: str | None = None
    next_poll_at: datetime | None = None
    failures: int = 0
    paused: bool = False
    error_kind: SourceErrorKind | None = None

    def line(self) -> str:
        """Say what happened, for poll-once and the log."""
        when = self.next_poll_at.isoformat(timespec="seconds") if self.next_poll_at else None
        if self.outcome == PollOutcome.FAILED:
            state = "PAUSED, next try" if self.paused else "next retry"
            return (
                f"{self.source_id}: FAILED ({self.detail}); {counted(self.failures, 'failure')} "
                f"in a row; {state} at {when}"
            )
        if self.outcome == PollOutcome.SKIPPED:
            return f"{self.source_id}: skipped ({self.detail})"
        if self.outcome == PollOutcome.HELD:
            return f"{self.source_id}: held ({self.detail})"
        if self.outcome == PollOutcome.NOT_MODIFIED:
            return f"{self.source_id}: not modified (304)"
        if self.outcome == PollOutcome.BASELINE:
            return f"{self.source_id}: first poll, {counted(self.items, 'item')} recorded silently"
        note = f"; {self.detail}" if self.detail else ""
        return (
            f"{self.source_id}: ok, {counted(self.items, 'item')}, {self.new_items} new, "
            f"{counted(self.alerts, 'alert')}{note}"
        )

    def warning(self) -> str:
        """Say why a poll failed and when the next try is, for the running bot's log."""
        when = self.next_poll_at.isoformat(timespec="seconds") if self.next_poll_at else "?"
        state = f"paused after {self.failures} failures, next try" if self.paused else "next retry"
        return f"source {self.source_id}: poll failed: {self.detail}; {state} at {when}"


@dataclass(frozen=True, slots=True)
class Decision:
    """A poll decided: what to write, what to report, and the IO it asks for."""

    plan: PollPlan
    report: PollReport
    archive: tuple[Item, ...] = ()  # new posts that matched: download their images
    confirm: tuple[StoredPost, ...] = ()  # long-missing posts: check whether they are gone


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What a missing post's page (or the X API) said: gone for sure, or not proven."""

    post: StoredPost
    gone: bool
    why: str


def alert_key(kind: str, channel_id: str, source_id: str, item_key: str, *extra: str) -> str:
    """Name an alert so the outbox refuses a second copy of it."""
    digest = hashlib.sha256("\0".join((source_id, item_key, *extra)).encode()).hexdigest()
    return f"{kind}:{channel_id}:{digest[:40]}"


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


def oldest_first(items: tuple[Item, ...], *, now: datetime) -> tuple[Item, ...]:
    """Order a poll's new posts by publication time, oldest first, as a reader reads them.

    A feed lists its posts newest first; queued in that order, a channel would read
    "second" before "first". Posts of the same time keep their feed order, and a post with
    no date counts as published now (it was first seen now), after every dated one.
    """
    return tuple(sorted(items, key=lambda item: item.published_at or now))


def decide_poll(
    *,
    snapshot: SourceSnapshot,
    reading: Reading | SourceError,
    watchlist: Watchlist,
    routes: Routes,
    rules: PollRules,
    now: datetime,
    rng: random.Random | None = None,
    stories: StoryRules | None = None,
) -> Decision:
    """Decide what a poll means: failure and pause, or new posts, matches, edits, deletions.

    With ``stories``, each new post that alerts a watch which wants stories is named in
    the plan's ``stories``; which story it joins is decided when the plan is written
    (``decide_stories``), against the stories open at that moment.
    """
    if isinstance(reading, SourceError):
        if reading.kind == SourceErrorKind.PARSER_DOWN:
            return _not_polled(snapshot.source, reading, rules, now)
        if isinstance(reading, SourceHeldError):
            return _held(snapshot.source, reading, routes, now)
        return _failed(snapshot.source, reading, routes, rules, now, rng)
    return _Success(snapshot, reading, watchlist, routes, rules, now, stories).decide()


def _failed(
    state: SourceRecord,
    error: SourceError,
    routes: Routes,
    rules: PollRules,
    now: datetime,
    rng: random.Random | None,
) -> Decision:
    """Back a failing source off; pause it after enough failures, with one notice."""
    failures = state.consecutive_failures + 1
    was_paused = state.paused_at is not None
    paused = was_paused or failures >= rules.failures_before_pause
    delay = source_retry_delay(rules.interval, failures, ceiling=rules.max_backoff, rng=rng)
    if paused:
        delay = max(delay, rules.max_backoff)  # only a probe now and then
    message = str(error)
    after = dataclasses.replace(
        state,
        consecutive_failures=failures,
        paused_at=state.paused_at or (now if paused else None),
        last_polled_at=now,
        last_error=message[:ERROR_CHARS],
        next_poll_at=now + delay,
    )
    alerts: tuple[QueuedAlert, ...] = ()
    if paused and not was_paused:
        notice = source_paused_alert(
            state.id,
            address=rules.address,
            failures=failures,
            error=message,
            last_success=state.last_success_at,
            next_try=now + delay,
        )
        alerts = _source_notice(AlertKind.PAUSED, state.id, now, notice, routes)
    report = PollReport(
        state.id,
        PollOutcome.FAILED,
        detail=message,
        next_poll_at=now + delay,
        failures=failures,
        paused=paused,
        error_kind=error.kind,
    )
    return Decision(PollPlan(state.id, after, alerts=alerts), report)


def _not_polled(
    state: SourceRecord, error: SourceError, rules: PollRules, now: datetime
) -> Decision:
    """Leave a source as it was when leakbot itself could not read it: no failure counted,
    no pause; it is tried again at its next slot."""
    retry = next_slot(state.id, rules.interval, now)
    after = dataclasses.replace(state, next_poll_at=retry)
    report = PollReport(
        state.id,
        PollOutcome.SKIPPED,
        detail=f"{error}; next try at {retry.isoformat(timespec='seconds')}",
        next_poll_at=retry,
        failures=state.consecutive_failures,
        paused=state.paused_at is not None,
        error_kind=error.kind,
    )
    return Decision(PollPlan(state.id, after), report)


def _held(state: SourceRecord, held: SourceHeldError, routes: Routes, now: datetime) -> Decision:
    """Leave a source alone until its hold ends (a rate limit's reset, the month's turn):
    no failure counted, no pause; a hold with a notice tells the source's channels, once
    for each notice's key (the outbox refuses a second copy)."""
    retry = max(held.until, now)
    after = dataclasses.replace(state, next_poll_at=retry)
    alerts: tuple[QueuedAlert, ...] = ()
    if held.notice is not None:
        once, message = held.notice
        alerts = tuple(
            QueuedAlert(
                alert_key(AlertKind.BUDGET, channel, "", once), AlertKind.BUDGET, channel, message
            )
            for channel in routes.of_source(state.id)
        )
    report = PollReport(
        state.id,
        PollOutcome.HELD,
        alerts=len(alerts),
        detail=f"{held}; next try at {retry.isoformat(timespec='seconds')}",
        next_poll_at=retry,
        failures=state.consecutive_failures,
        paused=state.paused_at is not None,
        error_kind=held.kind,
    )
    return Decision(PollPlan(state.id, after, alerts=alerts), report)


def _source_notice(
    kind: AlertKind, source_id: str, paused_at: datetime, notice: AlertMessage, routes: Routes
) -> tuple[QueuedAlert, ...]:
    """Queue a notice about a source for the channels that follow it, once per pause."""
    return tuple(
        QueuedAlert(
            alert_key(kind, channel, source_id, paused_at.isoformat()),
            kind,
            channel,
            notice.to_json(),
        )
        for channel in routes.of_source(source_id)
    )


class _Success:
    """The decision for a poll that read the source: one instance, used once."""

    def __init__(
        self,
        snapshot: SourceSnapshot,
        reading: Reading,
        watchlist: Watchlist,
        routes: Routes,
        rules: PollRules,
        now: datetime,
        stories: StoryRules | None = None,
    ) -> None:
        self.stories = stories
        self.story_posts: list[StoryChoice] = []
        self.snapshot = snapshot
        self.state = snapshot.source
        self.reading = reading
        self.watchlist = watchlist
        self.routes = routes
        self.rules = rules
        self.now = now
        self.alerts: list[QueuedAlert] = []
        self.matches: list[Match] = []
        self.changes: dict[int, PostChange] = {}
        self.notes: list[str] = []

    def decide(self) -> Decision:
        state, now = self.state, self.now
        if state.paused_at is not None:
            notice = source_recovered_alert(
                state.id, address=self.rules.address, paused_at=state.paused_at, now=now
            )
            self.alerts.extend(
                _source_notice(AlertKind.RECOVERED, state.id, state.paused_at, notice, self.routes)
            )
        after = dataclasses.replace(
            state,
            consecutive_failures=0,
            paused_at=None,
            last_polled_at=now,
            last_success_at=now,
            last_error=None,
            # back to its slot: a late poll does not push the next one later
            next_poll_at=next_slot(state.id, self.rules.interval, now),
            etag=self.reading.etag,
            last_modified=self.reading.last_modified,
        )
        if self.reading.not_modified:
            if self.rules.track_deletions:
                after = dataclasses.replace(
                    after, recent_sizes=repeat_last_size(state.recent_sizes)
                )
            report = PollReport(state.id, PollOutcome.NOT_MODIFIED, next_poll_at=after.next_poll_at)
            return Decision(PollPlan(state.id, after, alerts=tuple(self.alerts)), report)

        items = sane_dates(self.reading.items, now=now)
        known = self.snapshot.known_keys
        new_items = oldest_first(tuple(item for item in items if item.key not in known), now=now)
        baseline = not state.baseline_done
        archive: list[Item] = []
        # a followed post the feed now shows under a new key was announced under its old one
        shown = {item.key for item in items}
        rekeyed = {
            identity(post.item)
            for post in self.snapshot.posts.values()
            if post.key not in shown and post.state in (ItemState.LIVE, ItemState.MISSING)
        }
        if not baseline:
            for item in new_items:
                announce = identity(item) not in rekeyed
                if self._new_post(item, announce) and self.rules.track_deletions and item.images:
                    # only matched posts can ever get a deletion alert: keep their images
                    archive.append(item)
        confirm: tuple[StoredPost, ...] = ()
        sizes = state.recent_sizes
        if self.rules.track_deletions:
            if self.reading.clean:
                # a body cut short can garble every post (even its encoding): no edit
                self._edits(items)
            if self.reading.new_only:
                # only the new posts were read: a followed post not among them is not
                # missing; those the source says are gone are
                confirm = self._gone(self.reading.gone)
            else:
                confirm = self._missing(items)
                if self.reading.clean and items:
                    sizes = remember_size(sizes, len(items))
        after = dataclasses.replace(after, baseline_done=True, recent_sizes=sizes)
        if self.reading.problem:
            self.notes.insert(0, f"feed quirk: {self.reading.problem}")
        plan = PollPlan(
            state.id,
            after,
            new_items=new_items,
            matches=tuple(self.matches),
            changes=tuple(self.changes.values()),
            alerts=tuple(self.alerts),
            stories=tuple(self.story_posts),
        )
        report = PollReport(
            state.id,
            PollOutcome.BASELINE if baseline else PollOutcome.OK,
            items=len(items),
            new_items=len(new_items),
            alerts=len(self.alerts),
            detail="; ".join(self.notes) or None,
            next_poll_at=after.next_poll_at,
        )
        return Decision(plan, report, tuple(archive), confirm)

    def _new_post(self, item: Item, announce: bool = True) -> bool:
        """Match a new post; queue one alert per channel however many watches it matched
        (none for a post already announced under another key)."""
        found = self.watchlist.matches(item)
        if not found:
            if announce and self.stories is not None and self.stories.follows(item.source_id):
                self._to_stories(item, ())  # told to nobody, when it names a model
            return False
        for match in found:
            self.matches.append(
                Match(item.key, match.watch.id, match.verdict.matched_terms, match.verdict.hits)
            )
        if not announce:
            return True
        matched = tuple(m.watch.id for m in found)
        if self.stories is not None and self.stories.wanted_by(matched):
            self._to_stories(item, matched)
        for channel, watch_ids in self.routes.of_watches(m.watch.id for m in found).items():
            hits = sorted(
                {h for m in found if m.watch.id in watch_ids for h in m.verdict.hits},
                key=lambda h: (h.start, h.end),
            )
            self.alerts.append(
                QueuedAlert(
                    alert_key(AlertKind.NEW, channel, item.source_id, item.key),
                    AlertKind.NEW,
                    channel,
                    new_post_alert(item, hits, watch_ids).to_json(),
                    item_key=item.key,
                )
            )
        return True

    def _to_stories(self, item: Item, watches: tuple[str, ...]) -> None:
        """Name a new post among those the write puts in stories: every post a watch that
        wants stories matched, and one no watch matched (``watches`` empty) when it names a
        model.

        A tipster's "S34U 5500mAh 60W" names no brand, so no watch matches it; but it is
        often a leak's first report, and the write-ups that name the brand follow it. In
        its story they meet one report of the leak, not each other first, and the first
        of them to match a watch is the story's alert; it alerts nobody itself. A post no
        watch matched that names no model is left out: it could join only a near copy of
        its text.
        """
        assert self.stories is not None
        title = story_title(item)
        fingerprint = self.stories.reader.read(title, item.text[:STORY_TEXT_CHARS])
        if watches or fingerprint.subject is not None:
            self.story_posts.append(
                StoryChoice(item.key, title, fingerprint.to_json(), watches=watches)
            )

    def _edits(self, items: Sequence[Item]) -> None:
        """Alert on posts whose title or text changed; whitespace and tracking don't count."""
        edited = 0
        for item in items:
            post = self.snapshot.posts.get(item.key)
            if post is None or post.state == ItemState.GONE:
                continue
            if same_content(post.item.title, item.title) and same_content(
                post.item.text, item.text
            ):
                continue
            edits = post.edits + 1
            self._change(post, edited=item, edits=edits)
            watches = list(post.watches)
            for match in self.watchlist.matches(item):
                if match.watch.id not in watches:
                    # the edit made it match: it is followed from now on
                    self.matches.append(
                        Match(
                            item.key,
                            match.watch.id,
                            match.verdict.matched_terms,
                            match.verdict.hits,
                        )
                    )
                    watches.append(match.watch.id)
            if not watches:
                continue
            message = _in_story(
                edited_post_alert(item, diff=_diff(post.item, item), watches=watches), post
            )
            self._queue(AlertKind.EDITED, post, message, watches, str(edits))
            edited += 1
        if edited:
            self.notes.append(f"{edited} edited")

    def _missing(self, items: Sequence[Item]) -> tuple[StoredPost, ...]:
        """Judge the followed posts the feed no longer shows; return those ready to confirm."""
        rules, now = self.rules.deletions, self.now
        plan = plan_deletions(
            followed=[
                post
                for post in self.snapshot.posts.values()
                if post.first_seen_at >= now - rules.watch_for
            ],
            current=items,
            unhealthy=unhealthy_because(len(items), self.state.recent_sizes, self.reading.clean),
            now=now,
            rules=rules,
        )
        ready: list[StoredPost] = []
        restored = 0
        for verdict in plan.verdicts:
            post = verdict.post
            judged = {
                "state": verdict.state,
                "missing_since": verdict.missing_since,
                "missing_polls": verdict.missing_polls,
                "judgement": verdict.why,
            }
            self._change(post, **judged)
            if verdict.ready:
                ready.append(dataclasses.replace(post, **judged))  # type: ignore[arg-type]
            if verdict.restored and post.watches and post.deleted_at is not None:
                message = restored_post_alert(
                    post.item, deleted_at=post.deleted_at, watches=list(post.watches)
                )
                self._queue(
                    AlertKind.RESTORED, post, message, list(post.watches), str(post.deletions)
                )
                restored += 1
        if plan.note:
            self.notes.append(plan.note)
        if restored:
            self.notes.append(f"{restored} restored")
        if ready:
            self.notes.append(f"{len(ready)} missing")
        return tuple(ready)

    def _gone(self, keys: Sequence[str]) -> tuple[StoredPost, ...]:
        """Take the followed posts the source itself says are deleted: confirm them."""
        ready: list[StoredPost] = []
        for key in keys:
            post = self.snapshot.posts.get(key)
            if post is None or post.state not in (ItemState.LIVE, ItemState.MISSING):
                continue
            judged = {
                "state": ItemState.MISSING,
                "missing_since": post.missing_since or self.now,
                "missing_polls": post.missing_polls + 1,
                "judgement": "the source says it is gone",
            }
            self._change(post, **judged)
            ready.append(dataclasses.replace(post, **judged))  # type: ignore[arg-type]
        if ready:
            self.notes.append(f"{len(ready)} missing")
        return tuple(ready)

    def _change(self, post: StoredPost, **fields: object) -> None:
        """Merge a change into what this poll writes for a stored post."""
        before = self.changes.get(post.item_id) or PostChange(
            post.item_id,
            post.state,
            missing_since=post.missing_since,
            missing_polls=post.missing_polls,
            deleted_at=post.deleted_at,
            deletions=post.deletions,
            edits=post.edits,
            judgement=post.judgement,
        )
        self.changes[post.item_id] = dataclasses.replace(before, **fields)  # type: ignore[arg-type]

    def _queue(
        self,
        kind: AlertKind,
        post: StoredPost,
        message: AlertMessage,
        watches: Sequence[str],
        round_: str,
    ) -> None:
        _queue_post_alert(self.alerts, self.routes, kind, post, message, watches, round_)


def _queue_post_alert(
    alerts: list[QueuedAlert],
    routes: Routes,
    kind: AlertKind,
    post: StoredPost,
    message: AlertMessage,
    watches: Sequence[str],
    round_: str,
) -> None:
    """Queue an alert about a post to the channels of the watches it matched, once each."""
    for channel in routes.of_watches(watches):
        alerts.append(
            QueuedAlert(
                alert_key(kind, channel, post.item.source_id, post.key, round_),
                kind,
                channel,
                message.to_json(),
                item_key=post.key,
            )
        )


def decide_follow_ups(
    *,
    source_id: str,
    images: Mapping[str, tuple[ArchivedImage, ...]],
    confirmations: Sequence[Confirmation],
    routes: Routes,
    now: datetime,
) -> PollPlan:
    """Decide what the IO a poll asked for means: images to keep, posts called deleted."""
    alerts: list[QueuedAlert] = []
    changes: list[PostChange] = []
    for confirmation in confirmations:
        post = confirmation.post
        gone_at = post.missing_since or now
        if not confirmation.gone:
            changes.append(
                _tracking(
                    post,
                    post.state,
                    judgement=f"{post.judgement or 'missing'}; not deleted: "
                    f"{confirmation.why}, so it is checked again next poll",
                )
            )
            continue
        # with no page to check, the feed's evidence alone calls it: say so, and show it
        evidence = None if post.item.link else unconfirmed_evidence(post, now=now)
        deletions = post.deletions + 1
        changes.append(
            _tracking(
                post,
                ItemState.DELETED,
                deleted_at=now,
                deletions=deletions,
                judgement=f"deleted (unconfirmed): {evidence}"
                if evidence
                else f"deleted: {confirmation.why}",
            )
        )
        if not post.watches:
            continue
        message = deleted_post_alert(
            post.item,
            first_seen_missing=gone_at,
            lived=lifetime(post.item.published_at, post.first_seen_at, gone_at),
            watches=list(post.watches),
            images=list(post.attachments),
            unconfirmed=evidence,
        )
        message = _in_story(message, post)
        _queue_post_alert(
            alerts, routes, AlertKind.DELETED, post, message, post.watches, str(deletions)
        )
    return PollPlan(
        source_id,
        None,
        changes=tuple(changes),
        alerts=tuple(alerts),
        images=tuple((key, found) for key, found in images.items() if found),
    )


def _tracking(post: StoredPost, state: ItemState, **fields: Any) -> PostChange:
    """Write a post's tracking as it stands, with these fields changed."""
    change = PostChange(
        post.item_id,
        state,
        missing_since=post.missing_since,
        missing_polls=post.missing_polls,
        deleted_at=post.deleted_at,
        deletions=post.deletions,
        edits=post.edits,
        judgement=post.judgement,
    )
    return dataclasses.replace(change, **fields)


def _diff(before: Item, after: Item) -> str:
    old = (
        f"{before.title}\n{before.text}"
        if before.title and before.title != before.text
        else before.text
    )
    new = (
        f"{after.title}\n{after.text}" if after.title and after.title != after.text else after.text
    )
    return word_diff(old, new)


def story_title(item: Item) -> str:
    """Return the line a post is headed by: its title, or its text's first line."""
    return item.title or (item.text.split("\n", 1)[0] if item.text else "")


def _in_story(message: AlertMessage, post: StoredPost) -> AlertMessage:
    """Name the story a post belongs to in an alert about it (deleted, edited)."""
    if post.story is None:
        return message
    story_id, title = post.story
    fact = ("Story", f"#{story_id}: {title}"[:300])
    return dataclasses.replace(message, facts=(*message.facts, fact))


def decide_stories(
    plans: Sequence[PollPlan],
    open_stories: Sequence[StoryRecord],
    *,
    rules: StoryRules,
    routes: Routes,
    now: datetime,
) -> list[PollPlan]:
    """Put the new posts of many plans in stories, oldest first; turn later reports into edits.

    ``open_stories`` are the stories found by the posts' keys. A post joins the first
    open story that reports the same leak (bot.stories.rules.compare) or opens a new one, which
    the next posts may join. The posts of all the plans are decided in the order they were
    posted (a post with no date, or one dated later than ``now``, as posted ``now``), not in
    the order their sources answered or their feeds list them, so that a poll that brings a
    day's coverage at once makes the stories that reading it as it came out would. In each
    channel the first report of a story alerts as new; a later one queues an edit of that
    alert, unless a watch that sends it there wants every report (``stories: false``).
    """
    index = StoryIndex(window=rules.window)
    told: dict[int, set[str]] = {}  # story -> the channels that hold its message
    for record in open_stories:
        index.add(
            OpenStory(
                record.id, record.opened_at, record.title, Fingerprint.from_json(record.fingerprint)
            )
        )
        told[record.id] = set(record.channels)
    items = {(n, item.key): item for n, plan in enumerate(plans) for item in plan.new_items}
    alerts = [list(plan.alerts) for plan in plans]
    choices: dict[tuple[int, int], StoryChoice] = {}

    def posted(place: tuple[int, int]) -> tuple[datetime, int, int]:
        n, position = place
        item = items.get((n, plans[n].stories[position].item_key))
        at = item.published_at if item is not None else None
        return (min(at, now) if at is not None else now, n, position)

    order = sorted(
        ((n, position) for n, plan in enumerate(plans) for position in range(len(plan.stories))),
        key=posted,
    )
    opened = 0
    for turn, (n, position) in enumerate(order):
        post = plans[n].stories[position]
        fingerprint = Fingerprint.from_json(post.fingerprint)
        verdict = index.decide(fingerprint, now)
        if verdict.story is not None:
            story_id = verdict.story.id
            index.join(story_id, fingerprint)
            choice = dataclasses.replace(
                post,
                decided=True,
                story_id=story_id,
                fingerprint=index.stories[story_id].fingerprint.to_json(),
                why=f'joined the story first reported as "{verdict.story.title}": {verdict.why}',
                turn=turn,
            )
        else:
            opened += 1
            story_id = -opened
            index.add(OpenStory(story_id, now, post.title, fingerprint))
            told[story_id] = set()
            choice = dataclasses.replace(
                post,
                decided=True,
                story_id=story_id,
                opens=True,
                keys=fingerprint.index_keys(),
                why=f"opened a new story: {verdict.why}",
                turn=turn,
            )
        choices[n, position] = choice
        item = items.get((n, post.item_key))
        every = routes.of_watches(post.watches)
        for at, alert in enumerate(alerts[n]):
            if alert.item_key != post.item_key or alert.kind != AlertKind.NEW:
                continue
            channel = alert.channel_id
            wants_all = any(w in rules.opted_out for w in every.get(channel, ()))
            if channel in told[story_id] and not wants_all and item is not None:
                alerts[n][at] = QueuedAlert(
                    alert_key(AlertKind.STORY, channel, item.source_id, item.key),
                    AlertKind.STORY,
                    channel,
                    story_report_alert(item, story_id=story_id).to_json(),
                    item_key=item.key,
                    story_id=story_id,
                )
            else:
                message = alert.message
                if verdict.story is None and verdict.corrects is not None:
                    # a correction names the story it corrects: "earlier: 5,500 mAh"
                    shown = AlertMessage.from_json(message)
                    facts = (*shown.facts, verdict.corrects.fact())
                    message = dataclasses.replace(shown, facts=facts).to_json()
                alerts[n][at] = dataclasses.replace(alert, story_id=story_id, message=message)
                told[story_id].add(channel)
    return [
        dataclasses.replace(
            plan,
            alerts=tuple(alerts[n]),
            stories=tuple(choices[n, position] for position in range(len(plan.stories))),
        )
        if plan.stories
        else plan
        for n, plan in enumerate(plans)
    ]
