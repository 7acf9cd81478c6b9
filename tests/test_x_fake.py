"""The X API fake against X's own description and the real tweepy clients, over loopback.

What leakbot's X tests rely on is shown here through tweepy itself: rate-limit headers and
429s by the fake's clock, timelines with since_id and pages, batched look-ups with X's error
entries, billing with X's daily dedup, stream rules, and the filtered stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import tweepy
from tweepy.asynchronous import AsyncClient, AsyncStreamingClient

from tests.clock import Clock
from tests.conftest import REF
from tests.fakes.x_api import (
    LIMITS,
    LOOKUP,
    RULES,
    RULES_UPDATE,
    STREAM,
    TIMELINE,
    TWEET,
    USER,
    XFake,
    rebase_client,
    rebased_session,
)
from tests.fakes.x_api.rules import Post, RuleError, compile_rule
from tests.fakes.x_api.spec import response_problems

TOKEN = "x-fake-bearer"
START = datetime(2026, 11, 24, 23, 50, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def x_api(clock: Clock) -> Iterator[XFake]:
    with XFake(token=TOKEN, clock=clock, keepalive=0.05) as fake:
        fake.account("UniverseIce", "1000001")
        fake.account("OnLeaks", "1000002")
        yield fake
        assert fake.spec_problems == []  # every body it answered follows X's spec


@pytest.fixture
async def client(x_api: XFake) -> AsyncIterator[AsyncClient]:
    api = AsyncClient(bearer_token=TOKEN, return_type=dict)
    async with rebased_session(x_api.url) as session:
        api.session = session
        yield api


async def _raw(x_api: XFake, path: str, **params: str) -> tuple[int, dict[str, str], Any]:
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as session,
        session.get(x_api.url + path, params=params) as response,
    ):
        return response.status, dict(response.headers), await response.json(content_type=None)


# -- the spec check -------------------------------------------------------------------------


def test_the_spec_check_takes_x_real_answers_and_catches_made_up_ones() -> None:
    paths = {
        "get_users_tweets": "/2/users/{id}/tweets",
        "get_tweets": "/2/tweets",
        "get_tweet": "/2/tweets/{id}",
        "get_user": "/2/users/by/username/{username}",
    }
    checked = 0
    for name, path in paths.items():
        for kind in ("client", "asyncclient"):
            for recorded in json.loads(
                (REF / "x" / "recorded" / f"test_{kind}_{name}.json").read_text()
            ):
                body = recorded["body"]
                body = json.loads(body) if isinstance(body, str) else body
                assert response_problems(path, "get", recorded["status"], body) == []
                checked += 1
    assert checked == 8
    not_found_without_its_fields = {
        "errors": [
            {
                "title": "Not Found Error",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }
    problems = response_problems("/2/tweets", "get", 200, not_found_without_its_fields)
    assert any("'resource_id' is a required property" in p for p in problems)
    invented = {"data": [{"id": "1", "text": "x", "edit_history_tweet_ids": ["1"], "views": 3}]}
    assert response_problems("/2/tweets", "get", 200, invented) == [
        "GET /2/tweets 200: unknown key body.data[0].views"
    ]
    assert response_problems("/2/tweets/search/stream", "get", 200, {"data": {"id": "x1"}})


# -- rate limits ----------------------------------------------------------------------------


async def test_every_answer_says_its_endpoint_quota_and_429_past_it(
    x_api: XFake, client: AsyncClient, clock: Clock
) -> None:
    x_api.limits[LOOKUP] = 2
    x_api.post("UniverseIce", "Galaxy S27 Ultra: titanium again")
    window_end = str(int(START.timestamp()) + 900)
    answers = [await _raw(x_api, "/2/tweets", ids="1") for _ in range(3)]
    assert [(status, h["x-rate-limit-remaining"]) for status, h, _ in answers] == [
        (200, "1"),
        (200, "0"),
        (429, "0"),
    ]
    assert {h["x-rate-limit-limit"] for _, h, _ in answers} == {"2"}
    assert {h["x-rate-limit-reset"] for _, h, _ in answers} == {window_end}
    assert answers[2][2] == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    status, headers, _ = await _raw(x_api, "/2/users/by/username/UniverseIce")
    assert (status, headers["x-rate-limit-limit"], headers["x-rate-limit-remaining"]) == (
        200,
        str(LIMITS[USER]),
        str(LIMITS[USER] - 1),
    )
    with pytest.raises(tweepy.TooManyRequests) as refused:
        await client.get_tweets(["1"])
    assert refused.value.reset_time == int(window_end)
    assert [c.early for c in x_api.calls if c.endpoint == LOOKUP] == [False, False, False, True]

    clock.advance(minutes=15)  # a new window
    status, headers, _ = await _raw(x_api, "/2/tweets", ids="1")
    assert (status, headers["x-rate-limit-remaining"]) == (200, "1")
    assert headers["x-rate-limit-reset"] == str(int(clock().timestamp()) + 900)
    assert len(x_api.early_calls()) == 1


async def test_a_storm_answers_429_on_every_endpoint_until_its_reset(
    x_api: XFake, clock: Clock
) -> None:
    reset = x_api.storm(120)
    paths = {
        USER: ("get", "/2/users/by/username/UniverseIce"),
        TIMELINE: ("get", "/2/users/1000001/tweets"),
        LOOKUP: ("get", "/2/tweets?ids=1"),
        TWEET: ("get", "/2/tweets/1"),
        STREAM: ("get", "/2/tweets/search/stream"),
        RULES: ("get", "/2/tweets/search/stream/rules"),
        RULES_UPDATE: ("post", "/2/tweets/search/stream/rules"),
    }
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=auth) as session:
        for method, path in paths.values():
            async with session.request(method, x_api.url + path, json={"add": []}) as answer:
                assert answer.status == 429
                assert answer.headers["x-rate-limit-reset"] == str(int(reset.timestamp()))
        assert x_api.early_calls() == []  # nobody had been told to wait yet
        clock.advance(seconds=119)
        async with session.get(x_api.url + "/2/tweets?ids=1") as answer:
            assert answer.status == 429
        clock.advance(seconds=1)
        async with session.get(x_api.url + "/2/tweets?ids=1") as answer:
            assert answer.status == 200
    assert [(c.endpoint, c.at) for c in x_api.early_calls()] == [
        (LOOKUP, START + timedelta(seconds=119))
    ]


# -- timelines, look-ups, edits and deletions -----------------------------------------------


async def test_timeline_reads_only_posts_after_since_id_page_by_page(
    x_api: XFake, client: AsyncClient, clock: Clock
) -> None:
    posts = []
    for n in range(12):
        posts.append(x_api.post("UniverseIce", f"leak {n}"))
        clock.advance(minutes=1)
    newest_first = [p.id for p in reversed(posts)]
    first = await client.get_users_tweets("1000001", max_results=5, tweet_fields=["created_at"])
    assert [t["id"] for t in first["data"]] == newest_first[:5]
    assert first["data"][0]["created_at"] == "2026-11-25T00:01:00.000Z"
    assert first["data"][0]["edit_history_tweet_ids"] == [posts[-1].id]
    meta = first["meta"]
    assert (meta["result_count"], meta["newest_id"], meta["oldest_id"]) == (
        5,
        newest_first[0],
        newest_first[4],
    )
    second = await client.get_users_tweets(
        "1000001", max_results=5, pagination_token=meta["next_token"]
    )
    assert [t["id"] for t in second["data"]] == newest_first[5:10]
    third = await client.get_users_tweets(
        "1000001", max_results=5, pagination_token=second["meta"]["next_token"]
    )
    assert [t["id"] for t in third["data"]] == newest_first[10:]
    assert "next_token" not in third["meta"]

    since = await client.get_users_tweets("1000001", since_id=posts[9].id)
    assert [t["id"] for t in since["data"]] == newest_first[:2]
    assert "created_at" not in since["data"][0]  # fields come only when asked
    nothing_new = await client.get_users_tweets("1000001", since_id=posts[-1].id)
    assert nothing_new == {"meta": {"result_count": 0}}
    recent = await client.get_users_tweets("1000001", start_time=START + timedelta(minutes=10))
    assert [t["id"] for t in recent["data"]] == newest_first[:2]
    assert [c.status for c in x_api.calls_to(TIMELINE)] == [200] * 6

    with pytest.raises(tweepy.BadRequest, match=r"max_results.*\[3\] is not between 5 and 100"):
        await client.get_users_tweets("1000001", max_results=3)
    with pytest.raises(tweepy.BadRequest, match=r"tweet.fields.*\[views\] is not one of"):
        await client.get_users_tweets("1000001", tweet_fields=["views"])


async def test_the_synchronous_client_reads_a_timeline_with_images_and_links(
    x_api: XFake,
) -> None:
    first = x_api.post("UniverseIce", "old")
    x_api.post(
        "UniverseIce",
        "Galaxy S27 renders https://www.gsmarena.com/s27-news-1.php",
        image="https://pbs.twimg.com/media/s27.jpg",
        links=("https://www.gsmarena.com/s27-news-1.php",),
    )
    client = rebase_client(tweepy.Client(bearer_token=TOKEN, return_type=dict), x_api.url)
    body = await asyncio.to_thread(
        client.get_users_tweets,
        "1000001",
        since_id=first.id,
        tweet_fields=["created_at", "author_id", "attachments", "entities"],
        expansions=["attachments.media_keys"],
        media_fields=["url", "type"],
    )
    [tweet] = body["data"]
    assert tweet["text"].startswith("Galaxy S27 renders https://t.co/")
    [url] = tweet["entities"]["urls"]
    assert tweet["text"][url["start"] : url["end"]] == url["url"]
    assert url["expanded_url"] == "https://www.gsmarena.com/s27-news-1.php"
    assert tweet["author_id"] == "1000001"
    assert body["includes"]["media"] == [
        {
            "media_key": tweet["attachments"]["media_keys"][0],
            "type": "photo",
            "url": "https://pbs.twimg.com/media/s27.jpg",
        }
    ]


async def test_batched_lookups_answer_x_error_entries_for_what_is_gone(
    x_api: XFake, client: AsyncClient
) -> None:
    kept = x_api.post("UniverseIce", "kept")
    gone = x_api.post("UniverseIce", "deleted soon")
    hidden = x_api.post("UniverseIce", "protected")
    banned = x_api.post("OnLeaks", "from a suspended account")
    x_api.delete("UniverseIce", gone.id)
    x_api.protected.add(hidden.id)
    x_api.suspended.add("OnLeaks")
    body = await client.get_tweets([kept.id, gone.id, hidden.id, banned.id, "42"])
    assert [t["id"] for t in body["data"]] == [kept.id]
    errors = {e["resource_id"]: e for e in body["errors"]}
    assert errors[gone.id]["title"] == "Not Found Error"
    assert errors[gone.id]["detail"] == f"Could not find tweet with ids: [{gone.id}]."
    assert errors["42"]["title"] == "Not Found Error"
    assert errors[hidden.id]["title"] == "Authorization Error"
    assert errors[banned.id]["title"] == "Forbidden"
    assert "suspended" in errors[banned.id]["detail"]
    timeline = await client.get_users_tweets("1000001")
    assert [t["id"] for t in timeline["data"]] == [hidden.id, kept.id]

    single = await client.get_tweet(gone.id)
    assert single["errors"][0]["detail"] == f"Could not find tweet with id: [{gone.id}]."
    assert (await client.get_tweet(kept.id))["data"]["text"] == "kept"
    with pytest.raises(tweepy.BadRequest, match=r"`ids` query parameter list \[101\]"):
        await client.get_tweets([str(n) for n in range(1, 102)])


async def test_an_edit_is_a_new_version_with_the_whole_history(
    x_api: XFake, client: AsyncClient, clock: Clock
) -> None:
    first = x_api.post("UniverseIce", "Pixel 11 in blue")
    clock.advance(minutes=3)
    second = x_api.edit("UniverseIce", first.id, "Pixel 11 in blue and green")
    timeline = await client.get_users_tweets("1000001", tweet_fields=["edit_controls"])
    [latest] = timeline["data"]
    assert latest["id"] == second.id
    assert latest["edit_history_tweet_ids"] == [first.id, second.id]
    assert latest["edit_controls"]["edits_remaining"] == 4
    both = await client.get_tweets([first.id, second.id])
    assert [t["text"] for t in both["data"]] == ["Pixel 11 in blue", "Pixel 11 in blue and green"]
    assert {tuple(t["edit_history_tweet_ids"]) for t in both["data"]} == {(first.id, second.id)}
    x_api.delete("UniverseIce", second.id)
    gone = await client.get_tweets([first.id, second.id])
    assert "data" not in gone
    assert len(gone["errors"]) == 2


async def test_users_are_found_by_name_in_any_case(x_api: XFake, client: AsyncClient) -> None:
    found = await client.get_user(username="universeice")
    assert found["data"] == {"id": "1000001", "name": "UniverseIce", "username": "UniverseIce"}
    missing = await client.get_user(username="nobody_here")
    assert missing["errors"][0]["detail"] == "Could not find user with username: [nobody_here]."
    wrong = AsyncClient(bearer_token="wrong", return_type=dict)
    async with rebased_session(x_api.url) as session:
        wrong.session = session
        with pytest.raises(tweepy.Unauthorized):
            await wrong.get_user(username="UniverseIce")


# -- billing --------------------------------------------------------------------------------


async def test_each_post_read_is_billed_once_a_utc_day(
    x_api: XFake, client: AsyncClient, clock: Clock
) -> None:
    a = x_api.post("UniverseIce", "one")
    b = x_api.post("UniverseIce", "two")
    await client.get_users_tweets("1000001")
    await client.get_users_tweets("1000001")
    await client.get_tweets([a.id, b.id])
    await client.get_tweet(a.id)
    today = START.date()
    assert x_api.posts_returned(today) == 7
    assert x_api.billed_reads(today) == 2
    since = await client.get_users_tweets("1000001", since_id=b.id)
    assert since["meta"]["result_count"] == 0
    assert x_api.billed_reads() == 2

    clock.advance(minutes=10)  # past midnight UTC: a new day, billed anew
    await client.get_tweets([a.id])
    assert x_api.billed_reads() == 1
    assert x_api.billed_days() == {today: 2, date(2026, 11, 25): 1}
    assert x_api.billed_total() == 3


# -- rules ----------------------------------------------------------------------------------


def _post(text: str, username: str = "UniverseIce", user_id: str = "1000001") -> Post:
    return Post(text, username, user_id)


def test_rules_match_as_x_reads_them() -> None:
    rule = compile_rule("from:UniverseIce OR from:onleaks", max_length=1024)
    assert rule(_post("anything"))
    assert rule(_post("anything", "OnLeaks", "1000002"))
    assert not rule(_post("anything", "someone", "7"))
    grouped = compile_rule(
        '(from:UniverseIce OR from:OnLeaks) ("Galaxy S27" OR #pixel11) -rumor', max_length=1024
    )
    assert grouped(_post("The Galaxy S27 Ultra is real"))
    assert grouped(_post("#Pixel11 in hand"))
    assert not grouped(_post("Galaxy S27 rumor"))
    assert not grouped(_post("Galaxy S26"))
    assert compile_rule("from:1000002", max_length=1024)(_post("x", "OnLeaks", "1000002"))
    and_before_or = compile_rule("galaxy s27 OR pixel", max_length=1024)
    assert and_before_or(_post("pixel"))
    assert not and_before_or(_post("galaxy"))
    for bad, reason in [
        ("(from:a OR from:b", "mismatched parentheses"),
        ("from:a OR", "OR"),
        ("-from:a", "non-negation"),
        ("has:media", "positive"),
        ("frm:a", "invalid operator 'frm'"),
        ("from:" + "a" * 30, "maximum allowed length is 20"),
    ]:
        with pytest.raises(RuleError, match=reason):
            compile_rule(bad, max_length=20)


@pytest.fixture
async def stream(x_api: XFake) -> AsyncIterator[Listener]:
    listener = Listener(TOKEN)
    listener.session = rebased_session(x_api.url)
    yield listener
    listener.disconnect()
    if listener.task is not None:
        await asyncio.wait([listener.task], timeout=5)
    if listener.session is not None:
        await listener.session.close()


class Listener(AsyncStreamingClient):  # type: ignore[misc]
    """A real tweepy stream that keeps what it hears."""

    def __init__(self, token: str) -> None:
        super().__init__(token, return_type=dict, max_retries=3)
        self.items: asyncio.Queue[Any] = asyncio.Queue()
        self.keep_alives = 0
        self.connects = 0
        self.statuses: list[int] = []

    async def on_response(self, response: Any) -> None:
        await self.items.put(response)

    async def on_keep_alive(self) -> None:
        self.keep_alives += 1

    async def on_connect(self) -> None:
        self.connects += 1

    async def on_request_error(self, status_code: int) -> None:
        self.statuses.append(status_code)
        self.disconnect()


async def test_rules_are_added_listed_and_deleted_as_x_answers(
    x_api: XFake, stream: Listener
) -> None:
    x_api.rule_limit = 3
    added = await stream.add_rules(
        [
            tweepy.StreamRule("from:UniverseIce OR from:OnLeaks", tag="tipsters"),
            tweepy.StreamRule("#pixel11"),
        ]
    )
    assert added["meta"]["summary"] == {"created": 2, "not_created": 0, "valid": 2, "invalid": 0}
    ids = [r["id"] for r in added["data"]]
    listed = await stream.get_rules()
    assert [(r["value"], r.get("tag")) for r in listed["data"]] == [
        ("from:UniverseIce OR from:OnLeaks", "tipsters"),
        ("#pixel11", None),
    ]
    assert listed["meta"]["result_count"] == 2

    dry = await stream.add_rules(
        tweepy.StreamRule("from:a"), dry_run="true"
    )  # tweepy passes a bool on, which yarl refuses
    assert dry["meta"]["summary"]["created"] == 1
    assert len(x_api.rules) == 2
    one_bad = await stream.add_rules([tweepy.StreamRule("from:b"), tweepy.StreamRule("(from:c")])
    assert one_bad["meta"]["summary"] == {"created": 0, "not_created": 2, "valid": 1, "invalid": 1}
    assert one_bad["errors"][0]["type"] == "https://api.twitter.com/2/problems/invalid-rules"
    duplicate = await stream.add_rules(tweepy.StreamRule("#pixel11"))
    assert duplicate["errors"][0]["title"] == "DuplicateRule"
    assert duplicate["errors"][0]["id"] == ids[1]
    over = await stream.add_rules([tweepy.StreamRule("from:d"), tweepy.StreamRule("from:e")])
    assert over["errors"][0]["type"] == "https://api.twitter.com/2/problems/rule-cap"
    assert len(x_api.rules) == 2

    deleted = await stream.delete_rules([ids[0], "1"])
    assert deleted["meta"]["summary"] == {"deleted": 1, "not_deleted": 1}
    assert [r.value for r in x_api.rules] == ["#pixel11"]


# -- the stream -----------------------------------------------------------------------------


async def test_a_post_matching_a_rule_reaches_the_stream_at_once(
    x_api: XFake, stream: Listener, clock: Clock
) -> None:
    rules = await stream.add_rules(tweepy.StreamRule("from:UniverseIce OR from:OnLeaks"))
    stream.filter(tweet_fields=["created_at", "author_id"])
    await _until(lambda: x_api.stream_connections == 1)
    first = x_api.post("OnLeaks", "Pixel 11 Pro renders")
    heard = await asyncio.wait_for(stream.items.get(), 5)
    assert heard.data.text == "Pixel 11 Pro renders"
    assert heard.data.author_id == 1000002
    assert [r.id for r in heard.matching_rules] == [rules["data"][0]["id"]]
    x_api.account("someone_else", "1000003")
    x_api.post("someone_else", "not a tipster")
    second = x_api.post("UniverseIce", "Galaxy S27 Ultra: titanium again")
    heard = await asyncio.wait_for(stream.items.get(), 5)
    assert heard.data.text == "Galaxy S27 Ultra: titanium again"  # the other one never came
    await _until(lambda: stream.keep_alives >= 2)
    assert [d.tweet_id for d in x_api.delivered] == [first.id, second.id]
    assert x_api.billed_reads() == 2  # a streamed post is a billed read


async def test_one_stream_at_a_time_and_a_refused_stream(x_api: XFake, stream: Listener) -> None:
    stream.filter()
    await _until(lambda: x_api.stream_connections == 1)
    status, _, body = await _raw(x_api, "/2/tweets/search/stream")
    assert status == 429
    assert body["connection_issue"] == "TooManyConnections"
    assert x_api.early_calls() == []  # a busy stream is no rate limit

    stream.disconnect()  # hung up, and back at once: the old connection no longer counts
    assert stream.task is not None
    await asyncio.wait([stream.task])
    stream.session = rebased_session(x_api.url)  # tweepy closed it, and would open its own
    stream.filter()
    await _until(lambda: stream.connects == 2)
    assert stream.statuses == []

    x_api.end_stream()
    await _until(lambda: x_api.stream_connections == 0)
    x_api.stream_refused = True
    status, _, body = await _raw(x_api, "/2/tweets/search/stream")
    assert status == 403
    assert body["reason"] == "client-not-enrolled"
    refused = Listener(TOKEN)
    refused.session = rebased_session(x_api.url)
    await asyncio.wait_for(refused.filter(), 5)
    assert refused.statuses == [403]


async def test_a_dropped_stream_is_reconnected_and_hears_the_next_post(
    x_api: XFake, stream: Listener
) -> None:
    await stream.add_rules(tweepy.StreamRule("from:OnLeaks"))
    stream.filter()
    await _until(lambda: x_api.stream_connections == 1)
    x_api.drop_stream()
    await _until(lambda: stream.connects == 2 and x_api.stream_connections == 1)
    x_api.post("OnLeaks", "after the drop")
    heard = await asyncio.wait_for(stream.items.get(), 5)
    assert heard.data.text == "after the drop"
    x_api.drop_stream(operational=True)
    heard = await asyncio.wait_for(stream.items.get(), 5)
    assert heard.errors[0]["type"] == "https://api.twitter.com/2/problems/operational-disconnect"


async def _until(condition: Any) -> None:
    """Wait (at most 5 s) for something the fake or the stream does in its own time."""
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - the condition lives in another thread
            await asyncio.sleep(0.01)
