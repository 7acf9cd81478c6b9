"""Make a day's digest of N matched posts: read from the database, build, split for Discord.

    python bench/bench_digest.py 500 5000 50000 [--repeat 5] [--database URL]

For each N it writes a day of N matched posts (every fifth one in a story of five
sources, one in fifty deleted, one in fifty edited) into a fresh SQLite file (or a fresh
schema of ``--database``, a PostgreSQL URL), then times, ``--repeat`` times: reading the
day (``storage.digests.read_day``), building the digest and rendering it as Markdown, and
splitting it into Discord messages. It prints wall and CPU seconds of each step, min and
median over the repeats, and the number of messages.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.digest.build import Digest, build_digest, day_span, render_markdown, split_parts
from bot.domain import DayActivity
from storage.db import make_engine, migrate, normalize_url, session_scope
from storage.digests import read_day
from storage.models import ItemRow, MatchRow, StoryRow
from storage.sources import sync_sources

DAY = date(2026, 11, 24)
ZONE = ZoneInfo("Europe/Berlin")
SOURCES = [f"source-{n}" for n in range(20)]


def seed(engine: sa.Engine, count: int) -> None:
    """Write a day of ``count`` matched posts, spread over the day."""
    start, end = day_span(DAY, ZONE)
    step = (end - start) / count
    with session_scope(engine) as session:
        sync_sources(
            session=session, sources=[(s, "feed", f"https://{s}.example/") for s in SOURCES]
        )
    with session_scope(engine) as session:
        story_id: int | None = None
        items: list[ItemRow] = []
        for n in range(count):
            moment = start + step * n
            edited = n % 50 == 7
            row = ItemRow(
                source_id=SOURCES[n % len(SOURCES)],
                key=f"post-{n}",
                title=f"Leak {n}: Leica optics on the Xiaomi {n % 97} Ultra, hands-on photos",
                text=f"Leak {n}: the Xiaomi {n % 97} Ultra keeps its Leica camera, 6,500 mAh",
                link=f"https://news.example/{n}",
                published_at=moment,
                first_seen_at=moment,
                last_seen_at=moment + timedelta(minutes=30) if edited else moment,
                state="deleted" if n % 50 == 3 else "live",
                missing_since=moment + timedelta(minutes=20) if n % 50 == 3 else None,
                deleted_at=moment + timedelta(minutes=30) if n % 50 == 3 else None,
                edits=1 if edited else 0,
                revisions=[
                    {
                        "title": "Leak",
                        "text": "Leak: an earlier version",
                        "html": "",
                        "seen_at": (moment + timedelta(minutes=30)).isoformat(),
                    }
                ]
                if edited
                else [],
            )
            items.append(row)
        session.add_all(items)
        session.flush()
        for n, row in enumerate(items):
            assert row.id is not None
            if n % 25 < 5:
                if n % 5 == 0:
                    story = StoryRow(opened_at=row.first_seen_at, first_item_id=row.id)
                    session.add(story)
                    session.flush()
                    story_id = story.id
                row.story_id = story_id
            session.add(
                MatchRow(
                    item_id=row.id,
                    watch_id=("xiaomi-leica", "pixel", "samsung")[n % 3],
                    created_at=row.first_seen_at,
                )
            )


def timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """Run work; return its wall and CPU seconds and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _read(engine: sa.Engine, start: datetime, end: datetime) -> DayActivity:
    with session_scope(engine) as session:
        return read_day(session=session, start=start, end=end)


def _build(activity: DayActivity) -> Digest:
    digest = build_digest(activity, day=DAY, zone=ZONE)
    render_markdown(digest)
    return digest


def _ms(seconds: list[float]) -> str:
    return f"{min(seconds) * 1000:8.1f} / {statistics.median(seconds) * 1000:8.1f}"


def run(count: int, repeat: int, database: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = None
        if database:
            admin = make_engine(database)
            with admin.begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            url = normalize_url(database) + f"?options={quote(f'-csearch_path={schema}')}"
        else:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        try:
            migrate(engine)
            seed(engine, count)
            start, end = day_span(DAY, ZONE)
            steps: dict[str, list[tuple[float, float]]] = {"read": [], "build": [], "split": []}
            parts = 0
            for _ in range(repeat):
                wall, cpu, activity = timed(lambda: _read(engine, start, end))
                steps["read"].append((wall, cpu))
                wall, cpu, digest = timed(lambda: _build(activity))  # noqa: B023
                steps["build"].append((wall, cpu))
                wall, cpu, split = timed(lambda: split_parts(digest))  # noqa: B023
                steps["split"].append((wall, cpu))
                parts = len(split)
            print(f"N = {count:,} posts, {engine.dialect.name}, {repeat} runs: {parts} messages")
            for name, figures in steps.items():
                walls = [w for w, _ in figures]
                cpus = [c for _, c in figures]
                print(f"  {name:<6} wall {_ms(walls)}   cpu {_ms(cpus)}   (min / median, ms)")
        finally:
            engine.dispose()
            if admin is not None:
                with admin.begin() as connection:
                    connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[500, 5000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="a PostgreSQL URL; default: a SQLite file")
    args = parser.parse_args()
    started = datetime.now(UTC)
    for count in args.counts:
        run(count, args.repeat, args.database)
    print(f"done in {(datetime.now(UTC) - started).total_seconds():.1f} s")


if __name__ == "__main__":
    main()
