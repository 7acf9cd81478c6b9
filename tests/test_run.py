"""``leakbot run``: starts on the embedded defaults, survives a dead network, stops cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ROOT, Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post
from tests.fakes.relay import Relay
from tests.running import Running


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_default_config_runs_offline_and_stops_cleanly(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    """With no network at all, every feed is logged as unreachable with its retry time."""
    dead_proxy = f"http://127.0.0.1:{_closed_port()}"
    env = {
        # the embedded defaults: no LEAKBOT_CONFIG, no DATABASE_URL, run from the checkout
        "HTTP_PROXY": dead_proxy,
        "HTTPS_PROXY": dead_proxy,
    }
    for name in (
        "LEAKBOT_CONFIG",
        "DATABASE_URL",
        "DISCORD_TOKEN",
        "X_BEARER_TOKEN",
        "NO_PROXY",
        "no_proxy",
    ):
        env[name] = ""
    feed_ids = re.findall(
        r"- id: ([a-z0-9-]+)\n\s+feed:", (ROOT / "config/leakbot.yaml").read_text()
    )
    assert len(feed_ids) >= 5
    bot = Running(["run"], tmp_path, env)  # a folder with no config: the embedded one is used
    try:
        pattern = re.compile(
            "".join(
                rf"(?=[\s\S]*source {re.escape(i)}: poll failed: .*next retry at \S+)"
                for i in feed_ids
            )
        )
        output = bot.wait_for(pattern, 60)
        assert bot.process.poll() is None, f"leakbot run exited early:\n{output}"
        for source_id in feed_ids:
            assert re.search(
                rf"WARNING .*source {re.escape(source_id)}: poll failed: .*; next retry at "
                r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d",
                output,
            ), f"no warning for {source_id}:\n{output}"
        assert "X_BEARER_TOKEN" in output or "X sources" in output
        time.sleep(1)
        assert bot.process.poll() is None  # it keeps running
        code = bot.stop(stop_signal)
        output = bot.output
    finally:
        bot.kill()
    assert code == 0, output
    assert "Traceback" not in output
    assert "stopping" in output
    assert (tmp_path / "data" / "leakbot.db").exists()


def test_run_alerts_on_schedule(leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake) -> None:
    """The scheduler polls each source at its interval and the alert goes out at once."""
    # lead-tipster: its slot is 1.5% into its interval, so a fresh `leakbot run` polls it
    # first at once (bot/polling/timetable.py, first_poll) and each later poll as much
    # sooner; "tipster"'s slot (64% in) kept the test waiting 3.2 s more
    feeds.publish_rss("tipster", [Post("a", "Old news", link="https://e.com/a")])
    leakbot.write_config(
        f"""
        sources:
          - id: lead-tipster
            feed: {feeds.url("tipster")}
            interval: 10s
        channels:
          - id: leaks
            webhook: ${{LEAKS_WEBHOOK_URL}}
        watches:
          - id: pixel
            any: ["Pixel 11"]
        """
    )
    bot = Running(["run"], leakbot.home, leakbot.env)
    try:
        output = bot.wait_for(re.compile(r"first poll, 1 item recorded"), 30)
        assert "lead-tipster: first poll" in output, output
        feeds.publish_rss(
            "tipster",
            [
                Post("b", "Pixel 11 Pro leaks in full", link="https://e.com/b"),
                Post("a", "Old news", link="https://e.com/a"),
            ],
        )
        deadline = time.monotonic() + 30
        while not discord.messages and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(discord.messages) == 1
        assert discord.messages[0].body["embeds"][0]["title"] == "Pixel 11 Pro leaks in full"
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()


def _get(url: str) -> tuple[int, str]:
    """GET a URL on loopback, never through a proxy; return the status and the body."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""  # not listening (yet)


def _until(check: Callable[[], bool], seconds: float, bot: Running) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting; the bot said:\n{bot.output}"
        assert bot.process.poll() is None, f"leakbot run exited:\n{bot.output}"
        time.sleep(0.2)


HEALTH_CONFIG = """
    defaults:
      interval: {interval}
    sources:{sources}
    watches:
      - id: pixel
        any: ["Pixel 11"]
"""


def test_metrics_and_healthz_follow_the_polls(cli: Leakbot, feeds: FeedServer) -> None:
    """/metrics counts polls by outcome; /healthz is 503 while every poll fails, then 200."""
    names = ["one", "two", "three"]
    for name in names:
        feeds.publish_rss(name, [Post("a", "Old news")])
    sources = "".join(f"\n      - id: {n}\n        feed: {feeds.url(n)}" for n in names)
    cli.write_config(HEALTH_CONFIG.format(interval="10s", sources=sources))
    base = f"http://127.0.0.1:{_closed_port()}"
    bot = Running(["run"], cli.home, {**cli.env, "LEAKBOT_HTTP_ADDR": base.removeprefix("http://")})
    try:
        _until(
            lambda: 'leakbot_polls_total{outcome="baseline"} 3.0' in _get(f"{base}/metrics")[1],
            30,
            bot,
        )
        assert _get(f"{base}/healthz") == (200, '{"status": "ok", "reason": "ok"}')
        metrics = _get(f"{base}/metrics")[1]
        assert "leakbot_poll_seconds_count 3.0" in metrics
        # there from the start at 0, so that rate() and alert rules see it before a failure
        assert 'leakbot_polls_total{outcome="failed"} 0.0' in metrics

        for name in names:
            feeds.fail(name, 503)
        _until(lambda: _get(f"{base}/healthz")[0] == 503, 40, bot)
        status, body = _get(f"{base}/healthz")
        assert (status, json.loads(body)["status"]) == (503, "unhealthy")
        assert re.match(
            r"the last [3-9] polls failed, none worked since ", json.loads(body)["reason"]
        )
        assert 'leakbot_polls_total{outcome="failed"} 3.0' in _get(f"{base}/metrics")[1]

        for name in names:
            feeds.fail(name, 200)
        _until(lambda: _get(f"{base}/healthz")[0] == 200, 40, bot)
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
    assert _get(f"{base}/healthz") == (0, "")  # the server stops with the bot
    assert "serving /metrics and /healthz on " + base in bot.output
    assert "Traceback" not in bot.output


def test_healthz_and_the_log_follow_a_database_outage(
    leakbot: Leakbot, database_url: str, feeds: FeedServer
) -> None:
    """A PostgreSQL outage: one line when it starts, one when it ends; /healthz 503 between."""
    # lead-tipster is polled first at once: see test_run_alerts_on_schedule
    if not database_url.startswith("postgresql"):
        pytest.skip("the outage is played by a relay in front of PostgreSQL")
    parsed = make_url(database_url)
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    leakbot.write_config(
        HEALTH_CONFIG.format(
            interval="1h",
            sources=f"\n      - id: lead-tipster\n        feed: {feeds.url('tipster')}",
        )
    )
    with Relay(parsed.host or "127.0.0.1", parsed.port or 5432) as relay:
        url = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        base = f"http://127.0.0.1:{_closed_port()}"
        env = {**leakbot.env, "DATABASE_URL": url, "LEAKBOT_HTTP_ADDR": base[len("http://") :]}
        bot = Running(["run"], leakbot.home, env)
        try:
            _until(lambda: "lead-tipster: first poll" in bot.output, 30, bot)
            assert _get(f"{base}/healthz")[0] == 200
            before = len(bot.lines)

            relay.cut()
            _until(lambda: _get(f"{base}/healthz")[0] == 503, 40, bot)
            reason = json.loads(_get(f"{base}/healthz")[1])["reason"]
            assert reason.startswith("database failing for "), reason
            relay.restore()
            _until(lambda: _get(f"{base}/healthz")[0] == 200, 30, bot)
            _until(lambda: "database answers again" in bot.output, 10, bot)
            during = bot.lines[before:]
            assert bot.stop() == 0, bot.output
        finally:
            bot.kill()
    outage = [line for line in during if "database" in line]
    assert len(outage) == 2, "".join(during)
    assert re.search(
        r"ERROR .*database unreachable: lost the connection to PostgreSQL at 127\.0\.0\.1:\d+ "
        r"\(.*\); .*; polls and deliveries wait until it answers",
        outage[0],
    ), outage[0]
    assert re.search(
        r"WARNING .*database answers again, after \d+s down and \d+ failed jobs?", outage[1]
    )
    assert "Traceback" not in bot.output
    assert "password" not in bot.output.lower()


def _interpreter_start(env: dict[str, str]) -> float:
    """The longest of three starts of a bare interpreter, in seconds: a signal sent before
    Python runs any of leakbot's code is Python's own to report."""
    env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    starts = []
    for _ in range(3):
        began = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
        starts.append(time.monotonic() - began)
    return max(starts)


@pytest.mark.parametrize("after", [0.1, 0.3, 0.6])
def test_ctrl_c_while_starting_is_a_quiet_stop(cli: Leakbot, after: float) -> None:
    """Ctrl-C before the bot is up (importing, reading the config) stops it without a
    traceback, as Ctrl-C once it runs does."""
    cli.write_config(
        """
        sources:
          - id: tipster
            feed: https://example.com/feed
        """
    )
    # counted from the interpreter's start, not the process's: on a loaded machine the
    # interpreter alone has taken more than 0.1 s, and leakbot's imports take about 1 s
    start = _interpreter_start(cli.env)
    bot = Running(["run"], cli.home, cli.env)
    try:
        time.sleep(start + after)
        code = bot.stop(signal.SIGINT)
    finally:
        bot.kill()
    assert code == 0, bot.output
    assert "Traceback" not in bot.output
    assert "KeyboardInterrupt" not in bot.output
