"""``leakbot outbox``: what it says is what happened (said after the commit, once per
change), a channel that waits for DISCORD_TOKEN is said to, in ``list`` as in ``status``,
and ``retry`` knows a configured channel that never got a row."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post

CONFIG = """
    sources:
      - id: tipster
        feed: {feed}
    channels:
      - id: leaks
        discord_channel: "123456789012345678"
    watches:
      - id: pixel
        any: ["Pixel 11"]
"""
WAITING = "waiting: DISCORD_TOKEN is not set, so nothing is sent to it"


def _an_alert_waits(leakbot: Leakbot, feeds: FeedServer) -> int:
    """Queue one alert for ``leaks``, a bot channel that waits for DISCORD_TOKEN; its id."""
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    leakbot.write_config(CONFIG.format(feed=feeds.url("tipster")))
    assert leakbot("poll-once").code == 0
    feeds.publish_rss("tipster", [Post("b", "Pixel 11 leaks in full"), Post("a", "Old news")])
    assert leakbot("poll-once").code == 0
    return _pending(leakbot)


def _pending(leakbot: Leakbot) -> int:
    listed = leakbot("outbox", "list")
    assert listed.code == 0, listed.err
    found = re.search(r"#(\d+)\s+pending .*Pixel 11 leaks in full", listed.out)
    assert found is not None, listed.out
    return int(found.group(1))


def _read_only(url: str) -> str:
    """The same database, opened read-only in a way that binds root too (chmod does not):
    SQLite's mode=ro, PostgreSQL's read-only transactions."""
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    parsed = make_url(url)
    options = f"{parsed.query.get('options', '')} -c default_transaction_read_only=on".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def test_a_drop_that_cannot_be_written_says_so_and_not_dropped(
    leakbot: Leakbot, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alert = _an_alert_waits(leakbot, feeds)
    monkeypatch.setenv("DATABASE_URL", _read_only(leakbot.env["DATABASE_URL"]))

    result = leakbot("outbox", "drop", str(alert))

    assert result.code == 1
    assert "dropped" not in result.out
    assert result.out == ""
    if "sqlite" in leakbot.env["DATABASE_URL"]:
        # PostgreSQL's refusal is logged as an unexpected error (bot/ops/database_trouble.py
        # knows no read-only PostgreSQL yet); SQLite's is the one line with its fix
        assert re.fullmatch(r"leakbot: the SQLite file .* is read-only \(.*\); .*\n", result.err)
    monkeypatch.setenv("DATABASE_URL", leakbot.env["DATABASE_URL"])
    assert _pending(leakbot) == alert  # still waiting, as nothing said otherwise


def test_dropping_an_alert_twice_says_dropped_once(leakbot: Leakbot, feeds: FeedServer) -> None:
    alert = _an_alert_waits(leakbot, feeds)

    first = leakbot("outbox", "drop", str(alert))
    second = leakbot("outbox", "drop", str(alert))

    assert (first.code, first.out) == (0, f"alert {alert} dropped: it will not be sent\n")
    assert (second.code, second.out) == (0, f"alert {alert} was dropped already: nothing to do\n")
    assert leakbot("outbox", "list").out == "the outbox is empty\n"


def test_retry_knows_a_configured_channel_that_waits_for_its_token(
    leakbot: Leakbot, feeds: FeedServer
) -> None:
    """The channel has an alert, but no row: nothing was ever sent to it."""
    _an_alert_waits(leakbot, feeds)

    result = leakbot("outbox", "retry", "leaks")

    assert result.code == 0, result.err
    assert result.out == (
        "channel leaks: nothing is sent to it until DISCORD_TOKEN is set; "
        "then its 1 alert go at the next pass\n"
    )


def test_retry_of_a_channel_nobody_knows_is_an_error(leakbot: Leakbot, feeds: FeedServer) -> None:
    _an_alert_waits(leakbot, feeds)

    result = leakbot("outbox", "retry", "nowhere")

    assert result.code == 2
    assert "no alert or channel with id 'nowhere'" in result.err


def test_list_says_what_status_says_of_a_channel_waiting_for_its_token(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    _an_alert_waits(leakbot, feeds)

    listed = leakbot("outbox", "list")
    status = leakbot("status")

    assert f"channel leaks: {WAITING}\n" in listed.out
    assert re.search(rf"^  leaks\s+{WAITING}; 1 alert waiting", status.out, re.M), status.out
    assert discord.messages == []
