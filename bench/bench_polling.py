"""Poll N real-world feeds with bare feedparser, reader and leakbot, side by side.

Run from the repository root, offline, with the bench extra installed
(``pip install -e '.[bench]'``):

    python bench/bench_polling.py [N] [--repeat K]     # N feeds (200 by default), K runs

The captured real-world feeds under tests/data/ref/feeds/captured are cycled to N distinct
sources (each copy under its own URL, its bytes changed by an XML comment) and served, with
ETag and Last-Modified, by the loopback feed server in a process of its own. Each contender
then runs in a child process of its own, one after the other, while this process samples the
child's whole process tree (CPU seconds and PSS, every 50 ms, with psutil):

- the floor: bare ``feedparser.parse()`` in one loop over the same bytes (whole cycles of the
  captured feeds, at most FLOOR_CYCLES), on one core;
- reader (lemon24/reader): ``make_reader`` on a fresh SQLite file, N feeds added, then
  ``update_feeds_iter(workers=W)`` twice (the second pass unscheduled, over the feeds it read);
- leakbot: ``async with App(settings, config)`` on a fresh SQLite file, ``await app.poll()``
  twice, with a probe coroutine measuring how late the event loop wakes it.

The first pass is first sight of every feed; in the second nothing changed, so a feed should
answer 304. The feed server counts the 304s and 200s it sent in each pass.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import logging
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CAPTURED = ROOT / "tests" / "data" / "ref" / "feeds" / "captured"
GZIP_MAGIC = b"\x1f\x8b"
SAMPLE_SECONDS = 0.05  # how often the parent samples a contender's process tree
PROBE_SECONDS = 0.01  # how long the lag probe sleeps between wake-ups
READER_WORKERS = 8  # reader's retrieval threads: its HTTP pool keeps 10 connections a host
FLOOR_CYCLES = 3  # whole cycles of the captured feeds the floor parses (the same mix as N)
CONTENDERS = ("floor", "reader", "leakbot")
WATCHES = """\
watches:
  - id: pixel
    any: ["Pixel 10", "Pixel Fold", "Tensor G5"]
  - id: galaxy
    any: ["Galaxy S26", "Galaxy Z Fold"]
    none: [giveaway]
  - id: apple
    any: [iPhone, "Apple Watch", "M5"]
    all: [[leak, leaked, rumor, rumour]]
  - id: xiaomi
    any: [Leica, 徕卡]
    all: [[Xiaomi, 小米]]
"""

# the goals of issue 9, leakbot against reader measured in the same run
GOAL_SPEED = 2.0  # first pass feeds/s, at least this many times reader's
GOAL_CPU = 0.5  # first pass CPU per feed, at most this many times reader's
GOAL_UNCHANGED = 0.5  # unchanged pass wall time per feed, at most this many times reader's
GOAL_LAG_MS, GOAL_LAG_AT = 50.0, 2000  # event-loop lag p99 during a first pass of 2,000
GOAL_PSS_MIB, GOAL_PSS_AT = 200.0, 5000  # peak PSS of a first pass of 5,000


# ---- the feeds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """One source of the bench: the bytes served, and the bytes a bare parse reads."""

    name: str
    served: bytes
    plain: bytes

    @property
    def gzipped(self) -> bool:
        """Say whether the captured file was gzipped (it is then served gzip-encoded)."""
        return self.served.startswith(GZIP_MAGIC)


def captured_feeds() -> list[bytes]:
    """Return the captured files that are feeds (bare feedparser finds RSS or Atom)."""
    import feedparser  # not at the top: leakbot's child must hold only what leakbot loads

    bodies = []
    for path in sorted(CAPTURED.rglob("*")):
        if not path.is_file() or path.name == "LICENSE":
            continue
        body = path.read_bytes()
        plain = gzip.decompress(body) if body.startswith(GZIP_MAGIC) else body
        parsed = feedparser.parse(plain)
        if parsed.get("version") or parsed.entries:
            bodies.append(body)
    return bodies


def feed_name(index: int) -> str:
    """Return the name of the bench's index-th feed (its path on the feed server)."""
    return f"bench-{index:05d}"


def make_feeds(count: int) -> list[Feed]:
    """Cycle through the captured feeds to make ``count`` distinct ones."""
    originals = captured_feeds()
    feeds = []
    for index in range(count):
        body = originals[index % len(originals)]
        zipped = body.startswith(GZIP_MAGIC)
        plain = (gzip.decompress(body) if zipped else body) + f"\n<!-- copy {index} -->\n".encode()
        served = gzip.compress(plain, mtime=0) if zipped else plain
        feeds.append(Feed(feed_name(index), served, plain))
    return feeds


# ---- the feed server, in a process of its own -------------------------------------------


def serve(count: int, connection: Connection) -> None:
    """Serve the bench's feeds on loopback, tallying answers when asked, until told to stop."""
    from aiohttp import web

    from tests.fakes.feed_server import FeedServer

    with FeedServer() as server:

        def gzip_encoded(name: str) -> Callable[[web.Request], Any]:
            # a gzipped capture is what a server sends with Content-Encoding: gzip; the fake
            # sends no such header, and a client that does not sniff the bytes could not read it
            async def answer(request: web.Request) -> web.Response:
                feed = server.feeds[name]
                if request.headers.get("If-None-Match") == feed.etag:
                    return web.Response(status=304, headers={"ETag": feed.etag})
                return web.Response(
                    body=feed.body,
                    headers={
                        "Content-Type": feed.content_type,
                        "Content-Encoding": "gzip",
                        "ETag": feed.etag,
                        "Last-Modified": feed.last_modified,
                    },
                )

            return answer

        feeds = make_feeds(count)
        for feed in feeds:
            server.publish(feed.name, feed.served)
            if feed.gzipped:
                server.handle(feed.name, gzip_encoded(feed.name))
        connection.send((server.url(""), sum(len(feed.served) for feed in feeds)))
        tallied = 0
        while connection.recv() == "tally":
            requests = server.requests[tallied:]  # one slice: the serving thread only appends
            tallied += len(requests)
            etags = {name: feed.etag for name, feed in server.feeds.items()}
            # the fake answers 304 exactly when If-None-Match is the current ETag
            answers = Counter(
                "304"
                if {k.lower(): v for k, v in headers.items()}.get("if-none-match")
                == etags.get(name)
                else "200"
                for name, headers in requests
            )
            connection.send(dict(answers))


# ---- the contenders, each in a child process --------------------------------------------


class Link:
    """The child's side of the line to the parent: JSON lines out, a line in to go on."""

    def __init__(self) -> None:
        # the protocol keeps the real stdout; anything else printed goes to stderr
        self._out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
        os.dup2(2, 1)

    def say(self, **message: object) -> None:
        """Send the parent one message."""
        self._out.write(json.dumps(message) + "\n")

    def wait(self) -> None:
        """Block until the parent says go on."""
        if not sys.stdin.readline():
            raise SystemExit("the parent went away")


def run_floor(count: int, link: Link) -> None:
    """Parse whole cycles of the feeds with bare feedparser in one loop."""
    import feedparser

    cycle = len(captured_feeds())
    feeds = make_feeds(min(count, FLOOR_CYCLES * cycle))
    link.say(event="ready")
    link.wait()
    started = time.perf_counter()
    for feed in feeds:
        feedparser.parse(feed.plain)
    wall = time.perf_counter() - started
    link.say(event="passed", wall=wall, feeds=len(feeds), outcomes={"parsed": len(feeds)})
    link.wait()


def run_reader(count: int, base_url: str, home: Path, workers: int, link: Link) -> None:
    """Update N feeds twice through reader with its defaults on a fresh SQLite file."""
    from reader import ParseError, UpdateError, make_reader

    with make_reader(str(home / "reader.sqlite")) as reader:
        for index in range(count):
            reader.add_feed(base_url + feed_name(index))
        link.say(event="ready")
        # the unchanged pass asks again every feed reader read (none is due for an hour);
        # those it refused would come back as 200s to parse again, not as 304s
        for again in (False, True):
            link.wait()
            outcomes: Counter[str] = Counter()
            reasons: Counter[str] = Counter()
            started = time.perf_counter()
            updates = reader.update_feeds_iter(
                scheduled=not again, broken=False if again else None, workers=workers
            )
            for _, value in updates:
                if value is None:
                    outcomes["not-modified"] += 1
                elif isinstance(value, UpdateError):
                    outcomes["failed" if isinstance(value, ParseError) else "error"] += 1
                    reasons[f"{value.message or ''} {value.__cause__ or ''}".strip()] += 1
                else:
                    outcomes["updated" if value.new or value.modified else "unchanged"] += 1
            wall = time.perf_counter() - started
            link.say(
                event="passed",
                wall=wall,
                feeds=outcomes.total(),
                outcomes=dict(outcomes),
                reasons=dict(reasons.most_common(3)),
            )
    link.wait()


@contextlib.contextmanager
def lag_probe() -> Iterator[list[float]]:
    """Wake every PROBE_SECONDS while the block runs; yield how late each wake-up was (s)."""
    lags: list[float] = []

    async def probe() -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(PROBE_SECONDS)
            lags.append(time.perf_counter() - started - PROBE_SECONDS)

    task = asyncio.get_running_loop().create_task(probe())
    try:
        yield lags
    finally:
        task.cancel()


def lag_figures(lags: list[float]) -> dict[str, float]:
    """Return the p50, p99 and max of the lags, in milliseconds."""
    if len(lags) < 2:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0, "samples": len(lags)}
    ms = [lag * 1000 for lag in lags]
    return {
        "p50": statistics.median(ms),
        "p99": statistics.quantiles(ms, n=100, method="inclusive")[98],
        "max": max(ms),
        "samples": len(ms),
    }


async def run_leakbot(count: int, base_url: str, home: Path, link: Link) -> None:
    """Poll N feeds twice through one App on a fresh SQLite file, probing event-loop lag."""
    from pydantic import SecretStr

    from bot.config.file import parse_config
    from bot.config.settings import Settings
    from bot.runtime.app import App

    lines = ["sources:"]
    for index in range(count):
        lines += [f"  - id: {feed_name(index)}", f"    feed: {base_url}{feed_name(index)}"]
    config = parse_config("\n".join(lines) + "\n" + WATCHES, home / "leakbot.yaml")
    settings = Settings(
        database_url=SecretStr(f"sqlite:///{home / 'leakbot.db'}"),
        leakbot_allow_private_urls=True,
    )
    async with App(settings, config) as app:
        link.say(event="ready")
        for _ in range(2):
            link.wait()
            started = time.perf_counter()
            with lag_probe() as lags:
                reports = await app.poll(None)
            wall = time.perf_counter() - started
            outcomes = Counter(str(report.outcome) for report in reports)
            reasons = Counter(  # a report's line starts with its source's id: drop it
                report.line().split(": ", 1)[-1] for report in reports if report.outcome == "failed"
            )
            link.say(
                event="passed",
                wall=wall,
                feeds=len(reports),
                outcomes=dict(outcomes),
                reasons=dict(reasons.most_common(3)),
                lag=lag_figures(lags),
            )
    link.wait()


def run_child(args: argparse.Namespace) -> None:
    """Run one contender as the parent's child."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    link = Link()
    if args.child == "floor":
        run_floor(args.count, link)
    elif args.child == "reader":
        run_reader(args.count, args.base_url, Path(args.home), args.reader_workers, link)
    else:
        asyncio.run(run_leakbot(args.count, args.base_url, Path(args.home), link))


# ---- the parent: sampling, running, reporting -------------------------------------------


@dataclass
class TreeSampler:
    """Samples the CPU seconds and PSS of a process and all its descendants."""

    root: int
    cpu: dict[tuple[int, float], float] = field(default_factory=dict)
    peak_pss: int = 0
    peak_parts: dict[str, int] = field(default_factory=dict)  # the peak's PSS by process role
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        """Record every live process's CPU seconds, and the tree's PSS if it is a new peak."""
        try:
            root = psutil.Process(self.root)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        pss = 0
        parts: Counter[str] = Counter()
        with self._lock:
            for process in processes:
                try:
                    with process.oneshot():
                        times = process.cpu_times()
                        key = (process.pid, process.create_time())
                        self.cpu[key] = times.user + times.system
                        used = process.memory_full_info().pss
                        pss += used
                        parts[_role(process, root)] += used
                except psutil.Error:
                    continue  # it ended between listing and reading: its last sample stands
            if pss > self.peak_pss:
                self.peak_pss, self.peak_parts = pss, dict(parts)

    def mark(self) -> dict[tuple[int, float], float]:
        """Sample now, start a new peak, and return each process's CPU seconds so far."""
        self.sample()
        with self._lock:
            self.peak_pss, self.peak_parts = 0, {}
            return dict(self.cpu)

    def cpu_since(self, mark: dict[tuple[int, float], float]) -> float:
        """Sample now and return the tree's CPU seconds since a mark."""
        self.sample()
        with self._lock:
            return sum(seconds - mark.get(key, 0.0) for key, seconds in self.cpu.items())

    def __enter__(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.sample()


def _role(process: psutil.Process, root: psutil.Process) -> str:
    """Name a process of a contender's tree by what it does."""
    if process.pid == root.pid:
        return "main"
    command = " ".join(process.cmdline())
    if "forkserver import main" in command:
        return "forkserver"
    if "resource_tracker" in command:
        return "resource tracker"
    return "workers"


@dataclass
class Pass:
    """One pass of one contender over the feeds."""

    feeds: int
    wall: float
    cpu: float
    peak_pss: int
    peak_parts: dict[str, int]
    outcomes: dict[str, int]
    answers: dict[str, int]  # what the feed server sent: "200" and "304" counts
    reasons: dict[str, int] = field(default_factory=dict)  # the commonest failures
    lag: dict[str, float] = field(default_factory=dict)

    @property
    def feeds_per_second(self) -> float:
        """Return the feeds handled per wall second."""
        return self.feeds / self.wall

    @property
    def wall_ms_per_feed(self) -> float:
        """Return the wall milliseconds per feed."""
        return self.wall / self.feeds * 1000

    @property
    def cpu_ms_per_feed(self) -> float:
        """Return the process tree's CPU milliseconds per feed."""
        return self.cpu / self.feeds * 1000

    @property
    def cores(self) -> float:
        """Return how many cores the tree kept busy on average."""
        return self.cpu / self.wall


@dataclass
class FeedService:
    """The parent's handle on the feed server process."""

    connection: Connection
    url: str
    served_bytes: int

    def tally(self) -> dict[str, int]:
        """Return the 200s and 304s the server sent since the last tally."""
        self.connection.send("tally")
        answers: dict[str, int] = self.connection.recv()
        return answers


def run_contender(
    name: str, count: int, service: FeedService, home: Path, reader_workers: int
) -> list[Pass]:
    """Run one contender in a child process; return its passes as sampled from here."""
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if "proxy" not in key.lower()
        and key not in {"DATABASE_URL", "DISCORD_TOKEN", "X_BEARER_TOKEN", "LEAKBOT_CONFIG"}
    }
    command = [sys.executable, str(Path(__file__).resolve()), str(count), "--child", name]
    command += ["--base-url", service.url, "--home", str(home)]
    command += ["--reader-workers", str(reader_workers)]
    log_path = home / "stderr.log"
    passes: list[Pass] = []
    with (
        log_path.open("w") as log,
        subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=home,
            env=env,
            text=True,
        ) as child,
    ):
        assert child.stdin is not None and child.stdout is not None
        stdin, stdout = child.stdin, child.stdout

        def hear() -> dict[str, Any]:
            line = stdout.readline()
            if not line:
                child.wait()
                tail = log_path.read_text(errors="replace")[-3000:]
                raise SystemExit(f"{name} stopped (exit {child.returncode}):\n{tail}")
            message: dict[str, Any] = json.loads(line)
            return message

        with TreeSampler(child.pid) as sampler:
            hear()  # ready
            service.tally()  # whatever came before the pass is not the pass's
            for _ in range(1 if name == "floor" else 2):
                mark = sampler.mark()
                stdin.write("go\n")
                stdin.flush()
                said = hear()
                cpu = sampler.cpu_since(mark)
                passes.append(
                    Pass(
                        feeds=said["feeds"],
                        wall=said["wall"],
                        cpu=cpu,
                        peak_pss=sampler.peak_pss,
                        peak_parts=sampler.peak_parts,
                        outcomes=said["outcomes"],
                        answers=service.tally(),
                        reasons=said.get("reasons", {}),
                        lag=said.get("lag", {}),
                    )
                )
            stdin.write("stop\n")
            stdin.flush()
            stdin.close()
            child.wait(60)
    return passes


Run = dict[str, list[Pass]]


def compare(count: int, service: FeedService, reader_workers: int) -> Run:
    """Run every contender once, one after the other, each on a fresh home."""
    with tempfile.TemporaryDirectory(prefix="leakbot-bench-") as tmp:
        return {
            name: run_contender(name, count, service, Path(tmp) / name, reader_workers)
            for name in CONTENDERS
        }


def spread(values: Sequence[float], fmt: str = "{:.1f}") -> str:
    """Say the min and the median of one figure over the runs (just the value if one run)."""
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(min(values))} / {fmt.format(statistics.median(values))}"


def counts(tallies: Sequence[dict[str, int]]) -> str:
    """Say the counts of a run, or of each run if they differ."""
    said = [", ".join(f"{n} {key}" for key, n in sorted(t.items())) or "none" for t in tallies]
    if all(one == said[0] for one in said):
        return said[0]
    return " | ".join(f"run {index}: {one}" for index, one in enumerate(said, 1))


def verdict(ratios: Sequence[float], met: Callable[[float], bool]) -> str:
    """Judge a goal on the median of the runs."""
    return "met" if met(statistics.median(ratios)) else "NOT met"


def report(count: int, runs: list[Run], service: FeedService, reader_workers: int) -> None:
    """Print every figure as min / median over the runs, then the goals."""
    floor = [run["floor"][0] for run in runs]
    first = {name: [run[name][0] for run in runs] for name in ("reader", "leakbot")}
    second = {name: [run[name][1] for run in runs] for name in ("reader", "leakbot")}
    width = 24

    def row(label: str, cells: Sequence[str]) -> None:
        print(f"  {label:<28}" + "".join(f"{cell:>{width}}" for cell in cells))

    def answered(passes: dict[str, list[Pass]]) -> None:
        for name, ps in passes.items():
            print(f"  {name}: the server sent {counts([p.answers for p in ps])}")
            print(f"  {name} says: {counts([p.outcomes for p in ps])}")
            reasons: Counter[str] = Counter()
            for p in ps:
                reasons.update(p.reasons)
            for reason, n in reasons.most_common(3):
                print(f"    {n} × failed: {reason[:100]}")

    print(
        f"polling bench: N={count} feeds ({service.served_bytes / 2**20:.1f} MiB served), "
        f"{len(runs)} run{'s' if len(runs) > 1 else ''}; figures are "
        + ("min / median" if len(runs) > 1 else "one run")
    )
    print(
        f"machine: {os.cpu_count()} cores (the floor uses one); Python "
        f"{sys.version.split()[0]}; SQLite; loopback HTTP, 4 requests in flight per host for "
        f"leakbot, {reader_workers} retrieval threads for reader {metadata.version('reader')}"
    )
    print(
        f"floor: bare feedparser.parse() over {floor[0].feeds} of the {count} feeds "
        "(whole cycles of the captured feeds, the same mix)"
    )
    print()
    row("first pass, first sight", ["floor (1 core)", "reader", "leakbot"])
    every = [floor, first["reader"], first["leakbot"]]
    row("feeds/s", [spread([p.feeds_per_second for p in ps]) for ps in every])
    row("wall s", [spread([p.wall for p in ps], "{:.2f}") for ps in every])
    row("CPU s, process tree", [spread([p.cpu for p in ps], "{:.2f}") for ps in every])
    row("cores busy (CPU s / wall s)", [spread([p.cores for p in ps], "{:.2f}") for ps in every])
    row("CPU ms per feed", [spread([p.cpu_ms_per_feed for p in ps]) for ps in every])
    row("peak PSS MiB, process tree", [spread([p.peak_pss / 2**20 for p in ps]) for ps in every])
    parts = first["leakbot"][0].peak_parts
    print(
        "  leakbot's peak PSS by process (run 1): "
        + ", ".join(f"{role} {used / 2**20:.0f} MiB" for role, used in sorted(parts.items()))
    )
    answered(first)
    lags = [p.lag for p in first["leakbot"]]
    print(
        f"  leakbot event-loop lag (a {PROBE_SECONDS * 1000:.0f} ms sleep woken late by): "
        f"p50 {spread([lag['p50'] for lag in lags])} ms, "
        f"p99 {spread([lag['p99'] for lag in lags])} ms, "
        f"max {spread([lag['max'] for lag in lags])} ms"
    )
    print()
    row("unchanged pass", ["", "reader", "leakbot"])
    print("  (reader asks again only the feeds it read: those it refused would parse again)")
    every = [second["reader"], second["leakbot"]]
    row("feeds asked", ["", *(spread([p.feeds for p in ps], "{:.0f}") for ps in every)])
    row("wall s", ["", *(spread([p.wall for p in ps], "{:.2f}") for ps in every)])
    row(
        "wall ms per feed",
        ["", *(spread([p.wall_ms_per_feed for p in ps], "{:.2f}") for ps in every)],
    )
    row("CPU s, process tree", ["", *(spread([p.cpu for p in ps], "{:.2f}") for ps in every)])
    row(
        "CPU ms per feed",
        ["", *(spread([p.cpu_ms_per_feed for p in ps], "{:.2f}") for ps in every)],
    )
    answered(second)
    print()

    speed = [
        lb.feeds_per_second / rd.feeds_per_second
        for lb, rd in zip(first["leakbot"], first["reader"], strict=True)
    ]
    cpu = [
        lb.cpu_ms_per_feed / rd.cpu_ms_per_feed
        for lb, rd in zip(first["leakbot"], first["reader"], strict=True)
    ]
    unchanged = [
        lb.wall_ms_per_feed / rd.wall_ms_per_feed
        for lb, rd in zip(second["leakbot"], second["reader"], strict=True)
    ]
    p99 = [lag["p99"] for lag in lags]
    pss = [p.peak_pss / 2**20 for p in first["leakbot"]]
    print("goals (leakbot against reader in the same run; judged on the median)")
    print(
        f"  first pass feeds/s ÷ reader's      {spread(speed, '{:.2f}×'):>18}   "
        f"goal ≥ {GOAL_SPEED:g}×   {verdict(speed, lambda r: r >= GOAL_SPEED)}"
    )
    print(
        f"  first pass CPU/feed ÷ reader's     {spread(cpu, '{:.2f}×'):>18}   "
        f"goal ≤ {GOAL_CPU:g}×   {verdict(cpu, lambda r: r <= GOAL_CPU)}"
    )
    print(
        f"  unchanged pass wall/feed ÷ reader's{spread(unchanged, '{:.2f}×'):>18}   "
        f"goal ≤ {GOAL_UNCHANGED:g}×   {verdict(unchanged, lambda r: r <= GOAL_UNCHANGED)}"
    )
    judged = count >= GOAL_LAG_AT
    print(
        f"  event-loop lag p99                 {spread(p99, '{:.0f} ms'):>18}   "
        f"goal ≤ {GOAL_LAG_MS:g} ms at N={GOAL_LAG_AT}   "
        + (verdict(p99, lambda v: v <= GOAL_LAG_MS) if judged else f"not judged at N={count}")
    )
    judged = count >= GOAL_PSS_AT
    print(
        f"  peak PSS                           {spread(pss, '{:.0f} MiB'):>18}   "
        f"goal ≤ {GOAL_PSS_MIB:g} MiB at N={GOAL_PSS_AT}   "
        + (verdict(pss, lambda v: v <= GOAL_PSS_MIB) if judged else f"not judged at N={count}")
    )
    for name in first:
        floor_speed = [
            p.feeds_per_second / f.feeds_per_second for p, f in zip(first[name], floor, strict=True)
        ]
        floor_cpu = [
            p.cpu_ms_per_feed / f.cpu_ms_per_feed for p, f in zip(first[name], floor, strict=True)
        ]
        print(
            f"  against the floor, {name}: feeds/s {spread(floor_speed, '{:.2f}×')}, "
            f"CPU/feed {spread(floor_cpu, '{:.2f}×')}"
        )


@contextlib.contextmanager
def feed_service(count: int) -> Iterator[FeedService]:
    """Start the feed server in its own process; stop it when the block ends."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=serve, args=(count, theirs), daemon=True)
    server.start()
    try:
        url, served_bytes = ours.recv()
        yield FeedService(ours, str(url), int(served_bytes))
    finally:
        ours.send("stop")
        server.join(10)


def main(argv: list[str] | None = None) -> None:
    """Compare floor, reader and leakbot on the same N feeds, K times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("count", nargs="?", type=int, default=200, help="number of feeds")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the whole comparison")
    parser.add_argument(
        "--reader-workers", type=int, default=READER_WORKERS, help="reader's retrieval threads"
    )
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("N must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.child is not None:
        run_child(args)
        return
    runs = []
    with feed_service(args.count) as service:
        for index in range(args.repeat):
            print(f"run {index + 1} of {args.repeat}…", file=sys.stderr, flush=True)
            runs.append(compare(args.count, service, args.reader_workers))
    report(args.count, runs, service, args.reader_workers)


if __name__ == "__main__":
    main()
