"""What an operator meets first: database trouble in one line with its fix, secrets masked
wherever a URL is shown, proxies and ``${VAR}`` from ``.env``, a closed pipe, a bad setting,
and counts worded right."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.masking import mask_text, mask_url
from tests.conftest import ROOT, WEBHOOK_TOKEN, Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running

RESUMES = 10  # resumes timed against one running bot

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


def _corrupt_sqlite(home: Path) -> str:
    path = home / "corrupt.db"
    path.write_bytes(b"this is no database, only words " * 200)
    return f"sqlite:///{path}"


def _read_only_sqlite(home: Path) -> str:
    # a read-only file; chmod would not stop root, so SQLite is told to open it read-only
    path = home / "kept.db"
    path.write_bytes(b"")
    return f"sqlite:///file:{path}?mode=ro&uri=true"


DATABASES: dict[str, tuple[Callable[[Path], str], str]] = {
    "postgresql down": (
        lambda home: f"postgresql://leakbot:hunter2-secret@127.0.0.1:{_closed_port()}/leakbot",
        r"cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(.*refused.*\); start it, or fix the "
        r"host and port in DATABASE_URL",
    ),
    # a URL leakbot cannot use at all is a wrong setting (exit 2): tests/test_database_url.py
    "corrupt sqlite": (
        _corrupt_sqlite,
        r"the SQLite file .*corrupt\.db is corrupt or not a SQLite database \(file is not a "
        r"database\); move it aside to start afresh, or restore a backup",
    ),
    "read-only sqlite": (
        _read_only_sqlite,
        r"the SQLite file .*kept\.db\S* is read-only \(.*readonly.*\); let the user running "
        r"leakbot write to it and to its folder",
    ),
}


@pytest.mark.parametrize("command", ["poll-once", "check-config", "status"])
@pytest.mark.parametrize("trouble", list(DATABASES))
def test_database_trouble_is_one_line_with_its_fix(
    cli: Leakbot, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch, trouble: str, command: str
) -> None:
    make_url, expected = DATABASES[trouble]
    cli.write_config(CONFIG.format(feed=feeds.url("tipster")))
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    monkeypatch.setenv("DATABASE_URL", make_url(cli.home))

    result = cli(command)

    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert re.search(expected, lines[0]), lines[0]
    assert "hunter2" not in result.out + result.err
    if command == "check-config":
        assert "1 source:" in result.out  # the config is still shown


def test_run_with_the_database_down_says_so_in_one_line(tmp_path: Path) -> None:
    """The whole output of ``leakbot run`` on an unreachable PostgreSQL: no traceback."""
    (tmp_path / "leakbot.yaml").write_text(CONFIG.format(feed="https://example.com/feed"))
    url = f"postgresql://leakbot:hunter2-secret@127.0.0.1:{_closed_port()}/leakbot"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "LEAKBOT_CONFIG": str(tmp_path / "leakbot.yaml"),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert re.fullmatch(
        r"leakbot: cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(.*\); start it, or fix the host "
        r"and port in DATABASE_URL\n",
        done.stderr,
    ), done.stderr


def test_feed_urls_are_masked_where_they_are_shown(cli: Leakbot, feeds: FeedServer) -> None:
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    feeds.fail("tipster", 503)
    secret_feed = feeds.url("tipster").replace("http://", "http://reader:pa55word@")
    secret_feed += "?key=k3y-secret&lang=en&access_token=t0ken-secret"
    cli.write_config(CONFIG.format(feed=secret_feed))

    checked = cli("check-config")
    polled = cli("poll-once")
    status = cli("status")

    assert checked.code == 0, checked.err
    shown = re.search(r"tipster\s+feed every 10m\s+(\S+)", checked.out)
    assert shown is not None, checked.out
    assert shown.group(1) == (
        feeds.url("tipster").replace("http://", "http://reader:***@")
        + "?key=***&lang=en&access_token=***"
    )
    assert polled.code == 0
    assert "tipster: FAILED (HTTP 503" in polled.out
    for output in (checked, polled, status):
        for secret in ("pa55word", "k3y-secret", "t0ken-secret"):
            assert secret not in output.out + output.err


def test_a_config_error_never_shows_a_secret(cli: Leakbot) -> None:
    cli.write_config(
        """
        channels:
          - id: leaks
            discord_channel: ${LEAKS_WEBHOOK_URL}
          - id: pasted
            discord_channel: https://discord.com/api/webhooks/112233445566778899/pasted-t0ken
        """
    )

    result = cli("check-config")

    assert result.code == 2
    assert "leaks.yaml" not in result.err
    assert re.search(
        r"leakbot\.yaml:4: channels\[0\]\.discord_channel: .*\$\{LEAKS_WEBHOOK_URL\}", result.err
    ), result.err
    assert "channels[1].discord_channel" in result.err
    assert "webhooks/112233445566778899/***" in result.err
    assert WEBHOOK_TOKEN not in result.err
    assert "pasted-t0ken" not in result.err


def test_variables_in_the_config_are_read_from_dot_env_too(
    cli: Leakbot, feeds: FeedServer, discord: DiscordFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEAKS_WEBHOOK_URL")
    (cli.home / ".env").write_text(
        "TIPSTER_FEED=" + feeds.url("tipster") + "\n"
        "HOOK_FROM_DOT_ENV=https://discord.com/api/webhooks/998877665544332211/from-dot-env\n"
    )
    cli.write_config(
        """
        sources:
          - id: tipster
            feed: ${TIPSTER_FEED}
        channels:
          - id: leaks
            webhook: ${HOOK_FROM_DOT_ENV}
        watches:
          - id: pixel
            any: ["Pixel 11"]
        """
    )
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    assert cli("poll-once").code == 0
    feeds.publish_rss("tipster", [Post("b", "Pixel 11 leaks"), Post("a", "Old news")])

    result = cli("poll-once")

    assert result.code == 0, result.err
    assert "outbox: 1 alert delivered" in result.out
    assert [(m.target, m.body["embeds"][0]["title"]) for m in discord.messages] == [
        ("998877665544332211", "Pixel 11 leaks")
    ]
    # the environment wins over .env, as it does for the settings
    monkeypatch.setenv("TIPSTER_FEED", "ftp://not-a-feed")
    assert cli("check-config").code == 2


def test_proxies_are_read_from_dot_env_too(
    cli: Leakbot, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feed fetched through the HTTP_PROXY that .env names (here a server that plays one)."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with FeedServer() as proxy:
        # a proxy is asked for the absolute URL; this one answers with a feed of its own
        proxy.publish_rss("tipster", [Post("p", "Served by the proxy")])
        proxy_url = proxy.url("tipster").removesuffix("/feeds/tipster")
        (cli.home / ".env").write_text(f"HTTP_PROXY={proxy_url}\n")
        cli.write_config(CONFIG.format(feed=feeds.url("tipster")))
        feeds.publish_rss("tipster", [Post("a", "Straight from the feed")])

        result = cli.process("poll-once")

        assert result.code == 0, result.err
        assert "tipster: first poll, 1 item" in result.out
        assert proxy.hits("tipster"), result.out
        assert not feeds.hits("tipster")


def test_a_closed_pipe_is_no_error(cli: Leakbot, feeds: FeedServer, discord: DiscordFake) -> None:
    """``leakbot check-config | head -1``, and a poll whose reader went away still delivers."""
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    cli.write_config(
        """
        sources:
          - id: tipster
            feed: {feed}
        channels:
          - id: leaks
            webhook: ${{LEAKS_WEBHOOK_URL}}
        watches:
          - id: pixel
            any: ["Pixel 11"]
        """.format(feed=feeds.url("tipster"))
    )
    assert cli("poll-once").code == 0
    feeds.publish_rss("tipster", [Post("b", "Pixel 11 leaks"), Post("a", "Old news")])
    for command in ("check-config", "status", "poll-once"):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before the first line
        done = subprocess.run(
            [sys.executable, "-m", "bot", command],
            cwd=cli.home,
            env={**os.environ, **cli.env, "PYTHONPATH": str(ROOT)},
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
        os.close(write_end)
        assert done.returncode == 0, done.stderr
        assert "BrokenPipeError" not in done.stderr
        assert "Traceback" not in done.stderr
    assert [m.body["embeds"][0]["title"] for m in discord.messages] == ["Pixel 11 leaks"]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("LEAKBOT_LOG_LEVEL", "LOUD", "expected one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'"),
        ("LEAKBOT_HTTP_ADDR", "9464", "expected host:port such as 127.0.0.1:9464"),
        ("LEAKBOT_HTTP_ADDR", "0.0.0.0:http", "expected a port from 1 to 65535"),
        ("LEAKBOT_HTTP_ADDR", "localhost:70000", "expected a port from 1 to 65535"),
    ],
)
def test_a_bad_setting_is_an_error_that_names_it(
    cli: Leakbot, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    cli.write_config(CONFIG.format(feed="https://example.com/feed"))
    monkeypatch.setenv(name, value)

    result = cli("check-config")

    assert result.code == 2
    assert result.err.startswith(f"environment: {name}: {expected}"), result.err
    assert len(result.err.strip().splitlines()) == 1
    assert result.out == ""


def test_log_levels_are_taken_in_any_case(cli: Leakbot, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.write_config(CONFIG.format(feed="https://example.com/feed"))
    monkeypatch.setenv("LEAKBOT_LOG_LEVEL", "warning")
    monkeypatch.setenv("LEAKBOT_HTTP_ADDR", "[::1]:9464")
    assert cli("check-config").code == 0


def test_counts_are_worded_right(cli: Leakbot) -> None:
    one = """
        sources:
          - id: tipster
            feed: https://example.com/feed
        channels:
          - id: leaks
            webhook: ${LEAKS_WEBHOOK_URL}
        watches:
          - id: pixel
            any: ["Pixel 11"]
        """
    cli.write_config(one)
    single = cli("check-config").out
    cli.write_config(
        one.replace(
            "            feed: https://example.com/feed\n",
            "            feed: https://example.com/feed\n"
            "          - id: other\n            feed: https://example.com/other\n",
        )
        .replace(
            "            webhook: ${LEAKS_WEBHOOK_URL}\n",
            "            webhook: ${LEAKS_WEBHOOK_URL}\n"
            '          - id: bot\n            discord_channel: "123456789012345678"\n',
        )
        .replace(
            'any: ["Pixel 11"]\n',
            'any: ["Pixel 11"]\n          - id: leica\n            any: [Leica]\n',
        )
    )
    several = cli("check-config").out
    for line in ("1 source:", "1 channel:", "1 watch:"):
        assert line in single.splitlines(), single
    for line in ("2 sources:", "2 channels:", "2 watches:"):
        assert line in several.splitlines(), several


@pytest.mark.parametrize(
    ("shown", "masked"),
    [
        ("https://reader:pa55@example.com/rss", "https://reader:***@example.com/rss"),
        (
            "https://rsshub.app/weibo/user/1?key=abc&limit=5&access_token=t",
            "https://rsshub.app/weibo/user/1?key=***&limit=5&access_token=***",
        ),
        (
            "https://e.com/feed?apikey=1&api_key=2&sig=3",
            "https://e.com/feed?apikey=***&api_key=***&sig=***",
        ),
        ("https://e.com/feed?page=2&monkey=3", "https://e.com/feed?page=2&monkey=3"),
        (
            f"https://discord.com/api/webhooks/112233445566778899/{WEBHOOK_TOKEN}",
            "https://discord.com/api/webhooks/112233445566778899/***",
        ),
        (  # discord.py names an interaction's callback, token and all, in its 429 warning
            "https://discord.com/api/v10/interactions/123456789012345678/aW50ZXJhY3Rpb24/callback",
            "https://discord.com/api/v10/interactions/123456789012345678/***/callback",
        ),
        ("postgresql://leakbot:pw@db:5432/leakbot", "postgresql://leakbot:***@db:5432/leakbot"),
        ("postgresql://leakbot:pw@db:port/leakbot", "postgresql://leakbot:***@db:port/leakbot"),
        (
            "https://gsmarena.com/rss-news-reviews.php3",
            "https://gsmarena.com/rss-news-reviews.php3",
        ),
    ],
)
def test_urls_are_masked_in_any_text(shown: str, masked: str) -> None:
    assert mask_url(shown) == masked
    assert (
        mask_text(f"fetch {shown}, failed (see {shown}).")
        == f"fetch {masked}, failed (see {masked})."
    )


def test_a_secret_url_in_an_error_is_masked_in_the_log_too(cli: Leakbot) -> None:
    """aiohttp names the whole URL when it refuses one: the log and the poll line mask it."""
    cli.write_config(CONFIG.format(feed="http://reader:pa55word@127.0.0.1:99999/f?token=t0ken"))

    polled = cli.process("poll-once")
    status = cli.process("status")

    assert polled.code == 0, polled.err
    assert re.search(r"tipster: FAILED \(.*reader:\*\*\*@", polled.out)
    # the failure is said once, in its line: not again as a log line
    assert "poll failed" not in polled.err
    assert "token=***" in status.out
    for output in (polled.out, polled.err, status.out, status.err):
        assert "pa55word" not in output
        assert "t0ken" not in output


def test_an_address_already_in_use_is_one_line(cli: Leakbot) -> None:
    cli.write_config(CONFIG.format(feed="https://example.com/feed"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        cli.env["LEAKBOT_HTTP_ADDR"] = address

        result = cli.process("run")

    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines()[-1] == (
        f"leakbot: cannot serve /metrics and /healthz on LEAKBOT_HTTP_ADDR {address} "
        "(Address already in use); pick a free port, or unset LEAKBOT_HTTP_ADDR"
    ), result.err
    assert "Traceback" not in result.err


def test_a_running_bot_polls_a_resumed_source_as_soon_as_resume_says(
    leakbot: Leakbot, feeds: FeedServer
) -> None:
    """``source resume`` says how soon a running bot tries the source; it does, each time."""
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    feeds.fail("tipster", 503)
    leakbot.write_config(CONFIG.format(feed=feeds.url("tipster")))
    assert "1 failure in a row" in leakbot("poll-once").out  # next retry in ~10 minutes
    bot = Running(["run"], leakbot.home, leakbot.env)
    delays = []
    try:
        bot.wait_for(re.compile(r"leakbot running"), 30)
        for _ in range(RESUMES):
            time.sleep(random.uniform(0, 1))  # anywhere between two claim ticks
            hits = len(feeds.hits("tipster"))
            resumed = time.monotonic()
            said = leakbot("source", "resume", "tipster")
            while len(feeds.hits("tipster")) == hits and time.monotonic() - resumed < 30:
                time.sleep(0.01)
            delays.append(time.monotonic() - resumed)
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
    print("resume to poll, s:", sorted(round(d, 2) for d in delays))
    within = re.search(r"within (\d+) s by `leakbot run`", said.out)
    assert within is not None, said.out
    assert max(delays) <= int(within.group(1)), delays
