"""X sources through the real tweepy AsyncClient against a loopback fake of the X API v2:
each post paid for once, rate limits held rather than failed, the monthly budget."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import SourceHeldError
from bot.sources.x.timeline import PostStatus, XError, XTimeline, posts_from_response
from tests.conftest import REF, Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.x_api import LOOKUP, TIMELINE, Tweet, XFake

TOKEN = "x-bearer-token-never-logged"


class Clock:
    """A clock the fake X and leakbot share, moved by hand."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))


@pytest.fixture
def x_api(clock: Clock) -> Iterator[XFake]:
    with XFake(token=TOKEN, clock=clock) as fake:
        fake.account("UniverseIce", "1000001")
        yield fake
    assert fake.spec_problems == []
    assert fake.bad_requests == []


@pytest.fixture
def x_leakbot(
    leakbot: Leakbot, x_api: XFake, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> Leakbot:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    monkeypatch.setenv("X_API_BASE_URL", x_api.url)
    leakbot.now = clock
    return leakbot


CONFIG = """
    sources:
      - id: ice-universe
        x: UniverseIce
        track_deletions: true
    channels:
      - id: leaks
        webhook: ${LEAKS_WEBHOOK_URL}
    watches:
      - id: galaxy
        any: ["Galaxy S27"]
    deletions:
      confirm_missing_polls: 1
      confirm_missing_for: 1m
    """


def _titles(discord: DiscordFake) -> list[str]:
    return [m.body["embeds"][0]["title"] for m in discord.messages]


def test_recorded_timeline_turns_into_items() -> None:
    recorded = json.loads(
        (REF / "x" / "recorded" / "test_client_get_users_tweets.json").read_text()
    )
    items = posts_from_response(recorded[0]["body"], source_id="x", username="TwitterDev")
    assert [item.key for item in items] == ["1577730467436138524", "1565318587736285184"]
    assert items[0].link == "https://x.com/TwitterDev/status/1577730467436138524"
    assert items[0].text.startswith("whoa, it works")


async def test_timeline_gives_posts_with_images_and_utc_times(
    x_api: XFake, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    posted = clock() - timedelta(hours=1)
    x_api.post(
        "UniverseIce",
        Tweet(
            "1860000000000000001",
            "Galaxy S27 Ultra: titanium again",
            posted,
            image="https://pbs.twimg.com/media/s27.jpg",
        ),
    )
    timeline = XTimeline(TOKEN, x_api.url)
    timeline.limits.now = clock
    with caplog.at_level(logging.DEBUG):
        [item] = await timeline.recent_posts(source_id="ice-universe", username="UniverseIce")
    assert item.key == "1860000000000000001"
    assert item.published_at == posted
    assert item.images == ("https://pbs.twimg.com/media/s27.jpg",)
    assert item.author == "@UniverseIce"
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(timeline)


async def test_deleted_post_is_gone_and_protected_one_proves_nothing_in_one_batch(
    x_api: XFake, clock: Clock
) -> None:
    now = clock() - timedelta(hours=1)
    for key in ("1", "2", "3"):
        x_api.post("UniverseIce", Tweet(key, f"post {key}", now))
    x_api.delete("UniverseIce", "2")
    x_api.protected.add("3")
    timeline = XTimeline(TOKEN, x_api.url)
    timeline.limits.now = clock
    statuses = await timeline.status_of(["1", "2", "3"])
    assert statuses == {"1": PostStatus.THERE, "2": PostStatus.GONE, "3": PostStatus.UNKNOWN}
    assert [c.endpoint for c in x_api.calls] == [LOOKUP]
    ids = [str(x) for x in range(1, 251)]
    await timeline.status_of(ids)  # 250 ids: three batches of at most 100
    assert [c.endpoint for c in x_api.calls] == [LOOKUP] * 4


async def test_errors_are_clear_and_a_429_is_a_hold_until_its_reset(
    x_api: XFake, clock: Clock
) -> None:
    with pytest.raises(XError, match="401"):
        await XTimeline("wrong-token", x_api.url).recent_posts(
            source_id="s", username="UniverseIce"
        )
    timeline = XTimeline(TOKEN, x_api.url)
    timeline.limits.now = clock
    with pytest.raises(XError, match="no X account named @nobody_here"):
        await timeline.recent_posts(source_id="s", username="nobody_here")
    reset = x_api.storm(600)
    with pytest.raises(SourceHeldError, match="X rate limit on GET /2/users/by/username") as held:
        await timeline.recent_posts(source_id="s", username="UniverseIce")
    assert held.value.until == reset.replace(microsecond=0)
    asked = len(x_api.calls)
    with pytest.raises(SourceHeldError):
        await timeline.recent_posts(source_id="s", username="UniverseIce")
    assert len(x_api.calls) == asked  # held: X is not asked before the reset
    assert x_api.early_calls() == []


def test_a_tipster_is_read_with_since_id_and_each_post_is_paid_once(
    x_leakbot: Leakbot, x_api: XFake, discord: DiscordFake, clock: Clock
) -> None:
    x_leakbot.write_config(CONFIG)
    for n in range(30):
        x_api.post(
            "UniverseIce", Tweet(str(1000 + n), f"old post {n}", clock() - timedelta(days=2))
        )
    result = x_leakbot("poll-once")
    assert "ice-universe: first poll, 5 items recorded silently" in result.out, result.out
    assert x_api.billed_reads() == 5  # the small first page, not 20 (nor 30)

    clock.advance(minutes=10)
    result = x_leakbot("poll-once")
    assert "ice-universe: ok, 0 items, 0 new, 0 alerts" in result.out, result.out
    assert x_api.billed_reads() == 5  # nothing new, nothing paid

    x_api.post("UniverseIce", Tweet("2001", "Galaxy S27 Ultra: 5x periscope is back", clock()))
    clock.advance(minutes=10)
    result = x_leakbot("poll-once")
    assert "ice-universe: ok, 1 item, 1 new, 1 alert" in result.out, result.out
    assert _titles(discord) == ["Galaxy S27 Ultra: 5x periscope is back"]
    timelines = [c.path_qs for c in x_api.calls if c.endpoint == TIMELINE]
    assert "max_results=5" in timelines[0]
    assert "since_id=1029" in timelines[-1]
    assert x_api.billed_reads() == 6

    x_api.delete("UniverseIce", "2001")
    clock.advance(minutes=10)
    result = x_leakbot("poll-once")  # the followed post is looked up: Not Found
    assert "1 deleted" in result.out, result.out
    assert _titles(discord)[-1] == "Deleted: Galaxy S27 Ultra: 5x periscope is back"
    assert x_api.billed_reads() == 6  # a Not Found returns no post: nothing billed
    status = x_leakbot("status").out
    assert "X this month: $0.03 of $10 (6 reads)" in status, status
    assert TOKEN not in result.out + result.err + status


def test_a_429_storm_on_every_endpoint_never_pauses_and_never_asks_before_the_reset(
    x_leakbot: Leakbot, x_api: XFake, discord: DiscordFake, clock: Clock
) -> None:
    x_leakbot.write_config(CONFIG)
    x_api.post("UniverseIce", Tweet("100", "Good morning", clock() - timedelta(hours=1)))
    assert "first poll" in x_leakbot("poll-once").out
    reset = x_api.storm(15 * 60)
    x_api.post("UniverseIce", Tweet("101", "Galaxy S27: the storm's leak", clock()))
    for _ in range(8):  # more than failures_before_pause (5)
        clock.advance(minutes=1)
        result = x_leakbot("poll-once")
        assert "ice-universe: held (X rate limit on GET /2/users" in result.out, result.out
        assert "FAILED" not in result.out
    assert discord.messages == []  # no "Source paused", no notice of any kind
    assert x_api.early_calls() == []
    status = x_leakbot("status").out
    assert "paused" not in status.lower(), status
    clock.moment = reset + timedelta(seconds=1)
    result = x_leakbot("poll-once")
    assert "ice-universe: ok, 1 item, 1 new, 1 alert" in result.out, result.out
    assert _titles(discord) == ["Galaxy S27: the storm's leak"]
    assert x_api.early_calls() == []


def test_reaching_the_budget_holds_reads_says_so_once_and_resumes_when_the_month_turns(
    x_leakbot: Leakbot, x_api: XFake, discord: DiscordFake, clock: Clock
) -> None:
    x_leakbot.write_config(
        CONFIG
        + """
    x:
      monthly_budget_usd: 3
      price_per_read_usd: 1
    """
    )
    clock.moment = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    x_api.post("UniverseIce", Tweet("100", "Good morning", clock() - timedelta(hours=1)))
    x_api.post("UniverseIce", Tweet("101", "Coffee", clock() - timedelta(minutes=30)))
    assert "first poll, 2 items" in x_leakbot("poll-once").out
    x_api.post("UniverseIce", Tweet("102", "Galaxy S27 renders", clock()))
    clock.advance(minutes=10)
    assert "1 alert" in x_leakbot("poll-once").out  # the third read: $3 of $3
    x_api.post("UniverseIce", Tweet("103", "Galaxy S27 price", clock()))
    for _ in range(3):
        clock.advance(minutes=10)
        result = x_leakbot("poll-once")
        assert "ice-universe: held (the X budget of $3 is spent" in result.out, result.out
        assert "2026-12-01 00:00 UTC" in result.out
    titles = _titles(discord)
    assert titles == ["Galaxy S27 renders", "X reads held: the $3 budget is spent"]  # once
    assert x_api.billed_total() == 3
    status = x_leakbot("status").out
    assert "X this month: $3 of $3 (3 reads)" in status, status
    assert "X reads held until the month turns" in status

    clock.moment = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)
    result = x_leakbot("poll-once")
    assert "ice-universe: ok, 1 item, 1 new, 1 alert" in result.out, result.out
    assert _titles(discord)[-1] == "Galaxy S27 price"  # made while held, not lost
