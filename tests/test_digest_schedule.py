"""The digest is posted once per channel per day, whenever and however often it is tried.

With a fixed clock and a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is
set):
- apscheduler's cron trigger at 02:30 Europe/Berlin, followed across both DST changes of
  2026, queues each day's digest once per channel: once on the day 02:30 is skipped, once
  on the day it comes twice;
- a digest missed while the bot was down is caught up once at start, marked late; a bot
  started for the first time does not post yesterday's empty digest;
- two writers of one day's digest, one waiting on the other's transaction, queue it once;
- a Discord outage delays the digest; the next pass delivers each part once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.delivery.alerts import AlertMessage
from bot.digest.deliver import MadeBy, post_due
from bot.digest.schedule import digest_trigger
from storage.db import Database, session_scope
from storage.digests import queue_digest
from storage.models import AlertRow, DigestRow
from tests.conftest import WEBHOOK_ID, Leakbot
from tests.digest_day import Day, config
from tests.fakes.discord import DiscordFake

CONFIG = """
timezone: Europe/Berlin
channels:
  - {id: leaks, webhook: "https://discord.com/api/webhooks/112233445566778899/token"}
  - {id: leaks-hook, webhook: "https://discord.com/api/webhooks/998877665544332211/token"}
watches:
  - {id: xiaomi-leica, any: [Leica]}
sources:
  - {id: gsmarena, feed: "https://gsmarena.example/feed"}
digest:
  at: "{at}"
"""


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def rows(database_url: str) -> Iterator[Day]:
    day = Day.open(database_url, ["gsmarena"])
    yield day
    day.close()


def _digests(rows: Day) -> list[tuple[date, str, int, datetime, bool]]:
    with session_scope(rows.engine) as session:
        found = session.exec(
            select(DigestRow).order_by(col(DigestRow.day), col(DigestRow.channel_id))
        ).all()
        return [(r.day, r.channel_id, r.edition, r.queued_at, r.late) for r in found]


def _alerts(rows: Day) -> list[tuple[str, str, dict[str, object]]]:
    with session_scope(rows.engine) as session:
        found = session.exec(select(AlertRow).order_by(col(AlertRow.id))).all()
        return [(r.kind, r.channel_id, r.message) for r in found]


def _fires(at: str, start: datetime, end: datetime) -> list[datetime]:
    trigger = digest_trigger(config(CONFIG.replace("{at}", at)))
    fires, now = [], start
    while (fire := trigger.get_next_fire_time(None, now)) < end:
        fires.append(fire.astimezone(UTC))
        now = fire.astimezone(UTC) + timedelta(seconds=1)
    return fires


def test_the_cron_trigger_posts_each_day_once_across_both_dst_changes(rows: Day) -> None:
    settings = config(CONFIG.replace("{at}", "02:30"))
    spring = _fires("02:30", utc(2026, 3, 27, 12), utc(2026, 3, 31, 12))
    autumn = _fires("02:30", utc(2026, 10, 23, 12), utc(2026, 10, 27, 12))
    # no 02:30 on 29 March: it fires once, after the jump (03:30 CEST); 02:30 comes twice
    # on 25 October, and so does the trigger
    assert spring == [
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 30, 0, 30),
        utc(2026, 3, 31, 0, 30),
    ]
    assert autumn == [
        utc(2026, 10, 24, 0, 30),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 1, 30),
        utc(2026, 10, 26, 1, 30),
        utc(2026, 10, 27, 1, 30),
    ]
    database = Database(rows.engine)
    try:
        for fire in [*spring, *autumn]:
            asyncio.run(post_due(database, settings, now=fire, made_by=MadeBy.SCHEDULE))
    finally:
        database.close()

    posted = _digests(rows)
    days = [date(2026, 3, d) for d in (27, 28, 29, 30)] + [
        date(2026, 10, d) for d in (23, 24, 25, 26)
    ]
    first_fire = {d: f for d, f in zip(days, [*spring, *autumn[:2], *autumn[3:]], strict=True)}
    assert posted == [
        (day, channel, 1, first_fire[day], False)
        for day in days
        for channel in ("leaks", "leaks-hook")
    ]
    alerts = _alerts(rows)
    assert len(alerts) == 2 * len(days)  # one message per channel and day: all empty days
    assert {kind for kind, _, _ in alerts} == {"digest"}


def test_a_digest_missed_while_down_is_caught_up_once_marked_late(rows: Day) -> None:
    settings = config(CONFIG.replace("{at}", "09:00"))
    rows.post(
        "gsmarena",
        "Leica in the lab",
        published=utc(2026, 11, 23, 7),
        seen=utc(2026, 11, 23, 7),
        watches=["xiaomi-leica"],
    )
    rows.post(
        "gsmarena",
        "Leica on the road",
        published=utc(2026, 11, 24, 7),
        seen=utc(2026, 11, 24, 7),
        watches=["xiaomi-leica"],
    )
    database = Database(rows.engine)
    try:
        # down from the 24th until 11:42 on the 25th: the digest of the 24th was due at 09:00
        back = utc(2026, 11, 25, 10, 42)
        first = asyncio.run(post_due(database, settings, now=back, made_by=MadeBy.CATCH_UP))
        restart = back + timedelta(seconds=20)
        again = asyncio.run(post_due(database, settings, now=restart, made_by=MadeBy.CATCH_UP))
        # and the next morning, on time
        on_time = utc(2026, 11, 26, 8, 0)
        next_day = asyncio.run(post_due(database, settings, now=on_time, made_by=MadeBy.SCHEDULE))
    finally:
        database.close()

    assert first is not None and first.day == date(2026, 11, 24) and first.late
    assert first.queued == ("leaks", "leaks-hook")
    assert again is not None and again.queued == ()
    assert again.already == (("leaks", back), ("leaks-hook", back))
    assert next_day is not None and next_day.queued == ("leaks", "leaks-hook")
    assert not next_day.late
    assert _digests(rows) == [
        (date(2026, 11, 24), "leaks", 1, back, True),
        (date(2026, 11, 24), "leaks-hook", 1, back, True),
        (date(2026, 11, 25), "leaks", 1, on_time, False),
        (date(2026, 11, 25), "leaks-hook", 1, on_time, False),
    ]
    late = AlertMessage.from_json(_alerts(rows)[0][2])
    assert late.title == "leakbot digest · Tuesday 24 November 2026"
    assert late.excerpt.splitlines()[:2] == [
        "Europe/Berlin · 1 matched post in 1 watch",
        "_Late: leakbot was not running at 25 Nov 09:00, so this digest comes at 25 Nov 11:42._",
    ]


def test_a_first_start_does_not_post_yesterdays_empty_digest(rows: Day) -> None:
    settings = config(CONFIG.replace("{at}", "09:00"))
    database = Database(rows.engine)
    try:
        posting = asyncio.run(
            post_due(database, settings, now=utc(2026, 11, 25, 12), made_by=MadeBy.CATCH_UP)
        )
    finally:
        database.close()

    assert posting is None
    assert _digests(rows) == []
    assert _alerts(rows) == []


def test_two_writers_of_one_digest_queue_it_once(rows: Day) -> None:
    def write(session: Session) -> list[str]:
        return queue_digest(
            session=session,
            day=date(2026, 11, 24),
            channel_ids=["leaks", "leaks-hook"],
            messages=[{"kind": "digest"}, {"kind": "digest"}],
            late=False,
            made_by=MadeBy.SCHEDULE,
            force=False,
            now=utc(2026, 11, 25, 8),
        )

    second: list[list[str]] = []

    def other_process() -> None:
        with Session(rows.engine) as session:
            second.append(write(session))  # waits for the first writer's commit
            session.commit()

    with Session(rows.engine) as session:
        first = write(session)
        waiting = threading.Thread(target=other_process)
        waiting.start()
        time.sleep(0.3)
        session.commit()
    waiting.join(30)

    assert first == ["leaks", "leaks-hook"]
    assert second == [[]]
    assert [channel for _, channel, _ in _alerts(rows)] == [
        "leaks",
        "leaks",
        "leaks-hook",
        "leaks-hook",
    ]


def test_a_discord_outage_delays_the_digest_and_never_doubles_it(
    leakbot: Leakbot, discord: DiscordFake
) -> None:
    discord.bucket = None
    leakbot.write_config(
        """
        channels:
          - id: leaks
            webhook: ${LEAKS_WEBHOOK_URL}
        watches:
          - {id: pixel, any: ["Pixel 11"]}
          - {id: leica, any: [Leica]}
        """
    )
    day = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    discord.answer_next(503, {"message": "503: Service Unavailable", "code": 0})

    posted = leakbot("digest", "--post", "--date", day)
    assert posted.code == 0, posted.err
    assert discord.messages == []
    assert "1 alert waiting" in posted.err

    again = leakbot("digest", "--post", "--date", day)
    assert again.code == 0, again.err
    assert "already posted to leaks" in again.err
    assert discord.messages == []  # the second --post queued nothing

    later = leakbot("outbox", "retry", "leaks")
    assert later.code == 0, later.err
    delivered = leakbot("poll-once")
    assert delivered.code == 0, delivered.err
    assert [m.title for m in discord.messages if m.target == WEBHOOK_ID] == [
        f"leakbot digest · {datetime.fromisoformat(day):%A} "
        f"{datetime.fromisoformat(day).day} {datetime.fromisoformat(day):%B %Y}"
    ]
