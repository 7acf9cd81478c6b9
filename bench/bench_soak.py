"""Soak the outbox: ``leakbot run`` restarted every few seconds while Discord misbehaves.

Run from the repository root with PostgreSQL at hand (a fresh schema is made and dropped):

    python bench/bench_soak.py [--database URL] [--sources 200] [--alerts 1000] [--seconds 120]

The global-429 mode: three ``leakbot run`` workers on the one PostgreSQL, and Discord
answering a share of requests with its global 429 (every route of the bot held):

    python bench/bench_soak.py --workers 3 --global-429 0.03

The feed server and the Discord fake each run in a process of their own. After a first
``leakbot poll-once`` has recorded every source (the silent baseline), matching posts
arrive over ``--seconds`` at random moments, spread over the sources and over
``--channels`` webhooks. Meanwhile ``leakbot run`` is stopped every ``--restart-every``
seconds, by SIGTERM or SIGKILL in turn, and started again, and ``leakbot poll-once`` passes
run beside it. Discord enforces its bucket (5 requests per 2 s per webhook) and answers a
share ``--chaos`` of requests with 429 (with its bucket headers), 500 or 502 at random.
When the posts have all arrived the restarts stop, the last bot drains the outbox (at most
``--drain`` seconds), and the script prints:

- lost: posts that never reached Discord (and of those, how many were never queued);
- doubled: posts Discord got twice, put down to the stop that came right after the first
  copy (SIGTERM or SIGKILL), and how many sends the bot itself knew were in doubt;
- out of order: messages that reached a webhook after one queued later for it;
- 429s, and requests sent before a 429's ``retry_after`` had passed (early); of them,
  requests sent into a global hold: those that reached Discord more than 50 ms after a
  global 429 (any worker's) and before its ``retry_after`` ran out, and how early they came;
- restarts, the slowest SIGTERM stop, and the delay from a post's arrival to Discord.

With ``--workers N``, N ``leakbot run`` workers share the database, and the restarts take
them in turn.

Goals: 0 lost, 0 out of order, 0 early (0 into a global hold), 0 doubled on SIGTERM;
doubles on SIGKILL are the documented window of at-least-once delivery (a crash after
Discord accepted a message and before the commit).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from storage.db import make_engine, normalize_url  # noqa: E402

WEBHOOK_BASE_ID = 300000000000000000


@dataclass(frozen=True)
class Arrival:
    """One matching post, the moment it appears, and the webhook it is meant for."""

    offset: float  # seconds after the posts start arriving
    source: str
    guid: str
    title: str
    channel: int


def plan(
    sources: int, alerts: int, seconds: float, channels: int, rng: random.Random
) -> list[Arrival]:
    """Spread the posts over the sources, the channels and the time, at random."""
    arrivals = []
    for n in range(alerts):
        source = f"s{rng.randrange(sources):03}"
        channel = n % channels
        arrivals.append(
            Arrival(
                round(rng.uniform(0, seconds), 3),
                source,
                f"{source}-{n:05}",
                f"soakterm{channel} leak {source} number {n:05}",
                channel,
            )
        )
    return sorted(arrivals, key=lambda a: a.offset)


def serve_feeds(names: list[str], arrivals: list[Arrival], connection: Connection) -> None:
    """Serve the feeds; publish each post at its moment once told to start."""
    from tests.fakes.feed_server import FeedServer, Post

    posts: dict[str, list[Post]] = {
        n: [Post(f"{n}-old", "Old news from the rumour mill")] for n in names
    }
    with FeedServer() as server:
        for name in names:
            server.publish_rss(name, posts[name])
        connection.send({name: server.url(name) for name in names})
        start = connection.recv()
        for arrival in arrivals:
            time.sleep(max(0.0, start + arrival.offset - time.time()))
            posts[arrival.source].insert(
                0, Post(arrival.guid, arrival.title, link=f"https://e.com/{arrival.guid}")
            )
            server.publish_rss(arrival.source, posts[arrival.source])
        connection.send("published")
        connection.recv()


@dataclass
class Stop:
    """One stop of the bot: when, how, and how long a SIGTERM took."""

    at: float  # time.monotonic()
    signal: str
    seconds: float
    code: int | None


@dataclass
class Soak:
    """The processes of one soak run and what they did."""

    home: Path
    env: dict[str, str]
    stops: list[Stop] = field(default_factory=list)
    poll_once_codes: list[int] = field(default_factory=list)
    bots: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)  # by worker number
    log: Any = None

    def start_bot(self, worker: int = 0) -> None:
        self.bots[worker] = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=self.home,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop_bot(self, signum: signal.Signals, worker: int = 0) -> None:
        bot = self.bots.pop(worker)
        began = time.monotonic()
        if signum == signal.SIGKILL:
            os.killpg(bot.pid, signal.SIGKILL)  # the whole container dies: workers too
        else:
            bot.send_signal(signum)
        try:
            code: int | None = bot.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(bot.pid, signal.SIGKILL)
            bot.wait(5)
            code = None
        with_workers_gone(bot.pid)
        self.stops.append(Stop(began, signum.name, time.monotonic() - began, code))

    def poll_once(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "poll-once"],
            cwd=self.home,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=300,
        )
        self.poll_once_codes.append(done.returncode)


def with_workers_gone(pgid: int) -> None:
    """Make sure no parse worker of a stopped bot lives on."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def config_text(urls: dict[str, str], channels: int, interval: int) -> str:
    lines = ["defaults:", f"  interval: {interval}s", "sources:"]
    for name, url in urls.items():
        lines += [f"  - id: {name}", f"    feed: {url}"]
    lines.append("channels:")
    for k in range(channels):
        lines += [
            f"  - id: c{k}",
            f"    webhook: https://discord.com/api/webhooks/{WEBHOOK_BASE_ID + k}/token-{k}",
        ]
    lines.append("watches:")
    for k in range(channels):
        lines += [f"  - id: w{k}", f'    any: ["soakterm{k}"]', f"    channels: [c{k}]"]
    return "\n".join(lines) + "\n"


def fresh_schema(base: str) -> tuple[str, str]:
    schema = f"soak_{uuid.uuid4().hex[:10]}"
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


def fetch_json(url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def outbox_rows(url: str) -> tuple[list[tuple[int, str, str, str]], int, int]:
    """Read the alerts (id, channel, title, state), the deliveries in doubt, and the pending."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, channel_id, message, state FROM alert ORDER BY id")
            ).all()
            in_doubt = connection.execute(
                sa.text("SELECT count(*) FROM delivery WHERE in_doubt")
            ).scalar_one()
    finally:
        engine.dispose()
    alerts = []
    for alert_id, channel, message, state in rows:
        data = message if isinstance(message, dict) else json.loads(message)
        alerts.append((alert_id, channel, data.get("title", ""), state))
    pending = sum(1 for a in alerts if a[3] == "pending")
    return alerts, int(in_doubt), pending


def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    names = [f"s{n:03}" for n in range(args.sources)]
    arrivals = plan(args.sources, args.alerts, args.seconds, args.channels, rng)
    schema, url = fresh_schema(args.database)
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    feeds = context.Process(target=serve_feeds, args=(names, arrivals, theirs), daemon=True)
    feeds.start()
    discord = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.discord",
            "--chaos",
            str(args.chaos),
            "--seed",
            str(args.seed),
            "--global-429",
            str(args.global_429),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert discord.stdout is not None
    api_base = discord.stdout.readline().strip()
    fake = api_base.removesuffix("/api/v10")
    urls = ours.recv()
    home = Path(tempfile.mkdtemp(prefix="leakbot-soak-"))
    (home / "leakbot.yaml").write_text(config_text(urls, args.channels, args.interval))
    from tests.running import bench_env

    env = bench_env(home, database_url=url, api_base=api_base, log_level="INFO")
    log_path = home / "soak.log"
    soak = Soak(home, env, log=log_path.open("ab"))
    print(
        f"soak: {args.sources} sources, {args.alerts} posts over {args.seconds:g} s to "
        f"{args.channels} webhooks; {args.workers} leakbot run worker(s); a stop every "
        f"{args.restart_every:g} s; chaos {args.chaos:g}; global 429s {args.global_429:g}; "
        f"schema {schema}; log {log_path}",
        flush=True,
    )
    try:
        soak.poll_once()  # migrates, and records every source: posts seen now never alert
        for worker in range(args.workers):
            soak.start_bot(worker)
        start = time.time()
        ours.send(start)
        began = time.monotonic()
        poll_once_stop = threading.Event()

        def poll_once_beside() -> None:
            while not poll_once_stop.wait(args.poll_once_every):
                soak.poll_once()

        beside = threading.Thread(target=poll_once_beside, daemon=True)
        beside.start()
        signals = [signal.SIGTERM, signal.SIGKILL]
        turn = 0
        while time.monotonic() - began < args.seconds + args.interval * 2:
            if args.restart_every <= 0:
                time.sleep(1)  # no restarts
                continue
            time.sleep(args.restart_every)
            worker = turn % args.workers
            soak.stop_bot(signals[turn // args.workers % 2], worker)
            turn += 1
            soak.start_bot(worker)
        poll_once_stop.set()
        beside.join(300)
        ours.recv()  # every post is out
        deadline = time.monotonic() + args.drain
        expected = {a.title for a in arrivals}
        while time.monotonic() < deadline:
            alerts, _, pending = outbox_rows(url)
            if not pending and len({a[2] for a in alerts} & expected) == len(expected):
                break
            time.sleep(2)
        drained = time.monotonic() - began
        time.sleep(1)
        for worker in list(soak.bots):
            soak.stop_bot(signal.SIGTERM, worker)
        report = fetch_json(f"{fake}/_fake/report")
        alerts, in_doubt, pending = outbox_rows(url)
    finally:
        for bot in soak.bots.values():
            if bot.poll() is None:
                os.killpg(bot.pid, signal.SIGKILL)
        discord.terminate()
        discord.wait(10)
        ours.send("stop")
        feeds.join(10)
        if feeds.is_alive():
            feeds.kill()
        soak.log.close()
        if not args.keep:
            drop_schema(args.database, schema)
    return summarize(args, arrivals, alerts, in_doubt, pending, report, soak, start, drained)


def summarize(
    args: argparse.Namespace,
    arrivals: list[Arrival],
    alerts: list[tuple[int, str, str, str]],
    in_doubt: int,
    pending: int,
    report: dict[str, Any],
    soak: Soak,
    start_wall: float,
    drained: float,
) -> int:
    expected = {a.title: a for a in arrivals}
    alert_of = {title: (alert_id, channel) for alert_id, channel, title, _ in alerts}
    copies: dict[str, list[float]] = defaultdict(list)
    order: dict[str, list[str]] = defaultdict(list)  # webhook id -> titles, first copies
    for at, target, title, _message_id, _wait in report["messages"]:
        if title not in copies:
            order[target].append(title)
        copies[title].append(at)
    lost = sorted(set(expected) - set(copies))
    never_queued = [t for t in lost if t not in alert_of]
    doubled = {t: ats for t, ats in copies.items() if len(ats) > 1}
    blame: Counter[str] = Counter()
    for ats in doubled.values():
        first = min(ats)
        after = [s for s in soak.stops if s.at >= first - 0.5]
        blame[min(after, key=lambda s: s.at).signal if after else "no stop"] += len(ats) - 1
    out_of_order = 0
    for titles in order.values():
        highest = 0
        for title in titles:
            alert_id = alert_of.get(title, (0, ""))[0]
            if alert_id < highest:
                out_of_order += 1
            highest = max(highest, alert_id)
    statuses = Counter(r[3] for r in report["requests"])
    terms = [s for s in soak.stops if s.signal == "SIGTERM"]
    kills = len(soak.stops) - len(terms)
    # a post's delay: from its arrival in the feed to its first copy at Discord
    monotonic_start = time.monotonic() - (time.time() - start_wall)
    delays = sorted(
        min(copies[t]) - (monotonic_start + a.offset) for t, a in expected.items() if t in copies
    )
    print(f"posts: {len(expected)}; alerts queued: {len(alerts)}; still pending: {pending}")
    print(
        f"lost: {len(lost)} (never queued: {len(never_queued)})"
        + (f" e.g. {lost[:3]}" if lost else "")
    )
    print(
        f"doubled: {sum(len(a) - 1 for a in doubled.values())} "
        f"(SIGTERM {blame['SIGTERM']}, SIGKILL {blame['SIGKILL']}, no stop {blame['no stop']}); "
        f"sends the bot knew were in doubt: {in_doubt}"
    )
    print(f"out of order: {out_of_order}")
    global_429s = sum(1 for r in report["requests"] if r[3] == 429 and r[5] == "global")
    into_hold = sorted(report["early_after_global"])
    print(
        f"requests: {sum(statuses.values())}; 429s: {statuses[429]} (global {global_429s}); "
        f"500s: {statuses[500]}; 502s: {statuses[502]}; early (before retry_after): "
        f"{report['early']}"
    )
    print(
        f"sent into a global hold (more than 50 ms after a global 429, before its "
        f"retry_after ran out): {len(into_hold)}"
        + (f", {into_hold[0]:.2f}-{into_hold[-1]:.2f} s before its end" if into_hold else "")
    )
    print(
        f"stops: {len(terms)} SIGTERM (slowest {max((s.seconds for s in terms), default=0):.1f} s, "
        f"non-zero exits {sum(1 for s in terms if s.code != 0)}), {kills} SIGKILL; "
        f"poll-once passes: {len(soak.poll_once_codes)} "
        f"(non-zero exits {sum(1 for c in soak.poll_once_codes if c != 0)})"
    )
    if delays:
        print(
            f"delay post to Discord: median {statistics.median(delays):.1f} s, "
            f"p95 {delays[int(len(delays) * 0.95) - 1]:.1f} s, max {delays[-1]:.1f} s; "
            f"all delivered {drained:.0f} s after the first post"
        )
    failed = (
        lost or out_of_order or report["early"] or into_hold or blame["SIGTERM"] or blame["no stop"]
    )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--alerts", type=int, default=1000, help="matching posts to publish")
    parser.add_argument("--seconds", type=float, default=120, help="how long posts arrive")
    parser.add_argument("--channels", type=int, default=8, help="webhooks the posts go to")
    parser.add_argument("--interval", type=int, default=20, help="each source's poll interval")
    parser.add_argument("--workers", type=int, default=1, help="leakbot run workers at once")
    parser.add_argument("--restart-every", type=float, default=10, help="0: no restarts")
    parser.add_argument("--poll-once-every", type=float, default=15)
    parser.add_argument("--chaos", type=float, default=0.1, help="share of 429/500/502 answers")
    parser.add_argument(
        "--global-429", type=float, default=0.0, help="share of answers that are global 429s"
    )
    parser.add_argument("--drain", type=float, default=240, help="longest wait for the last alerts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the schema and the log")
    args = parser.parse_args()
    if not args.database or not args.database.startswith("postgres"):
        parser.error("a PostgreSQL URL is needed: --database, or TEST_DATABASE_URL")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
