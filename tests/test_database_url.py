"""DATABASE_URL as people type it: a password with '@', '#', '/' or '?' connects and is never
shown, and a URL leakbot cannot use is a wrong setting (exit 2) named and masked."""

from __future__ import annotations

import socket

import pytest

from bot.masking import mask_text, mask_url
from tests.conftest import Leakbot
from tests.fakes.feed_server import FeedServer, Post

# a password as a self-hoster might pick it, with each character a URL reserves
PASSWORD = "hunter2@p#ss/w?rd:x"
PIECES = ("hunter2", "p#ss", "w?rd", "ss/w", "rd:x")  # no part of it may be printed

CONFIG = """
    sources:
      - id: tipster
        feed: {feed}
    watches:
      - id: pixel
        any: ["Pixel 11"]
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _with_password(url: str, password: str) -> str:
    """Put an unencoded password into a ``scheme://user@host…`` URL, as a user types it."""
    scheme, _, rest = url.partition("://")
    user, _, place = rest.partition("@")
    return f"{scheme}://{user}:{password}@{place}"


def _assert_not_shown(text: str) -> None:
    for piece in PIECES:
        assert piece not in text, f"{piece!r} of the password was printed: {text}"


@pytest.mark.parametrize("command", ["status", "check-config", "poll-once"])
def test_an_unreachable_database_is_named_by_its_host_not_by_the_password(
    cli: Leakbot, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    cli.write_config(CONFIG.format(feed=feeds.url("tipster")))
    port = _closed_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://leakbot:{PASSWORD}@127.0.0.1:{port}/x")

    result = cli(command)

    assert result.code == 1
    assert f"cannot reach PostgreSQL at 127.0.0.1:{port} (" in result.err
    _assert_not_shown(result.out + result.err)


def test_leakbot_run_says_where_the_database_is_and_nothing_of_the_password(
    cli: Leakbot,
) -> None:
    cli.write_config(CONFIG.format(feed="https://example.com/feed"))
    port = _closed_port()
    cli.env["DATABASE_URL"] = f"postgresql://leakbot:{PASSWORD}@127.0.0.1:{port}/x"

    result = cli.process("run", "--verbose")

    assert result.code == 1
    assert f"leakbot: cannot reach PostgreSQL at 127.0.0.1:{port} (" in result.err
    _assert_not_shown(result.out + result.err)


def test_a_password_with_reserved_characters_connects_as_typed(
    leakbot: Leakbot, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = leakbot.env["DATABASE_URL"]
    if url.startswith("sqlite"):
        pytest.skip("a SQLite URL has no password")
    # the test server trusts loopback: any password logs in, the host must be read right
    monkeypatch.setenv("DATABASE_URL", _with_password(url, PASSWORD))
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    leakbot.write_config(CONFIG.format(feed=feeds.url("tipster")))

    polled = leakbot("poll-once")
    shown = leakbot("status")

    assert polled.code == 0, polled.err
    assert shown.code == 0, shown.err
    assert "tipster" in shown.out
    _assert_not_shown(polled.out + polled.err + shown.out + shown.err)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysqlx://leakbot:hunter2@db/leakbot", "no database kind is named 'mysqlx'"),
        ("postgres:/hunter2", "it cannot be read as scheme://user:password@host:port/database"),
        ("postgresql://leakbot:hunter2@db:5432x/leakbot", "the port after the host is not a"),
        (f"postgresql://leakbot:{PASSWORD}@db:port/leakbot", "the port after the host is not a"),
    ],
)
@pytest.mark.parametrize("command", ["status", "check-config", "poll-once"])
def test_a_database_url_leakbot_cannot_use_is_a_wrong_setting(
    cli: Leakbot, monkeypatch: pytest.MonkeyPatch, url: str, problem: str, command: str
) -> None:
    cli.write_config(CONFIG.format(feed="https://example.com/feed"))
    monkeypatch.setenv("DATABASE_URL", url)

    result = cli(command)

    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("environment: DATABASE_URL: not a database URL leakbot can use")
    assert problem in lines[0]
    assert "write it as postgresql://USER:PASSWORD@HOST:5432/NAME" in lines[0]
    _assert_not_shown(result.err)


def test_leakbot_run_exits_2_on_a_database_url_it_cannot_use(cli: Leakbot) -> None:
    cli.write_config(CONFIG.format(feed="https://example.com/feed"))
    cli.env["DATABASE_URL"] = "mysqlx://leakbot:hunter2@db/leakbot"

    result = cli.process("run")

    assert result.code == 2
    assert result.err == (
        "environment: DATABASE_URL: not a database URL leakbot can use "
        "(mysqlx://leakbot:***@db/leakbot): no database kind is named 'mysqlx'; write it as "
        "postgresql://USER:PASSWORD@HOST:5432/NAME or sqlite:///data/leakbot.db\n"
    )


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            f"postgresql://leakbot:{PASSWORD}@db:5432/leakbot",
            "postgresql://leakbot:***@db:5432/leakbot",
        ),
        ("postgresql://leakbot:pass#word@db/leakbot", "postgresql://leakbot:***@db/leakbot"),
        ("postgresql+psycopg://u:a/b?c@[::1]:5432/x", "postgresql+psycopg://u:***@[::1]:5432/x"),
        (
            "postgresql://user@corp:hunter2/x@db/x?sslmode=require&password=hunter2",
            "postgresql://user@corp:***@db/x?sslmode=require&password=***",
        ),
        ("sqlite:///data/leaks@2025.db", "sqlite:///data/leaks@2025.db"),
    ],
)
def test_a_database_url_is_masked_in_a_log_line_however_its_password_is_written(
    url: str, masked: str
) -> None:
    assert mask_url(url) == masked
    line = "connecting to {}, then polling"
    assert mask_text(line.format(url)) == line.format(masked)
