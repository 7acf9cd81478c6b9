"""Deciding when a post that vanished from its feed was deleted, restored or edited.

Pure logic over what the feed shows now and what was stored before. A missing post becomes
a suspect only when the poll was healthy and the post is newer than the oldest post the
feed still shows (so a post that slid out of the window is not deleted, and pinned posts
don't stretch the window). A suspect is called deleted only after enough healthy polls over
enough time; the caller then confirms it on the post's own page where it can.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Deletions
from bot.domain import Item, ItemState, StoredPost
from bot.items import canonical_url

SHRUNK_RATIO = 0.75  # a poll with fewer items than this share of the usual is truncated


@dataclass(frozen=True, slots=True)
class Missing:
    """A stored post the feed no longer shows, and how long it has been gone."""

    post: StoredPost
    missing_since: datetime
    missing_polls: int
    ready: bool  # seen missing long enough to be checked and called deleted


@dataclass(frozen=True, slots=True)
class DeletionPlan:
    """What one poll says about the posts still tracked."""

    missing: tuple[Missing, ...] = ()
    back: tuple[StoredPost, ...] = ()  # posts that were missing (not deleted) and are shown again
    restored: tuple[StoredPost, ...] = ()  # posts called deleted that are shown again
    out_of_window: tuple[StoredPost, ...] = ()  # posts that slid out of the feed: untracked


def is_healthy(item_count: int, usual: float | None, clean: bool) -> bool:
    """Tell whether a 200 poll can prove anything: clean, not empty, not truncated."""
    if not clean or item_count == 0:
        return False
    return usual is None or item_count >= usual * SHRUNK_RATIO


def window_start(items: Sequence[Item]) -> datetime | None:
    """Return the publish time of the oldest post the feed shows, ignoring pinned posts.

    Feeds list posts newest first. A pinned post sits at the top out of order, older than
    the post below it; it would stretch the window back to its own date, so it is skipped.
    """
    times = [item.published_at for item in items]
    start = 0
    while start + 1 < len(times):
        here, below = times[start], times[start + 1]
        if here is None or below is None or here >= below:
            break
        start += 1
    dated = [t for t in times[start:] if t is not None]
    return min(dated) if dated else None


def plan_deletions(
    *,
    tracked: Sequence[StoredPost],
    current: Sequence[Item],
    healthy: bool,
    now: datetime,
    rules: Deletions,
) -> DeletionPlan:
    """Decide which tracked posts are missing, back, restored, or out of the window."""
    shown = {item.key for item in current}
    back = tuple(p for p in tracked if p.key in shown and p.state == ItemState.MISSING)
    restored = tuple(p for p in tracked if p.key in shown and p.state == ItemState.DELETED)
    if not healthy:
        return DeletionPlan(back=back, restored=restored)
    oldest_shown = window_start(current)
    missing: list[Missing] = []
    out_of_window: list[StoredPost] = []
    for post in tracked:
        if post.key in shown or post.state in (ItemState.DELETED, ItemState.GONE):
            continue
        published = post.item.published_at
        if now - post.first_seen_at > rules.watch_for:
            out_of_window.append(post)
            continue
        if oldest_shown is None or published is None or published < oldest_shown:
            # older than anything the feed shows: it slid out, it was not deleted
            out_of_window.append(post)
            continue
        since = post.missing_since or now
        polls = post.missing_polls + 1
        ready = polls >= rules.confirm_missing_polls and now - since >= rules.confirm_missing_for
        missing.append(Missing(post, since, polls, ready))
    return DeletionPlan(tuple(missing), back, restored, tuple(out_of_window))


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
