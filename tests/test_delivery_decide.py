"""The delivery decision on plain data: what each answer of Discord means, with no HTTP and
no database.

Each row is one answer, made by the Discord sink's own classification (``classify``) from a
status, headers and body as Discord sends them, or as the sink reports a timeout, a refused
connection and its own wait for a bucket. The decision gets the alert and its channel as
storage read them when the alert was taken to be sent, and the test checks the plan storage
writes, what the pass reports, and what the log and the counters hear.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery.decide import DeliveryDecision, DispatchReport, Tally, decide_delivery
from bot.domain import (
    AlertKind,
    AlertState,
    ChannelState,
    ChannelStatus,
    DeliveryOutcome,
    OutboxAlert,
)
from bot.sinks.base import Delivery
from bot.sinks.discord.rest import classify

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
LABEL = "channel leaks"
CHANNELS = ("leaks", "other", "third")
ALERT = OutboxAlert(
    id=7,
    dedup_key="new:leaks:tipster:post-1",
    kind=AlertKind.NEW,
    channel_id="leaks",
    message={"title": "Pixel 11 leaked"},
    created_at=NOW - timedelta(minutes=1),
)


def discord(status: int, body: object = None, **headers: str) -> Delivery:
    """Return what the Discord sink makes of one HTTP answer."""
    text = "" if body is None else json.dumps(body)
    return classify(status, {k.replace("_", "-"): v for k, v in headers.items()}, text, label=LABEL)


def error(code: int, message: str) -> dict[str, object]:
    """Return Discord's JSON error body."""
    return {"code": code, "message": message}


TIMEOUT = Delivery(DeliveryOutcome.FAILED, detail=f"{LABEL}: TimeoutError: ", sent=True)
REFUSED_CONNECTION = Delivery(
    DeliveryOutcome.FAILED,
    detail=f"{LABEL}: ClientConnectorError: Cannot connect to host",
    sent=False,
)
OWN_WAIT = Delivery(
    DeliveryOutcome.RATE_LIMITED,
    detail=f"{LABEL}: waiting 12.0 s for Discord's rate limit",
    retry_after=12.0,
    scope="bucket",
    sent=False,
)


@dataclass(frozen=True)
class Row:
    """One answer, the channel before it, and what the decision must say."""

    answer: Delivery
    alert: AlertState  # the alert's new state
    channel: ChannelState  # the channel's new state
    wait: tuple[float, float] | None  # bounds of the seconds until the channel may send
    failures: int  # the channel's failures in a row afterwards
    report: DispatchReport
    tally: Tally | None
    said: tuple[int, str] | None  # the log line's level and a part of its text
    before: ChannelState = ChannelState.OK
    failures_before: int = 0
    recorded: bool = True  # a try is recorded (False: nothing left)
    settled: bool = True  # the alert's sending mark is lifted
    held: tuple[str, ...] = ()  # channels a global limit holds
    scope: str | None = None  # counted as a 429 of this scope


ROWS = {
    "2xx": Row(
        discord(200, {"id": "1200000000000000001"}),
        AlertState.DELIVERED,
        ChannelState.OK,
        None,
        0,
        DispatchReport(delivered=1),
        Tally.DELIVERED,
        None,
        failures_before=0,
    ),
    "2xx after failures": Row(
        discord(204),
        AlertState.DELIVERED,
        ChannelState.OK,
        None,
        0,
        DispatchReport(delivered=1),
        Tally.DELIVERED,
        (logging.INFO, "channel leaks delivers again"),
        before=ChannelState.BACKING_OFF,
        failures_before=3,
    ),
    "429 local": Row(
        discord(
            429,
            {"message": "You are being rate limited.", "retry_after": 2.5, "global": False},
            Retry_After="3",
            X_RateLimit_Scope="user",
        ),
        AlertState.PENDING,
        ChannelState.BACKING_OFF,
        (2.75, 2.75),  # Discord's wait, and a quarter of a second
        2,  # a rate limit is not a failure: the back-off does not grow
        DispatchReport(failed=1),
        Tally.FAILED,
        (logging.WARNING, "alert 7 to channel leaks not delivered (channel leaks: rate limited"),
        before=ChannelState.BACKING_OFF,
        failures_before=2,
        scope="user",
    ),
    "429 shared": Row(
        discord(429, {"retry_after": 1.0, "global": False}, X_RateLimit_Scope="shared"),
        AlertState.PENDING,
        ChannelState.BACKING_OFF,
        (1.25, 1.25),
        0,
        DispatchReport(failed=1),
        Tally.FAILED,
        (logging.WARNING, "next try at 2026-11-24T08:00:01+00:00"),
        scope="shared",
    ),
    "429 global": Row(
        discord(
            429,
            {"message": "You are being rate limited.", "retry_after": 4.0, "global": True},
            X_RateLimit_Global="true",
        ),
        AlertState.PENDING,
        ChannelState.BACKING_OFF,
        (4.25, 4.25),
        0,
        DispatchReport(failed=1),
        Tally.FAILED,
        (logging.WARNING, "rate limited by Discord (global) for 4 s"),
        held=CHANNELS,
        scope="global",
    ),
    "5xx, first": Row(
        discord(502, error(0, "Bad Gateway")),
        AlertState.PENDING,
        ChannelState.BACKING_OFF,
        (15 * 0.85, 15 * 1.15),  # 15 s, with jitter
        1,
        DispatchReport(failed=1),
        Tally.FAILED,
        (logging.WARNING, "not delivered (channel leaks: HTTP 502"),
    ),
    "5xx, fifth": Row(
        discord(500, error(0, "Internal Server Error")),
        AlertState.PENDING,
        ChannelState.BACKING_OFF,
        (240 * 0.85, 240 * 1.15),  # 15 s doubled four times
        5,
        DispatchReport(failed=1),
        Tally.FAILED,
        (logging.WARNING, "HTTP 500"),
        before=ChannelState.BACKING_OFF,
        failures_before=4,
    ),
    "5xx, at the ceiling": Row(
        discord(503),
        AlertState.PENDING,
        ChannelState.BACKING_OFF,
        (300, 300),  # never more than 5 minutes
        9,
        DispatchReport(failed=1),
        Tally.FAILED,
        (logging.WARNING, "HTTP 503"),
        before=ChannelState.BACKING_OFF,
        failures_before=8,
    ),
    "timeout": Row(
        TIMEOUT,
        AlertState.PENDING,
        ChannelState.BACKING_OFF,
        (15 * 0.85, 15 * 1.15),
        1,
        DispatchReport(failed=1),
        Tally.FAILED,
        (logging.WARNING, "not delivered (channel leaks: TimeoutError"),
        settled=False,  # Discord may have it: the next try is in doubt
    ),
    "no answer (connection refused)": Row(
        REFUSED_CONNECTION,
        AlertState.PENDING,
        ChannelState.BACKING_OFF,
        (15 * 0.85, 15 * 1.15),
        1,
        DispatchReport(failed=1),
        Tally.FAILED,
        (logging.WARNING, "ClientConnectorError"),
        settled=True,  # nothing left: Discord surely has not got it
    ),
    "401": Row(
        discord(401, error(50027, "Invalid Webhook Token")),
        AlertState.PENDING,
        ChannelState.BROKEN,
        (3600, 3600),  # looked at again in an hour
        0,
        DispatchReport(broken=("leaks",)),
        None,
        (logging.ERROR, "channel leaks is broken: channel leaks: HTTP 401"),
    ),
    "403": Row(
        discord(403, error(50013, "Missing Permissions")),
        AlertState.PENDING,
        ChannelState.BROKEN,
        (3600, 3600),
        2,  # kept as it was: a broken channel is not backed off
        DispatchReport(broken=("leaks",)),
        None,
        (logging.ERROR, "Its alerts are held, not dropped"),
        before=ChannelState.BACKING_OFF,
        failures_before=2,
    ),
    "404": Row(
        discord(404, error(10015, "Unknown Webhook")),
        AlertState.PENDING,
        ChannelState.BROKEN,
        (3600, 3600),
        0,
        DispatchReport(broken=("leaks",)),
        None,
        (logging.ERROR, "`leakbot outbox retry leaks`"),
    ),
    "404 again, at the hourly look": Row(
        discord(404, error(10015, "Unknown Webhook")),
        AlertState.PENDING,
        ChannelState.BROKEN,
        (3600, 3600),
        0,
        DispatchReport(),  # said once, when it broke
        None,
        (logging.DEBUG, "channel leaks is still broken"),
        before=ChannelState.BROKEN,
    ),
    "400": Row(
        discord(400, error(50035, "Invalid Form Body")),
        AlertState.SET_ASIDE,
        ChannelState.OK,
        None,
        0,
        DispatchReport(set_aside=1),
        Tally.SET_ASIDE,
        (logging.WARNING, "alert 7 to channel leaks set aside: Discord refused it"),
        before=ChannelState.BACKING_OFF,
        failures_before=1,
    ),
    "our own wait for a bucket": Row(
        OWN_WAIT,
        AlertState.PENDING,
        ChannelState.BACKING_OFF,
        (12.25, 12.25),
        3,
        DispatchReport(),  # nothing went out: not a try, not a failure
        None,
        None,
        before=ChannelState.BACKING_OFF,
        failures_before=3,
        recorded=False,
    ),
}


def decide(row: Row, alert: OutboxAlert = ALERT, seed: int = 0) -> DeliveryDecision:
    """Decide one row's answer for the alert, its channel as the row had it before."""
    channel = ChannelStatus("leaks", row.before, failures=row.failures_before)
    return decide_delivery(
        alert,
        channel,
        row.answer,
        sink="webhook",
        every_channel=CHANNELS,
        now=NOW,
        rng=random.Random(seed),
    )


@pytest.mark.parametrize("name", ROWS)
def test_each_discord_answer_moves_the_alert_and_its_channel(name: str) -> None:
    row = ROWS[name]
    decision = decide(row)
    plan = decision.plan

    assert (plan.alert_id, plan.channel_id, plan.at) == (7, "leaks", NOW)
    assert plan.alert_state == row.alert
    assert plan.channel.state == row.channel
    assert plan.channel.failures == row.failures
    if row.wait is None:
        assert plan.channel.retry_at is None
    else:
        assert plan.channel.retry_at is not None
        waited = (plan.channel.retry_at - NOW).total_seconds()
        assert row.wait[0] <= waited <= row.wait[1], waited
    if row.channel != ChannelState.OK:
        assert plan.channel.reason == row.answer.detail  # the operator sees why
    if row.held:
        assert plan.hold is not None
        assert plan.hold.channel_ids == row.held
        assert plan.hold.until == plan.channel.retry_at
        assert plan.hold.reason == row.answer.detail
    else:
        assert plan.hold is None

    if not row.recorded:
        assert plan.attempt is None
    else:
        assert plan.attempt is not None
        assert plan.attempt.sink == "webhook"
        assert plan.attempt.outcome == row.answer.outcome
        assert plan.attempt.status == row.answer.status
        assert plan.attempt.detail == row.answer.detail
        assert plan.attempt.message_id == row.answer.remote_id
        assert plan.attempt.settled is row.settled
        assert plan.attempt.in_doubt is False

    assert decision.report == row.report
    assert decision.tally == row.tally
    assert decision.limit_scope == row.scope
    if row.said is None:
        assert decision.said == ()
    else:
        [line] = decision.said
        level, part = row.said
        assert line.level == level
        assert part in line.text % line.args


def test_a_delivered_answer_stores_discords_message_id() -> None:
    decision = decide(ROWS["2xx"])
    assert decision.plan.attempt is not None
    assert decision.plan.attempt.message_id == "1200000000000000001"


def test_a_try_after_one_cut_off_is_recorded_in_doubt() -> None:
    cut_off = replace(ALERT, sending_since=NOW - timedelta(seconds=40))
    for name in ("2xx", "5xx, first", "timeout", "400"):
        decision = decide(ROWS[name], cut_off)
        assert decision.in_doubt, name
        assert decision.plan.attempt is not None and decision.plan.attempt.in_doubt


def test_a_global_limit_gives_a_reason_when_discord_gives_none() -> None:
    bare = Delivery(DeliveryOutcome.RATE_LIMITED, status=429, retry_after=None, scope="global")
    row = replace(ROWS["429 global"], answer=bare)
    decision = decide(row)
    assert decision.plan.hold is not None
    assert decision.plan.hold.reason == "Discord's global rate limit"
    # no retry_after: the channels wait a second (and a quarter)
    assert decision.plan.hold.until == NOW + timedelta(seconds=1.25)


def test_the_back_off_jitter_comes_from_the_rng_it_is_given() -> None:
    row = ROWS["5xx, fifth"]
    assert decide(row, seed=1).plan == decide(row, seed=1).plan
    waits = {decide(row, seed=seed).plan.channel.retry_at for seed in range(20)}
    assert len(waits) > 1  # spread, so that channels failing together do not retry together
