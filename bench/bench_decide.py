"""A poll's decide on feeds whose posts are all new: CPU per post beside bare feedparser.

    python bench/bench_decide.py [POSTS] [--per-feed 20] [--repeat 5]

POSTS labelled posts of the stories' tuning set (tests/data/stories/tuning/; tech news and
tipster posts, nearly all naming a model) are written, oldest first, as RSS feeds of
``--per-feed`` posts each. Every feed is then, in one process on one core:

- parsed by bare ``feedparser.parse()``: the anchor;
- parsed by leakbot (``parse_feed``), and decided by ``decide_poll`` as a poll that finds
  every post new, with the embedded defaults' watches and stories on. Stories are decided
  when a poll is written: each post a watch wants in stories is read here; which story it
  joins costs a decide more (``bench_stories.py``).

It prints CPU microseconds per post (min and median over the repeats) for the anchor, for
leakbot's parse, and for the decide, and how many posts a watch matched and how many went
into stories.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

from bot.config.file import load_config
from bot.config.settings import EMBEDDED_CONFIG
from bot.delivery.routing import Routes
from bot.domain import Reading, SourceKind, SourceRecord, SourceSnapshot
from bot.matching.watchlist import Watchlist
from bot.polling.decide import PollRules, decide_poll
from bot.sources.feed.parse import parse_feed
from bot.stories.rules import StoryRules

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.story_sets import SETS, labelled_posts  # noqa: E402

SOURCE = "gizmochina"  # a news site of the defaults: its watches of models look at it


def _feeds(count: int, per_feed: int) -> tuple[list[bytes], datetime]:
    """Write the first ``count`` posts of the tuning set as RSS feeds, newest first; return
    them and a moment after the last post."""
    posts = labelled_posts(*sorted((SETS / "tuning").glob("*.yaml")))[:count]
    feeds = []
    for start in range(0, len(posts), per_feed):
        entries = "".join(
            "<item>"
            f"<guid>post-{post['order']}</guid>"
            f"<title>{escape(post['title'])}</title>"
            f"<link>https://example.com/{post['order']}</link>"
            f"<description>{escape('<p>' + post['text'] + '</p>')}</description>"
            f"<pubDate>{format_datetime(post['at'])}</pubDate>"
            "</item>"
            for post in reversed(posts[start : start + per_feed])
        )
        feed = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>bench</title><link>https://example.com/</link>{entries}</channel></rss>"
        )
        feeds.append(feed.encode())
    return feeds, max(post["at"] for post in posts) + timedelta(hours=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("posts", type=int, nargs="?", default=2000)
    parser.add_argument("--per-feed", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    config = load_config(EMBEDDED_CONFIG)
    watchlist, routes = Watchlist(config), Routes(config)
    stories = StoryRules.of(config.watches, config.stories.window)
    state = SourceRecord(SOURCE, SourceKind.FEED, "https://example.com/", baseline_done=True)
    rules = PollRules(
        interval=timedelta(minutes=10),
        failures_before_pause=3,
        max_backoff=timedelta(hours=1),
        track_deletions=True,
        deletions=config.deletions,
        address="https://example.com/",
    )
    snapshot = SourceSnapshot(state, frozenset(), {})
    feeds, now = _feeds(args.posts, args.per_feed)

    anchor: list[float] = []
    parse: list[float] = []
    decide: list[float] = []
    posts = matched = in_stories = 0
    for _ in range(args.repeat):
        started = time.process_time()
        for body in feeds:
            feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
        anchor.append(time.process_time() - started)
        started = time.process_time()
        parsed = [
            parse_feed(body, source_id=SOURCE, url="https://example.com/feed") for body in feeds
        ]
        parse.append(time.process_time() - started)
        started = time.process_time()
        plans = [
            decide_poll(
                snapshot=snapshot,
                reading=Reading(items=feed.items),
                watchlist=watchlist,
                routes=routes,
                rules=rules,
                now=now,
                stories=stories,
            ).plan
            for feed in parsed
        ]
        decide.append(time.process_time() - started)
        posts = sum(len(feed.items) for feed in parsed)
        matched = len({(n, m.item_key) for n, plan in enumerate(plans) for m in plan.matches})
        in_stories = sum(len(plan.stories) for plan in plans)

    def per_post(seconds: list[float]) -> str:
        micro = [s / posts * 1e6 for s in seconds]
        return f"{min(micro):8.1f} {statistics.median(micro):8.1f}"

    print(f"{posts} posts in {len(feeds)} feeds; {args.repeat} runs; CPU µs per post, min median")
    print(f"  bare feedparser.parse   {per_post(anchor)}")
    print(f"  leakbot parse_feed      {per_post(parse)}")
    print(f"  leakbot decide_poll     {per_post(decide)}")
    print(f"  posts a watch matched: {matched}; posts in stories: {in_stories}")
    ratio = statistics.median(decide) / statistics.median(anchor)
    print(f"  decide ÷ bare parse (medians): {ratio:.2f}×")


if __name__ == "__main__":
    main()
