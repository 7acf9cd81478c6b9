"""``leakbot explain``: why a text or a stored post matches a watch, and why a missing post
was or was not judged deleted."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.clock import Now, utc_now
from bot.config.durations import format_duration
from bot.config.file import Config
from bot.config.settings import Settings
from bot.domain import ItemState, StoredPost
from bot.matching.watchlist import Watchlist
from bot.wording import at_utc, counted
from storage.db import in_transaction, make_engine, migrate
from storage.items import get_post_and_story
from storage.stories import ItemStory

EXIT_OK, EXIT_USAGE = 0, 2


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Register ``explain`` on the command line."""
    explain = commands.add_parser(
        "explain",
        parents=[common],
        help="say whether a text or a stored post matches a watch, and why; "
        "or, for a stored post alone, where its deletion tracking stands and why",
    )
    explain.add_argument("--watch", metavar="ID", help="the watch to ask")
    what = explain.add_mutually_exclusive_group(required=True)
    what.add_argument("text", nargs="?", help="the text to judge")
    what.add_argument("--item", type=int, metavar="ITEM_ID", help="a stored post, by its id")


def run(settings: Settings, config: Config, args: argparse.Namespace, *, now: Now = utc_now) -> int:
    """Print a watch's verdict on a text or a stored post, or a post's deletion tracking."""
    if args.watch is None and args.item is None:
        print("leakbot explain: a text needs --watch ID to be judged by", file=sys.stderr)
        return EXIT_USAGE
    watchlist = Watchlist(config)
    if args.watch is not None:
        try:
            watch = watchlist.watch(args.watch)
        except KeyError:
            known = ", ".join(w.id for w in config.watches) or "none are configured"
            print(
                f"leakbot explain: no watch with id '{args.watch}' (watches are: {known})",
                file=sys.stderr,
            )
            return EXIT_USAGE
    post: StoredPost | None = None
    text: str = args.text
    if args.item is not None:
        post, story = _stored_post(settings, args.item)
        if post is None:
            print(f"leakbot explain: no stored post with id {args.item}", file=sys.stderr)
            return EXIT_USAGE
        text = post.item.searchable
        headline = " ".join(text.split())
        headline = headline if len(headline) <= 80 else f"{headline[:79]}…"
        print(f"post {args.item} from {post.item.source_id}: {headline}")
        if args.watch is None:
            for line in tracking(post, config, now=now()):
                print(line)
            for line in story_lines(post, story):
                print(line)
            return EXIT_OK
    verdict = watchlist.judge(watch.id, text)
    for line in verdict.explain():
        print(line)
    if post is not None and not watch.applies_to(post.item.source_id):
        sources = ", ".join(watch.sources or ())
        print(
            f"note: watch {watch.id} looks only at posts from {sources}, "
            f"so this post from {post.item.source_id} does not alert it"
        )
    return EXIT_OK


def tracking(post: StoredPost, config: Config, *, now: datetime) -> list[str]:
    """Say where a stored post stands in deletion tracking, and why the last poll judged so."""
    source = next((s for s in config.sources if s.id == post.item.source_id), None)
    if source is None or not source.track_deletions:
        return [
            f"deletions: not tracked ({post.item.source_id} has no `track_deletions: true` "
            "in the config)"
        ]
    if post.state == ItemState.MISSING:
        since = at_utc(post.missing_since) if post.missing_since else "?"
        state = (
            f"missing since {since}, from {counted(post.missing_polls, 'healthy poll')}"
            if post.missing_polls
            else f"absent since {since}; no poll counted it missing yet"
        )
    elif post.state == ItemState.DELETED:
        state = f"deleted at {at_utc(post.deleted_at) if post.deleted_at else '?'}"
    elif post.state == ItemState.GONE:
        state = "no longer followed"
    else:
        state = "live"
    lines = [f"deletions: {state}"]
    why = post.judgement or "the feed showed it in the last poll"
    lines.append(f"  why: {why}")
    watch_for = config.deletions.watch_for
    if now - post.first_seen_at > watch_for and post.state != ItemState.DELETED:
        lines.append(
            f"  first seen {at_utc(post.first_seen_at)}, more than "
            f"{format_duration(watch_for)} ago (deletions.watch_for): no longer re-checked"
        )
    if post.watches:
        lines.append(f"  a deletion alerts the channels of: {', '.join(post.watches)}")
    else:
        lines.append("  it matched no watch, so its deletion alerts nobody")
    return lines


def story_lines(post: StoredPost, found: tuple[ItemStory | None, str | None]) -> list[str]:
    """Say which story a post joined and why, or why it opened one, or why it has none."""
    story, why = found
    if story is None:
        if not post.watches:
            return ["story: none (it matched no watch, so it reports nothing to anyone)"]
        return [f"story: none ({why or 'stories were off, or its watches want every report'})"]
    lines = [f"story: #{story.story_id}, opened {at_utc(story.opened_at)}: {story.title}"]
    lines.append(f"  why: {why or '?'}")
    if not post.watches:
        lines.append(
            "  it matched no watch, so nobody was told of it; it is in the story so that "
            "the reports a watch matches meet there"
        )
    lines.append(f"  {counted(len(story.reports), 'report')}:")
    for item_id, source_id, title in story.reports[:20]:
        mark = "  <- this post" if item_id == post.item_id else ""
        headline = title if len(title) <= 70 else f"{title[:69]}…"
        lines.append(f"    post {item_id} from {source_id}: {headline}{mark}")
    if len(story.reports) > 20:
        lines.append(f"    … and {len(story.reports) - 20} more")
    return lines


def _stored_post(
    settings: Settings, item_id: int
) -> tuple[StoredPost | None, tuple[ItemStory | None, str | None]]:
    engine = make_engine(settings.database_url.get_secret_value())
    try:
        migrate(engine)
        return in_transaction(engine, get_post_and_story, item_id=item_id)
    finally:
        engine.dispose()
