"""The tweepy adapter: an X account's recent posts as frozen Items. Nothing else imports tweepy.

tweepy's Client talks to ``https://api.twitter.com`` through a requests session; a transport
adapter mounted on it sends those requests to X_API_BASE_URL instead (a proxy, or the
tests' fake) and gives every request a timeout. Calls are blocking: run them in a thread.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter

from bot.domain import Item
from bot.errors import SourceError, SourceErrorKind
from bot.sources.items import canonical_url

X_API = "https://api.twitter.com"
TIMEOUT = (5.0, 20.0)  # connect, read
POSTS_PER_POLL = 20
TWEET_FIELDS = ["created_at", "author_id", "attachments", "entities"]
MEDIA_FIELDS = ["url", "preview_image_url", "type"]

# tweepy logs request headers, bearer token included, at DEBUG: keep it quieter than that
logging.getLogger("tweepy").setLevel(logging.WARNING)


class XError(SourceError):
    """The X API did not give a usable answer; the reason is meant for the operator's log."""

    kind = SourceErrorKind.X_API


class PostStatus(enum.Enum):
    """What the X API says about one post."""

    THERE = "there"
    GONE = "gone"  # "Not Found Error": deleted
    UNKNOWN = "unknown"  # protected, suspended, or no answer: proves nothing


class _Rebase(HTTPAdapter):
    """Send requests meant for api.twitter.com to another base URL, each with a timeout."""

    def __init__(self, base: str) -> None:
        super().__init__(max_retries=0)
        self.base = base.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(X_API):
            request.url = self.base + request.url[len(X_API) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = TIMEOUT
        return super().send(request, **kwargs)


@dataclass
class XTimeline:
    """Reads X accounts' recent posts with an app bearer token."""

    bearer_token: str
    api_base: str = X_API

    def __post_init__(self) -> None:
        self._client = tweepy.Client(bearer_token=self.bearer_token, return_type=dict)
        adapter = _Rebase(self.api_base)
        self._client.session.mount("https://", adapter)
        self._client.session.mount("http://", adapter)
        self._user_ids: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"XTimeline({self.api_base})"  # never the token

    def recent_posts(self, *, source_id: str, username: str) -> list[Item]:
        """Return an account's most recent posts, newest first."""
        user_id = self._user_id(username)
        body = self._call(
            self._client.get_users_tweets,
            user_id,
            max_results=POSTS_PER_POLL,
            tweet_fields=TWEET_FIELDS,
            expansions=["attachments.media_keys"],
            media_fields=MEDIA_FIELDS,
        )
        return posts_from_response(body, source_id=source_id, username=username)

    def status_of(self, post_ids: list[str]) -> dict[str, PostStatus]:
        """Ask whether posts still exist; a deleted one comes back as a Not Found Error."""
        body = self._call(self._client.get_tweets, post_ids)
        return statuses_from_response(body, post_ids)

    def _user_id(self, username: str) -> str:
        name = username.lstrip("@")
        if name not in self._user_ids:
            body = self._call(self._client.get_user, username=name)
            data = body.get("data")
            if not isinstance(data, dict) or "id" not in data:
                raise XError(f"no X account named @{name} ({_problem(body)})")
            self._user_ids[name] = str(data["id"])
        return self._user_ids[name]

    @staticmethod
    def _call(method: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            body = method(*args, **kwargs)
        except tweepy.TooManyRequests as exc:
            reset = exc.response.headers.get("x-rate-limit-reset")
            when = datetime.fromtimestamp(int(reset), UTC).isoformat() if reset else "later"
            raise XError(f"rate limited by X until {when}") from None
        except tweepy.HTTPException as exc:
            raise XError(f"X API answered {exc.response.status_code}: {_problem(exc)}") from None
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise XError(f"X API unreachable: {type(exc).__name__}") from None
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
    """Turn a ``GET /2/users/{id}/tweets`` body into Items."""
    media = {
        m.get("media_key"): m.get("url") or m.get("preview_image_url")
        for m in (body.get("includes") or {}).get("media", [])
    }
    name = username.lstrip("@")
    items = []
    for tweet in body.get("data") or []:
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
