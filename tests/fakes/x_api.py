"""A fake of the X API v2 on loopback: user lookup, a user's timeline, and post lookup.

Bodies follow the shapes of the real responses recorded by tweepy (tests/data/ref/x/recorded)
and the X API's error objects for deleted posts (tests/data/ref/README.md).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer


@dataclass
class Tweet:
    """One post on the fake timeline."""

    id: str
    text: str
    created_at: datetime
    image: str | None = None


@dataclass
class XFake:
    """X API v2 on loopback; ``url`` is the value for X_API_BASE_URL."""

    token: str
    users: dict[str, str] = field(default_factory=dict)  # username -> id
    timelines: dict[str, list[Tweet]] = field(default_factory=dict)  # user id -> newest first
    deleted: set[str] = field(default_factory=set)
    protected: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    rate_limited: bool = False
    malformed: bool = False  # timelines come back without post ids, as a broken proxy may
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: LoopbackServer | None = None

    def __enter__(self) -> XFake:
        app = web.Application()
        app.router.add_get("/2/users/by/username/{username}", self._user)
        app.router.add_get("/2/users/{id}/tweets", self._timeline)
        app.router.add_get("/2/tweets", self._lookup)
        self._server = LoopbackServer(app).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.__exit__(None, None, None)

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def account(self, username: str, user_id: str) -> None:
        with self._lock:
            self.users[username] = user_id
            self.timelines.setdefault(user_id, [])

    def post(self, username: str, tweet: Tweet) -> None:
        with self._lock:
            self.timelines[self.users[username]].insert(0, tweet)

    def delete(self, username: str, tweet_id: str) -> None:
        with self._lock:
            timeline = self.timelines[self.users[username]]
            self.timelines[self.users[username]] = [t for t in timeline if t.id != tweet_id]
            self.deleted.add(tweet_id)

    def _refuse(self, request: web.Request) -> web.Response | None:
        with self._lock:
            self.requests.append(request.path_qs)
            limited = self.rate_limited
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response(
                {
                    "title": "Unauthorized",
                    "type": "about:blank",
                    "status": 401,
                    "detail": "Unauthorized",
                },
                status=401,
            )
        if limited:
            return web.json_response(
                {
                    "title": "Too Many Requests",
                    "detail": "Too Many Requests",
                    "type": "about:blank",
                    "status": 429,
                },
                status=429,
                headers={
                    "x-rate-limit-limit": "1500",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": "1900000000",
                },
            )
        return None

    async def _user(self, request: web.Request) -> web.Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        username = request.match_info["username"]
        user_id = self.users.get(username)
        if user_id is None:
            return web.json_response(
                {
                    "errors": [
                        {
                            "value": username,
                            "detail": f"Could not find user with username: [{username}].",
                            "title": "Not Found Error",
                            "resource_type": "user",
                            "parameter": "username",
                            "resource_id": username,
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    ]
                }
            )
        return web.json_response({"data": {"id": user_id, "name": username, "username": username}})

    async def _timeline(self, request: web.Request) -> web.Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        limit = int(request.query.get("max_results", "10"))
        with self._lock:
            tweets = list(self.timelines.get(request.match_info["id"], []))[:limit]
        data: list[dict[str, Any]] = []
        media: list[dict[str, Any]] = []
        for tweet in tweets:
            entry: dict[str, Any] = {
                "edit_history_tweet_ids": [tweet.id],
                "id": tweet.id,
                "text": tweet.text,
                "created_at": tweet.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "author_id": request.match_info["id"],
            }
            if self.malformed:
                del entry["id"]
            if tweet.image:
                key = f"3_{tweet.id}"
                entry["attachments"] = {"media_keys": [key]}
                media.append({"media_key": key, "type": "photo", "url": tweet.image})
            data.append(entry)
        body: dict[str, Any] = {"meta": {"result_count": len(data)}}
        if data:
            body["data"] = data
            body["meta"].update(newest_id=tweets[0].id, oldest_id=tweets[-1].id)
        if media:
            body["includes"] = {"media": media}
        return web.json_response(body)

    async def _lookup(self, request: web.Request) -> web.Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        ids = request.query.get("ids", "").split(",")
        with self._lock:
            live = {t.id: t for timeline in self.timelines.values() for t in timeline}
            deleted, protected = set(self.deleted), set(self.protected)
        data = [
            {"id": i, "text": live[i].text, "edit_history_tweet_ids": [i]}
            for i in ids
            if i in live and i not in protected
        ]
        errors = []
        for i in ids:
            if i in protected:
                errors.append(
                    {
                        "value": i,
                        "detail": f"Sorry, you are not authorized to see the Tweet: [{i}].",
                        "title": "Authorization Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": i,
                        "type": "https://api.twitter.com/2/problems/not-authorized-for-resource",
                    }
                )
            elif i in deleted or i not in live:
                errors.append(
                    {
                        "resource_type": "tweet",
                        "title": "Not Found Error",
                        "detail": f"Could not find tweet with ids: [{i}].",
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                        "resource_id": i,
                        "parameter": "ids",
                        "value": i,
                    }
                )
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        return web.json_response(body)
