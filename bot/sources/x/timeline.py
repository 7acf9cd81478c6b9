"""The tweepy adapter: X accounts' posts as frozen Items. Nothing else imports tweepy's client.

tweepy's AsyncClient builds every URL on ``https://api.twitter.com`` and sends it through
the aiohttp session it is given; the session given here (``_Rebased``) sends those requests
to X_API_BASE_URL instead (a proxy, or the tests' fake), gives each a timeout, and reads
every answer's ``x-rate-limit-*`` headers. An endpoint whose limit is spent (its
``remaining`` at 0, or a 429) is not asked again before its reset: a call to it raises
SourceHeldError, which a poll reports as held, never as a failure.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import tweepy
from tweepy.asynchronous import AsyncClient
from yarl import URL

from bot.clock import Now, utc_now
from bot.domain import Item
from bot.errors import SourceError, SourceErrorKind, SourceHeldError
from bot.sources.items import canonical_url
from bot.wording import at_utc

X_API = "https://api.twitter.com"
TIMEOUT = aiohttp.ClientTimeout(total=25, connect=5, sock_read=20)
FIRST_PAGE = 5  # a tipster's first read: X's smallest page, enough for the silent baseline
PAGE = 100  # X's largest page: reads after the first ask for what is new since the last
PAGES_AT_MOST = 5  # a poll follows ``next_token`` this often at most (500 new posts)
LOOKUP_BATCH = 100  # ids in one ``GET /2/tweets?ids=``: X's limit
HOLD_WITHOUT_RESET = timedelta(seconds=60)  # a 429 that does not say its reset
TWEET_FIELDS = ["created_at", "author_id", "attachments", "entities"]
MEDIA_FIELDS = ["url", "preview_image_url", "type"]

# tweepy logs request headers, bearer token included, at DEBUG: keep it quieter than that
logging.getLogger("tweepy").setLevel(logging.WARNING)
log = logging.getLogger(__name__)


class XError(SourceError):
    """The X API did not give a usable answer; the reason is meant for the operator's log."""

    kind = SourceErrorKind.X_API


class PostStatus(enum.Enum):
    """What the X API says about one post."""

    THERE = "there"
    GONE = "gone"  # "Not Found Error": deleted
    UNKNOWN = "unknown"  # protected, suspended, or no answer: proves nothing


def endpoint_of(path: str) -> str:
    """Name the endpoint a request path belongs to, as X counts its rate limits."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if parts[:3] == ["2", "users", "by"]:
        return "GET /2/users/by/username"
    if parts[:2] == ["2", "users"] and len(parts) >= 4:
        return f"GET /2/users/:id/{parts[3]}"
    return "GET /" + "/".join(parts)


@dataclass
class RateLimits:
    """Until when each endpoint is held, as X's headers said; shared with other workers
    through ``share`` (called with an endpoint and its reset) when given."""

    now: Now = utc_now
    share: Callable[[str, datetime], Awaitable[None]] | None = None
    holds: dict[str, datetime] = field(default_factory=dict)
    left: dict[str, tuple[int, int]] = field(default_factory=dict)  # remaining, limit

    def held_until(self, endpoint: str) -> datetime | None:
        """Return until when an endpoint is held, None when it may be asked now."""
        until = self.holds.get(endpoint)
        return until if until is not None and until > self.now() else None

    def hold(self, endpoint: str, until: datetime) -> None:
        """Hold an endpoint until a moment (only ever lengthened)."""
        if until > self.holds.get(endpoint, until - timedelta(seconds=1)):
            self.holds[endpoint] = until

    def check(self, method: str, url: str) -> None:
        """Raise SourceHeldError when the request's endpoint may not be asked yet."""
        endpoint = endpoint_of(_path(url)).replace("GET", method.upper(), 1)
        until = self.held_until(endpoint)
        if until is not None:
            raise SourceHeldError(f"X rate limit on {endpoint} until {at_utc(until)}", until)

    def saw(
        self, method: str, url: str, status: int, headers: Mapping[str, str]
    ) -> datetime | None:
        """Read an answer's rate-limit headers; return the reset when the endpoint is spent."""
        endpoint = endpoint_of(_path(url)).replace("GET", method.upper(), 1)
        remaining, limit, reset = (
            headers.get("x-rate-limit-remaining"),
            headers.get("x-rate-limit-limit"),
            headers.get("x-rate-limit-reset"),
        )
        if remaining is not None and limit is not None:
            with suppress(ValueError):
                self.left[endpoint] = (int(remaining), int(limit))
        spent = status == 429 or remaining == "0"
        if not spent:
            return None
        until = self.now() + HOLD_WITHOUT_RESET
        if reset is not None:
            with suppress(ValueError, OverflowError, OSError):
                until = datetime.fromtimestamp(int(reset), UTC)
        self.hold(endpoint, until)
        return until


def _path(url: str) -> str:
    return url[len(X_API) :] if url.startswith(X_API) else URL(url).path


class _Rebased:
    """The aiohttp session tweepy is given: its requests go to another base URL, each with a
    timeout, and their rate-limit headers are read. tweepy asks only for ``request``,
    ``headers``, ``closed`` and ``close`` of it; it is never closed for good (tweepy would
    replace a closed one with its own), only its connections are, to reopen on the next
    request."""

    def __init__(
        self, base: str, limits: RateLimits, *, timeout: aiohttp.ClientTimeout = TIMEOUT
    ) -> None:
        self.base = base.rstrip("/")
        self.limits = limits
        self.timeout = timeout
        self.headers: dict[str, str] = {}
        self.spent: list[tuple[str, datetime]] = []  # endpoints found spent, to share
        self.closed = False

    @asynccontextmanager
    async def request(self, method: str, url: Any, **kwargs: Any) -> AsyncIterator[Any]:
        text = str(url)
        if not _path(text).endswith("/stream"):
            # the stream's own reconnection waits as X documents (tweepy does it)
            self.limits.check(method, text)
        rebased = self.base + text[len(X_API) :] if text.startswith(X_API) else text
        kwargs.pop("proxy", None)
        # a session a request: nothing is left open between polls, whoever stops the app
        async with (
            aiohttp.ClientSession(
                timeout=self.timeout, headers=self.headers, trust_env=True
            ) as session,
            session.request(method, rebased, **kwargs) as response,
        ):
            until = self.limits.saw(method, text, response.status, response.headers)
            if until is not None:
                endpoint = endpoint_of(_path(text)).replace("GET", method.upper(), 1)
                self.spent.append((endpoint, until))
            yield response

    def take_spent(self) -> list[tuple[str, datetime]]:
        """Return (and forget) the endpoints found spent since the last call, to share."""
        found, self.spent = self.spent, []
        return found

    async def close(self) -> None:
        pass  # each request closes its own session


@dataclass
class XTimeline:
    """Reads X accounts' posts with an app bearer token, on tweepy's AsyncClient."""

    bearer_token: str
    api_base: str = X_API
    limits: RateLimits = field(default_factory=RateLimits)

    def __post_init__(self) -> None:
        self._client = AsyncClient(bearer_token=self.bearer_token, return_type=dict)
        self._session = _Rebased(self.api_base, self.limits)
        self._client.session = self._session
        self._user_ids: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"XTimeline({self.api_base})"  # never the token

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._session.close()

    async def posts_since(
        self, *, source_id: str, username: str, since_id: str | None
    ) -> tuple[list[Item], str | None]:
        """Return an account's posts newer than ``since_id``, newest first, and the newest
        id seen; with no ``since_id``, only the first small page (the silent baseline)."""
        user_id = await self._user_id(username)
        items: list[Item] = []
        newest: str | None = None
        token: str | None = None
        for _ in range(PAGES_AT_MOST if since_id else 1):
            params: dict[str, Any] = {
                "max_results": PAGE if since_id else FIRST_PAGE,
                "tweet_fields": TWEET_FIELDS,
                "expansions": ["attachments.media_keys"],
                "media_fields": MEDIA_FIELDS,
            }
            if since_id:
                params["since_id"] = since_id
            if token:
                params["pagination_token"] = token
            body = await self._call(self._client.get_users_tweets, user_id, **params)
            meta = body.get("meta") or {}
            newest = newest or (str(meta["newest_id"]) if meta.get("newest_id") else None)
            items.extend(posts_from_response(body, source_id=source_id, username=username))
            token = meta.get("next_token")
            if not token:
                break
        return items, newest

    async def recent_posts(self, *, source_id: str, username: str) -> list[Item]:
        """Return an account's first small page of posts, newest first."""
        items, _ = await self.posts_since(source_id=source_id, username=username, since_id=None)
        return items

    async def status_of(self, post_ids: Sequence[str]) -> dict[str, PostStatus]:
        """Ask whether posts still exist, in batches of 100 ids; a deleted one comes back as
        a Not Found Error."""
        statuses: dict[str, PostStatus] = {}
        ids = list(dict.fromkeys(post_ids))
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = ids[start : start + LOOKUP_BATCH]
            body = await self._call(self._client.get_tweets, batch)
            statuses.update(statuses_from_response(body, batch))
        return statuses

    def spent(self) -> list[tuple[str, datetime]]:
        """Return (and forget) the endpoints found spent since the last call, to share."""
        return self._session.take_spent()

    async def _user_id(self, username: str) -> str:
        name = username.lstrip("@")
        if name not in self._user_ids:
            body = await self._call(self._client.get_user, username=name)
            data = body.get("data")
            if not isinstance(data, dict) or "id" not in data:
                raise XError(f"no X account named @{name} ({_problem(body)})")
            self._user_ids[name] = str(data["id"])
        return self._user_ids[name]

    async def _call(self, method: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            body = await method(*args, **kwargs)
        except SourceHeldError:
            raise
        except tweepy.TooManyRequests as exc:
            endpoint = endpoint_of(_path(str(exc.response.url)))
            until = self.limits.held_until(endpoint) or (self.limits.now() + HOLD_WITHOUT_RESET)
            raise SourceHeldError(
                f"X rate limit on {endpoint} until {at_utc(until)}", until
            ) from None
        except tweepy.HTTPException as exc:
            raise XError(f"X API answered {exc.response.status}: {_problem(exc)}") from None
        except (tweepy.TweepyException, aiohttp.ClientError, TimeoutError) as exc:
            raise XError(f"X API unreachable: {type(exc).__name__}") from None
        except ValueError:
            raise XError("X API answered something that is not JSON") from None
        if not isinstance(body, dict):
            raise XError("X API answered something that is not JSON")
        return body


def _problem(source: Any) -> str:
    if isinstance(source, tweepy.HTTPException):
        messages = source.api_messages or [str(source.response.reason)]
        return "; ".join(messages)[:300]
    errors = source.get("errors") if isinstance(source, dict) else None
    if errors:
        return "; ".join(str(e.get("detail") or e.get("title")) for e in errors)[:300]
    return "no data"


def posts_from_response(body: dict[str, Any], *, source_id: str, username: str) -> list[Item]:
    """Turn a ``GET /2/users/{id}/tweets`` body (or a stream's post) into Items."""
    media = {
        m.get("media_key"): m.get("url") or m.get("preview_image_url")
        for m in (body.get("includes") or {}).get("media", [])
    }
    name = username.lstrip("@")
    data = body.get("data") or []
    if isinstance(data, dict):
        data = [data]  # the filtered stream sends one post at a time
    items = []
    for tweet in data:
        post_id = str(tweet["id"])
        keys = (tweet.get("attachments") or {}).get("media_keys", [])
        images = tuple(u for u in (canonical_url(media[k]) for k in keys if media.get(k)) if u)
        created = tweet.get("created_at")
        items.append(
            Item(
                source_id=source_id,
                key=post_id,
                title="",
                text=_expand_links(tweet),
                html="",
                link=f"https://x.com/{name}/status/{post_id}",
                author=f"@{name}",
                published_at=_utc(created) if created else None,
                images=images,
            )
        )
    return items


def _expand_links(tweet: dict[str, Any]) -> str:
    """Show links as they were written, not as t.co short links."""
    text = str(tweet.get("text", ""))
    for url in (tweet.get("entities") or {}).get("urls", []):
        short, full = url.get("url"), url.get("expanded_url")
        if short and full:
            text = text.replace(short, full)
    return text


def _utc(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def statuses_from_response(body: dict[str, Any], post_ids: list[str]) -> dict[str, PostStatus]:
    """Read ``GET /2/tweets?ids=…``: found, Not Found Error, or anything else (unknown)."""
    found = {str(t["id"]) for t in body.get("data") or []}
    statuses = {post_id: PostStatus.THERE for post_id in found}
    for error in body.get("errors") or []:
        post_id = str(error.get("resource_id") or error.get("value") or "")
        # classify on title and detail, not type: suspended accounts share the type
        gone = error.get("title") == "Not Found Error" and "Could not find tweet" in str(
            error.get("detail", "")
        )
        statuses[post_id] = PostStatus.GONE if gone else PostStatus.UNKNOWN
    return {post_id: statuses.get(post_id, PostStatus.UNKNOWN) for post_id in post_ids}
