"""How fast leakbot polls N real-world feeds, against the floor of parsing them bare.

Run from the repository root, offline:

    python bench/bench_polling.py [N]      # N feeds, 200 by default

The captured real-world feeds under tests/data/ref/feeds/captured are served from a loopback
feed server in a separate process (so serving costs the bot neither GIL time nor CPU in
the figures), cycled to N distinct sources (each copy gets its own URL and an XML comment so
its bytes differ). One App on a temporary SQLite database polls them all at once, as
``leakbot poll-once`` does:

- first pass: first sight of every feed (200 + parse + a silent baseline write);
- the floor: the same bytes through bare ``feedparser.parse()`` in one loop in this process;
- second pass: nothing changed, so every feed answers 304.

CPU time and peak RSS cover the bot's whole process tree (parse workers included, the feed
server left out), sampled with psutil every 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import io
import logging
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import feedparser
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.poller import PollReport  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.fakes.feed_server import FeedServer  # noqa: E402

CAPTURED = ROOT / "tests" / "data" / "ref" / "feeds" / "captured"
GZIP_MAGIC = b"\x1f\x8b"
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


@dataclass
class Feed:
    """One source of the bench: the bytes served, and the bytes a bare parse reads."""

    name: str
    served: bytes
    plain: bytes


def captured_feeds() -> list[bytes]:
    """Return the captured files that are feeds (bare feedparser finds RSS or Atom)."""
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


def make_feeds(count: int) -> list[Feed]:
    """Cycle through the captured feeds to make ``count`` distinct ones."""
    originals = captured_feeds()
    feeds = []
    for index in range(count):
        body = originals[index % len(originals)]
        zipped = body.startswith(GZIP_MAGIC)
        plain = (gzip.decompress(body) if zipped else body) + f"\n<!-- copy {index} -->\n".encode()
        served = gzip.compress(plain, mtime=0) if zipped else plain
        feeds.append(Feed(f"bench-{index:05d}", served, plain))
    return feeds


@dataclass
class TreeSampler:
    """Samples CPU time and RSS of this process and its descendants (but the excluded)."""

    exclude: frozenset[int] = frozenset()
    interval: float = 0.05
    cpu: dict[tuple[int, float], float] = field(default_factory=dict)
    peak_rss: int = 0
    peak_main_rss: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        """Record every live process's CPU seconds, and the tree's RSS if it is a new peak."""
        me = psutil.Process()
        try:
            processes = [me, *me.children(recursive=True)]
        except psutil.Error:
            return
        rss = 0
        with self._lock:
            for process in processes:
                if process.pid in self.exclude:
                    continue
                try:
                    with process.oneshot():
                        times = process.cpu_times()
                        key = (process.pid, process.create_time())
                        self.cpu[key] = times.user + times.system
                        process_rss = process.memory_info().rss
                    rss += process_rss
                    if process.pid == me.pid:
                        self.peak_main_rss = max(self.peak_main_rss, process_rss)
                except psutil.Error:
                    continue  # it ended between listing and reading: its last sample stands
            self.peak_rss = max(self.peak_rss, rss)

    def mark(self) -> dict[tuple[int, float], float]:
        """Sample now, start a new peak, and return each process's CPU seconds so far."""
        self.sample()
        with self._lock:
            self.peak_rss = self.peak_main_rss = 0
            return dict(self.cpu)

    def cpu_since(self, mark: dict[tuple[int, float], float]) -> tuple[float, float]:
        """Sample now and return the CPU seconds since a mark: the tree's, and main's alone."""
        self.sample()
        main = os.getpid()
        with self._lock:
            spent = {key: seconds - mark.get(key, 0.0) for key, seconds in self.cpu.items()}
        return sum(spent.values()), sum(v for (pid, _), v in spent.items() if pid == main)

    def __enter__(self) -> TreeSampler:
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


@dataclass
class Pass:
    """One timed poll of every source."""

    wall: float
    cpu: float
    cpu_main: float
    peak_rss: int
    peak_main_rss: int
    reports: list[PollReport]

    @property
    def items(self) -> int:
        """Return how many items the feeds held."""
        return sum(report.items for report in self.reports)

    def outcomes(self) -> str:
        """Say how many polls ended which way, and why the failed ones failed."""
        counts = Counter(report.outcome for report in self.reports)
        said = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
        reasons = Counter(r.detail for r in self.reports if r.outcome == "failed")
        return said + "".join(f"\n    {n} × failed: {why}" for why, n in reasons.most_common(3))


async def timed_poll(app: App, sampler: TreeSampler) -> Pass:
    """Poll every source once; measure wall time, tree CPU and tree peak RSS."""
    mark = sampler.mark()
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        reports = await app.poll()
    wall = time.perf_counter() - started
    cpu, cpu_main = sampler.cpu_since(mark)
    return Pass(wall, cpu, cpu_main, sampler.peak_rss, sampler.peak_main_rss, reports)


def serve(count: int, connection: Connection) -> None:
    """Serve the bench's feeds on loopback until told to stop (runs in its own process)."""
    with FeedServer() as server:
        for feed in make_feeds(count):
            server.publish(feed.name, feed.served)
        connection.send(server.url(""))
        connection.recv()


def parse_floor(feeds: list[Feed]) -> float:
    """Parse the same bytes with bare feedparser.parse in one loop; return the seconds."""
    started = time.perf_counter()
    for feed in feeds:
        feedparser.parse(feed.plain)
    return time.perf_counter() - started


async def bench(count: int, home: Path, base_url: str, server_pid: int) -> None:
    """Poll ``count`` served feeds twice through one App, and print the figures."""
    feeds = make_feeds(count)
    lines = ["sources:"]
    for feed in feeds:
        lines += [f"  - id: {feed.name}", f"    feed: {base_url}{feed.name}"]
    config_path = home / "leakbot.yaml"
    config_path.write_text("\n".join(lines) + "\n" + WATCHES, encoding="utf-8")
    config = load_config(config_path)
    with TreeSampler(exclude=frozenset({server_pid})) as sampler:
        async with App(Settings(), config) as app:
            first = await timed_poll(app, sampler)
            second = await timed_poll(app, sampler)
    floor = parse_floor(feeds)

    served = sum(len(feed.served) for feed in feeds)
    print(
        f"leakbot polling bench: N={count} feeds ({served / 2**20:.1f} MiB served); "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, SQLite, loopback HTTP"
    )
    print(f"first pass, first sight: {first.outcomes()}")
    print(f"  wall           {first.wall:8.2f} s")
    print(f"  feeds/s        {count / first.wall:8.1f}")
    print(f"  items/s        {first.items / first.wall:8.1f}   ({first.items} items)")
    print(
        f"  CPU per feed   {first.cpu / count * 1000:8.2f} ms   (main + workers; "
        f"main alone {first.cpu_main / count * 1000:.2f} ms)"
    )
    print(
        f"  peak RSS       {first.peak_rss / 2**20:8.1f} MiB (main + workers; "
        f"main alone {first.peak_main_rss / 2**20:.1f} MiB)"
    )
    print("parse floor (bare feedparser.parse, one loop, this process):")
    print(f"  wall           {floor:8.2f} s")
    print(
        f"  first / floor  {first.wall / floor:8.2f}×   goal ≤ 1.3× floor "
        f"[{'met' if first.wall <= 1.3 * floor else 'NOT met'}]"
    )
    print(f"second pass, nothing changed: {second.outcomes()}")
    print(f"  wall           {second.wall:8.2f} s")
    print(
        f"  CPU per feed   {second.cpu / count * 1000:8.2f} ms   (main + workers; "
        f"main alone {second.cpu_main / count * 1000:.2f} ms)"
    )
    print(
        f"  peak RSS       {second.peak_rss / 2**20:8.1f} MiB (main + workers; "
        f"main alone {second.peak_main_rss / 2**20:.1f} MiB)"
    )
    print(
        f"  second / floor {second.wall / floor:8.2f}×   goal ≤ 0.1× floor "
        f"[{'met' if second.wall <= 0.1 * floor else 'NOT met'}]"
    )


def main(argv: list[str] | None = None) -> None:
    """Run the bench in a temporary home with a fresh SQLite database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("count", nargs="?", type=int, default=200, help="number of feeds")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("N must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "DISCORD_TOKEN"):
        os.environ.pop(name, None)
    with (
        tempfile.TemporaryDirectory(prefix="leakbot-bench-") as tmp,
        contextlib.chdir(tmp),  # no stray .env of the caller's directory is read
    ):
        home = Path(tmp)
        os.environ["DATABASE_URL"] = f"sqlite:///{home / 'leakbot.db'}"
        os.environ["LEAKBOT_ALLOW_PRIVATE_URLS"] = "1"
        os.environ["LEAKBOT_DATA_DIR"] = str(home / "data")
        os.environ.pop("X_BEARER_TOKEN", None)
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        server = context.Process(target=serve, args=(args.count, theirs), daemon=True)
        server.start()
        try:
            base_url = str(ours.recv())
            assert server.pid is not None
            asyncio.run(bench(args.count, home, base_url, server.pid))
        finally:
            ours.send("stop")
            server.join(10)


if __name__ == "__main__":
    main()
