"""The daily digest reads a day as people in the config's timezone lived it.

Each test writes a day of posts into a real database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set) at fixed moments and reads the digest the bot would post:
- the exact text for a known set (a story told by three sources, a new post, a deleted
  and an edited post, a failing source, a broken channel) on the day Berlin's clocks go
  back, a 25-hour day whose 02:30 comes twice;
- a day in Asia/Shanghai, whose UTC dates differ from its own;
- an empty day says so in one line, then only its trouble (failing sources, channels
  that could not be reached); ``--watch`` narrows the digest to one watch;
- the terminal shows names and errors as they are; what is posted keeps Discord's escapes;
- 500 entries split into messages the Discord fake accepts, no entry cut in half.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.alerts import escape_markdown
from bot.digest.build import (
    PART_LIMIT,
    Digest,
    build_digest,
    day_span,
    digest_alerts,
    render_markdown,
    split_parts,
)
from bot.digest.deliver import digest_reply, make_digest
from bot.domain import DayActivity, DayPost
from storage.db import Database
from tests.clock import Clock
from tests.conftest import WEBHOOK_ID, Leakbot
from tests.digest_day import Day, config
from tests.fakes.discord import DiscordFake

BERLIN = """
timezone: Europe/Berlin
sources:
  - {id: gsmarena, feed: "https://gsmarena.example/feed"}
  - {id: ithome, feed: "https://ithome.example/feed"}
  - {id: dcs, feed: "https://dcs.example/feed", track_deletions: true}
  - {id: ice-universe, feed: "https://ice.example/feed"}
channels:
  - {id: leaks, webhook: "https://discord.com/api/webhooks/112233445566778899/token"}
  - {id: leaks-hook, webhook: "https://discord.com/api/webhooks/998877665544332211/token"}
watches:
  - {id: xiaomi-leica, any: [Leica, 徕卡]}
  - {id: pixel, any: ["Pixel 11"]}
"""
SOURCES = ["gsmarena", "ithome", "dcs", "ice-universe"]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def day_db(database_url: str) -> Iterator[Day]:
    day = Day.open(database_url, SOURCES)
    yield day
    day.close()


def make(day_db: Day, text: str, day: date, now: datetime, watch: str | None = None) -> Digest:
    database = Database(day_db.engine)
    try:
        return asyncio.run(make_digest(database, config(text), day, now=now, watch=watch))
    finally:
        database.close()


def read(day_db: Day, text: str, day: date, now: datetime, watch: str | None = None) -> str:
    """Return the digest as ``leakbot digest`` prints it on a terminal."""
    return render_markdown(make(day_db, text, day, now, watch))


def posted(digest: Digest) -> str:
    """Return the digest as Discord shows its one message: the title, then the text."""
    [alert] = digest_alerts(digest)
    return f"**{alert.title}**\n\n{alert.excerpt}\n"


def test_the_day_berlin_clocks_go_back_reads_as_lived_there(day_db: Day) -> None:
    # 25 October 2026: 03:00 CEST becomes 02:00 CET at 01:00 UTC; the day is 22:00 UTC
    # on the 24th to 23:00 UTC on the 25th, and 02:30 comes twice
    first = day_db.post(
        "gsmarena",
        "Xiaomi 17 Ultra camera: Leica optics confirmed",
        published=utc(2026, 10, 25, 0, 30),  # 02:30 CEST
        seen=utc(2026, 10, 25, 0, 32),
        watches=["xiaomi-leica"],
    )
    story = day_db.story(utc(2026, 10, 25, 0, 32), first)
    day_db.post(
        "ithome",
        "小米17 Ultra 徕卡光学确认",
        published=utc(2026, 10, 25, 1, 30),  # 02:30 CET, the second one
        seen=utc(2026, 10, 25, 1, 35),
        watches=["xiaomi-leica"],
        story=story,
    )
    day_db.post(
        "dcs",
        "Xiaomi 17 Ultra Leica lens, more soon",
        published=utc(2026, 10, 25, 6, 0),
        seen=utc(2026, 10, 25, 6, 5),
        watches=["xiaomi-leica"],
        story=story,
    )
    day_db.post(
        "gsmarena",
        "Pixel 11 Pro renders leak",
        published=utc(2026, 10, 25, 9, 0),
        seen=utc(2026, 10, 25, 9, 4),
        watches=["pixel"],
    )
    deleted = day_db.post(
        "dcs",
        "",
        text="小米17 Ultra 真机谍照，徕卡四摄模组清晰可见\n更多细节明天公布",
        published=utc(2026, 10, 25, 7, 10),
        seen=utc(2026, 10, 25, 7, 12),
        watches=["xiaomi-leica"],
    )
    day_db.delete(
        deleted, missing_since=utc(2026, 10, 25, 8, 0), deleted_at=utc(2026, 10, 25, 8, 20)
    )
    edited = day_db.post(
        "gsmarena",
        "Xiaomi 17 will use Leica lenses",
        published=utc(2026, 10, 25, 10, 0),
        seen=utc(2026, 10, 25, 10, 2),
        watches=["xiaomi-leica"],
    )
    day_db.edit(
        edited, text="Xiaomi 17 will use Leica Summilux lenses", seen=utc(2026, 10, 25, 12, 0)
    )
    # just outside the day, on either side: 23:59 CEST on the 24th, 00:00 CET on the 26th
    for moment in (utc(2026, 10, 24, 21, 59), utc(2026, 10, 25, 23, 0)):
        day_db.post(
            "gsmarena", "Leica elsewhere", published=moment, seen=moment, watches=["xiaomi-leica"]
        )
    day_db.failing(
        "ice-universe",
        last_success=utc(2026, 10, 24, 18, 0),
        last_polled=utc(2026, 10, 25, 22, 0),
        error="HTTP 503 Service Unavailable",
    )
    day_db.broken(
        "leaks-hook", since=utc(2026, 10, 25, 11, 0), reason="Unknown Webhook (code 10015)"
    )

    digest = make(day_db, BERLIN, date(2026, 10, 25), now=utc(2026, 10, 26, 8, 0))

    assert posted(digest) == EXPECTED_BERLIN
    # the terminal shows names and errors as they are, not Discord's escapes
    assert render_markdown(digest) == EXPECTED_BERLIN.replace("\\", "")


EXPECTED_BERLIN = """\
**leakbot digest · Sunday 25 October 2026**

Europe/Berlin, a 25-hour day · 6 matched posts in 2 watches · 1 story told by several sources · 1 deleted · 1 edited

**Deleted or edited**
- **Deleted** [小米17 Ultra 真机谍照，徕卡四摄模组清晰可见](https://dcs.example/dcs-4) · dcs · posted 08:10 CET, deleted 09:20 CET, lived 50m
  said: 小米17 Ultra 真机谍照，徕卡四摄模组清晰可见 更多细节明天公布
- **Edited** [Xiaomi 17 will use Leica Summilux lenses](https://gsmarena.example/gsmarena-5) · gsmarena · 13:00 CET
  Xiaomi 17 will use Leica **Summilux** lenses

**xiaomi\\-leica** · 5 posts
- [Xiaomi 17 Ultra camera\\: Leica optics confirmed](https://gsmarena.example/gsmarena-0) · gsmarena 02:30 CEST · also ithome 02:30 CET, dcs 07:00 CET
- [小米17 Ultra 真机谍照，徕卡四摄模组清晰可见](https://dcs.example/dcs-4) · dcs 08:10 CET
- [Xiaomi 17 will use Leica Summilux lenses](https://gsmarena.example/gsmarena-5) · gsmarena 11:00 CET

**pixel** · 1 post
- [Pixel 11 Pro renders leak](https://gsmarena.example/gsmarena-3) · gsmarena 10:00 CET

**Failing all day**
- ice\\-universe: HTTP 503 Service Unavailable (last success 24 Oct 20:00 CEST, paused)

**Could not deliver to**
- leaks\\-hook: Unknown Webhook \\(code 10015\\) (since 12:00 CET)

**Counts**
By watch: pixel 1 · xiaomi\\-leica 5
By source: dcs 2 · gsmarena 3 · ithome 1
"""  # noqa: E501

SHANGHAI = """
timezone: Asia/Shanghai
sources:
  - {id: ithome, feed: "https://ithome.example/feed"}
watches:
  - {id: xiaomi-leica, any: [徕卡]}
"""


def test_a_shanghai_day_spans_two_utc_dates(day_db: Day) -> None:
    # 24 November in Shanghai (UTC+8) runs from 16:00 UTC on the 23rd to 16:00 UTC on the 24th
    for moment, title in (
        (utc(2026, 11, 23, 15, 59), "徕卡 前一天"),  # 23:59 on the 23rd there
        (utc(2026, 11, 23, 16, 30), "小米17 徕卡 凌晨"),  # 00:30 on the 24th, the 23rd in UTC
        (utc(2026, 11, 24, 15, 59), "小米17 徕卡 深夜"),  # 23:59
        (utc(2026, 11, 24, 16, 0), "徕卡 第二天"),  # 00:00 on the 25th, the 24th in UTC
    ):
        day_db.post("ithome", title, published=moment, seen=moment, watches=["xiaomi-leica"])

    text = read(day_db, SHANGHAI, date(2026, 11, 24), now=utc(2026, 11, 25, 1, 0))

    assert text == (
        "**leakbot digest · Tuesday 24 November 2026**\n"
        "\n"
        "Asia/Shanghai · 2 matched posts in 1 watch\n"
        "\n"
        "**xiaomi-leica** · 2 posts\n"
        "- [小米17 徕卡 凌晨](https://ithome.example/ithome-1) · ithome 00:30\n"
        "- [小米17 徕卡 深夜](https://ithome.example/ithome-2) · ithome 23:59\n"
        "\n"
        "**Counts**\n"
        "By watch: xiaomi-leica 2\n"
        "By source: ithome 2\n"
    )


def test_an_empty_day_says_so_in_one_line(day_db: Day) -> None:
    day_db.post(
        "gsmarena",
        "Leica next day",
        published=utc(2026, 11, 25, 8),
        seen=utc(2026, 11, 25, 8),
        watches=["xiaomi-leica"],
    )

    text = read(day_db, BERLIN, date(2026, 11, 24), now=utc(2026, 11, 25, 9, 0))

    assert text == (
        "**leakbot digest · Tuesday 24 November 2026**\n"
        "\n"
        "Nothing matched on Tuesday 24 November 2026 (Europe/Berlin), "
        "and nothing was deleted or edited.\n"
    )


def test_an_empty_day_is_one_line_then_its_trouble(day_db: Day) -> None:
    day_db.failing(
        "dcs",
        last_success=utc(2026, 11, 20, 9, 0),
        last_polled=utc(2026, 11, 24, 22, 0),
        error="rsshub.app:443: [Errno -2] Name or service not known",
    )
    day_db.broken("leaks-hook", since=utc(2026, 11, 23, 11, 0), reason="Unknown Webhook")

    digest = make(day_db, BERLIN, date(2026, 11, 24), now=utc(2026, 11, 25, 9, 0))

    assert render_markdown(digest) == (
        "**leakbot digest · Tuesday 24 November 2026**\n"
        "\n"
        "Nothing matched on Tuesday 24 November 2026 (Europe/Berlin), "
        "and nothing was deleted or edited.\n"
        "\n"
        "**Failing all day**\n"
        "- dcs: rsshub.app:443: [Errno -2] Name or service not known "
        "(last success 20 Nov 10:00, paused)\n"
        "\n"
        "**Could not deliver to**\n"
        "- leaks-hook: Unknown Webhook (since 23 Nov 12:00)\n"
    )
    # Discord reads Markdown: there the error keeps its escapes
    assert "- dcs: rsshub.app\\:443\\: \\[Errno \\-2\\] Name or service" in posted(digest)


def test_today_so_far_and_one_watch(day_db: Day) -> None:
    for hour, title, watch in (
        (7, "Pixel 11 in the wild", "pixel"),
        (8, "Leica lens", "xiaomi-leica"),
    ):
        day_db.post(
            "gsmarena",
            title,
            published=utc(2026, 11, 24, hour),
            seen=utc(2026, 11, 24, hour),
            watches=[watch],
        )

    text = read(day_db, BERLIN, date(2026, 11, 24), now=utc(2026, 11, 24, 9, 30), watch="pixel")

    assert text == (
        "**leakbot digest · Tuesday 24 November 2026, so far**\n"
        "\n"
        "Europe/Berlin · watch pixel · until 10:30 · 1 matched post in 1 watch\n"
        "\n"
        "**pixel** · 1 post\n"
        "- [Pixel 11 in the wild](https://gsmarena.example/gsmarena-0) · gsmarena 08:00\n"
        "\n"
        "**Counts**\n"
        "By watch: pixel 1\n"
        "By source: gsmarena 1\n"
    )


def _posts(count: int, start: datetime) -> DayActivity:
    """A day of ``count`` matched posts, one a minute, a story of five sources every 25."""
    posts = []
    for n in range(count):
        moment = start + timedelta(minutes=n)
        posts.append(
            DayPost(
                item_id=n,
                source_id=f"source-{n % 7}",
                title=f"Leak number {n}: Leica optics on the Xiaomi {n} Ultra, hands-on photos",
                text="",
                link=f"https://news.example/{n}",
                published_at=moment,
                first_seen_at=moment,
                watches=("xiaomi-leica",) if n % 3 else ("pixel",),
                story_id=n // 5 if n % 25 < 5 else None,
            )
        )
    return DayActivity(start=start, end=start + timedelta(days=1), posts=tuple(posts))


def test_parts_end_between_entries_and_lead_with_the_biggest_stories() -> None:
    zone = ZoneInfo("UTC")
    start, _ = day_span(date(2026, 11, 24), zone)
    digest = build_digest(_posts(500, start), day=date(2026, 11, 24), zone=zone)
    whole = render_markdown(digest, escape_markdown)  # as posted
    parts = split_parts(digest)

    assert len(parts) > 5
    assert all(len(part) <= PART_LIMIT for part in parts)
    entries = [line for line in whole.splitlines() if line.startswith("- ")]
    in_parts = [line for part in parts for line in part.splitlines() if line.startswith("- ")]
    assert in_parts == entries  # every entry once, whole, in order
    # a section carried on to the next part says so
    assert any(part.startswith("**xiaomi\\-leica** · ") and "(continued)" in part for part in parts)
    # the stories with the most sources lead: every story before any single post
    stories = [" · also " in entry for entry in entries[: len(entries) // 2]]
    assert stories[0] and stories.index(False) == sum(stories)


def test_500_entries_reach_discord_as_valid_messages_in_order(
    leakbot: Leakbot, discord: DiscordFake, database_url: str
) -> None:
    discord.bucket = None  # Discord's pace is another test's business
    leakbot.write_config(
        """
        sources:
          - {id: gsmarena, feed: "https://gsmarena.example/feed"}
          - {id: ithome, feed: "https://ithome.example/feed"}
        channels:
          - id: leaks
            webhook: ${LEAKS_WEBHOOK_URL}
        watches:
          - {id: xiaomi-leica, any: [Leica]}
        """
    )
    leakbot.now = Clock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    day = date(2026, 11, 24)
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    rows = Day.open(database_url, ["gsmarena", "ithome"])
    try:
        for n in range(500):
            moment = start + timedelta(minutes=2 * n)
            rows.post(
                ("gsmarena", "ithome")[n % 2],
                f"Leak {n}: Leica optics on the next Xiaomi flagship, hands-on photos [{n}]",
                published=moment,
                seen=moment,
                watches=["xiaomi-leica"],
            )
    finally:
        rows.close()

    result = leakbot("digest", "--post", "--date", day.isoformat())

    assert result.code == 0, result.err
    printed = [line for line in result.out.splitlines() if line.startswith("- ")]
    assert len(printed) == 500
    bodies = [m.body["embeds"][0] for m in discord.messages if m.target == WEBHOOK_ID]
    assert len(bodies) > 10  # 500 entries do not fit one message
    assert f"queued for leaks ({len(bodies)} messages each)" in result.err
    sent = [
        line
        for body in bodies
        for line in body["description"].splitlines()
        if line.startswith("- ")
    ]
    # every entry once, whole, in order, none clipped; escaped for Discord only
    assert [re.sub(r"\\(.)", r"\1", line) for line in sent] == printed
    assert sent[0].startswith("- [Leak 0\\: Leica") and printed[0].startswith("- [Leak 0: Leica")
    assert [b["title"].rsplit(" ", 1)[-1] for b in bodies] == [
        f"({n}/{len(bodies)})" for n in range(1, len(bodies) + 1)
    ]
    # the DiscordFake fixture fails the test if any body broke the spec or the 6000 limit


def test_the_discord_reply_is_today_so_far_in_messages_discord_takes(day_db: Day) -> None:
    for n in range(60):
        moment = utc(2026, 11, 24, 7) + timedelta(minutes=n)
        day_db.post(
            "gsmarena",
            f"Leica lens leak number {n}, with photos of the prototype from the factory line",
            published=moment,
            seen=moment,
            watches=["xiaomi-leica"],
        )
    database = Database(day_db.engine)
    try:
        now = utc(2026, 11, 24, 9, 15)
        replies = asyncio.run(digest_reply(database, config(BERLIN), None, now=now))
    finally:
        database.close()

    assert len(replies) > 1
    assert all(len(reply) <= 2000 for reply in replies)
    assert replies[0].startswith("**leakbot digest · Tuesday 24 November 2026, so far**\n\n")
    entries = [line for reply in replies for line in reply.splitlines() if line.startswith("- ")]
    assert len(entries) == 60


def test_a_failing_sources_error_is_shown_masked(day_db: Day) -> None:
    """An error may name the URL it failed on, with its token: the digest masks it."""
    day_db.failing(
        "dcs",
        last_success=utc(2026, 11, 20, 9, 0),
        last_polled=utc(2026, 11, 24, 22, 0),
        error="redirect from https down to plain http (http://feeds.example/f?token=s3cret)",
    )

    digest = make(day_db, BERLIN, date(2026, 11, 24), now=utc(2026, 11, 25, 9, 0))

    for text in (render_markdown(digest), posted(digest)):
        assert "s3cret" not in text
    assert "token=***" in render_markdown(digest)
