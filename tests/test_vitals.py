"""The running bot's vitals: healthy until every poll fails or the database stays down, and
a database outage logged once when it starts and once when it ends."""

from __future__ import annotations

import logging
import socket

import aiohttp
import pytest
import sqlalchemy as sa

from bot.domain import PollOutcome
from bot.ops.http_server import HttpServer
from bot.ops.vitals import Vitals
from storage.db import make_engine
from tests.clock import Clock


def _outage() -> sa.exc.OperationalError:
    """Return what SQLAlchemy raises when PostgreSQL does not answer (a real refusal)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = make_engine(f"postgresql://leakbot:s3cret@127.0.0.1:{port}/leakbot")
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("nothing listens there, yet it answered")


def test_healthy_until_every_poll_fails_and_again_once_one_works() -> None:
    clock = Clock()
    vitals = Vitals(now=clock, failed_polls=3)
    assert vitals.health().healthy

    vitals.poll_done(PollOutcome.FAILED)
    vitals.poll_done(PollOutcome.SKIPPED)  # says nothing either way
    vitals.poll_done(PollOutcome.FAILED)
    assert vitals.health().healthy
    vitals.poll_done(PollOutcome.NOT_MODIFIED)  # a source that answers resets the count
    for _ in range(2):
        vitals.poll_done(PollOutcome.FAILED)
    assert vitals.health().healthy
    clock.advance(minutes=5)
    vitals.poll_done(PollOutcome.FAILED)

    health = vitals.health()
    assert not health.healthy
    assert health.reason == "the last 3 polls failed, none worked since 2026-11-24T08:00:00+00:00"

    vitals.poll_done(PollOutcome.BASELINE)
    assert vitals.health().healthy


def test_a_database_outage_is_two_lines_and_unhealthy_after_a_while(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    vitals = Vitals(now=clock, database_url="postgresql://leakbot:s3cret@127.0.0.1:5432/leakbot")
    error = _outage()
    caplog.set_level(logging.INFO, logger="bot.ops.vitals")

    def failing_job() -> None:
        raise error

    for job in range(20):  # a job every 5 s for 100 s
        with vitals.database_calls():
            failing_job()
        if job == 0:
            assert vitals.health().healthy  # one failed job is no outage yet
        clock.advance(seconds=5)
    health = vitals.health()
    assert not health.healthy
    assert health.reason.startswith("database failing for 1m40s: ")
    with vitals.database_calls():
        pass  # the database answers again
    assert vitals.health().healthy

    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2, lines
    assert lines[0].startswith("database unreachable: cannot reach PostgreSQL at 127.0.0.1:5432")
    assert lines[0].endswith("; polls and deliveries wait until it answers")
    assert lines[1] == "database answers again, after 1m40s down and 20 failed jobs"
    assert "s3cret" not in " ".join(lines)


def test_other_errors_are_not_taken_for_an_outage() -> None:
    vitals = Vitals()
    with pytest.raises(ZeroDivisionError), vitals.database_calls():
        _ = 1 / 0
    assert vitals.database_down_since is None
    assert vitals.health().healthy


def test_only_a_job_that_needs_the_database_ends_an_outage() -> None:
    clock = Clock()
    vitals = Vitals(now=clock)
    vitals.database_failed(_outage())
    with vitals.database_calls(ends_outage=False):
        pass  # a poll that shrugged off its failed query
    assert vitals.database_down_since is not None
    with vitals.database_calls():
        pass  # the outbox pass read the database
    assert vitals.database_down_since is None


async def test_healthz_says_the_feed_parser_cannot_parse_until_it_can() -> None:
    """/healthz answers 503 naming the parser while it cannot parse, then 200 again."""
    clock = Clock()
    vitals = Vitals(now=clock)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = HttpServer(vitals, "127.0.0.1", port)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:

            async def healthz() -> tuple[int, dict[str, str]]:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return response.status, await response.json()

            assert await healthz() == (200, {"status": "ok", "reason": "ok"})
            vitals.parser_failed("a worker process died while no parse ran in it")
            clock.advance(seconds=30)
            vitals.parser_failed("pebble: Unexpected error within the Pool")  # still down
            assert await healthz() == (
                503,
                {
                    "status": "unhealthy",
                    "reason": "the feed parser cannot parse since 2026-11-24T08:00:00+00:00: "
                    "pebble: Unexpected error within the Pool",
                },
            )
            vitals.parser_ok()
            assert await healthz() == (200, {"status": "ok", "reason": "ok"})
    finally:
        await server.stop()
