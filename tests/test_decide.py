"""The decide step on plain data: what a poll means, with no HTTP and no database.

Each test builds what storage would have read (a SourceSnapshot) and what the source gave
(a Reading, or the SourceError it raised), and checks the plan, the report and the IO the
decision asks for.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config.file import Config, parse_config
from bot.delivery.routing import Routes
from bot.domain import (
    AlertKind,
    Item,
    ItemState,
    PollOutcome,
    QueuedAlert,
    Reading,
    SourceKind,
    SourceRecord,
    SourceSnapshot,
    StoredPost,
)
from bot.errors import SourceError, SourceErrorKind
from bot.matching.watchlist import Watchlist
from bot.polling.decide import Confirmation, Decision, PollRules, decide_follow_ups, decide_poll

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
CONFIG = """
sources:
  - id: dcs
    feed: https://rsshub.example/weibo/user/1
    track_deletions: true
  - id: news
    feed: https://news.example/rss
channels:
  - id: leaks
    webhook: https://discord.com/api/webhooks/1234567890123456789/token-a
  - id: pixels
    webhook: https://discord.com/api/webhooks/9876543210987654321/token-b
watches:
  - id: xiaomi-leica
    any: [Leica, 徕卡]
    all: [[Xiaomi, 小米]]
    channels: [leaks]
  - id: pixel
    any: ["Pixel 11"]
    channels: [pixels]
  - id: everything-pixel
    any: [Pixel]
    sources: [news]
defaults:
  failures_before_pause: 3
deletions:
  confirm_missing_polls: 2
  confirm_missing_for: 10m
"""


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(CONFIG, Path("leakbot.yaml"))


def _item(key: str, text: str, *, source: str = "dcs", minutes: float = 0, **rest: object) -> Item:
    fields: dict[str, object] = {
        "source_id": source,
        "key": key,
        "title": text,
        "text": text,
        "html": f"<p>{text}</p>",
        "link": f"https://example.com/{key}",
        "author": None,
        "published_at": NOW - timedelta(minutes=minutes),
        "images": (),
    }
    fields.update(rest)
    return Item(**fields)  # type: ignore[arg-type]


def _state(source_id: str = "dcs", **fields: object) -> SourceRecord:
    base = SourceRecord(source_id, SourceKind.FEED, "https://x", baseline_done=True)
    return replace(base, **fields)  # type: ignore[arg-type]


def _stored(item: Item, item_id: int, **fields: object) -> StoredPost:
    post = StoredPost(item_id, item, first_seen_at=NOW - timedelta(hours=1))
    return replace(post, **fields)  # type: ignore[arg-type]


def _decide(
    config: Config,
    reading: Reading | SourceError,
    *,
    state: SourceRecord | None = None,
    posts: list[StoredPost] = (),  # type: ignore[assignment]
    now: datetime = NOW,
) -> Decision:
    state = state or _state()
    source = config.source(state.id)
    items = reading.items if isinstance(reading, Reading) else ()
    by_key = {post.key: post for post in posts}
    return decide_poll(
        snapshot=SourceSnapshot(state, frozenset(i.key for i in items if i.key in by_key), by_key),
        reading=reading,
        watchlist=Watchlist(config),
        routes=Routes(config),
        rules=PollRules(
            interval=config.interval_of(source),
            failures_before_pause=config.defaults.failures_before_pause,
            max_backoff=config.defaults.max_backoff,
            track_deletions=source.track_deletions,
            deletions=config.deletions,
            address=source.address,
        ),
        now=now,
        rng=random.Random(7),
    )


def test_a_first_poll_records_everything_and_alerts_nothing(config: Config) -> None:
    items = (_item("a", "小米17 徕卡 leak"), _item("b", "weather"))
    decision = _decide(config, Reading(items=items), state=_state(baseline_done=False))
    assert decision.report.outcome == PollOutcome.BASELINE
    assert decision.plan.new_items == items
    assert decision.plan.alerts == ()
    assert decision.plan.source is not None and decision.plan.source.baseline_done


def test_a_new_post_alerts_each_channel_once_with_every_watch_that_sends_it(
    config: Config,
) -> None:
    old = _item("old", "older post", source="news", minutes=30)
    new = _item("new", "Pixel 11 Pro pictured", source="news")
    decision = _decide(
        config,
        Reading(items=(new, old)),
        state=_state("news"),
        posts=[_stored(old, 1)],
    )
    assert [i.key for i in decision.plan.new_items] == ["new"]
    assert {(m.item_key, m.watch_id) for m in decision.plan.matches} == {
        ("new", "pixel"),
        ("new", "everything-pixel"),
    }
    by_channel = {a.channel_id: a for a in decision.plan.alerts}
    # pixel alerts its own channel; everything-pixel (no channels) alerts every channel
    assert sorted(by_channel) == ["leaks", "pixels"]
    assert by_channel["pixels"].message["watches"] == ["pixel", "everything-pixel"]
    assert by_channel["leaks"].message["watches"] == ["everything-pixel"]
    assert all(a.kind == AlertKind.NEW and a.item_key == "new" for a in decision.plan.alerts)
    assert decision.report.line() == "news: ok, 2 items, 1 new, 2 alerts"


def test_failures_back_off_then_pause_once_with_one_notice(config: Config) -> None:
    error = SourceError("HTTP 503 Service Unavailable", SourceErrorKind.FETCH)
    state = _state()
    notices: list[QueuedAlert] = []
    for _ in range(5):
        decision = _decide(config, error, state=state)
        assert decision.plan.source is not None
        state = decision.plan.source
        notices.extend(decision.plan.alerts)
    assert state.consecutive_failures == 5
    assert state.paused_at is not None
    assert decision.report.paused and decision.report.error_kind == SourceErrorKind.FETCH
    # paused: only a probe every max_backoff
    assert state.next_poll_at == NOW + config.defaults.max_backoff
    # one "Source paused" notice, to the channels of the watches that look at the source:
    # xiaomi-leica's and pixel's (it names no sources), not those of news-only watches
    assert [(a.kind, a.channel_id) for a in notices] == [
        (AlertKind.PAUSED, "leaks"),
        (AlertKind.PAUSED, "pixels"),
    ]

    back = _decide(config, Reading(items=(_item("a", "hello"),)), state=state)
    assert back.plan.source is not None
    assert back.plan.source.paused_at is None and back.plan.source.consecutive_failures == 0
    assert [(a.kind, a.channel_id) for a in back.plan.alerts] == [
        (AlertKind.RECOVERED, "leaks"),
        (AlertKind.RECOVERED, "pixels"),
    ]


def test_an_edit_of_a_matched_post_alerts_with_a_word_diff(config: Config) -> None:
    before = _item("leak", "小米17 徕卡 镜头 1 英寸")
    after = replace(before, title="小米17 徕卡 镜头 2 英寸", text="小米17 徕卡 镜头 2 英寸")
    stored = _stored(before, 7, watches=("xiaomi-leica",))
    decision = _decide(config, Reading(items=(after,)), posts=[stored])
    (change,) = decision.plan.changes
    assert change.item_id == 7 and change.edited == after and change.edits == 1
    (alert,) = decision.plan.alerts
    assert alert.kind == AlertKind.EDITED and alert.channel_id == "leaks"
    assert "~~1~~ **2**" in alert.message["excerpt"]


def test_whitespace_and_tracking_parameters_are_not_edits(config: Config) -> None:
    before = _item("leak", "小米17 徕卡 https://e.com/a?id=1")
    after = replace(before, text="小米17  徕卡\nhttps://e.com/a?id=1&utm_source=weibo")
    stored = _stored(before, 7, watches=("xiaomi-leica",))
    decision = _decide(config, Reading(items=(after,)), posts=[stored])
    assert decision.plan.changes == () and decision.plan.alerts == ()


def test_a_post_missing_long_enough_is_sent_to_its_page_then_called_deleted(
    config: Config,
) -> None:
    shown = _item("newer", "today", minutes=1)
    leak = _item("leak", "小米17 徕卡", minutes=20)
    oldest = _item("oldest", "yesterday", minutes=60)
    missing = _stored(
        leak,
        3,
        watches=("xiaomi-leica",),
        state=ItemState.MISSING,
        missing_since=NOW - timedelta(minutes=15),
        missing_polls=1,
    )
    decision = _decide(
        config,
        Reading(items=(shown, oldest)),
        state=_state(recent_sizes=(2,)),
        posts=[_stored(shown, 1), missing, _stored(oldest, 2)],
    )
    (confirm,) = decision.confirm
    assert confirm.item_id == 3 and confirm.missing_polls == 2
    assert decision.plan.alerts == ()  # nothing is said before the page is checked

    plan = decide_follow_ups(
        source_id="dcs",
        images={},
        confirmations=[Confirmation(confirm, True, "its page answers 404")],
        routes=Routes(config),
        now=NOW,
    )
    (change,) = plan.changes
    assert change.state == ItemState.DELETED and change.deletions == 1
    (alert,) = plan.alerts
    assert alert.kind == AlertKind.DELETED and alert.channel_id == "leaks"
    assert alert.message["title"] == "Deleted: 小米17 徕卡"


def test_a_page_that_proves_nothing_calls_nothing_deleted(config: Config) -> None:
    post = _stored(_item("leak", "小米17 徕卡"), 3, watches=("xiaomi-leica",))
    plan = decide_follow_ups(
        source_id="dcs",
        images={},
        confirmations=[Confirmation(post, False, "its page answers 403")],
        routes=Routes(config),
        now=NOW,
    )
    assert plan.alerts == ()
    (change,) = plan.changes  # only why, for `leakbot explain --item`
    assert (change.state, change.deletions) == (ItemState.LIVE, 0)
    assert change.judgement is not None and "its page answers 403" in change.judgement


def test_a_truncated_poll_proves_nothing_missing(config: Config) -> None:
    posts = [_item(f"p{i}", f"post {i}", minutes=i) for i in range(10)]
    stored = [_stored(item, i + 1) for i, item in enumerate(posts)]
    decision = _decide(
        config,
        Reading(items=tuple(posts[:3])),
        state=_state(recent_sizes=(10,)),
        posts=stored,
    )
    assert decision.confirm == ()
    # nothing counted: only why, for `leakbot explain --item`
    changes = decision.plan.changes
    assert {(c.state, c.missing_polls, c.missing_since) for c in changes} == {
        (ItemState.LIVE, 0, None)
    }
    assert {c.judgement for c in changes} == {
        "not judged: the feed showed 3 posts where about 10 are usual"
    }
    assert decision.report.detail == (
        "deletions not judged: the feed showed 3 posts where about 10 are usual"
    )


def test_only_a_post_announced_deleted_gets_a_restored_note(config: Config) -> None:
    leak = _item("leak", "小米17 徕卡", minutes=5)
    announced = _stored(
        leak,
        3,
        watches=("xiaomi-leica",),
        state=ItemState.DELETED,
        deleted_at=NOW - timedelta(minutes=2),
        deletions=1,
    )
    flapped = _stored(
        _item("flap", "小米17 徕卡 again", minutes=6),
        4,
        watches=("xiaomi-leica",),
        state=ItemState.MISSING,
        missing_since=NOW - timedelta(minutes=3),
        missing_polls=1,
    )
    decision = _decide(config, Reading(items=(leak, flapped.item)), posts=[announced, flapped])
    assert {c.item_id: c.state for c in decision.plan.changes} == {
        3: ItemState.LIVE,
        4: ItemState.LIVE,
    }
    assert [(a.kind, a.item_key) for a in decision.plan.alerts] == [(AlertKind.RESTORED, "leak")]


def test_a_date_from_the_future_is_taken_as_first_sight(config: Config) -> None:
    future = _item("f", "hello", minutes=-60 * 24 * 365)
    decision = _decide(config, Reading(items=(future,)), state=_state(baseline_done=False))
    assert decision.plan.new_items[0].published_at == NOW


def _feed(count: int, *, links: bool = True) -> list[Item]:
    """A feed of posts, newest first, ten minutes apart."""
    return [
        _item(
            f"p{n}",
            f"post {n}",
            minutes=10 * n,
            link=f"https://example.com/p{n}" if links else None,
        )
        for n in range(count)
    ]


def test_a_304_repeats_the_last_size_so_a_feed_that_grew_then_served_half_proves_nothing(
    config: Config,
) -> None:
    posts = _feed(20)
    stored = [_stored(item, n + 1) for n, item in enumerate(posts)]
    state = _state(recent_sizes=(10, 10, 10, 10, 10))
    decision = _decide(config, Reading(items=tuple(posts)), state=state, posts=stored)
    assert decision.plan.source is not None
    state = decision.plan.source
    for _ in range(3):
        decision = _decide(config, Reading(not_modified=True), state=state, posts=stored)
        assert decision.plan.source is not None
        state = decision.plan.source
    assert state.recent_sizes == (10, 10, 10, 10, 20, 20, 20, 20)  # a 200, three 304s
    half = tuple(posts[1::2])  # every other post: ten vanish from the window
    decision = _decide(config, Reading(items=half), state=state, posts=stored)
    assert decision.confirm == ()
    assert {c.missing_polls for c in decision.plan.changes} == {0}
    assert decision.report.detail == (
        "deletions not judged: the feed showed 10 posts where about 15 are usual"
    )


def test_many_posts_vanishing_at_once_neither_count_nor_reset(config: Config) -> None:
    posts = _feed(20)
    counting = replace(
        _stored(posts[3], 4),
        state=ItemState.MISSING,
        missing_since=NOW - timedelta(minutes=5),
        missing_polls=1,
    )
    stored = [_stored(item, n + 1) for n, item in enumerate(posts)]
    stored[3] = counting
    shown = tuple(posts[:3] + posts[8:])  # five gone from the middle, the feed near its size
    decision = _decide(config, Reading(items=shown), state=_state(recent_sizes=(20,)), posts=stored)
    assert decision.confirm == ()
    changes = {c.item_id: c for c in decision.plan.changes}
    assert sorted(changes) == [4, 5, 6, 7, 8]
    assert (changes[4].missing_polls, changes[4].missing_since) == (1, NOW - timedelta(minutes=5))
    assert {c.missing_polls for c in changes.values()} == {0, 1}
    assert decision.report.detail == (
        "5 of 20 posts in the feed's window vanished at once: an upstream problem, "
        "not taken as deletions"
    )


def test_a_post_the_window_moved_past_stays_followed_without_counting(config: Config) -> None:
    posts = _feed(20)
    stored = [_stored(item, n + 1) for n, item in enumerate(posts)]
    decision = _decide(
        config, Reading(items=tuple(posts[:15])), state=_state(recent_sizes=(20,)), posts=stored
    )
    assert decision.confirm == ()
    assert {(c.state, c.missing_polls) for c in decision.plan.changes} == {(ItemState.LIVE, 0)}
    assert {c.judgement for c in decision.plan.changes} == {
        "not judged: older than the oldest post the feed shows (its window moved)"
    }


def test_a_post_shown_under_a_new_key_is_followed_under_it(config: Config) -> None:
    posts = _feed(5)
    stored = [_stored(item, n + 1) for n, item in enumerate(posts)]
    rekeyed = tuple(replace(item, key=f"new:{item.key}") for item in posts)
    decision = _decide(
        config, Reading(items=rekeyed), state=_state(recent_sizes=(5,)), posts=stored
    )
    assert decision.confirm == ()
    assert {c.state for c in decision.plan.changes} == {ItemState.GONE}
    assert len(decision.plan.new_items) == 5


def test_a_post_with_no_page_needs_more_polls_longer_absence_and_its_neighbours(
    config: Config,
) -> None:
    posts = _feed(10, links=False)
    stored = [_stored(item, n + 1) for n, item in enumerate(posts)]
    shown = tuple(posts[:4] + posts[5:])
    # confirm_missing_polls 2 over 10m for a post with a page; 6 over 30m without one
    for polls, minutes, ready in ((5, 60, False), (6, 25, False), (6, 30, True)):
        stored[4] = replace(
            stored[4],
            state=ItemState.MISSING,
            missing_since=NOW - timedelta(minutes=minutes),
            missing_polls=polls - 1,
        )
        decision = _decide(
            config, Reading(items=shown), state=_state(recent_sizes=(10,)), posts=stored
        )
        assert [p.key for p in decision.confirm] == (["p4"] if ready else []), (polls, minutes)
    # its older neighbour gone too: no evidence for either
    decision = _decide(
        config,
        Reading(items=tuple(posts[:4] + posts[6:])),
        state=_state(recent_sizes=(10,)),
        posts=stored,
    )
    assert decision.confirm == ()
    assert {c.missing_polls for c in decision.plan.changes} == {0, 5}


def test_a_post_with_no_page_called_deleted_says_it_is_unconfirmed(config: Config) -> None:
    leak = _stored(
        _item("leak", "小米17 徕卡", link=None),
        3,
        watches=("xiaomi-leica",),
        state=ItemState.MISSING,
        missing_since=NOW - timedelta(minutes=30),
        missing_polls=6,
    )
    plan = decide_follow_ups(
        source_id="dcs",
        images={},
        confirmations=[Confirmation(leak, True, "it has no page to check")],
        routes=Routes(config),
        now=NOW,
    )
    (alert,) = plan.alerts
    assert alert.message["title"] == "Deleted (unconfirmed): 小米17 徕卡"
    assert [
        "Evidence",
        "missing from 6 healthy polls over 30m, its neighbours still shown; no page to check",
    ] in alert.message["facts"]


def test_posts_lost_with_many_others_for_hours_are_no_longer_followed(config: Config) -> None:
    posts = _feed(20)
    stored = [_stored(item, n + 1) for n, item in enumerate(posts)]
    for n in range(3, 13):
        stored[n] = replace(
            stored[n], state=ItemState.MISSING, missing_since=NOW - timedelta(hours=6)
        )
    shown = tuple(posts[:3] + posts[13:])
    decision = _decide(config, Reading(items=shown), state=_state(recent_sizes=(10,)), posts=stored)
    # ten posts vanished with others six hours ago and never came back: an upstream change
    assert {c.state for c in decision.plan.changes} == {ItemState.GONE}
    assert len(decision.plan.changes) == 10


def test_a_feed_in_another_order_cannot_prove_a_post_with_no_page_deleted(
    config: Config,
) -> None:
    posts = _feed(10, links=False)
    unsorted = [posts[n] for n in (0, 1, 6, 2, 3, 5, 7, 8, 9)]  # p4 gone, p6 out of its place
    stored = [_stored(item, n + 1) for n, item in enumerate(posts)]
    stored[4] = replace(
        stored[4],
        state=ItemState.MISSING,
        missing_since=NOW - timedelta(hours=1),
        missing_polls=9,
    )
    decision = _decide(
        config, Reading(items=tuple(unsorted)), state=_state(recent_sizes=(10,)), posts=stored
    )
    assert decision.confirm == ()
    (change,) = decision.plan.changes
    assert change.missing_polls == 9
    assert change.judgement is not None and "newest first" in change.judgement
