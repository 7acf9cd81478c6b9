"""Slash commands from Discord: a real ``leakbot run`` with the real discord.py client,
against a protocol-level fake of Discord's gateway and REST on loopback."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bot.domain import ManagedEntry, ManagedKind
from storage.db import make_engine, session_scope
from storage.managed import add_entry
from tests.conftest import Leakbot
from tests.fakes.discord import XIAOMI_ROLE_ID
from tests.fakes.discord_gateway import (
    LEAKS_CHANNEL_ID,
    PRIVILEGED,
    READER,
    ROLE_ADMIN,
    TOKEN,
    Answer,
    DiscordBotFake,
)
from tests.fakes.discord_gateway import (
    OTHER_CHANNEL_ID as OTHER,
)
from tests.fakes.discord_gateway import (
    SCOOPS_CHANNEL_ID as SCOOPS,
)
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running


@pytest.fixture
def discord(discord_bot: DiscordBotFake) -> DiscordBotFake:
    """These tests talk to Discord through the gateway and REST, as a bot does."""
    return discord_bot


# the source is lead-tipster: its slot is 1.5% into its interval, so a fresh `leakbot run`
# polls it first at once (bot/polling/timetable.py, first_poll) and each later poll as
# much sooner; "tipster"'s slot (64% in) kept every test waiting 3.2 s more
CONFIG = """
defaults:
  interval: 10s
sources:
  - id: lead-tipster
    feed: {feed}
channels:
  - id: leaks
    discord_channel: "{channel}"
watches:
  - id: galaxy
    any: ["Galaxy S30"]
discord:
  admin_roles: ["Leak Curators"]
"""


def _start(leakbot: Leakbot, feeds: FeedServer, discord: DiscordBotFake) -> Running:
    """Start ``leakbot run`` with a bot token, and wait until its commands are synced."""
    env = {**leakbot.env, "DISCORD_TOKEN": TOKEN, "DISCORD_GATEWAY_URL": discord.gateway_url}
    identified = discord.identifies
    bot = Running(["run"], leakbot.home, env)
    try:
        discord.wait_ready(30, identifies=identified)
    except AssertionError:
        bot.kill()
        raise AssertionError(f"the bot never synced its commands; it said:\n{bot.output}") from None
    return bot


def _until(check: Callable[[], bool], seconds: float, bot: Running) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting; the bot said:\n{bot.output}"
        assert bot.process.poll() is None, f"leakbot run exited:\n{bot.output}"
        time.sleep(0.1)


def _ok(answer: Answer) -> str:
    """Check what every reply must be: ephemeral, within limits and in time; return its text."""
    assert answer.text is not None, "the bot did not answer"
    assert answer.ephemeral, answer
    assert len(answer.text) <= 2000
    assert answer.callback_at - answer.sent_at < 3.0, "no answer within Discord's 3 s"
    return answer.text


def _alerts(discord: DiscordBotFake, channel: str = LEAKS_CHANNEL_ID) -> list[str]:
    return [m.title or "" for m in discord.messages if m.target == channel]


@pytest.fixture
def tipster(feeds: FeedServer) -> str:
    feeds.publish_rss("tipster", [Post("a", "Old news", link="https://e.com/a")])
    return feeds.url("tipster")


def test_watch_added_from_discord_alerts_at_once_and_survives_a_restart(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordBotFake, tipster: str
) -> None:
    """A moderator adds a watch: the next matching post alerts once, with no restart; a
    member without the permission is refused and changes nothing; a bad term gets the
    file's message."""
    leakbot.write_config(CONFIG.format(feed=tipster, channel=LEAKS_CHANNEL_ID))
    bot = _start(leakbot, feeds, discord)
    try:
        # no privileged intent asked for; zlib-stream as discord.py asks
        assert discord.intents and not discord.intents[0] & PRIVILEGED
        assert discord.compression == ["zlib-stream"]
        names = {c["name"]: c for c in discord.commands}
        assert set(names) == {"watch", "source", "leakbot", "digest"}
        assert {o["name"] for o in names["digest"]["options"]} == {"now", "day"}
        assert names["digest"].get("default_member_permissions") is None  # shown to everyone
        assert {o["name"] for o in names["watch"]["options"]} == {
            "add",
            "remove",
            "list",
            "show",
            "test",
        }
        assert int(names["watch"]["default_member_permissions"]) == 1 << 5  # Manage Server
        _until(lambda: "lead-tipster: first poll" in bot.output, 30, bot)

        refused = _ok(
            discord.command("watch", "add", {"id": "pixel", "any": "Pixel 11"}, member=READER)
        )
        assert "Only members with the Manage Server permission" in refused
        assert "Leak Curators" in refused and "nothing changed" in refused

        bad = _ok(discord.command("watch", "add", {"id": "broken", "any": "re:("}))
        assert bad == (
            "watch `broken` is not valid:\n- any[0]: bad regular expression '(': missing ): ("
        )
        file_error = leakbot("check-config", "--config", str(_write_bad_term(leakbot))).err.strip()
        assert file_error.endswith("any[0]: bad regular expression '(': missing ): (")

        added_at = time.monotonic()
        added = discord.command(
            "watch", "add", {"id": "pixel", "any": "Pixel 11, Pixel 12", "none": "case"}
        )
        assert added.deferred, "a change is deferred: the database may be slow"
        assert _ok(added).startswith("Added.\nwatch `pixel`: added from Discord by mod on ")
        feeds.publish_rss(
            "tipster",
            [
                Post("c", "Pixel 11 case leak", link="https://e.com/c"),
                Post("b", "Pixel 11 Pro renders leak", link="https://e.com/b"),
                Post("a", "Old news", link="https://e.com/a"),
            ],
        )
        _until(lambda: bool(_alerts(discord)), 30, bot)
        first_alert = time.monotonic() - added_at
        assert _alerts(discord) == ["Pixel 11 Pro renders leak"]

        listed = _ok(discord.command("watch", "list", member=ROLE_ADMIN))
        assert "`galaxy` (file)" in listed
        assert "`pixel` (Discord): any: Pixel 11, Pixel 12" in listed
        tested = _ok(discord.command("watch", "test", {"text": "Galaxy S30 Ultra, not a Pixel 11"}))
        assert tested.startswith("2 of 2 watches match")
        assert "watch pixel: MATCH" in tested and "'Pixel 11' at" in tested
        removed = _ok(discord.command("watch", "remove", {"id": "galaxy"}))
        assert removed == "watch `galaxy` is managed by the config file; Discord cannot remove it"
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)  # shown when the test fails
    print(f"\n/watch add to its first alert: {first_alert:.2f} s (poll interval 10 s)")

    assert _rows(leakbot, "SELECT id, added_by FROM managed") == [("pixel", "mod")]
    checked = leakbot("check-config")
    assert checked.code == 0, checked.err
    assert re.search(
        r"\n  pixel +Pixel 11, Pixel 12 .*\n +added from Discord by mod on \d{4}-\d\d-\d\d ",
        checked.out,
    ), checked.out

    bot = _start(leakbot, feeds, discord)
    try:
        assert discord.autocomplete("watch", "show", "id", "pi") == ["pixel"]
        shown = _ok(discord.command("watch", "show", {"id": "pixel"}))
        assert "added from Discord by mod" in shown and "none: case" in shown
        elsewhere = _ok(
            discord.command("watch", "add", {"id": "dummy", "any": "dummy", "channel": OTHER})
        )
        assert elsewhere.startswith(f"<#{OTHER}> is not one of leakbot's channels."), elsewhere
        here = discord.command(
            "watch", "add", {"id": "dummy", "any": "dummy", "channel": SCOOPS}, channel_id=SCOOPS
        )
        assert f"channels: discord-{SCOOPS}" in _ok(here)
        feeds.publish_rss("tipster", [Post("d", "Pixel 12 dummy units", link="https://e.com/d")])
        _until(lambda: len(_alerts(discord)) == 2, 30, bot)
        # each post alerted once, across polls and the restart
        assert _alerts(discord) == ["Pixel 11 Pro renders leak", "Pixel 12 dummy units"]
        # the channel the watch was added in hears that watch alone
        _until(lambda: bool(_alerts(discord, SCOOPS)), 10, bot)
        assert _alerts(discord, SCOOPS) == ["Pixel 12 dummy units"]
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)  # shown when the test fails


def test_a_role_given_to_watch_add_pings_on_its_alerts(
    cli: Leakbot, feeds: FeedServer, discord: DiscordBotFake, tipster: str
) -> None:
    """``/watch add mention:@Xiaomi Leaks``: its alert pings that role, and only it.

    On SQLite alone: the mention is part of the watch's spec, which the first test here
    stores and reads back through a restart on PostgreSQL too."""
    cli.write_config(CONFIG.format(feed=tipster, channel=LEAKS_CHANNEL_ID))
    bot = _start(cli, feeds, discord)
    try:
        _until(lambda: "lead-tipster: first poll" in bot.output, 30, bot)
        watch = next(c for c in discord.commands if c["name"] == "watch")
        add = next(o for o in watch["options"] if o["name"] == "add")
        assert {o["name"]: o["type"] for o in add["options"]}["mention"] == 8  # a role
        added = discord.command(
            "watch", "add", {"id": "xiaomi", "any": "Xiaomi 17", "mention": XIAOMI_ROLE_ID}
        )
        assert _ok(added).startswith("Added.\nwatch `xiaomi`: added from Discord by mod on ")
        feeds.publish_rss(
            "tipster",
            [
                Post("b", "Xiaomi 17 Ultra renders leak", link="https://e.com/b"),
                Post("a", "Old news", link="https://e.com/a"),
            ],
        )
        _until(lambda: bool(_alerts(discord)), 30, bot)
        (alert,) = [m for m in discord.messages if m.target == LEAKS_CHANNEL_ID]
        assert alert.posted["content"] == f"<@&{XIAOMI_ROLE_ID}>"
        assert alert.posted["allowed_mentions"] == {
            "parse": [],
            "roles": [XIAOMI_ROLE_ID],
            "users": [],
        }
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)  # shown when the test fails
    assert _rows(cli, "SELECT id FROM managed") == [("xiaomi",)]


def _write_bad_term(leakbot: Leakbot) -> object:
    path = leakbot.home / "bad.yaml"
    path.write_text("watches:\n  - id: broken\n    any: ['re:(']\n", encoding="utf-8")
    return path


def _rows(leakbot: Leakbot, query: str) -> list[tuple[object, ...]]:
    engine = make_engine(leakbot.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def test_source_added_from_discord_polls_silently_then_alerts(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordBotFake, tipster: str
) -> None:
    """``/source add`` polls the new source at once without alerting, and its later posts
    alert; ``/source resume`` tries a failing source at once; ``/leakbot status`` tells."""
    leakbot.write_config(CONFIG.format(feed=tipster, channel=LEAKS_CHANNEL_ID))
    feeds.publish_rss("weibo", [Post("w1", "Galaxy S30 leak, old", link="https://e.com/w1")])
    bot = _start(leakbot, feeds, discord)
    try:
        added = discord.command("source", "add", {"id": "weibo", "feed": feeds.url("weibo")})
        assert added.deferred
        text = _ok(added)
        assert text.startswith("Added source `weibo`"), text
        assert "weibo: first poll, 1 item recorded silently" in text
        listed = _ok(discord.command("source", "list"))
        assert "`weibo` (Discord): feed http://127.0.0.1" in listed
        feeds.publish_rss(
            "weibo",
            [
                Post("w2", "Galaxy S30 Ultra in the wild", link="https://e.com/w2"),
                Post("w1", "Galaxy S30 leak, old", link="https://e.com/w1"),
            ],
        )
        _until(lambda: bool(_alerts(discord)), 30, bot)
        assert _alerts(discord) == ["Galaxy S30 Ultra in the wild"]
        # the digest is read-only: any member may ask for today's so far, or a past day's
        digest = discord.command("digest", "now", member=READER)
        assert digest.deferred and _ok(digest)
        told = "\n".join(str(f.get("content", "")) for f in digest.followups)
        assert "Galaxy S30 Ultra in the wild" in told, told
        assert "S30 leak, old" not in told  # recorded silently by the first poll
        bad = _ok(discord.command("digest", "day", {"date": "2026-02-30"}, member=READER))
        assert bad.startswith("2026-02-30 is not a day of the calendar"), bad

        feeds.fail("tipster", 503)
        _until(lambda: "source lead-tipster: poll failed" in bot.output, 30, bot)
        status = _ok(discord.command("leakbot", "status"))
        assert re.search(r"lead-tipster +failing, 1 in a row \(HTTP 503", status), status
        assert re.search(r"weibo +ok, last success", status)
        assert re.search(r"leaks +ok", status) and "outbox: empty" in status
        feeds.publish_rss(
            "tipster",
            [
                Post("b", "Back up", link="https://e.com/b"),
                Post("a", "Old", link="https://e.com/a"),
            ],
        )
        resumed = _ok(discord.command("source", "resume", {"id": "lead-tipster"}))
        assert resumed == (
            "source `lead-tipster` tried at once:\nlead-tipster: ok, 2 items, 1 new, 0 alerts"
        )

        refused = _ok(discord.command("source", "remove", {"id": "weibo"}, member=READER))
        assert "nothing changed" in refused
        removed = _ok(discord.command("source", "remove", {"id": "weibo"}))
        assert removed == "Removed source `weibo` (added by mod)."
        assert "weibo" not in _ok(discord.command("source", "list"))
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)  # shown when the test fails


def test_commands_answer_again_soon_after_the_gateway_drops(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordBotFake, tipster: str
) -> None:
    """A dropped connection is resumed, and a command sent meanwhile is answered; a
    session Discord invalidates is identified afresh."""
    leakbot.write_config(CONFIG.format(feed=tipster, channel=LEAKS_CHANNEL_ID))
    bot = _start(leakbot, feeds, discord)
    gaps = []
    try:
        assert _ok(discord.command("watch", "list")).startswith("1 watch:")
        for _ in range(3):
            dropped = time.monotonic()
            discord.drop()
            token = discord.send_command("watch", "list")  # sent while the bot is away
            answer = discord.answer(token, 30)
            assert answer.text is not None and answer.text.startswith("1 watch:")
            gaps.append((answer.followup_at or answer.callback_at) - dropped)
        assert discord.resumes == 3 and discord.identifies == 1
        # a change another worker made reaches this one within seconds
        engine = make_engine(leakbot.env["DATABASE_URL"])
        try:
            with session_scope(engine) as session:
                spec = {"id": "from-elsewhere", "any": ["Pixel 11"]}
                add_entry(
                    session=session,
                    entry=ManagedEntry(
                        ManagedKind.WATCH, "from-elsewhere", spec, "other", "1", datetime.now(UTC)
                    ),
                )
        finally:
            engine.dispose()
        seen = time.monotonic()
        _until(lambda: "from-elsewhere" in _ok(discord.command("watch", "list")), 10, bot)
        assert time.monotonic() - seen < 5
        discord.invalidate()
        _until(lambda: discord.identifies == 2, 30, bot)
        assert _ok(discord.command("watch", "list")).startswith("2 watches:")
        assert "Traceback" not in bot.output
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)  # shown when the test fails
    assert max(gaps) < 10
    print(
        f"\ndropped connection to the next answered command: min {min(gaps) * 1000:.0f} ms, "
        f"median {statistics.median(gaps) * 1000:.0f} ms over {len(gaps)}"
    )
