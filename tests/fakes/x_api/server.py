"""The X API v2 fake itself: state, rate limits, billing, and the aiohttp handlers."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer
from tests.fakes.x_api.rules import Post, RuleError, Test, compile_rule
from tests.fakes.x_api.spec import query_problems, request_problems, response_problems

PROBLEMS = "https://api.twitter.com/2/problems/"
WINDOW = timedelta(minutes=15)

# the endpoints, named as X's docs name them, with the spec path each one answers for
USER = "GET /2/users/by/username/:username"
TIMELINE = "GET /2/users/:id/tweets"
LOOKUP = "GET /2/tweets"
TWEET = "GET /2/tweets/:id"
STREAM = "GET /2/tweets/search/stream"
RULES = "GET /2/tweets/search/stream/rules"
RULES_UPDATE = "POST /2/tweets/search/stream/rules"
SPEC_PATHS = {
    USER: "/2/users/by/username/{username}",
    TIMELINE: "/2/users/{id}/tweets",
    LOOKUP: "/2/tweets",
    TWEET: "/2/tweets/{id}",
    STREAM: "/2/tweets/search/stream",
    RULES: "/2/tweets/search/stream/rules",
    RULES_UPDATE: "/2/tweets/search/stream/rules",
}
# requests per 15 minutes for an app's bearer token: the recorded x-rate-limit-limit where
# tweepy's cassettes hold one (timeline 1500, lookups 300), X's docs for the stream (50
# connections) and its rules (450 reads, 100 changes)
LIMITS = {
    USER: 300,
    TIMELINE: 1500,
    LOOKUP: 300,
    TWEET: 300,
    STREAM: 50,
    RULES: 450,
    RULES_UPDATE: 100,
}
# X's docs for filtered-stream rules at the Pro level (the pay-per-use level is not in the
# spec nor in the recorded data): 1,000 rules of up to 1,024 characters
RULE_LIMIT = 1000
RULE_LENGTH_LIMIT = 1024
DEFAULT_TIMELINE_PAGE = 10
TOKEN_PREFIX = "7140dibdnow9c7"  # the look of a real next_token; the rest is the oldest id


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def snowflake(moment: datetime) -> int:
    """Return the smallest X id of this moment (milliseconds since X's epoch, shifted 22)."""
    return (int(moment.timestamp() * 1000) - 1_288_834_974_657) << 22


@dataclass
class Tweet:
    """One post (one version of it, if edited) on the fake."""

    id: str
    text: str  # links written out in full: the fake answers them as t.co links with entities
    created_at: datetime
    image: str | None = None
    links: tuple[str, ...] = ()
    edit_history: list[str] = field(default_factory=list)  # the chain, oldest first

    @property
    def history(self) -> list[str]:
        """Return edit_history_tweet_ids: every version's id, oldest first."""
        return list(self.edit_history) or [self.id]


@dataclass(frozen=True)
class Call:
    """One request as it came (by the fake's clock), and how the fake answered it."""

    at: datetime
    endpoint: str  # USER, TIMELINE, LOOKUP, TWEET, STREAM, RULES or RULES_UPDATE
    path_qs: str
    status: int
    held_until: datetime | None = None  # a 429 given earlier said to wait until then

    @property
    def early(self) -> bool:
        """Tell whether it came before the reset an earlier 429 on its endpoint announced."""
        return self.held_until is not None and self.at < self.held_until


@dataclass(frozen=True)
class Delivered:
    """A post the stream carried, to the connection open at the time."""

    at: datetime
    tweet_id: str
    rule_ids: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """A filtered-stream rule as X keeps it."""

    id: str
    value: str
    tag: str | None
    test: Test


class _Connection:
    """An open stream: lines to write, handed over from any thread."""

    def __init__(self, request: web.Request) -> None:
        self.loop = asyncio.get_running_loop()
        self.params = dict(request.query)
        self.transport = request.transport
        self.queue: asyncio.Queue[bytes | str] = asyncio.Queue()

    @property
    def alive(self) -> bool:
        """Tell whether the client is still there (it may have hung up a moment ago)."""
        return self.transport is not None and not self.transport.is_closing()

    def send(self, item: bytes | str) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, item)


_CLOSE, _DROP = "close", "drop"


def _problem(kind: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": PROBLEMS + kind, **extra}


def _not_found(resource: str, parameter: str, value: str, detail: str) -> dict[str, Any]:
    return {
        "value": value,
        "detail": detail,
        "title": "Not Found Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEMS + "resource-not-found",
    }


def _invalid_request(problems: Iterable[tuple[str, str, str]]) -> dict[str, Any]:
    return _problem(
        "invalid-request",
        "Invalid Request",
        "One or more parameters to your request was invalid.",
        errors=[
            {"parameters": {name: [value]}, "message": message} for name, value, message in problems
        ],
    )


def _generic(status: int, title: str) -> dict[str, Any]:
    return {"title": title, "detail": title, "type": "about:blank", "status": status}


# what X answers a stream connection its access level lacks (403), and a second connection
REFUSED_STREAM = _problem(
    "client-forbidden",
    "Client Forbidden",
    "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
    "tokens from a Twitter developer App that is attached to a Project. You can create a "
    "project via the developer portal.",
    client_id="28000000",
    registration_url="https://developer.twitter.com/en/docs/projects/overview",
    required_enrollment="Appropriate Level of API Access",
    reason="client-not-enrolled",
)
TOO_MANY_CONNECTIONS = _problem(
    "streaming-connection",
    "ConnectionException",
    "This stream is currently at the maximum allowed connection limit.",
    connection_issue="TooManyConnections",
)


@dataclass
class XFake:
    """X API v2 on loopback; ``url`` is the value for X_API_BASE_URL. See the package doc."""

    token: str
    clock: Callable[[], datetime] = _utcnow
    users: dict[str, str] = field(default_factory=dict)  # username -> id
    timelines: dict[str, list[Tweet]] = field(default_factory=dict)  # user id -> newest first
    deleted: set[str] = field(default_factory=set)
    protected: set[str] = field(default_factory=set)  # post ids whose author is protected
    suspended: set[str] = field(default_factory=set)  # usernames
    limits: dict[str, int] = field(default_factory=lambda: dict(LIMITS))
    rule_limit: int = RULE_LIMIT
    rule_length_limit: int = RULE_LENGTH_LIMIT
    keepalive: float = 20.0  # seconds between the stream's keep-alive newlines
    stream_refused: bool = False  # the access level lacks the stream: 403 client-not-enrolled
    max_stream_connections: int = 1
    malformed: bool = False  # timelines come back without post ids, as a broken proxy may
    check_spec: bool = True
    requests: list[str] = field(default_factory=list)  # path and query of every request
    calls: list[Call] = field(default_factory=list)
    delivered: list[Delivered] = field(default_factory=list)
    spec_problems: list[str] = field(default_factory=list)
    bad_requests: list[str] = field(default_factory=list)
    _tweets: dict[str, Tweet] = field(default_factory=dict)  # every version, by id
    _authors: dict[str, str] = field(default_factory=dict)  # post id -> user id
    _windows: dict[str, tuple[datetime, int]] = field(default_factory=dict)  # reset, used
    _holds: dict[str, datetime] = field(default_factory=dict)  # endpoint -> a 429's reset
    _storm_until: datetime | None = None
    _billed: dict[date, set[str]] = field(default_factory=dict)
    _returned: dict[date, int] = field(default_factory=dict)
    _rules: dict[str, Rule] = field(default_factory=dict)
    _rule_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1_860_000_000_000_000_000)
    )
    _streams: list[_Connection] = field(default_factory=list)
    _last_id: int = 0
    _closing: bool = False
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _server: LoopbackServer | None = None

    # -- life -------------------------------------------------------------------------------

    def __enter__(self) -> XFake:
        self._server = LoopbackServer(self.application()).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._closing = True  # a stream that connects now ends at once: nothing holds the exit
        self.end_stream()
        self._server.__exit__(None, None, None)

    def application(self) -> web.Application:
        """Build the aiohttp application that plays X."""
        app = web.Application()
        app.router.add_get("/2/users/by/username/{username}", self._user)
        app.router.add_get("/2/users/{id}/tweets", self._timeline)
        app.router.add_get("/2/tweets/search/stream/rules", self._get_rules)
        app.router.add_post("/2/tweets/search/stream/rules", self._update_rules)
        app.router.add_get("/2/tweets/search/stream", self._stream)
        app.router.add_get("/2/tweets", self._lookup)
        app.router.add_get("/2/tweets/{id}", self._tweet)
        return app

    @property
    def url(self) -> str:
        """Return the base URL to send what tweepy sends to https://api.twitter.com."""
        assert self._server is not None
        return self._server.url

    # -- what a test does -------------------------------------------------------------------

    def account(self, username: str, user_id: str) -> None:
        """Create an account."""
        with self._lock:
            self.users[username] = user_id
            self.timelines.setdefault(user_id, [])

    def post(
        self,
        username: str,
        tweet: Tweet | str,
        *,
        at: datetime | None = None,
        image: str | None = None,
        links: tuple[str, ...] = (),
    ) -> Tweet:
        """Publish a post (a Tweet, or a text given an id from the clock); stream it at once."""
        with self._lock:
            if isinstance(tweet, str):
                moment = at or self.clock()
                tweet = Tweet(self._new_id(moment), tweet, moment, image=image, links=links)
            self._last_id = max(self._last_id, int(tweet.id) if tweet.id.isdigit() else 0)
            user_id = self.users[username]
            self.timelines[user_id].insert(0, tweet)
            self._tweets[tweet.id] = tweet
            self._authors[tweet.id] = user_id
            self._stream_out(tweet, username, user_id)
        return tweet

    def edit(self, username: str, tweet_id: str, text: str) -> Tweet:
        """Edit a post: X gives the new version a new id and both the whole history."""
        with self._lock:
            old = self._tweets[tweet_id]
            moment = self.clock()
            new = Tweet(self._new_id(moment), text, moment, old.image, old.links, old.history)
            new.edit_history.append(new.id)
            for version_id in new.edit_history[:-1]:
                self._tweets[version_id].edit_history[:] = new.edit_history
            user_id = self.users[username]
            chain = set(new.edit_history)
            self.timelines[user_id] = [t for t in self.timelines[user_id] if t.id not in chain]
            self.timelines[user_id].insert(0, new)
            self._tweets[new.id] = new
            self._authors[new.id] = user_id
            self._stream_out(new, username, user_id)
        return new

    def delete(self, username: str, tweet_id: str) -> None:
        """Delete a post, every version of it: lookups answer Not Found from now on."""
        with self._lock:
            versions = set(self._tweets[tweet_id].history) if tweet_id in self._tweets else set()
            versions.add(tweet_id)
            user_id = self.users[username]
            self.timelines[user_id] = [t for t in self.timelines[user_id] if t.id not in versions]
            self.deleted |= versions

    def storm(self, seconds: float) -> datetime:
        """Answer 429 on every endpoint until ``seconds`` from now (by the clock); return then."""
        with self._lock:
            until = self.clock() + timedelta(seconds=seconds)
            self._storm_until = until.replace(microsecond=0) + timedelta(
                seconds=1 if until.microsecond else 0
            )
            return self._storm_until

    @property
    def rate_limited(self) -> bool:
        """Tell whether every endpoint answers 429 now."""
        with self._lock:
            return self._storm_until is not None and self.clock() < self._storm_until

    @rate_limited.setter
    def rate_limited(self, value: bool) -> None:
        with self._lock:  # True: until 2030-03-17 (x-rate-limit-reset 1900000000)
            self._storm_until = datetime.fromtimestamp(1_900_000_000, UTC) if value else None

    def calls_to(self, endpoint: str) -> list[Call]:
        """Return the requests made to one endpoint (USER, TIMELINE, ...), in order."""
        with self._lock:
            return [call for call in self.calls if call.endpoint == endpoint]

    def early_calls(self) -> list[Call]:
        """Return the requests made before the reset that an earlier 429 announced."""
        with self._lock:
            return [call for call in self.calls if call.early]

    def billed_reads(self, day: date | None = None) -> int:
        """Return the reads X bills for a UTC day (today by the clock): posts, once a day."""
        with self._lock:
            return len(self._billed.get(day or self.clock().astimezone(UTC).date(), set()))

    def billed_total(self) -> int:
        """Return the billed reads over every day."""
        with self._lock:
            return sum(len(posts) for posts in self._billed.values())

    def billed_days(self) -> dict[date, int]:
        """Return billed reads by UTC day."""
        with self._lock:
            return {day: len(posts) for day, posts in sorted(self._billed.items())}

    def posts_returned(self, day: date | None = None) -> int:
        """Return how many posts the answers held on a UTC day, before X's daily dedup."""
        with self._lock:
            return self._returned.get(day or self.clock().astimezone(UTC).date(), 0)

    @property
    def rules(self) -> list[Rule]:
        """Return the stream's rules, oldest first."""
        with self._lock:
            return list(self._rules.values())

    @property
    def stream_connections(self) -> int:
        """Return how many stream connections are open."""
        with self._lock:
            return sum(1 for connection in self._streams if connection.alive)

    def drop_stream(self, *, operational: bool = False) -> None:
        """Cut the open streams: mid-stream (a reset) or with X's operational-disconnect line."""
        with self._lock:
            streams, self._streams = list(self._streams), []
        for connection in streams:
            if operational:
                problem = _problem(
                    "operational-disconnect",
                    "operational-disconnect",
                    "This stream has been disconnected upstream for operational reasons.",
                    disconnect_type="UpstreamOperationalDisconnect",
                )
                connection.send(self._line({"errors": [problem]}))
                connection.send(_CLOSE)
            else:
                connection.send(_DROP)

    def end_stream(self) -> None:
        """Close the open streams cleanly (X closed the connection)."""
        with self._lock:
            streams, self._streams = list(self._streams), []
        for connection in streams:
            connection.send(_CLOSE)

    # -- state helpers ----------------------------------------------------------------------

    def _new_id(self, moment: datetime) -> str:
        self._last_id = max(snowflake(moment), self._last_id + 1)
        return str(self._last_id)

    def _bill(self, post_ids: Iterable[str]) -> None:
        day = self.clock().astimezone(UTC).date()
        ids = list(post_ids)
        self._billed.setdefault(day, set()).update(ids)
        self._returned[day] = self._returned.get(day, 0) + len(ids)

    def _visible(self, tweet_id: str) -> Tweet | None:
        tweet = self._tweets.get(tweet_id)
        if tweet is None or tweet_id in self.deleted:
            return None
        return tweet

    def _username(self, user_id: str) -> str:
        return next((name for name, uid in self.users.items() if uid == user_id), user_id)

    def _line(self, body: dict[str, Any]) -> bytes:
        self._check(STREAM, 200, body)
        return json.dumps(body, separators=(",", ":")).encode() + b"\r\n"

    def _stream_out(self, tweet: Tweet, username: str, user_id: str) -> None:
        post = Post(tweet.text, username, user_id, tweet.image is not None, bool(tweet.links))
        matched = [rule for rule in self._rules.values() if rule.test(post)]
        listening = [connection for connection in self._streams if connection.alive]
        if not matched or not listening:
            return
        rules = [{"id": r.id, "tag": r.tag or ""} for r in matched]  # tweepy reads "tag"
        for connection in listening:
            data, includes = self._render([tweet], connection.params)
            body: dict[str, Any] = {"data": data[0]}
            if includes:
                body["includes"] = includes
            body["matching_rules"] = rules
            connection.send(self._line(body))
            self.delivered.append(Delivered(self.clock(), tweet.id, tuple(r.id for r in matched)))
            self._bill([tweet.id])

    # -- answering --------------------------------------------------------------------------

    def _check(self, endpoint: str, status: int, body: Any) -> None:
        if not self.check_spec or self.malformed:
            return
        method, _ = endpoint.split(" ", 1)
        for problem in response_problems(SPEC_PATHS[endpoint], method, status, body):
            self.spec_problems.append(problem)

    def _gate(self, request: web.Request, endpoint: str) -> web.Response | dict[str, str]:
        """Refuse a request (401, 429, 400), or return the rate-limit headers for its answer."""
        with self._lock:
            now = self.clock()
            self.requests.append(request.path_qs)
            hold = self._holds.get(endpoint)
            held = hold if hold is not None and now < hold else None
            status, body, headers = self._admit(request, endpoint, now)
            # a rate limit holds the endpoint until its reset; a busy stream does not
            if status == 429 and body.get("type") == "about:blank":
                self._holds[endpoint] = datetime.fromtimestamp(
                    int(headers["x-rate-limit-reset"]), UTC
                )
            self.calls.append(Call(now, endpoint, request.path_qs, status, held))
        if status == 200:
            return headers
        self._check(endpoint, status, body)
        return web.json_response(
            body, status=status, headers=headers, content_type="application/problem+json"
        )

    def _admit(
        self, request: web.Request, endpoint: str, now: datetime
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, _generic(401, "Unauthorized"), {}
        limit = self.limits.get(endpoint, 1)
        if self._storm_until is not None and now < self._storm_until:
            reset = int(self._storm_until.timestamp())
            return 429, _generic(429, "Too Many Requests"), self._headers(limit, 0, reset)
        window_reset, used = self._windows.get(endpoint, (now, 0))
        if now >= window_reset:
            reset_at = math.ceil((now + WINDOW).timestamp())  # X's reset: whole seconds
            window_reset, used = datetime.fromtimestamp(reset_at, UTC), 0
        reset = int(window_reset.timestamp())
        if used >= limit:
            self._windows[endpoint] = (window_reset, used)
            return 429, _generic(429, "Too Many Requests"), self._headers(limit, 0, reset)
        problems = query_problems(
            SPEC_PATHS[endpoint], endpoint.split(" ")[0], dict(request.query), self._path(request)
        )
        self._windows[endpoint] = (window_reset, used + 1)
        headers = self._headers(limit, limit - used - 1, reset)
        if problems:
            self.bad_requests.append(f"{request.path_qs}: {problems}")
            return 400, _invalid_request(problems), headers
        if endpoint == STREAM and self.stream_refused:
            return 403, REFUSED_STREAM, headers
        open_streams = [c for c in self._streams if c.alive]  # X would count a dead one longer
        if endpoint == STREAM and len(open_streams) >= self.max_stream_connections:
            return 429, TOO_MANY_CONNECTIONS, headers
        return 200, {}, headers

    @staticmethod
    def _path(request: web.Request) -> dict[str, str]:
        return dict(request.match_info)

    @staticmethod
    def _headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(reset),
        }

    def _json(self, endpoint: str, body: dict[str, Any], headers: dict[str, str]) -> web.Response:
        self._check(endpoint, 200, body)
        return web.json_response(body, headers=headers)

    def _render(
        self, tweets: list[Tweet], params: dict[str, str]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Render posts as X does for these tweet.fields, expansions and media.fields."""
        fields = set(filter(None, params.get("tweet.fields", "").split(",")))
        expansions = set(filter(None, params.get("expansions", "").split(",")))
        media_fields = set(filter(None, params.get("media.fields", "").split(",")))
        data, media, users = [], [], {}
        for tweet in tweets:
            author = self._authors.get(tweet.id, "")
            text, urls = _shorten(tweet.text, tweet.links)
            entry: dict[str, Any] = {
                "edit_history_tweet_ids": tweet.history,
                "id": tweet.id,
                "text": text,
            }
            if "created_at" in fields:
                entry["created_at"] = _stamp(tweet.created_at)
            if "author_id" in fields and author:
                entry["author_id"] = author
            if "conversation_id" in fields:
                entry["conversation_id"] = tweet.history[0]
            if "edit_controls" in fields:
                first = self._tweets.get(tweet.history[0], tweet)
                entry["edit_controls"] = {
                    "edits_remaining": max(0, 5 - (len(tweet.history) - 1)),
                    "is_edit_eligible": True,
                    "editable_until": _stamp(first.created_at + timedelta(hours=1)),
                }
            if "entities" in fields and urls:
                entry["entities"] = {"urls": urls}
            key = f"3_{tweet.id}"
            if tweet.image and ("attachments" in fields or "attachments.media_keys" in expansions):
                entry["attachments"] = {"media_keys": [key]}
            if tweet.image and "attachments.media_keys" in expansions:
                item = {"media_key": key, "type": "photo"}
                if "url" in media_fields:
                    item["url"] = tweet.image
                media.append(item)
            if "author_id" in expansions and author:
                name = self._username(author)
                users[author] = {"id": author, "name": name, "username": name}
            if self.malformed:
                del entry["id"]
            data.append(entry)
        includes: dict[str, Any] = {}
        if media:
            includes["media"] = media
        if users:
            includes["users"] = list(users.values())
        return data, includes

    # -- the endpoints ----------------------------------------------------------------------

    async def _user(self, request: web.Request) -> web.Response:
        gate = self._gate(request, USER)
        if isinstance(gate, web.Response):
            return gate
        username = request.match_info["username"]
        with self._lock:
            name = next((n for n in self.users if n.lower() == username.lower()), None)
            suspended = name is not None and name in self.suspended
            user_id = self.users.get(name or "")
        if suspended:
            error = _not_found(
                "user", "username", username, f"User has been suspended: [{username}]."
            )
            error["title"] = "Forbidden"
            return self._json(USER, {"errors": [error]}, gate)
        if user_id is None or name is None:
            detail = f"Could not find user with username: [{username}]."
            return self._json(
                USER, {"errors": [_not_found("user", "username", username, detail)]}, gate
            )
        return self._json(USER, {"data": {"id": user_id, "name": name, "username": name}}, gate)

    async def _timeline(self, request: web.Request) -> web.Response:
        gate = self._gate(request, TIMELINE)
        if isinstance(gate, web.Response):
            return gate
        query = request.query
        user_id = request.match_info["id"]
        size = int(query.get("max_results", DEFAULT_TIMELINE_PAGE))
        below: int | None = None
        if "pagination_token" in query:
            token = query["pagination_token"]
            digits = token.removeprefix(TOKEN_PREFIX)
            if not token.startswith(TOKEN_PREFIX) or not digits.isalnum():
                problem = ("pagination_token", token, "The `pagination_token` is not valid")
                return self._refuse_400(TIMELINE, [problem], gate)
            below = int(digits, 36)
        with self._lock:
            if user_id not in self.timelines:
                detail = f"Could not find user with id: [{user_id}]."
                missing = {"errors": [_not_found("user", "id", user_id, detail)]}
                return self._json(TIMELINE, missing, gate)
            posts = sorted(
                (t for t in self.timelines[user_id] if t.id not in self.deleted),
                key=lambda t: int(t.id),
                reverse=True,
            )
            if "since_id" in query:
                posts = [t for t in posts if int(t.id) > int(query["since_id"])]
            if "until_id" in query:
                posts = [t for t in posts if int(t.id) < int(query["until_id"])]
            if "start_time" in query and "since_id" not in query:
                start = _moment(query["start_time"])
                posts = [t for t in posts if t.created_at >= start]
            if "end_time" in query and "until_id" not in query:
                end = _moment(query["end_time"])
                posts = [t for t in posts if t.created_at < end]
            if below is not None:
                posts = [t for t in posts if int(t.id) < below]
            page, more = posts[:size], len(posts) > size
            data, includes = self._render(page, dict(query))
            self._bill(t.id for t in page)
        body: dict[str, Any] = {}
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            body["data"] = data
            if includes:
                body["includes"] = includes
            meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
            if more:
                meta["next_token"] = TOKEN_PREFIX + _base36(int(page[-1].id))
        body["meta"] = meta
        return self._json(TIMELINE, body, gate)

    def _refuse_400(
        self, endpoint: str, problems: list[tuple[str, str, str]], headers: dict[str, str]
    ) -> web.Response:
        body = _invalid_request(problems)
        self._check(endpoint, 400, body)
        return web.json_response(
            body, status=400, headers=headers, content_type="application/problem+json"
        )

    def _lookup_errors(self, tweet_id: str, parameter: str) -> dict[str, Any] | None:
        author = self._authors.get(tweet_id)
        if author is not None and self._username(author) in self.suspended:
            error = _not_found(
                "tweet", parameter, tweet_id, f"User has been suspended: [{author}]."
            )
            error["title"] = "Forbidden"
            return error
        if tweet_id in self.protected and self._visible(tweet_id):
            return {
                "value": tweet_id,
                "detail": f"Sorry, you are not authorized to see the Tweet with {parameter}: "
                f"[{tweet_id}].",
                "title": "Authorization Error",
                "resource_type": "tweet",
                "parameter": parameter,
                "resource_id": tweet_id,
                "section": "data",
                "type": PROBLEMS + "not-authorized-for-resource",
            }
        if self._visible(tweet_id) is None:
            detail = f"Could not find tweet with {parameter}: [{tweet_id}]."
            return _not_found("tweet", parameter, tweet_id, detail)
        return None

    async def _lookup(self, request: web.Request) -> web.Response:
        gate = self._gate(request, LOOKUP)
        if isinstance(gate, web.Response):
            return gate
        ids = list(dict.fromkeys(request.query["ids"].split(",")))
        with self._lock:
            found, errors = [], []
            for tweet_id in ids:
                error = self._lookup_errors(tweet_id, "ids")
                if error is None:
                    found.append(self._tweets[tweet_id])
                else:
                    errors.append(error)
            data, includes = self._render(found, dict(request.query))
            self._bill(t.id for t in found)
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        if includes:
            body["includes"] = includes
        if errors:
            body["errors"] = errors
        return self._json(LOOKUP, body, gate)

    async def _tweet(self, request: web.Request) -> web.Response:
        gate = self._gate(request, TWEET)
        if isinstance(gate, web.Response):
            return gate
        tweet_id = request.match_info["id"]
        with self._lock:
            error = self._lookup_errors(tweet_id, "id")
            if error is not None:
                return self._json(TWEET, {"errors": [error]}, gate)
            data, includes = self._render([self._tweets[tweet_id]], dict(request.query))
            self._bill([tweet_id])
        body: dict[str, Any] = {"data": data[0]}
        if includes:
            body["includes"] = includes
        return self._json(TWEET, body, gate)

    async def _get_rules(self, request: web.Request) -> web.Response:
        gate = self._gate(request, RULES)
        if isinstance(gate, web.Response):
            return gate
        wanted = set(filter(None, request.query.get("ids", "").split(",")))
        with self._lock:
            rules = [r for r in self._rules.values() if not wanted or r.id in wanted]
            sent = _stamp(self.clock())
        body: dict[str, Any] = {}
        if rules:
            body["data"] = [_rule_body(r) for r in rules]
        body["meta"] = {"sent": sent, "result_count": len(rules)}
        return self._json(RULES, body, gate)

    async def _update_rules(self, request: web.Request) -> web.Response:
        gate = self._gate(request, RULES_UPDATE)
        if isinstance(gate, web.Response):
            return gate
        try:
            payload = await request.json()
        except ValueError:
            payload = None
        problems = request_problems(SPEC_PATHS[RULES_UPDATE], "post", payload)
        if payload is None or problems:
            self.bad_requests.append(f"{request.path_qs}: {problems or 'not JSON'}")
            reason = "; ".join(problems) or "the body is not JSON"
            return self._refuse_400(RULES_UPDATE, [("body", "", reason)], gate)
        dry_run = request.query.get("dry_run") == "true"
        with self._lock:
            sent = _stamp(self.clock())
            if "add" in payload:
                body = self._add_rules(payload["add"], dry_run=dry_run)
            else:
                body = self._delete_rules(payload["delete"], dry_run=dry_run)
        body["meta"] = {"sent": sent, **body.get("meta", {})}
        return self._json(RULES_UPDATE, body, gate)

    def _add_rules(self, add: list[dict[str, Any]], *, dry_run: bool) -> dict[str, Any]:
        errors: list[dict[str, Any]] = []
        valid: list[Rule] = []
        existing = {r.value: r for r in self._rules.values()}
        invalid = 0
        for entry in add:
            value, tag = entry["value"], entry.get("tag")
            try:
                test = compile_rule(value, max_length=self.rule_length_limit)
            except RuleError as refusal:
                invalid += 1
                errors.append(
                    {
                        "value": value,
                        "details": [str(refusal)],
                        "title": "UnprocessableEntity",
                        "type": PROBLEMS + "invalid-rules",
                    }
                )
                continue
            duplicate = existing.get(value) or next((r for r in valid if r.value == value), None)
            if duplicate is not None:
                errors.append(
                    {
                        "id": duplicate.id,
                        "value": value,
                        "title": "DuplicateRule",
                        "type": PROBLEMS + "duplicate-rules",
                    }
                )
                continue
            valid.append(Rule(str(next(self._rule_ids)), value, tag, test))
        fits = len(self._rules) + len(valid) <= self.rule_limit
        if valid and not fits and not invalid:
            errors.append(
                _problem(
                    "rule-cap",
                    "RulesCapReached",
                    f"Adding {len(valid)} rules would pass the cap of {self.rule_limit} rules "
                    f"(there are {len(self._rules)}).",
                )
            )
        created = valid if not invalid and fits else []
        if not dry_run:
            for rule in created:
                self._rules[rule.id] = rule
        summary = {
            "created": len(created),
            "not_created": len(add) - len(created),
            "valid": len(add) - invalid,
            "invalid": invalid,
        }
        body: dict[str, Any] = {}
        if created:
            body["data"] = [_rule_body(r) for r in created]
        if errors:
            body["errors"] = errors
        body["meta"] = {"summary": summary}
        return body

    def _delete_rules(self, delete: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
        by_value = {r.value: r.id for r in self._rules.values()}
        wanted = [*delete.get("ids", []), *(by_value.get(v, v) for v in delete.get("values", []))]
        gone = [rule_id for rule_id in dict.fromkeys(wanted) if rule_id in self._rules]
        missing = [rule_id for rule_id in dict.fromkeys(wanted) if rule_id not in self._rules]
        if not dry_run:
            for rule_id in gone:
                del self._rules[rule_id]
        body: dict[str, Any] = {}
        if missing:
            body["errors"] = [
                _invalid_request([("ids", rule_id, "Rule does not exist")]) for rule_id in missing
            ]
        body["meta"] = {"summary": {"deleted": len(gone), "not_deleted": len(missing)}}
        return body

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        with self._lock:  # admitted and counted at once: one connection at a time
            gate = self._gate(request, STREAM)
            if isinstance(gate, web.Response):
                return gate
            connection = _Connection(request)
            self._streams.append(connection)
        response = web.StreamResponse(headers={**gate, "Content-Type": "application/json"})
        try:
            await response.prepare(request)
            await self._carry(request, response, connection)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with self._lock:
                if connection in self._streams:
                    self._streams.remove(connection)
        return response

    async def _carry(
        self, request: web.Request, response: web.StreamResponse, connection: _Connection
    ) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            try:
                item = await asyncio.wait_for(connection.queue.get(), min(0.05, self.keepalive))
            except TimeoutError:
                if request.transport is None or request.transport.is_closing():
                    return  # the client went away
                if self._closing:
                    await response.write_eof()
                    return
                if loop.time() - last >= self.keepalive:
                    await response.write(b"\r\n")
                    last = loop.time()
                continue
            if item == _CLOSE:
                await response.write_eof()
                return
            if item == _DROP:
                if request.transport is not None:
                    request.transport.abort()
                return
            assert isinstance(item, bytes)
            await response.write(item)
            last = loop.time()


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _rule_body(rule: Rule) -> dict[str, Any]:
    body = {"id": rule.id, "value": rule.value}
    if rule.tag:
        body["tag"] = rule.tag
    return body


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _shorten(text: str, links: tuple[str, ...]) -> tuple[str, list[dict[str, Any]]]:
    """Write each link as X does (a t.co link) and say where it is, as entities.urls."""
    found = sorted((text.find(link), link) for link in set(links) if link in text)
    out, urls, done = "", [], 0
    for start, link in found:
        if start < done:
            continue  # inside a longer link already written
        short = "https://t.co/" + hashlib.sha256(link.encode()).hexdigest()[:10]
        out += text[done:start]
        display = link.split("://", 1)[-1]
        urls.append(
            {
                "start": len(out),
                "end": len(out) + len(short),
                "url": short,
                "expanded_url": link,
                "display_url": display if len(display) <= 26 else display[:25] + "…",
            }
        )
        out += short
        done = start + len(link)
    return out + text[done:], urls
