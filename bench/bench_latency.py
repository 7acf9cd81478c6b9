"""How long a new post takes to reach Discord under ``leakbot run``, on loopback.

Run from the repository root:

    python bench/bench_latency.py POSTS [--sources 5] [--interval 10] [--repeat 3]
                                        [--database URL]

A loopback feed server serves ``--sources`` feeds and Discord is faked on loopback, with no
rate limit of its own (its bucket would measure Discord, not leakbot). After a silent first
``leakbot poll-once``, ``leakbot run`` starts and POSTS matching posts appear, one per feed
per interval at a random moment, until all have reached the webhook. For each post the
script takes three moments: when it appeared in its feed, when the feed server first served
a body holding it (the fetch), and when Discord received its alert (the POST). It prints,
per run and as min / median over the runs:

- fetch → POST, p50 and p95: leakbot's own path (parse, match, write, dispatch, send);
- appears → POST, p50 and p95: what a reader waits, about half an interval more;
- the bot's CPU seconds over its process tree (parse workers included) beside wall time.

Goal: fetch → POST p95 ≤ 150 ms on loopback.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import sqlalchemy as sa
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from storage.db import make_engine, normalize_url  # noqa: E402
from tests.fakes.discord import DiscordFake  # noqa: E402
from tests.fakes.feed_server import FeedServer, Post, rss  # noqa: E402
from tests.running import Running, bench_env  # noqa: E402

WEBHOOK = "https://discord.com/api/webhooks/112233445566778899/bench-token"
CONFIG = """\
defaults:
  interval: {interval}s
sources:
{sources}
channels:
  - id: leaks
    webhook: {webhook}
watches:
  - id: leaks
    any: [Leak]
"""


@dataclass
class Tipster:
    """One feed: its posts, when each appeared, and when a body holding each was first served."""

    name: str
    posts: list[Post] = field(default_factory=list)
    appeared: dict[str, float] = field(default_factory=dict)
    fetched: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, post: Post) -> None:
        with self.lock:
            self.posts.insert(0, post)  # newest first, as feeds list them
            self.appeared[post.title] = time.monotonic()

    async def serve(self, request: web.Request) -> web.Response:
        with self.lock:
            body = rss(self.posts[:20])
            moment = time.monotonic()
            for post in self.posts[:20]:
                self.fetched.setdefault(post.title, moment)
        return web.Response(body=body.encode(), content_type="application/rss+xml")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _cpu_seconds(process: psutil.Process) -> float:
    total = 0.0
    for one in [process, *process.children(recursive=True)]:
        try:
            times = one.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


@contextmanager
def _database(url: str | None, home: Path) -> Iterator[str]:
    """Yield a SQLite file in ``home``, or a fresh schema in the PostgreSQL at ``url``."""
    if url is None:
        yield f"sqlite:///{home / 'leakbot.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield normalize_url(url) + f"{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_once(
    posts: int, *, sources: int, interval: float, database: str | None
) -> dict[str, float]:
    """Run one bot until ``posts`` posts have reached Discord; return its figures."""
    rng = random.Random()
    tipsters = [Tipster(f"tipster-{n}") for n in range(sources)]
    with (
        tempfile.TemporaryDirectory() as folder,
        FeedServer() as feeds,
        DiscordFake(bucket=None) as discord,
        _database(database, Path(folder)) as url,
    ):
        home = Path(folder)
        for tipster in tipsters:
            tipster.add(Post(f"{tipster.name}-old", f"{tipster.name}: old news, no match"))
            feeds.handle(tipster.name, tipster.serve)
        lines = "\n".join(f"  - id: {t.name}\n    feed: {feeds.url(t.name)}" for t in tipsters)
        (home / "leakbot.yaml").write_text(
            CONFIG.format(interval=int(interval), sources=lines, webhook=WEBHOOK)
        )
        env = bench_env(home, database_url=url, api_base=discord.api_base, log_level="WARNING")
        baseline = Running(["poll-once"], home, env)
        if baseline.process.wait(120) != 0:
            raise SystemExit(f"poll-once failed:\n{baseline.output}")
        bot = Running(["run"], home, env)
        try:
            tree = psutil.Process(bot.process.pid)
            bot.wait_for(re.compile("leakbot running"), 60)
            cpu_start, wall_start = _cpu_seconds(tree), time.monotonic()
            # one new post per feed per interval, at a random moment in it
            plan = sorted(
                (round_ * interval + rng.uniform(0, interval), tipsters[n % sources], n)
                for n in range(posts)
                for round_ in [n // sources]
            )
            start = time.monotonic()
            for at, tipster, n in plan:
                time.sleep(max(0.0, start + at - time.monotonic()))
                tipster.add(Post(f"leak-{n}", f"Leak {n}: Pixel prototype spotted"))
            deadline = time.monotonic() + 3 * interval + 30
            while len(discord.messages) < posts and time.monotonic() < deadline:
                time.sleep(0.05)
            cpu, wall = _cpu_seconds(tree) - cpu_start, time.monotonic() - wall_start
        finally:
            bot.stop()
        received = {m.title: m.at for m in discord.messages}
        appeared = {k: v for t in tipsters for k, v in t.appeared.items() if k.startswith("Leak")}
        fetched = {k: v for t in tipsters for k, v in t.fetched.items()}
        lost = [title for title in appeared if title not in received]
        fetch_to_post = [received[t] - fetched[t] for t in appeared if t in received]
        appear_to_post = [received[t] - appeared[t] for t in appeared if t in received]
        return {
            "fetch_p50": _percentile(fetch_to_post, 0.5) * 1000,
            "fetch_p95": _percentile(fetch_to_post, 0.95) * 1000,
            "appear_p50": _percentile(appear_to_post, 0.5),
            "appear_p95": _percentile(appear_to_post, 0.95),
            "lost": len(lost),
            "cpu": cpu,
            "wall": wall,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posts", type=int, help="matching posts to send through, per run")
    parser.add_argument("--sources", type=int, default=5)
    parser.add_argument("--interval", type=float, default=10.0, help="poll interval, seconds")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", help="a PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()
    runs = []
    for n in range(args.repeat):
        figures = run_once(
            args.posts, sources=args.sources, interval=args.interval, database=args.database
        )
        runs.append(figures)
        print(
            f"run {n + 1}: fetch→POST p50 {figures['fetch_p50']:.0f} ms, "
            f"p95 {figures['fetch_p95']:.0f} ms; appears→POST p50 {figures['appear_p50']:.2f} s, "
            f"p95 {figures['appear_p95']:.2f} s; lost {figures['lost']:.0f}; "
            f"CPU {figures['cpu']:.2f} s over the bot's tree in {figures['wall']:.1f} s wall",
            flush=True,
        )

    def both(key: str) -> str:
        values = [r[key] for r in runs]
        places = 0 if key.startswith("fetch") else 2
        return f"{min(values):.{places}f} / {statistics.median(values):.{places}f}"

    print(
        f"min / median over {len(runs)} runs of {args.posts} posts, {args.sources} feeds, "
        f"{args.interval:g} s interval:"
    )
    print(
        f"  fetch→POST p50 {both('fetch_p50')} ms, p95 {both('fetch_p95')} ms (goal p95 ≤ 150 ms)"
    )
    print(f"  appears→POST p50 {both('appear_p50')} s, p95 {both('appear_p95')} s")
    print(f"  lost {sum(r['lost'] for r in runs):.0f}")


if __name__ == "__main__":
    main()
