"""``leakbot digest`` as an operator uses it.

- an impossible or future date, an unknown watch, and options that do not go together
  exit 2 with a message that names the problem;
- ``--format json`` prints the digest for scripts;
- ``--post`` posts once; again, it says so and posts nothing; ``--post --force`` posts again;
- "Failing all day" names only sources polled before the day began.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.clock import Clock
from tests.conftest import WEBHOOK_ID, Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post

CONFIG = """
    timezone: Asia/Shanghai
    channels:
      - id: leaks
        webhook: ${LEAKS_WEBHOOK_URL}
    watches:
      - {id: leica, any: [Leica]}
    """


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--date", "2026-02-30"], "--date 2026-02-30 is not a day of the calendar"),
        (["--date", "2026-13-01"], "--date 2026-13-01 is not a day of the calendar"),
        (["--date", "24.11.2026"], "--date '24.11.2026' is not a date; write it as YYYY-MM-DD"),
        (["--date", "9999-12-31"], "--date 9999-12-31 has not begun yet in Asia/Shanghai"),
        (["--watch", "nope"], "no watch with id 'nope' (watches are: leica)"),
        (["--force"], "--force goes with --post"),
        (["--post", "--watch", "leica"], "--post delivers the whole digest"),
    ],
)
def test_a_wrong_command_line_exits_2_and_says_why(
    cli: Leakbot, arguments: list[str], message: str
) -> None:
    cli.write_config(CONFIG)

    result = cli("digest", *arguments)

    assert result.code == 2
    assert result.err.startswith(f"leakbot digest: {message}")
    assert result.out == ""


def test_today_cannot_be_posted_before_it_is_over(cli: Leakbot) -> None:
    cli.write_config(CONFIG)
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))

    result = cli("digest", "--post", "--date", today.date().isoformat())

    assert result.code == 2
    assert "is not over yet in Asia/Shanghai" in result.err


def test_json_for_scripts(cli: Leakbot) -> None:
    cli.write_config(CONFIG)

    result = cli("digest", "--date", "2026-11-24", "--format", "json")

    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["day"] == "2026-11-24"
    assert data["timezone"] == "Asia/Shanghai"
    assert (data["start"], data["end"]) == (
        "2026-11-23T16:00:00+00:00",
        "2026-11-24T16:00:00+00:00",
    )
    assert data["watches"] == [] and data["posts"] == 0


def test_post_once_then_say_so_then_force(leakbot: Leakbot, discord: DiscordFake) -> None:
    discord.bucket = None
    leakbot.write_config(CONFIG)
    leakbot.now = Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    day = "2026-11-24"

    first = leakbot("digest", "--post", "--date", day)
    second = leakbot("digest", "--post", "--date", day)
    after_second = len(discord.messages)
    forced = leakbot("digest", "--post", "--force", "--date", day)

    assert (first.code, second.code, forced.code) == (0, 0, 0)
    assert "queued for leaks (1 message each)" in first.err
    assert f"digest of {day}: already posted to leaks" in second.err
    assert "--post --force posts it again" in second.err
    assert after_second == 1
    assert "queued for leaks (1 message each)" in forced.err
    assert [m.target for m in discord.messages] == [WEBHOOK_ID, WEBHOOK_ID]
    # what --post prints is the digest it posted
    assert first.out.startswith("**leakbot digest · ")
    assert discord.messages[0].body["embeds"][0]["description"] in first.out


def test_failing_all_day_names_only_sources_polled_before_the_day(
    leakbot: Leakbot, feeds: FeedServer
) -> None:
    names = ("early", "midday", "later")
    for name in names:
        feeds.publish_rss(name, [Post("a", "Old news")])
        feeds.fail(name, 503)
    sources = "".join(f"\n          - id: {n}\n            feed: {feeds.url(n)}" for n in names)
    leakbot.write_config(
        f"""
        sources:{sources}
        watches:
          - {{id: leica, any: [Leica]}}
        """
    )
    clock = Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    leakbot.now = clock  # the polls and the digest read this clock, not today's
    assert leakbot("poll-once", "--source", "early").code == 0  # the day before
    clock.advance(hours=26)  # 24 November, 12:00 UTC
    for name in ("early", "midday"):
        assert leakbot("poll-once", "--source", name).code == 0
    clock.advance(hours=21)  # 25 November, 09:00: the day is over
    for name in names:
        assert leakbot("poll-once", "--source", name).code == 0

    result = leakbot("digest", "--date", "2026-11-24")

    assert result.code == 0, result.err
    assert result.out == (
        "**leakbot digest · Tuesday 24 November 2026**\n"
        "\n"
        "Nothing matched on Tuesday 24 November 2026 (UTC), and nothing was deleted or edited.\n"
        "\n"
        "**Failing all day**\n"
        "- early: HTTP 503 Service Unavailable (last success never)\n"
    )
