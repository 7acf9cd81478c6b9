"""Decide which story a new post joins, with N stories open: the time per post.

    python bench/bench_stories.py 100 10000 100000 [--posts 2000] [--repeat 5] [--database]

For each N it opens N stories about distinct leaks (a model from a space of about 800,000
designations across brands, numbers and suffixes, and a claim), then decides a stream of
new posts, half of them later reports of open stories (in English and Chinese) and half
new leaks. A post's decide is what the write step does for it: read its title and text
into a fingerprint, look its candidates up in the index, compare, and join or open.

It prints microseconds per post, wall and CPU, the min and median over the repeats, and
the share of posts that joined; then issue 22's goals, on the CPU medians: the decide at the
most stories open at most twice its cost at the fewest, and at most 1 ms a post.
``--database`` also times the step as the bot runs it against SQLite: the candidates are
read from the ``story_key`` index by key, then decided.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.domain import StoryRecord
from bot.stories.rules import Fingerprint, OpenStory, Reader, StoryIndex
from storage.db import make_engine, migrate, session_scope
from storage.models import ItemRow, SourceState, StoryKeyRow, StoryRow
from storage.stories import open_stories

SEED = 20261125
SCALE_GOAL = 2.0  # the decide at the most stories open, against the fewest
COST_GOAL = 1000.0  # µs of CPU a post
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LINES = [
    ("Xiaomi", "小米"), ("Redmi", "红米"), ("Galaxy S", "三星 Galaxy S"),
    ("Galaxy Z Fold", "三星 Galaxy Z Fold"), ("iPhone", "苹果 iPhone"), ("Pixel", "谷歌 Pixel"),
    ("OnePlus", "一加"), ("Mate", "华为 Mate"), ("Honor Magic", "荣耀 Magic"),
    ("vivo X", "vivo X"), ("OPPO Find X", "OPPO Find X"), ("Nothing Phone", "Nothing Phone"),
]  # fmt: skip
SUFFIXES = ["", " Pro", " Ultra", " Pro Max", " Plus", " Lite", " FE", "+", " Air", " mini"]
CLAIMS = [
    ("battery is {n:,} mAh with {w}W charging", "电池 {n}mAh，{w}W 快充"),
    ("gets a {s}MP periscope telephoto", "{s}MP 潜望长焦"),
    ("price leaks: ${p:,}", "起售价 {p} 元"),
    ("is {t}mm thick and weighs {g}g", "厚度 {t}mm，重量 {g} 克"),
    ("launch set for December {d}", "12月{d}日 发布"),
]


def _leak(rng: random.Random) -> dict[str, object]:
    line = rng.randrange(len(LINES))
    return {
        "line": line,
        "number": rng.randrange(1, 7000),
        "suffix": rng.choice(SUFFIXES),
        "claim": rng.randrange(len(CLAIMS)),
        "n": rng.randrange(40, 80) * 100,
        "w": rng.choice((45, 67, 90, 100, 120)),
        "s": rng.choice((48, 50, 64, 200)),
        "p": rng.randrange(3, 20) * 100 - 1,
        "t": rng.choice((5.5, 6.9, 7.8, 8.2, 8.8)),
        "g": rng.randrange(170, 240),
        "d": rng.randrange(1, 29),
    }


def _post(leak: dict[str, object], chinese: bool) -> tuple[str, str]:
    line = LINES[int(leak["line"])][1 if chinese else 0]  # type: ignore[call-overload]
    glued = line.endswith((" S", " X"))  # "Galaxy S27", "vivo X300"
    model = f"{line}{'' if glued else ' '}{leak['number']}{leak['suffix']}"
    claim = CLAIMS[int(leak["claim"])][1 if chinese else 0].format(**leak)  # type: ignore[call-overload]
    title = f"{model} {claim}"
    return title, f"{title}, a tipster says."


def _fingerprints(
    reader: Reader, count: int, rng: random.Random
) -> tuple[list[Fingerprint], list[dict[str, object]]]:
    leaks = [_leak(rng) for _ in range(count)]
    return [reader.read(*_post(leak, chinese=False)) for leak in leaks], leaks


def _stream(
    leaks: list[dict[str, object]], posts: int, rng: random.Random
) -> list[tuple[str, str]]:
    stream = []
    for n in range(posts):
        if n % 2:
            stream.append(_post(rng.choice(leaks), chinese=rng.random() < 0.5))
        else:
            stream.append(_post(_leak(rng), chinese=rng.random() < 0.5))
    return stream


def _index(fingerprints: list[Fingerprint]) -> StoryIndex:
    index = StoryIndex()
    opened = NOW - timedelta(hours=1)
    for number, fingerprint in enumerate(fingerprints, start=1):
        index.add(OpenStory(number, opened, "", fingerprint))
    return index


def time_decides(
    reader: Reader, fingerprints: list[Fingerprint], stream: list[tuple[str, str]]
) -> tuple[float, float, float]:
    """Decide every post of the stream on a fresh index; return µs wall, µs CPU, joined share."""
    index = _index(fingerprints)
    joined = 0
    next_id = len(fingerprints) + 1
    wall, cpu = time.perf_counter(), time.process_time()
    for title, text in stream:
        fingerprint = reader.read(title, text)
        verdict = index.decide(fingerprint, NOW)
        if verdict.story is not None:
            index.join(verdict.story.id, fingerprint)
            joined += 1
        else:
            index.add(OpenStory(next_id, NOW, title, fingerprint))
            next_id += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall / len(stream) * 1e6, cpu / len(stream) * 1e6, joined / len(stream)


def _fill_database(url: str, fingerprints: list[Fingerprint]) -> sa.Engine:
    engine = make_engine(url)
    migrate(engine)
    opened = NOW - timedelta(hours=1)
    with session_scope(engine) as session:
        session.add(SourceState(id="bench", kind="feed", address="https://e.com/feed"))
        session.flush()
        session.execute(
            sa.insert(ItemRow),
            [
                {"source_id": "bench", "key": f"k{n}", "first_seen_at": opened,
                 "last_seen_at": opened}
                for n in range(len(fingerprints))
            ],
        )  # fmt: skip
        session.execute(
            sa.insert(StoryRow),
            [
                {"id": n + 1, "opened_at": opened, "first_item_id": n + 1, "title": "",
                 "fingerprint": f.to_json()}
                for n, f in enumerate(fingerprints)
            ],
        )  # fmt: skip
        session.execute(
            sa.insert(StoryKeyRow),
            [
                {"key": key, "story_id": n + 1, "opened_at": opened}
                for n, f in enumerate(fingerprints)
                for key in f.index_keys()
            ],
        )
    return engine


def time_database_decides(
    engine: sa.Engine, reader: Reader, stream: list[tuple[str, str]]
) -> tuple[float, float]:
    """Read each post's candidates from the database by key, then decide; µs wall and CPU."""
    wall, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        for title, text in stream:
            fingerprint = reader.read(title, text)
            found: list[StoryRecord] = open_stories(
                session=session, keys=fingerprint.index_keys(), since=NOW - timedelta(hours=72)
            )
            index = StoryIndex()
            for record in found:
                index.add(
                    OpenStory(
                        record.id,
                        record.opened_at,
                        record.title,
                        Fingerprint.from_json(record.fingerprint),
                    )
                )
            index.decide(fingerprint, NOW)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall / len(stream) * 1e6, cpu / len(stream) * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 10_000, 100_000])
    parser.add_argument("--posts", type=int, default=2000, help="new posts decided per run")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", action="store_true", help="also time the SQLite read")
    args = parser.parse_args(argv)
    reader = Reader()
    print(
        f"{'open stories':>12}  {'µs/post wall min':>16} {'median':>8}  "
        f"{'µs/post CPU min':>15} {'median':>8}  {'joined':>6}"
    )
    medians: dict[int, float] = {}
    for size in args.sizes:
        rng = random.Random(SEED)
        fingerprints, leaks = _fingerprints(reader, size, rng)
        stream = _stream(leaks, args.posts, rng)
        runs = [time_decides(reader, fingerprints, stream) for _ in range(args.repeat)]
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        medians[size] = statistics.median(cpus)
        print(
            f"{size:>12,}  {min(walls):>16.1f} {statistics.median(walls):>8.1f}  "
            f"{min(cpus):>15.1f} {statistics.median(cpus):>8.1f}  {runs[0][2]:>6.0%}"
        )
        if args.database:
            with tempfile.TemporaryDirectory() as home:
                engine = _fill_database(f"sqlite:///{Path(home) / 'bench.db'}", fingerprints)
                try:
                    db = [time_database_decides(engine, reader, stream) for _ in range(args.repeat)]
                finally:
                    engine.dispose()
            walls, cpus = [r[0] for r in db], [r[1] for r in db]
            print(
                f"{'  + SQLite':>12}  {min(walls):>16.1f} {statistics.median(walls):>8.1f}  "
                f"{min(cpus):>15.1f} {statistics.median(cpus):>8.1f}"
            )
    if len(medians) > 1:
        # issue 22's scale check, on the CPU medians: the most stories open against the fewest
        small, large = min(medians), max(medians)
        ratio = medians[large] / medians[small]
        print(
            f"scale: {large:,} open / {small:,} open = {ratio:.2f}x "
            f"({'met' if ratio <= SCALE_GOAL else 'MISSED'}: at most {SCALE_GOAL:g}x)"
        )
        worst = max(medians.values())
        print(
            f"cost: {worst:,.1f} µs a post at most "
            f"({'met' if worst <= COST_GOAL else 'MISSED'}: at most {COST_GOAL:,.0f} µs)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
