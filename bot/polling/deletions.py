"""Deciding when a post that vanished from its feed was deleted, restored or edited.

Pure logic over what the feed shows now and what was stored before. Upstreams misbehave
(RSSHub instances, CDN caches, feeds that page), so a poll is evidence only when its shape
looks like a tipster's deletion: a healthy read (clean, not empty, near the feed's recent
size), and only one post or a few gone from the feed's window at once. A post older than
the oldest post shown is not judged (the window moved; it stays followed until
``watch_for`` ends). A post shown under a new key is followed under that key. A post
without a page to check needs more polls, longer absence and both neighbours still shown.
"""

from __future__ import annotations

import difflib
import itertools
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config.durations import format_duration
from bot.config.file import Deletions
from bot.domain import Item, ItemState, StoredPost
from bot.sources.items import canonical_url
from bot.wording import at_utc, counted

SHRUNK_RATIO = 0.75  # a poll with fewer items than this share of the usual is truncated
SIZES_KEPT = 8  # the feed's recent sizes the usual one is the median of
FEW_POSTS = 3  # more posts than this vanishing in one poll is an upstream problem ...
FEW_SHARE = 0.25  # ... and so is more than this share of the posts in the window
FLOOD_GIVE_UP = timedelta(hours=6)  # a post lost with many others this long: unfollowed


@dataclass(frozen=True, slots=True)
class Evidence:
    """How much absence calls a post missing long enough: its page is checked then."""

    polls: int
    duration: timedelta

    @classmethod
    def needed(cls, rules: Deletions, *, has_page: bool) -> Evidence:
        """Return what a post needs; one with no page to check needs much more."""
        if has_page:
            return cls(rules.confirm_missing_polls, rules.confirm_missing_for)
        return cls(2 * rules.confirm_missing_polls + 2, 3 * rules.confirm_missing_for)

    def met(self, polls: int, duration: timedelta) -> bool:
        """Tell whether this many polls over this long is enough."""
        return polls >= self.polls and duration >= self.duration


@dataclass(frozen=True, slots=True)
class DeletionVerdict:
    """What one poll says about one followed post: where it stands now, and why."""

    post: StoredPost
    state: ItemState
    missing_since: datetime | None
    missing_polls: int
    why: str | None  # the judgement `leakbot explain --item` shows; None: the feed shows it
    ready: bool = False  # missing long enough: check its page (or call it, with no page)
    restored: bool = False  # it was called deleted, and the feed shows it again


@dataclass(frozen=True, slots=True)
class DeletionPlan:
    """What one poll says about the posts still followed: the verdicts that changed."""

    verdicts: tuple[DeletionVerdict, ...] = ()
    note: str | None = None  # for the poll's line: why vanished posts were not judged


def remember_size(sizes: Sequence[int], size: int) -> tuple[int, ...]:
    """Add a poll's item count to the feed's recent sizes, keeping the last few."""
    return (*sizes, size)[-SIZES_KEPT:]


def repeat_last_size(sizes: Sequence[int]) -> tuple[int, ...]:
    """Count a 304 as the size it repeats, so that the usual size follows a feed that grew."""
    return remember_size(sizes, sizes[-1]) if sizes else tuple(sizes)


def usual_size(sizes: Sequence[int]) -> float | None:
    """Return the feed's usual size: the median of its recent sizes (None before any)."""
    return float(statistics.median(sizes)) if sizes else None


def unhealthy_because(item_count: int, sizes: Sequence[int], clean: bool) -> str | None:
    """Say why a poll read in full can prove nothing (None when it can)."""
    if not clean:
        return "the feed was not read in full"
    if item_count == 0:
        return "the feed was empty"
    usual = usual_size(sizes)
    if usual is not None and item_count < usual * SHRUNK_RATIO:
        return f"the feed showed {counted(item_count, 'post')} where about {usual:g} are usual"
    return None


def window_start(items: Sequence[Item]) -> datetime | None:
    """Return the publish time of the oldest post the feed shows, ignoring pinned posts.

    Feeds list posts newest first. A pinned post sits at the top out of order, older than
    the post below it; it would stretch the window back to its own date, so it is skipped.
    """
    dated = [t for t in _below_pinned(items) if t is not None]
    return min(dated) if dated else None


def newest_first(items: Sequence[Item]) -> bool:
    """Tell whether the feed lists its dated posts newest first (pinned posts aside).

    Only then does a post that left the feed's bottom fall out of the window by its date;
    a feed in another order drops posts from the middle of its dates as it moves on.
    """
    dated = [t for t in _below_pinned(items) if t is not None]
    return all(newer >= older for newer, older in itertools.pairwise(dated))


def _below_pinned(items: Sequence[Item]) -> list[datetime | None]:
    """Return the posts' dates in feed order, without the pinned posts on top."""
    times = [item.published_at for item in items]
    start = 0
    while start + 1 < len(times):
        here, below = times[start], times[start + 1]
        if here is None or below is None or here >= below:
            break
        start += 1
    return times[start:]


def identity(item: Item) -> tuple[object, ...]:
    """Name a post by what it says rather than by its key: its link, date and title, else
    its text and date."""
    if item.link:
        return (item.link, item.published_at, " ".join(item.title.split()))
    return (None, item.published_at, " ".join(item.title.split()), " ".join(item.text.split()))


SHOWN_AGAIN = "shown again"  # a judgement that stays while the feed goes on showing the post


def plan_deletions(
    *,
    followed: Iterable[StoredPost],
    current: Sequence[Item],
    unhealthy: str | None,
    now: datetime,
    rules: Deletions,
) -> DeletionPlan:
    """Judge each followed post against what the feed shows now; return what changed."""
    judge = _Judge(now)
    shown = {item.key for item in current}
    posts = list(followed)
    for post in posts:
        if post.key in shown:
            judge.shown(post)
    absent = [
        p for p in posts if p.key not in shown and p.state in (ItemState.LIVE, ItemState.MISSING)
    ]
    if not absent:
        return judge.plan()
    if unhealthy is not None:
        for post in absent:
            judge.hold(post, f"not judged: {unhealthy}")
        return judge.plan(f"deletions not judged: {unhealthy}")
    keys_by_identity = {identity(item): item.key for item in current}
    rekeyed = [p for p in absent if identity(p.item) in keys_by_identity]
    for post in rekeyed:
        new_key = keys_by_identity[identity(post.item)]
        judge.set(
            post,
            ItemState.GONE,
            None,
            0,
            f"shown under a new key ({new_key}): followed under that key",
        )
    absent = [p for p in absent if identity(p.item) not in keys_by_identity]
    notes = [f"{counted(len(rekeyed), 'post')} shown under new keys"] if rekeyed else []
    start = window_start(current)
    vanished: list[StoredPost] = []
    for post in absent:
        published = post.item.published_at
        if start is None:
            judge.hold(post, "not judged: the feed shows no dated post to measure its window by")
        elif published is None:
            judge.hold(post, "not judged: it has no date to place it in the feed's window")
        elif published < start:
            judge.hold(
                post, "not judged: older than the oldest post the feed shows (its window moved)"
            )
        else:
            vanished.append(post)
    if not vanished or start is None:
        return judge.plan("; ".join(notes) or None)
    moved = {p.key for p in rekeyed}
    window = [
        (p.item.published_at, p.key, p.key in shown)
        for p in posts
        if p.state in (ItemState.LIVE, ItemState.MISSING)
        and p.key not in moved
        and p.item.published_at is not None
        and p.item.published_at >= start
    ]
    listed = {key for _, key, _ in window}
    window += [
        (item.published_at, item.key, True)
        for item in current
        if item.key not in listed and item.published_at is not None and item.published_at >= start
    ]
    if _flood(len(vanished), len(window)):
        gone = f"{len(vanished)} of {len(window)} posts in the feed's window vanished at once"
        for post in vanished:
            judge.flooded(post, f"not judged: {gone}, an upstream problem rather than deletions")
        notes.append(f"{gone}: an upstream problem, not taken as deletions")
        return judge.plan("; ".join(notes))
    order = [key for _, key, _ in sorted(window, key=lambda entry: (entry[0], entry[1]))]
    showing = {key for _, key, is_shown in window if is_shown}
    in_order = newest_first(current)
    for post in vanished:
        if not post.item.link and not in_order:
            judge.hold(
                post,
                "not judged: it has no page to check, and the feed does not list its posts "
                "newest first, so it may have slid out",
            )
            continue
        if not post.item.link and not _neighbours_shown(post.key, order, showing):
            judge.hold(
                post, "not judged: it has no page to check, and a post next to it vanished too"
            )
            continue
        judge.missing(post, Evidence.needed(rules, has_page=bool(post.item.link)))
    return judge.plan("; ".join(notes) or None)


def _flood(vanished: int, window: int) -> bool:
    """Tell whether so many posts vanished at once that the feed, not the tipster, did it."""
    return vanished > 1 and (vanished > FEW_POSTS or vanished > FEW_SHARE * window)


def _neighbours_shown(key: str, order: list[str], showing: set[str]) -> bool:
    """Tell whether the posts just older and just newer than this one (if any) are shown."""
    at = order.index(key)
    around = order[max(at - 1, 0) : at] + order[at + 1 : at + 2]
    return all(neighbour in showing for neighbour in around)


class _Judge:
    """Collects the verdicts of one poll, leaving out those that change nothing."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.verdicts: list[DeletionVerdict] = []

    def plan(self, note: str | None = None) -> DeletionPlan:
        return DeletionPlan(tuple(self.verdicts), note)

    def set(
        self,
        post: StoredPost,
        state: ItemState,
        since: datetime | None,
        polls: int,
        why: str | None,
        *,
        ready: bool = False,
        restored: bool = False,
    ) -> None:
        same = (state, since, polls, why) == (
            post.state,
            post.missing_since,
            post.missing_polls,
            post.judgement,
        )
        if not same or ready or restored:
            self.verdicts.append(DeletionVerdict(post, state, since, polls, why, ready, restored))

    def shown(self, post: StoredPost) -> None:
        """The feed shows the post: any absence is over, and a deleted one is restored."""
        when = at_utc(self.now)
        if post.state == ItemState.DELETED:
            why = f"{SHOWN_AGAIN} at {when} after it was called deleted: restored"
            self.set(post, ItemState.LIVE, None, 0, why, restored=True)
        elif post.state == ItemState.MISSING:
            since = at_utc(post.missing_since) if post.missing_since else "earlier"
            why = f"{SHOWN_AGAIN} at {when}, absent since {since}: a flap, not a deletion"
            self.set(post, ItemState.LIVE, None, 0, why)
        elif post.state == ItemState.GONE:
            self.set(post, ItemState.LIVE, None, 0, f"{SHOWN_AGAIN} at {when}: followed again")
        elif post.judgement and not post.judgement.startswith(SHOWN_AGAIN):
            self.set(post, ItemState.LIVE, None, 0, None)

    def hold(self, post: StoredPost, why: str) -> None:
        """This poll cannot judge the post: its counts neither grow nor start again."""
        self.set(post, post.state, post.missing_since, post.missing_polls, why)

    def flooded(self, post: StoredPost, why: str) -> None:
        """The post vanished with many others: no evidence, unless it never comes back."""
        since = post.missing_since or self.now
        if self.now - since >= FLOOD_GIVE_UP:
            why = (
                f"vanished with many other posts at {at_utc(since)} and not shown since: "
                "an upstream change, not a deletion; no longer followed"
            )
            self.set(post, ItemState.GONE, since, post.missing_polls, why)
            return
        self.set(post, ItemState.MISSING, since, post.missing_polls, why)

    def missing(self, post: StoredPost, needed: Evidence) -> None:
        """Count one more healthy poll the post is missing from; ready when it is enough."""
        since = post.missing_since or self.now
        polls = post.missing_polls + 1
        lasted = self.now - since
        ready = needed.met(polls, lasted)
        count = counted(polls, "healthy poll")
        enough = f"{needed.polls} polls over {format_duration(needed.duration)}"
        if post.item.link:
            why = (
                f"missing from {count} over {format_duration(lasted)}: its page is checked"
                if ready
                else f"missing from {count} since {at_utc(since)}; its page is checked "
                f"after {enough}"
            )
        else:
            why = (
                f"missing from {count} over {format_duration(lasted)}, its neighbours "
                "still shown; no page to check"
                if ready
                else f"missing from {count} since {at_utc(since)}; with no page to check, "
                f"it is called deleted after {enough} with its neighbours still shown"
            )
        self.set(post, ItemState.MISSING, since, polls, why, ready=ready)


def unconfirmed_evidence(post: StoredPost, *, now: datetime) -> str:
    """Say what called a post with no page to check deleted: the feed's evidence alone."""
    lasted = now - (post.missing_since or now)
    return (
        f"missing from {counted(post.missing_polls, 'healthy poll')} over "
        f"{format_duration(lasted)}, its neighbours still shown; no page to check"
    )


def lifetime(posted_at: datetime | None, first_seen_at: datetime, gone_at: datetime) -> timedelta:
    """Return how long a post lived: from its publish time (or first sight) to first missing."""
    return max(gone_at - (posted_at or first_seen_at), timedelta(0))


# --- edits -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|\w+|[^\w\s]")


_URL = re.compile(r"https?://\S+")


def same_content(before: str, after: str) -> bool:
    """Tell whether two versions differ only in whitespace or links' tracking parameters."""
    return _comparable(before) == _comparable(after)


def _comparable(text: str) -> list[str]:
    text = _URL.sub(lambda found: canonical_url(found.group()) or found.group(), text)
    return text.split()


def word_diff(before: str, after: str, *, context: int = 4, limit: int = 900) -> str:
    """Show what changed as Markdown: ~~removed~~ and **added** words, with a little context."""
    old = _TOKEN.findall(before)
    new = _TOKEN.findall(after)
    pieces: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            words = old[a1:a2]
            if len(words) > context * 2:
                first = a1 == 0
                last = a2 == len(old)
                head = [] if first else words[:context]
                tail = [] if last else words[-context:]
                words = [*head, "…", *tail]
            pieces.append(_join(words))
            continue
        if a2 > a1:
            pieces.append(f"~~{_join(old[a1:a2])}~~")
        if b2 > b1:
            pieces.append(f"**{_join(new[b1:b2])}**")
    text = " ".join(p for p in pieces if p)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(words: Sequence[str]) -> str:
    text = ""
    for word in words:
        cjk = bool(re.match(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]", word))
        glue = "" if not text or cjk or not word[0].isalnum() else " "
        text += glue + word
    return text.replace("*", "\\*").replace("~", "\\~")
