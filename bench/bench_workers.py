"""Workers sharing PostgreSQL: N loopback feeds at a 1-minute interval, with 1, 2 and 3 workers.

Run from the repository root with PostgreSQL at hand (a fresh schema is made and dropped
for each run):

    python bench/bench_workers.py 5000 [--workers 1,2,3] [--minutes 1] [--repeat 3]
        [--per-worker] [--interval 60] [--database URL (default $TEST_DATABASE_URL)]

``--per-worker`` gives each worker N feeds (3 workers poll 3 N), to see whether more
workers carry more feeds at the same lateness.

A feed server in a process of its own serves N small RSS feeds (five posts each, with an
ETag: an unchanged feed is a 304) and notes the moment of every request; a Discord fake in
another process takes the alerts on four webhooks. For each number of workers, that many
``leakbot run`` processes start together on a fresh schema (``LEAKBOT_LOG_LEVEL=WARNING``:
one line per poll is not what is measured). Once every feed has had its first poll (the
silent baseline), matching posts arrive, one every two seconds on feeds taken in turn; once
every feed has had its second (from there on it keeps its slot), the measured window of
``--minutes`` begins. It prints, per run:

- polls per minute in the window (the goal: N, every feed once a minute);
- poll lateness p50 and p99: how long after its slot (``bot.polling.timetable``) each poll's
  request reached the feed server; a feed's first poll is left out (it is placed, not
  slotted); a poll more than an interval late shows as a missed slot in polls per minute;
- CPU (user + system, the worker and its parse workers, in cores over the window) and
  PSS (MiB, mean over the window) per worker, and PostgreSQL's CPU (all its processes);
- lost alerts (a post Discord never got), doubled ones, and order inversions per webhook
  against the outbox's order, counted once the last post has had an interval to arrive.

With ``--repeat K`` each figure is the min / median of the K runs.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.polling.timetable import ORIGIN, offset  # noqa: E402
from storage.db import make_engine, normalize_url  # noqa: E402

WEBHOOKS = 4
WEBHOOK_BASE_ID = 400000000000000000
POST_EVERY = 2.0  # seconds between matching posts
MIB = 1024 * 1024


def serve_feeds(count: int, connection: Connection) -> None:
    """Serve ``count`` feeds, note each request's moment, publish posts when told to."""
    import asyncio

    from aiohttp import web

    from tests.fakes.feed_server import Post, rss

    posts = {
        f"feed-{n}": [Post(f"feed-{n}-old-{k}", f"Old news {k}") for k in range(5)]
        for n in range(count)
    }
    bodies: dict[str, tuple[bytes, str]] = {}
    requests: list[tuple[float, str]] = []
    lock = threading.Lock()

    def publish(name: str) -> None:
        body = rss(posts[name]).encode()
        bodies[name] = (body, f'"{len(posts[name])}"')

    for name in posts:
        publish(name)

    async def feed(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        with lock:
            requests.append((time.time(), name))
            body, etag = bodies[name]
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=body, headers={"Content-Type": "application/rss+xml", "ETag": etag}
        )

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feeds/{name}", feed)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port = runner.addresses[0][1]
        connection.send(f"http://127.0.0.1:{port}/feeds/")
        loop = asyncio.get_running_loop()
        while True:
            message = await loop.run_in_executor(None, connection.recv)
            if message == "stop":
                break
            if message == "requests":
                with lock:
                    connection.send(list(requests))
                continue
            name, guid, title = message
            with lock:
                posts[name].insert(0, Post(guid, title))
                del posts[name][6:]
                publish(name)
        await runner.cleanup()

    asyncio.run(main())


def fresh_schema(base: str) -> tuple[str, str]:
    schema = f"workers_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in base else "?"
    return schema, normalize_url(base) + f"{separator}options={quote(f'-csearch_path={schema}')}"


def drop_schema(base: str, schema: str) -> None:
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def config_text(base: str, count: int, interval: int) -> str:
    lines = ["defaults:", f"  interval: {interval}s", "sources:"]
    for n in range(count):
        lines += [f"  - id: feed-{n}", f"    feed: {base}feed-{n}"]
    lines.append("channels:")
    for k in range(WEBHOOKS):
        lines += [
            f"  - id: c{k}",
            f"    webhook: https://discord.com/api/webhooks/{WEBHOOK_BASE_ID + k}/token-{k}",
        ]
    lines.append("watches:")
    for k in range(WEBHOOKS):
        lines += [f"  - id: w{k}", f'    any: ["benchterm{k}"]', f"    channels: [c{k}]"]
    return "\n".join(lines) + "\n"


def fetch_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def outbox(url: str) -> tuple[dict[str, list[str]], int]:
    """Read each channel's alert titles in queue order, and how many wait."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT channel_id, message, state FROM alert ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    queued: dict[str, list[str]] = {}
    pending = 0
    for channel, message, state in rows:
        data = message if isinstance(message, dict) else json.loads(message)
        queued.setdefault(channel, []).append(data.get("title", ""))
        pending += state == "pending"
    return queued, pending


def tree(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def pss(processes: list[psutil.Process]) -> int:
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += process.memory_full_info().pss
    return total


def postgres_processes() -> list[psutil.Process]:
    return [
        p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres")
    ]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Figures:
    """What one run with a number of workers measured."""

    workers: int
    polls_per_minute: float
    late_p50: float
    late_p99: float
    cpu_per_worker: list[float]  # cores over the window
    pss_per_worker: list[float]  # MiB, mean over the window
    postgres_cpu: float  # cores over the window
    posts: int
    lost: int
    doubled: int
    inversions: int


def run_once(args: argparse.Namespace, workers: int) -> Figures:
    count = args.feeds * workers if args.per_worker else args.feeds
    interval = timedelta(seconds=args.interval)
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    feeds = context.Process(target=serve_feeds, args=(count, theirs), daemon=True)
    feeds.start()
    base = ours.recv()
    discord = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.discord"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert discord.stdout is not None
    api_base = discord.stdout.readline().strip()
    fake = api_base.removesuffix("/api/v10")
    schema, url = fresh_schema(args.database)
    home = Path(tempfile.mkdtemp(prefix="leakbot-workers-"))
    (home / "leakbot.yaml").write_text(config_text(base, count, args.interval))
    from tests.running import bench_env

    env = bench_env(home, database_url=url, api_base=api_base, log_level="WARNING")
    logs = [(home / f"worker-{k}.log").open("ab") for k in range(workers)]
    bots: list[subprocess.Popen[bytes]] = []
    titles: list[str] = []
    try:
        # a schema made by one process first: workers starting together then find it current
        subprocess.run(
            [sys.executable, "-m", "bot", "check-config"],
            cwd=home,
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        bots = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=home,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for log in logs
        ]
        pipe = threading.Lock()  # the poster and this thread share the feed server's pipe

        def polled(times: int, seconds: float) -> None:
            """Wait until every feed was asked this many times."""
            since = time.time()
            while True:
                time.sleep(2)
                with pipe:
                    ours.send("requests")
                    asked = Counter(name for _, name in ours.recv())
                done = sum(1 for n in asked.values() if n >= times)
                if done == count:
                    return
                if time.time() - since > seconds:
                    raise RuntimeError(f"only {done} of {count} feeds polled {times} times")

        # every feed's first poll: the silent baseline; posts before it would not alert
        polled(1, 300)
        window = args.minutes * 60.0
        stop_posting = threading.Event()

        def post() -> None:
            n = 0
            while not stop_posting.wait(POST_EVERY):
                name = f"feed-{(n * 7919) % count}"
                title = f"benchterm{n % WEBHOOKS} leak number {n}"
                with pipe:
                    ours.send((name, f"{name}-new-{n}", title))
                titles.append(title)
                n += 1

        poster = threading.Thread(target=post, daemon=True)
        poster.start()
        # a feed's first poll is placed; from its second on, it keeps its slot: the window
        # opens once every feed is on its slots
        polled(2, interval.total_seconds() * 2 + 60)
        processes = [psutil.Process(bot.pid) for bot in bots]
        database = postgres_processes()
        begin = time.time()
        cpu_before = [cpu_seconds(tree(p)) for p in processes]
        database_before = cpu_seconds(database)
        samples: list[list[int]] = [[] for _ in bots]
        while time.time() < begin + window:
            for k, process in enumerate(processes):
                samples[k].append(pss(tree(process)))
            time.sleep(min(5.0, max(0.0, begin + window - time.time())))
        end = time.time()
        cpu_after = [cpu_seconds(tree(p)) for p in processes]
        database_after = cpu_seconds(database)
        stop_posting.set()
        poster.join(10)
        with pipe:
            ours.send("requests")
            requests: list[tuple[float, str]] = ours.recv()
        # the last post is polled within an interval, and sent soon after
        deadline = time.time() + interval.total_seconds() + 30
        expected = set(titles)
        while time.time() < deadline:
            time.sleep(3)
            arrived = {m[2] for m in fetch_json(f"{fake}/_fake/report")["messages"]}
            if expected <= arrived and outbox(url)[1] == 0:
                break
        time.sleep(2)
        report = fetch_json(f"{fake}/_fake/report")
        queued, _ = outbox(url)
    finally:
        for bot in bots:
            if bot.poll() is None:
                bot.send_signal(signal.SIGTERM)
        for bot in bots:
            try:
                bot.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(bot.pid, signal.SIGKILL)
                bot.wait(5)
        for log in logs:
            log.close()
        discord.terminate()
        discord.wait(10)
        ours.send("stop")
        feeds.join(10)
        if feeds.is_alive():
            feeds.kill()
        drop_schema(args.database, schema)

    if args.save_requests:
        Path(args.save_requests).write_text(
            json.dumps({"begin": begin, "end": end, "requests": requests})
        )
    first: dict[str, float] = {}
    for at, name in requests:
        first.setdefault(name, at)
    in_window = [(at, name) for at, name in requests if begin <= at < end]
    lateness = []
    for at, name in in_window:
        if at == first[name]:
            continue
        moment = datetime.fromtimestamp(at, UTC)
        start = ORIGIN + offset(name, interval)
        slot = start + ((moment - start) // interval) * interval
        lateness.append((moment - slot).total_seconds())
    messages = report["messages"]
    got = Counter(m[2] for m in messages)  # at, target, title, ...
    by_hook: dict[str, list[str]] = {}
    for message in messages:
        by_hook.setdefault(message[1], []).append(message[2])
    inversions = 0
    for k in range(WEBHOOKS):
        order = {title: i for i, title in enumerate(queued.get(f"c{k}", []))}
        places = [order.get(t, -1) for t in by_hook.get(str(WEBHOOK_BASE_ID + k), [])]
        inversions += sum(1 for a, b in itertools.pairwise(places) if b < a)
    seconds = end - begin
    return Figures(
        workers=workers,
        polls_per_minute=len(in_window) / seconds * 60,
        late_p50=percentile(lateness, 0.5),
        late_p99=percentile(lateness, 0.99),
        cpu_per_worker=[(b - a) / seconds for a, b in zip(cpu_before, cpu_after, strict=True)],
        pss_per_worker=[statistics.mean(s) / MIB for s in samples if s],
        postgres_cpu=(database_after - database_before) / seconds,
        posts=len(titles),
        lost=sum(1 for t in set(titles) if got[t] == 0),
        doubled=sum(count - 1 for t, count in got.items() if count > 1),
        inversions=inversions,
    )


def spread(values: list[float], digits: int = 1) -> str:
    """Show the min / median of the runs (one value when there was one run)."""
    low, middle = min(values), statistics.median(values)
    if len(values) == 1:
        return f"{low:.{digits}f}"
    return f"{low:.{digits}f} / {middle:.{digits}f}"


def summarize(feeds: str, interval: int, runs: dict[int, list[Figures]]) -> None:
    print()
    print(
        f"{feeds} feeds at a {interval} s interval; min / median over "
        f"{len(next(iter(runs.values())))} runs"
    )
    header = (
        f"{'workers':>7} {'polls/min':>17} {'late p50 s':>13} {'late p99 s':>13} "
        f"{'CPU/worker cores':>18} {'PSS/worker MiB':>17} {'PG cores':>11} "
        f"{'posts':>6} {'lost':>5} {'doubled':>7} {'inverted':>8}"
    )
    print(header)
    for workers, figures in runs.items():
        cpu = [statistics.mean(f.cpu_per_worker) for f in figures]
        memory = [statistics.mean(f.pss_per_worker) for f in figures]
        print(
            f"{workers:>7} {spread([f.polls_per_minute for f in figures], 0):>17} "
            f"{spread([f.late_p50 for f in figures], 2):>13} "
            f"{spread([f.late_p99 for f in figures], 2):>13} "
            f"{spread(cpu, 2):>18} {spread(memory, 0):>17} "
            f"{spread([f.postgres_cpu for f in figures], 2):>11} "
            f"{sum(f.posts for f in figures):>6} {sum(f.lost for f in figures):>5} "
            f"{sum(f.doubled for f in figures):>7} {sum(f.inversions for f in figures):>8}"
        )
    print("CPU is user + system of each worker and its parse workers, in cores over the window;")
    print("lost, doubled and inverted are summed over the runs.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("feeds", type=int, nargs="?", default=500, help="N feeds (default 500)")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to run, e.g. 1,2,3")
    parser.add_argument("--minutes", type=float, default=1.0, help="the measured window")
    parser.add_argument("--interval", type=int, default=60, help="seconds between polls")
    parser.add_argument("--save-requests", help="write the feed requests here (JSON)")
    parser.add_argument(
        "--per-worker", action="store_true", help="N feeds per worker: 3 workers poll 3 N"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per worker count")
    parser.add_argument("--database", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    if not args.database:
        parser.error("give --database or set TEST_DATABASE_URL (PostgreSQL)")
    runs: dict[int, list[Figures]] = {}
    for _ in range(args.repeat):
        for workers in (int(w) for w in args.workers.split(",")):
            began = time.monotonic()
            figures = run_once(args, workers)
            runs.setdefault(workers, []).append(figures)
            print(
                f"{workers} worker(s): {figures.polls_per_minute:.0f} polls/min, late p50 "
                f"{figures.late_p50:.2f} s p99 {figures.late_p99:.2f} s, CPU/worker "
                f"{', '.join(f'{c:.2f}' for c in figures.cpu_per_worker)} cores, PSS/worker "
                f"{', '.join(f'{m:.0f}' for m in figures.pss_per_worker)} MiB, PostgreSQL "
                f"{figures.postgres_cpu:.2f} cores; {figures.posts} posts, {figures.lost} lost, "
                f"{figures.doubled} doubled, {figures.inversions} inverted "
                f"({time.monotonic() - began:.0f} s)",
                flush=True,
            )
    summarize(
        f"{args.feeds} per worker" if args.per_worker else str(args.feeds), args.interval, runs
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
