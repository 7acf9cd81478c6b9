"""Soak deletion tracking: the captured real feeds replayed with random flaps.

Run from the repository root:

    python bench/bench_flaps.py [POLLS] [--sources 12] [--seed 15] [--settle 10]

Each source replays one captured real-world feed (tests/data/ref/feeds/captured): its
posts as leakbot reads them (keys, titles, bodies, dates, with or without a link) are
served again as RSS by the loopback feed server, every post's link pointing at a page of
its own there that answers 200 while the post exists. Every third source is served with
no links at all, so its posts have no page to check. One watch follows every post, so a
post wrongly judged deleted always alerts.

The real App polls every source every five minutes of an injected clock. Before each
poll a source may start a flap, which lasts a few polls (at most five, 25 minutes):
posts hidden from the middle (a block or scattered, a quarter to half of the feed), one
post hidden, the window shrunk to its newest 60-80%, only the older half served, a stale
cache from one to three polls ago alternating with the fresh one, posts shuffled, a body
cut short, an empty feed, HTTP 500 or 503, or every guid re-keyed for good. Meanwhile the
feed lives: a new post now and then pushes the oldest out of the window, and now and
then a dated post is deleted for real (gone from the feed, its page answers 404).

After POLLS polls (1,000 by default) come ``--settle`` rounds without flaps, so that the
real deletions still being confirmed can finish. It prints the false deletion alerts
(deletion alerts for a post that was never deleted, or a second one for the same post),
the real deletions alerted out of those made, restored notes, pages checked, polls run and
seconds. Goal: 0 false deletion alerts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from bot.config.file import parse_config  # noqa: E402
from bot.config.settings import Settings  # noqa: E402
from bot.domain import AlertKind  # noqa: E402
from bot.errors import SourceError  # noqa: E402
from bot.runtime.app import App  # noqa: E402
from bot.sources.feed.parse import parse_feed  # noqa: E402
from bot.sources.http import Limits  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import AlertRow, ItemRow  # noqa: E402
from tests.clock import Clock  # noqa: E402
from tests.fakes.feed_server import FeedServer, Post, rss  # noqa: E402

CAPTURED = ROOT / "tests" / "data" / "ref" / "feeds" / "captured"
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
ROUND = timedelta(minutes=5)
MIN_POSTS = 4  # a captured feed with fewer posts makes no window to flap
FLAP_CHANCE = 0.3  # that a steady source starts a flap before a poll
NEW_POST_CHANCE = 0.15
DELETION_CHANCE = 0.05  # that a source deletes a post for real before a poll
CALM = 12  # polls between two real deletions of one source: an hour to confirm the first
MARK = "§"  # guid = scheme + MARK + the post's own id, so a re-keyed post is still known
FLAPS = (
    "hide-block",
    "hide-scattered",
    "hide-one",
    "shrink",
    "older-half",
    "stale-cache",
    "shuffle",
    "truncate",
    "empty",
    "error",
    "rekey",
)


@dataclass
class Flap:
    """A misbehaviour under way on one source."""

    kind: str
    polls_left: int
    hidden: frozenset[str] = frozenset()  # post ids
    share: float = 0.0


@dataclass
class Replay:
    """One source: a captured feed served again, living and misbehaving."""

    id: str
    posts: list[Post]  # what exists now, newest first
    spare: list[Post]  # captured posts to publish again later as new ones
    history: list[list[Post]] = field(default_factory=list)  # what was served, newest last
    scheme: str = "a"
    flap: Flap | None = None
    calm: int = 0  # polls before the next real deletion may come


@dataclass
class SoakResult:
    """What a soak found."""

    polls: int
    settle_polls: int
    seconds: float
    false_deletions: list[str]
    deletions_made: int
    deletions_alerted: int
    restored: int
    edited: int  # no post is ever edited here: each one is false
    pages_checked: int
    flaps: Counter[str]
    missed: Counter[str]  # real deletions not alerted, by the post's last judgement

    def lines(self) -> list[str]:
        """Say what the soak found, one figure a line."""
        return [
            f"false deletion alerts: {len(self.false_deletions)}",
            f"real deletions alerted: {self.deletions_alerted} of {self.deletions_made}",
            f"restored notes: {self.restored}",
            f"edited alerts (all false): {self.edited}",
            f"pages checked: {self.pages_checked}",
            f"polls: {self.polls} (+ {self.settle_polls} to settle)",
            f"seconds: {self.seconds:.1f}",
            "flaps: " + ", ".join(f"{kind} {n}" for kind, n in sorted(self.flaps.items())),
            *(f"  missed {n}: {why}" for why, n in self.missed.most_common()),
        ]


def post_id(key: str) -> str:
    """Return the post's own id from its key (the scheme in front is dropped)."""
    return key.split(MARK, 1)[-1]


def captured_feeds() -> list[tuple[str, list[Post]]]:
    """Read each captured feed as leakbot does; keep those with enough posts."""
    found = []
    for path in sorted(CAPTURED.rglob("*")):
        if path.suffix not in (".xml", ".rss", ".atom"):
            continue
        try:
            parsed = parse_feed(path.read_bytes(), source_id="x", url="https://example.com/")
        except SourceError:
            continue
        posts = [
            Post(
                item.key,
                item.title,
                body=item.html,
                link=item.link,
                author=item.author,
                published=item.published_at,
            )
            for item in parsed.items
        ]
        if len(posts) >= MIN_POSTS:
            found.append((path.stem, posts))
    return found


class Soak:
    """The replayed sources, the feed server, and the App polling them."""

    def __init__(self, feeds: FeedServer, sources: int, rng: random.Random) -> None:
        self.feeds = feeds
        self.rng = rng
        self.clock = Clock(START)
        self.flaps: Counter[str] = Counter()
        self.deleted: set[str] = set()  # post ids deleted for real
        self.serial = 0
        captured = captured_feeds()
        chosen = [captured[i % len(captured)] for i in range(sources)]
        rng.shuffle(chosen)
        self.replays = []
        for index, (name, posts) in enumerate(chosen):
            linked = index % 3 != 2
            source = f"s{index:02}-{name.lower().replace('.', '-').replace('_', '-')}"[:60]
            fresh = [self._own(source, p, linked) for p in posts]
            self.replays.append(Replay(source, fresh, fresh[:]))

    def _own(self, source: str, post: Post, linked: bool) -> Post:
        """Make a post this source's own: a unique id, and a page on loopback if linked."""
        self.serial += 1
        uid = f"{source}-{self.serial}"
        link = None
        if linked and post.link:
            self.feeds.set_page(uid, 200, f"<html><body>{post.title}</body></html>")
            link = self.feeds.page_url(uid)
        return replace(post, guid=f"a{MARK}{uid}", link=link)

    def config(self) -> str:
        lines = ["sources:"]
        for replay in self.replays:
            lines += [
                f"  - id: {replay.id}",
                f"    feed: {self.feeds.url(replay.id)}",
                "    track_deletions: true",
            ]
        ids = ", ".join(r.id for r in self.replays)
        lines += ["watches:", "  - id: everything", f"    sources: [{ids}]"]
        return "\n".join(lines) + "\n"

    def step(self, replay: Replay, *, flaps: bool) -> None:
        """Let the source live a little, maybe start a flap, and serve what it shows."""
        rng = self.rng
        if flaps and rng.random() < NEW_POST_CHANCE:
            template = replay.spare[rng.randrange(len(replay.spare))]
            fresh = self._own(replay.id, template, template.link is not None)
            fresh = replace(fresh, guid=f"{replay.scheme}{MARK}{post_id(fresh.guid)}")
            replay.posts.insert(0, replace(fresh, published=self.clock()))
            replay.posts.pop()  # the window moves: the oldest post leaves it
        replay.calm = max(0, replay.calm - 1)
        if flaps and not replay.calm and rng.random() < DELETION_CHANCE:
            seen = {p.guid for p in replay.history[-1]} if replay.history else set()
            dated = [p for p in replay.posts if p.published is not None and p.guid in seen]
            if dated:
                victim = rng.choice(dated)
                uid = post_id(victim.guid)
                replay.posts.remove(victim)
                replay.calm = CALM
                self.deleted.add(uid)
                if victim.link:
                    self.feeds.set_page(uid, 404)
        if flaps and replay.flap is None and rng.random() < FLAP_CHANCE:
            replay.flap = self._start(replay)
        served = self._serve(replay)
        if isinstance(served, int):
            self.feeds.publish(replay.id, rss(replay.posts))
            self.feeds.fail(replay.id, served)
        elif isinstance(served, bytes):
            self.feeds.publish(replay.id, served)
        else:
            self.feeds.publish(replay.id, rss(served))
            replay.history = [*replay.history[-3:], served]
        if replay.flap is not None:
            replay.flap.polls_left -= 1
            if replay.flap.polls_left <= 0:
                replay.flap = None

    def _start(self, replay: Replay) -> Flap:
        rng = self.rng
        kind = rng.choice(FLAPS)
        self.flaps[kind] += 1
        polls = rng.randint(1, 5 if kind in ("shrink", "stale-cache") else 4)
        posts = replay.posts
        middle = [post_id(p.guid) for p in posts[2:-2]]
        share = rng.uniform(0.25, 0.5)
        hidden: frozenset[str] = frozenset()
        if kind == "hide-block" and middle:
            size = max(1, round(len(posts) * share))
            start = rng.randrange(max(1, len(middle) - size + 1))
            hidden = frozenset(middle[start : start + size])
        elif kind == "hide-scattered" and middle:
            size = min(len(middle), max(1, round(len(posts) * share)))
            hidden = frozenset(rng.sample(middle, size))
        elif kind == "hide-one":
            hidden = frozenset({post_id(rng.choice(posts).guid)})
        elif kind == "rekey":
            replay.scheme = "b" if replay.scheme == "a" else "a"
            replay.posts = [
                replace(p, guid=f"{replay.scheme}{MARK}{post_id(p.guid)}") for p in posts
            ]
            polls = 1
        return Flap(kind, polls, hidden, rng.uniform(0.6, 0.8))

    def _serve(self, replay: Replay) -> list[Post] | bytes | int:
        """Return what the feed shows this poll: posts, a body's bytes, or an HTTP error."""
        posts, flap, rng = replay.posts, replay.flap, self.rng
        if flap is None or flap.kind == "rekey":
            return posts
        kind = flap.kind
        if kind.startswith("hide"):
            return [p for p in posts if post_id(p.guid) not in flap.hidden]
        if kind == "shrink":
            return posts[: max(1, round(len(posts) * flap.share))]
        if kind == "older-half":
            return posts[len(posts) // 2 :]
        if kind == "stale-cache":
            if replay.history and rng.random() < 0.5:
                # it may show a post deleted since: a stale cache does
                return replay.history[-rng.randint(1, len(replay.history))]
            return posts
        if kind == "shuffle":
            return rng.sample(posts, len(posts))
        if kind == "truncate":
            body = rss(posts).encode()
            return body[: int(len(body) * rng.uniform(0.3, 0.9))]
        if kind == "empty":
            return []
        return rng.choice((500, 503))

    def heal(self) -> None:
        """Put every feed's HTTP answer right before it is served again."""
        for replay in self.replays:
            if replay.id in self.feeds.feeds:
                self.feeds.fail(replay.id, 200)


async def soak(
    polls: int, *, sources: int = 12, seed: int = 15, settle: int = 10, home: Path
) -> SoakResult:
    """Replay the captured feeds with random flaps through the real App; count what it said."""
    rng = random.Random(seed)
    with FeedServer() as feeds:
        run = Soak(feeds, sources, rng)
        config = parse_config(run.config(), home / "leakbot.yaml")
        database = f"sqlite:///{home / 'leakbot.db'}"
        settings = Settings(
            database_url=SecretStr(database),
            leakbot_allow_private_urls=True,
        )
        limits = Limits(total_seconds=2, connect_seconds=1, read_seconds=1)
        started = time.perf_counter()
        done = settled = 0
        async with App(settings, config, now=run.clock, fetch_limits=limits) as app:
            # a watch follows the posts that arrive after the silent first poll: an empty feed
            for replay in run.replays:
                feeds.publish(replay.id, rss([]))
            await app.poll()
            while done < polls or settled < settle * len(run.replays):
                flapping = done < polls
                run.clock.advance(seconds=ROUND.total_seconds())
                run.heal()
                for replay in run.replays:
                    run.step(replay, flaps=flapping)
                reports = await app.poll()
                if flapping:
                    done += len(reports)
                else:
                    settled += len(reports)
        seconds = time.perf_counter() - started
        pages = sum(1 for path, _ in feeds.requests if path.startswith("page:"))
    return _tally(database, run, done, settled, seconds, pages)


def _tally(
    database: str, run: Soak, polls: int, settled: int, seconds: float, pages: int
) -> SoakResult:
    """Read what the outbox holds about deletions and restores."""
    engine = make_engine(database)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(AlertRow.kind, ItemRow.key)
                .join(ItemRow, col(AlertRow.item_id) == col(ItemRow.id))
                .where(
                    col(AlertRow.kind).in_(
                        (AlertKind.DELETED, AlertKind.RESTORED, AlertKind.EDITED)
                    )
                )
                .order_by(col(AlertRow.id))
            ).all()
    finally:
        engine.dispose()
    why: dict[str, str] = {}  # the last judgement of each post, under its latest key
    engine = make_engine(database)
    try:
        with Session(engine) as session:
            for key, state, judgement in session.exec(
                select(ItemRow.key, ItemRow.state, ItemRow.judgement).order_by(col(ItemRow.id))
            ):
                why[post_id(key)] = f"{state}: {judgement}"
    finally:
        engine.dispose()
    alerted: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    false = []
    restored = edited = 0
    for kind, key in rows:
        if kind == AlertKind.RESTORED:
            restored += 1
            continue
        if kind == AlertKind.EDITED:
            edited += 1
            continue
        uid = post_id(key)
        alerted[uid] += 1
        if uid not in run.deleted or alerted[uid] > 1:
            false.append(key)
    for uid in run.deleted:
        if not alerted[uid]:
            missed[_gist(why.get(uid, "never stored"))] += 1
    return SoakResult(
        polls=polls,
        settle_polls=settled,
        seconds=seconds,
        false_deletions=false,
        deletions_made=len(run.deleted),
        deletions_alerted=sum(1 for uid in run.deleted if alerted[uid]),
        restored=restored,
        edited=edited,
        pages_checked=pages,
        flaps=run.flaps,
        missed=missed,
    )


def _gist(judgement: str) -> str:
    """Cut a judgement down to its reason, without the counts and times that vary."""
    text = re.sub(r"\d[\d :-]*(UTC)?", "N ", judgement)
    return " ".join(text.split())[:110]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("polls", nargs="?", type=int, default=1000, help="polls with flaps")
    parser.add_argument("--sources", type=int, default=12, help="captured feeds replayed")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--settle", type=int, default=10, help="rounds without flaps at the end")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as home:
        result = asyncio.run(
            soak(
                args.polls,
                sources=args.sources,
                seed=args.seed,
                settle=args.settle,
                home=Path(home),
            )
        )
    print(f"seed {args.seed}, {args.sources} sources")
    for line in result.lines():
        print(line)
    for key in result.false_deletions[:20]:
        print(f"  false: {key}")


if __name__ == "__main__":
    main()
