"""X's filtered stream through ``leakbot run`` and tweepy's real AsyncStreamingClient against
the loopback X fake: posts alerted as they are made, a drop or a refusal falls back to polls
with no post lost, rules follow the X sources."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest

from bot.sources.x.stream import stream_rules
from tests.conftest import Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.x_api import XFake
from tests.running import Running, free_port, read_metrics

TOKEN = "x-bearer-token-never-logged"

# iceuniverse: its slot is 0.2% into its interval, so a fresh `leakbot run` polls it first
# at once (bot/polling/timetable.py, first_poll) and each later poll as much sooner;
# "ice-universe"'s slot (72% in) kept each test waiting 3.6 s more
CONFIG = """
    defaults:
      interval: 10s
    sources:
      - id: iceuniverse
        x: UniverseIce
    channels:
      - id: leaks
        webhook: ${LEAKS_WEBHOOK_URL}
    watches:
      - id: galaxy
        any: ["Galaxy S27"]
    """


@pytest.fixture
def x_api() -> Iterator[XFake]:
    with XFake(token=TOKEN, keepalive=0.5) as fake:
        fake.account("UniverseIce", "1000001")
        fake.account("OnLeaks", "1000002")
        yield fake
    assert fake.spec_problems == []
    assert fake.bad_requests == []


def _until(check: Callable[[], bool], seconds: float, worker: Running) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s; the worker said:\n{worker.output}")


def _titles(discord: DiscordFake) -> list[str]:
    return [m.body["embeds"][0]["title"] for m in discord.messages]


def _run(leakbot: Leakbot, x_api: XFake, *, port: int | None = None) -> Running:
    env = {**leakbot.env, "X_BEARER_TOKEN": TOKEN, "X_API_BASE_URL": x_api.url}
    if port is not None:
        env["LEAKBOT_HTTP_ADDR"] = f"127.0.0.1:{port}"
    return Running(["run"], leakbot.home, env)


def test_rules_follow_the_accounts_within_xs_limits() -> None:
    assert stream_rules(["UniverseIce", "@OnLeaks"]) == (
        ["from:onleaks OR from:universeice"],
        [],
    )
    names = [f"tipster{n:03}" for n in range(200)]
    rules, left_out = stream_rules(names, length=120, count=5)
    assert all(len(rule) <= 120 for rule in rules)
    assert len(rules) == 5
    followed = {c.removeprefix("from:") for rule in rules for c in rule.split(" OR ")}
    assert followed | set(left_out) == set(names)
    assert not followed & set(left_out)


def test_a_streamed_post_is_alerted_at_once_and_a_dropped_stream_loses_none(
    leakbot: Leakbot, x_api: XFake, discord: DiscordFake
) -> None:
    leakbot.write_config(CONFIG)
    x_api.post("UniverseIce", "Good morning")
    port = free_port()
    worker = _run(leakbot, x_api, port=port)
    try:
        worker.wait_for(re.compile("X stream connected"), 30)
        _until(lambda: "first poll" in worker.output, 30, worker)
        assert [r.value for r in x_api.rules] == ["from:universeice"]

        posted = time.monotonic()
        x_api.post("UniverseIce", "Galaxy S27 Ultra: the first streamed leak")
        _until(lambda: len(discord.messages) == 1, 10, worker)
        assert time.monotonic() - posted < 2  # through the stream, not the next poll
        assert x_api.delivered
        metrics = read_metrics(port)
        assert metrics["leakbot_x_stream_connected"] == 1
        assert metrics["leakbot_x_budget_usd"] == 10
        assert metrics["leakbot_x_reads_total"] == x_api.billed_total() == 2
        assert metrics["leakbot_x_spent_usd"] == pytest.approx(0.01)
        # the pace is the safety net's from the first poll that finds the stream live: the
        # first poll may have read before the stream said so, so it may take one more (10 s,
        # later on a loaded machine: the suite runs four workers on two cores)
        pace = 'leakbot_x_poll_every_seconds{source="iceuniverse"}'
        _until(lambda: read_metrics(port)[pace] == 1800, 30, worker)

        x_api.drop_stream()
        x_api.post("UniverseIce", "Galaxy S27 Edge: made as the stream dropped")
        _until(lambda: len(discord.messages) == 2, 20, worker)
        worker.wait_for(re.compile(r"X stream connected(.|\n)*X stream connected"), 30)
        x_api.post("UniverseIce", "Galaxy S27 FE: after the stream came back")
        _until(lambda: len(discord.messages) == 3, 10, worker)

        # a source added to the file joins the rules
        leakbot.write_config(
            CONFIG.replace(
                "    channels:", "      - id: onleaks\n        x: OnLeaks\n    channels:"
            )
        )
        _until(
            lambda: [r.value for r in x_api.rules] == ["from:onleaks OR from:universeice"],
            30,
            worker,
        )
        time.sleep(1)
        assert worker.stop() == 0, worker.output
    finally:
        worker.kill()
    assert _titles(discord) == [
        "Galaxy S27 Ultra: the first streamed leak",
        "Galaxy S27 Edge: made as the stream dropped",
        "Galaxy S27 FE: after the stream came back",
    ]
    assert TOKEN not in worker.output


def test_a_refused_stream_is_said_once_and_x_is_polled(
    leakbot: Leakbot, x_api: XFake, discord: DiscordFake, database_url: str
) -> None:
    if database_url.startswith("postgresql"):
        pytest.skip("the stream's refusal does not touch the database: once is enough")
    x_api.stream_refused = True
    leakbot.write_config(CONFIG)
    x_api.post("UniverseIce", "Good morning")
    worker = _run(leakbot, x_api)
    try:
        _until(lambda: "first poll" in worker.output, 30, worker)
        _until(lambda: "X refused the filtered stream" in worker.output, 30, worker)
        x_api.post("UniverseIce", "Galaxy S27 Ultra: found by a poll")
        _until(lambda: len(discord.messages) == 1, 25, worker)
        assert worker.stop() == 0, worker.output
    finally:
        worker.kill()
    assert _titles(discord) == ["Galaxy S27 Ultra: found by a poll"]
    assert worker.output.count("X refused the filtered stream") == 1
