"""X tipsters in real time, on a budget: the stream's latency and the billed reads a day.

Run from the repository root:

    python bench/bench_x.py stream POSTS [--tipsters 3] [--repeat 3] [--database URL]
    python bench/bench_x.py reads [--tipsters 10] [--interval 10] [--posts-a-day 5]
                                  [--days 4] [--deletions 1] [--repeat 1]

``stream``: the X API and Discord are faked on loopback (tests/fakes/x_api, tests/fakes/
discord.py); after a silent first ``leakbot poll-once``, ``leakbot run`` starts with its
filtered stream, and POSTS matching posts are made by ``--tipsters`` accounts, one every
0.2-0.8 s. For each post it takes when the fake made it and when Discord received its
alert, and prints p50 / p95 (goal: p95 ≤ 2 s), the posts lost, and the bot's CPU seconds
over its process tree beside wall time; min / median over the runs.

``reads``: ``--tipsters`` accounts post ``--posts-a-day`` matching posts a day each at random
moments over ``--days`` days of a clock the fake X shares, ``--deletions`` of them deleted on
the second day; every source tracks deletions for 72 h. The old way (the 20 latest posts
on every poll, no since_id; a missing post looked up) and the new way (leakbot's X reader
through an App on that clock: since_id, batched and budgeted look-ups, stream off, so
polls carry everything) each poll every ``--interval`` minutes. The fake bills as X does
(each post a read returns, once per UTC day). It prints the billed reads of each day
after the first (the tracking window filling), their mean, the new way's share of the old
way's (goal ≤ 25 %) and its month at $0.005 a read (goal ≤ $10), the deletions alerted,
and CPU seconds of this process beside wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# the percentiles, process-tree CPU and bench database of bench_latency, which also runs leakbot
from bench_latency import _cpu_seconds, _database, _percentile  # noqa: E402

from bot.config.file import load_config  # noqa: E402
from bot.config.settings import Settings  # noqa: E402
from bot.runtime.app import App  # noqa: E402
from tests.fakes.discord import DiscordFake  # noqa: E402
from tests.fakes.x_api import XFake, rebased_session  # noqa: E402
from tests.running import Running, bench_env  # noqa: E402

TOKEN = "bench-x-bearer-token"
WEBHOOK = "https://discord.com/api/webhooks/112233445566778899/bench-token"
PRICE = 0.005
CONFIG = """\
defaults:
  interval: {interval}
sources:
{sources}
channels:
  - id: leaks
    webhook: {webhook}
watches:
  - id: leaks
    any: [Leak]
deletions:
  watch_for: 72h
x:
  monthly_budget_usd: 10
  price_per_read_usd: {price}
  stream: {stream}
"""


def _config(names: list[str], *, interval: str, stream: bool) -> str:
    sources = "\n".join(
        f"  - id: {name.lower()}\n    x: {name}\n    track_deletions: true" for name in names
    )
    return CONFIG.format(
        interval=interval,
        sources=sources,
        webhook=WEBHOOK,
        price=PRICE,
        stream="true" if stream else "false",
    )


# --- (a) the stream's latency through leakbot run -------------------------------------------


def stream_once(posts: int, *, tipsters: int, database: str | None) -> dict[str, float]:
    """Run one bot until ``posts`` streamed posts have reached Discord; return its figures."""
    rng = random.Random()
    names = [f"Tipster{n}" for n in range(tipsters)]
    with (
        tempfile.TemporaryDirectory() as folder,
        XFake(token=TOKEN) as x_api,
        DiscordFake(bucket=None) as discord,
        _database(database, Path(folder)) as url,
    ):
        home = Path(folder)
        for n, name in enumerate(names):
            x_api.account(name, str(2000 + n))
            x_api.post(name, f"{name}: good morning, no match")
        (home / "leakbot.yaml").write_text(_config(names, interval="10m", stream=True))
        env = {
            **bench_env(home, database_url=url, api_base=discord.api_base, log_level="INFO"),
            "X_BEARER_TOKEN": TOKEN,
            "X_API_BASE_URL": x_api.url,
        }
        baseline = Running(["poll-once"], home, env)
        if baseline.process.wait(120) != 0:
            raise SystemExit(f"poll-once failed:\n{baseline.output}")
        bot = Running(["run"], home, env)
        made: dict[str, float] = {}
        try:
            tree = psutil.Process(bot.process.pid)
            bot.wait_for(re.compile("X stream connected"), 60)
            cpu_start, wall_start = _cpu_seconds(tree), time.monotonic()
            for n in range(posts):
                time.sleep(rng.uniform(0.2, 0.8))
                title = f"Leak {n}: prototype spotted"
                made[title] = time.monotonic()
                x_api.post(names[n % tipsters], title)
            deadline = time.monotonic() + 30
            while len(discord.messages) < posts and time.monotonic() < deadline:
                time.sleep(0.02)
            cpu, wall = _cpu_seconds(tree) - cpu_start, time.monotonic() - wall_start
        finally:
            bot.stop()
        received = {m.title: m.at for m in discord.messages}
        waits = [received[t] - at for t, at in made.items() if t in received]
        return {
            "p50": _percentile(waits, 0.5) if waits else float("nan"),
            "p95": _percentile(waits, 0.95) if waits else float("nan"),
            "lost": len(made) - len(waits),
            "cpu": cpu,
            "wall": wall,
        }


# --- (b) billed reads a day, the old way and the new --------------------------------------


class Clock:
    """The simulated clock the fake X and leakbot share."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment


def _plan(
    names: list[str], *, start: datetime, days: int, per_day: int, deletions: int, seed: int
) -> tuple[list[tuple[datetime, str, str]], list[tuple[datetime, str]]]:
    """Return the posts to make (when, account, text) and the deletions (when, post title):
    a deleted post is one of the second day's, deleted 1 to 6 hours after it was made (as
    tipsters do: "deleted an hour later"), which may be the next UTC day."""
    rng = random.Random(seed)
    posts = sorted(
        (
            start + timedelta(days=day, seconds=rng.uniform(0, 86_400)),
            name,
            f"Leak {name} {day}.{k}",
        )
        for day in range(days)
        for name in names
        for k in range(per_day)
    )
    second_day = [p for p in posts if start + timedelta(days=1) <= p[0] < start + timedelta(days=2)]
    doomed = rng.sample(second_day, deletions)
    gone = [(at + timedelta(hours=rng.uniform(1, 6)), text) for at, _, text in doomed]
    return posts, sorted(gone)


def _world(names: list[str], clock: Clock) -> XFake:
    x_api = XFake(token=TOKEN, clock=clock)
    x_api.limits = {key: 10**9 for key in x_api.limits}  # the bill, not the rate limits
    return x_api


def _seed(x_api: XFake, names: list[str], clock: Clock) -> None:
    for n, name in enumerate(names):
        x_api.account(name, str(3000 + n))
        for k in range(25):  # each tipster's history: older than the tracking window
            x_api.post(name, f"{name}: old post {k}", at=clock() - timedelta(days=10, minutes=k))


def _steps(start: datetime, days: int, interval: timedelta) -> list[datetime]:
    moments, moment = [], start
    while moment < start + timedelta(days=days):
        moments.append(moment)
        moment += interval
    return moments


def _replay(
    x_api: XFake,
    clock: Clock,
    posts: list[tuple[datetime, str, str]],
    gone: list[tuple[datetime, str]],
    until: datetime,
    made: dict[str, str],
) -> None:
    """Make the posts and deletions due by ``until`` on the fake."""
    while posts and posts[0][0] <= until:
        at, name, text = posts.pop(0)
        clock.moment = at
        made[text] = x_api.post(name, text, at=at).id
    while gone and gone[0][0] <= until:
        at, text = gone.pop(0)
        clock.moment = at
        author = text.split()[1]
        x_api.delete(author, made[text])
    clock.moment = until


async def old_way(
    names: list[str], *, start: datetime, days: int, interval: timedelta, plan: Any
) -> dict[date, int]:
    """Poll the 20 latest posts with no since_id; look up a post missing from the page."""
    import tweepy.asynchronous

    posts, gone = list(plan[0]), list(plan[1])
    clock = Clock(start)
    with _world(names, clock) as x_api:
        _seed(x_api, names, clock)
        client = tweepy.asynchronous.AsyncClient(bearer_token=TOKEN, return_type=dict)
        client.session = rebased_session(x_api.url)
        ids = {name: str((await client.get_user(username=name))["data"]["id"]) for name in names}
        seen: dict[str, set[str]] = {name: set() for name in names}
        made: dict[str, str] = {}
        for moment in _steps(start, days, interval):
            _replay(x_api, clock, posts, gone, moment, made)
            for name in names:
                body = await client.get_users_tweets(ids[name], max_results=20)
                shown = [str(t["id"]) for t in body.get("data") or []]
                oldest = min(shown, key=int) if shown else "0"
                missing = [k for k in seen[name] if k not in shown and int(k) > int(oldest)]
                if missing:
                    await client.get_tweets(missing[:100])
                    seen[name] -= set(missing)
                seen[name] |= set(shown)
        await client.session.close()
        return {
            start.date() + timedelta(days=d): x_api.billed_reads(start.date() + timedelta(days=d))
            for d in range(days)
        }


async def new_way(
    names: list[str], *, start: datetime, days: int, interval: timedelta, plan: Any
) -> tuple[dict[date, int], int]:
    """Poll through leakbot's App on the shared clock; return the billed reads a day and the
    deletions alerted."""
    posts, gone = list(plan[0]), list(plan[1])
    clock = Clock(start)
    with (
        tempfile.TemporaryDirectory() as folder,
        _world(names, clock) as x_api,
        DiscordFake(bucket=None) as discord,
    ):
        _seed(x_api, names, clock)
        path = Path(folder) / "leakbot.yaml"
        minutes = int(interval.total_seconds() // 60)
        path.write_text(_config(names, interval=f"{minutes}m", stream=False))
        settings = Settings(
            database_url=SecretStr(f"sqlite:///{Path(folder) / 'leakbot.db'}"),
            x_bearer_token=SecretStr(TOKEN),
            x_api_base_url=x_api.url,
            discord_api_base_url=discord.api_base,
        )
        made: dict[str, str] = {}
        async with App(settings, load_config(path), now=clock) as app:
            for moment in _steps(start, days, interval):
                _replay(x_api, clock, posts, gone, moment, made)
                await app.poll()
                await app.dispatch()
        deleted = sum(1 for m in discord.messages if (m.title or "").startswith("Deleted:"))
        return {
            start.date() + timedelta(days=d): x_api.billed_reads(start.date() + timedelta(days=d))
            for d in range(days)
        }, deleted


def reads_once(
    *, tipsters: int, interval: float, per_day: int, days: int, deletions: int, seed: int
) -> dict[str, float]:
    names = [f"Tipster{n}" for n in range(tipsters)]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    step = timedelta(minutes=interval)
    plan = _plan(names, start=start, days=days, per_day=per_day, deletions=deletions, seed=seed)
    process = psutil.Process()
    cpu_start, wall_start = _cpu_seconds(process), time.monotonic()
    old = asyncio.run(old_way(names, start=start, days=days, interval=step, plan=plan))
    new, deleted = asyncio.run(new_way(names, start=start, days=days, interval=step, plan=plan))
    cpu, wall = _cpu_seconds(process) - cpu_start, time.monotonic() - wall_start
    steady = sorted(old)[1:]  # the first day reads each tipster's first page
    for day in sorted(old):
        print(f"  {day}: old way {old[day]} billed reads, new way {new[day]}", flush=True)
    old_mean = statistics.mean(old[d] for d in steady)
    new_mean = statistics.mean(new[d] for d in steady)
    return {
        "old": old_mean,
        "new": new_mean,
        "share": new_mean / old_mean,
        "month_usd": new_mean * 30 * PRICE,
        "deleted": deleted,
        "cpu": cpu,
        "wall": wall,
    }


def _min_median(runs: list[dict[str, float]], key: str, places: int) -> str:
    values = [r[key] for r in runs]
    return f"{min(values):.{places}f} / {statistics.median(values):.{places}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    stream = modes.add_parser("stream", help="a streamed post's way to Discord")
    stream.add_argument("posts", type=int, help="matching posts made, per run")
    stream.add_argument("--tipsters", type=int, default=3)
    stream.add_argument("--repeat", type=int, default=3)
    stream.add_argument("--database", help="a PostgreSQL URL (default: a SQLite file)")
    reads = modes.add_parser("reads", help="billed reads a day, the old way and the new")
    reads.add_argument("--tipsters", type=int, default=10)
    reads.add_argument("--interval", type=float, default=10.0, help="poll interval, minutes")
    reads.add_argument("--posts-a-day", type=int, default=5)
    reads.add_argument("--days", type=int, default=4)
    reads.add_argument("--deletions", type=int, default=1)
    reads.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    runs: list[dict[str, float]] = []
    if args.mode == "stream":
        for n in range(args.repeat):
            figures = stream_once(args.posts, tipsters=args.tipsters, database=args.database)
            runs.append(figures)
            print(
                f"run {n + 1}: made→alerted p50 {figures['p50']:.3f} s, p95 {figures['p95']:.3f} s;"
                f" lost {figures['lost']:.0f}; CPU {figures['cpu']:.2f} s over the bot's tree "
                f"in {figures['wall']:.1f} s wall",
                flush=True,
            )
        print(
            f"min / median over {len(runs)} runs of {args.posts} posts, {args.tipsters} tipsters:"
        )
        print(
            f"  made→alerted p50 {_min_median(runs, 'p50', 3)} s, "
            f"p95 {_min_median(runs, 'p95', 3)} s (goal p95 ≤ 2 s); "
            f"lost {sum(r['lost'] for r in runs):.0f}"
        )
        print(f"  CPU {_min_median(runs, 'cpu', 2)} s, wall {_min_median(runs, 'wall', 1)} s")
        return
    for n in range(args.repeat):
        print(f"run {n + 1}:", flush=True)
        figures = reads_once(
            tipsters=args.tipsters,
            interval=args.interval,
            per_day=args.posts_a_day,
            days=args.days,
            deletions=args.deletions,
            seed=n,
        )
        runs.append(figures)
        print(
            f"run {n + 1}: billed reads a day (days 2-{args.days}): old way {figures['old']:.1f}, "
            f"new way {figures['new']:.1f} ({figures['share']:.0%} of the old; goal ≤ 25%); "
            f"new way a month ${figures['month_usd']:.2f} (goal ≤ $10); "
            f"deletions alerted {figures['deleted']:.0f} of {args.deletions}; "
            f"CPU {figures['cpu']:.1f} s in {figures['wall']:.1f} s wall",
            flush=True,
        )
    print(
        f"min / median over {len(runs)} runs ({args.tipsters} tipsters, {args.interval:g} min, "
        f"{args.posts_a_day} posts a day, {args.days} days): old {_min_median(runs, 'old', 1)}, "
        f"new {_min_median(runs, 'new', 1)} reads a day; share {_min_median(runs, 'share', 3)}; "
        f"CPU {_min_median(runs, 'cpu', 1)} s, wall {_min_median(runs, 'wall', 1)} s"
    )


if __name__ == "__main__":
    main()
