"""Posting a message to Discord's REST API, within its rate limits, and what the answer means.

Discord describes each route's bucket in the headers of every answer (``X-RateLimit-Bucket``,
``-Remaining``, ``-Reset-After``). The next request to a route with nothing remaining waits
for the reset instead of drawing a 429: too many 429s, and other invalid requests, get an
IP banned (10,000 in 10 minutes).

A global 429 holds every route of the bot, in every worker: the worker that draws it stores
the hold in the database, and each worker looks at the holds right before each request
(after any wait on a bucket, since a hold may have come meanwhile). Only a hold's own end
lifts it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp

from bot.clock import Now, utc_now
from bot.domain import DeliveryOutcome
from bot.sinks.base import Attachment, Delivery
from bot.sources.http import proxy_for
from storage.db import Database
from storage.holds import extend_hold, read_hold

TIMEOUT = aiohttp.ClientTimeout(total=20)
LONGEST_BUCKET_WAIT = 5.0  # seconds; a longer wait holds the channel instead of a sleep
BROKEN_STATUSES = (401, 403, 404)  # the webhook or channel is gone, or we may not post there
DETAIL_CHARS = 2000
# how old the shared hold read last may be when a request goes: a request may leave this
# long (plus a database read) after another worker stored a hold
SHARED_HOLD_FRESH = 0.02  # seconds; a read is one row by its key, about a millisecond


@dataclass(slots=True)
class _Bucket:
    name: str | None
    remaining: int
    reset_at: float  # on the monotonic clock


class SharedHold(Protocol):
    """Until when every request waits, as all the workers sharing a database know it."""

    async def read(self) -> datetime | None:
        """Return the stored hold's end (it may have passed), or None."""
        ...

    async def extend(self, until: datetime) -> None:
        """Store a hold until a moment, unless one already runs longer."""
        ...


class DatabaseHold:
    """The global hold in the database: what one worker learns, every worker honours."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def read(self) -> datetime | None:
        """Return the stored hold's end (it may have passed), or None."""
        return await self._database.run(read_hold)

    async def extend(self, until: datetime) -> None:
        """Store a hold until a moment, unless one already runs longer."""
        await self._database.run(extend_hold, until=until)


class RateLimits:
    """What Discord said about each route's bucket and its global limit; shared by the sinks
    of one process, and the global hold with every worker through ``shared``."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        shared: SharedHold | None = None,
        wall: Now = utc_now,
        fresh_for: float = SHARED_HOLD_FRESH,
    ) -> None:
        self._clock = clock
        self._routes: dict[str, _Bucket] = {}
        self._all_until = 0.0  # Discord's global limit holds every route
        self._shared = shared
        self._wall = wall  # the shared hold is a moment every worker's clock reads alike
        self._fresh_for = fresh_for
        self._read_at = -float("inf")
        self._reading: asyncio.Future[None] | None = None

    @classmethod
    def shared_through(cls, database: Database) -> RateLimits:
        """Make the rate limits of one worker among those sharing a database."""
        return cls(shared=DatabaseHold(database))

    def wait(self, route: str) -> float:
        """Return how many seconds the next request to a route must wait, by what this
        process knows now."""
        held = self._all_until - self._clock()
        bucket = self._routes.get(route)
        if bucket is None or bucket.remaining > 0:
            return max(0.0, held)
        return max(0.0, held, bucket.reset_at - self._clock())

    async def ready(self, route: str) -> float:
        """Return how many seconds a request to a route must still wait, with the holds
        other workers stored looked at afresh."""
        if self._shared is not None and self._clock() - self._read_at >= self._fresh_for:
            if self._reading is None or self._reading.done():
                # sends that look at once share one read
                self._reading = asyncio.ensure_future(self._read(self._shared))
            await asyncio.shield(self._reading)
        return self.wait(route)

    async def _read(self, shared: SharedHold) -> None:
        began = self._clock()
        until = await shared.read()
        self._read_at = began  # as old as the moment the read began
        if until is not None:
            left = (until - self._wall()).total_seconds()
            self._all_until = max(self._all_until, self._clock() + left)

    def hold_all(self, seconds: float) -> None:
        """Hold every route for a while: Discord said its global limit was reached."""
        self._all_until = max(self._all_until, self._clock() + seconds)

    async def hold_everywhere(self, seconds: float) -> None:
        """Hold every route for a while, here and in every worker sharing the database."""
        self.hold_all(seconds)
        if self._shared is not None:
            await self._shared.extend(self._wall() + timedelta(seconds=seconds))

    def spend(self, route: str) -> None:
        """Count a request about to go, so that requests in flight together add up."""
        bucket = self._routes.get(route)
        if bucket is None:
            return
        if bucket.reset_at <= self._clock():
            self._routes.pop(route)  # a fresh window: the answer will tell its size
        else:
            bucket.remaining -= 1

    def learn(self, route: str, headers: Mapping[str, str]) -> None:
        """Read a route's bucket from the headers of an answer."""
        try:
            remaining = int(headers["X-RateLimit-Remaining"])
            reset_after = float(headers["X-RateLimit-Reset-After"])
        except (KeyError, ValueError):
            return
        reset_at = self._clock() + reset_after
        known = self._routes.get(route)
        if (
            known is not None
            and known.reset_at > self._clock()
            and abs(known.reset_at - reset_at) < 0.5
        ):
            remaining = min(remaining, known.remaining)  # answers can arrive out of order
        self._routes[route] = _Bucket(headers.get("X-RateLimit-Bucket"), remaining, reset_at)


async def post_message(
    session: aiohttp.ClientSession,
    url: str,
    body: dict[str, Any],
    *,
    route: str,
    limits: RateLimits,
    label: str,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    files: Sequence[Attachment] = (),
    method: str = "POST",
) -> Delivery:
    """POST a message (or PATCH one, to edit it) once its route has room, and classify
    Discord's answer."""
    # looked at again after each wait: a global hold may have come while this one slept
    while (wait := await limits.ready(route)) > 0:
        if wait > LONGEST_BUCKET_WAIT:
            return Delivery(
                DeliveryOutcome.RATE_LIMITED,
                detail=f"{label}: waiting {wait:.1f} s for Discord's rate limit",
                retry_after=wait,
                scope="bucket",
                sent=False,
            )
        await asyncio.sleep(wait)
    limits.spend(route)  # nothing awaited between the last look and the request
    payload: dict[str, Any] = {"json": body}
    if files:
        # Discord's multipart form: the JSON body as payload_json, then files[n]
        form = aiohttp.FormData()
        form.add_field("payload_json", json.dumps(body), content_type="application/json")
        for index, attachment in enumerate(files):
            form.add_field(
                f"files[{index}]",
                attachment.data,
                filename=attachment.filename,
                content_type=attachment.content_type,
            )
        payload = {"data": form}
    try:
        async with session.request(
            method,
            url,
            params=params,
            headers=headers,
            timeout=TIMEOUT,
            proxy=proxy_for(url),
            **payload,
        ) as response:
            text = await response.text(errors="replace")
            if response.status != 429:
                limits.learn(route, response.headers)
            delivery = classify(response.status, response.headers, text, label=label)
    except (aiohttp.ClientError, TimeoutError) as exc:
        detail = f"{label}: {type(exc).__name__}: {exc}".replace(url, "<url>")
        # a refused connection sent nothing; a timeout or a cut answer may have reached Discord
        sent = not isinstance(exc, aiohttp.ClientConnectorError)
        return Delivery(DeliveryOutcome.FAILED, detail=detail, sent=sent)
    if delivery.scope == "global":
        await limits.hold_everywhere(delivery.retry_after or 1.0)
    return delivery


def classify(status: int, headers: Mapping[str, str], text: str, *, label: str) -> Delivery:
    """Say what one answer of Discord means for the alert and its channel."""
    data = _json(text)
    if 200 <= status < 300:
        message_id = data.get("id")
        return Delivery(
            DeliveryOutcome.DELIVERED,
            status=status,
            remote_id=str(message_id) if message_id is not None else None,
        )
    if status == 429:
        scope = headers.get("X-RateLimit-Scope", "user")
        if data.get("global") is True or headers.get("X-RateLimit-Global") == "true":
            scope = "global"
        wait = retry_after(headers.get("Retry-After"), text)
        return Delivery(
            DeliveryOutcome.RATE_LIMITED,
            status=429,
            detail=f"{label}: rate limited by Discord ({scope}) for {wait or 0:g} s",
            retry_after=wait,
            scope=scope,
        )
    detail = f"{label}: HTTP {status}: {_error(data, text)}"[:DETAIL_CHARS]
    if status in BROKEN_STATUSES:
        return Delivery(DeliveryOutcome.BROKEN, status=status, detail=detail)
    if 400 <= status < 500:
        return Delivery(DeliveryOutcome.REFUSED, status=status, detail=detail)
    return Delivery(DeliveryOutcome.FAILED, status=status, detail=detail)


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error(data: dict[str, Any], text: str) -> str:
    """Render Discord's error body: its message, its code, and what it said was wrong."""
    if not data:
        return " ".join(text.split())[:300] or "(no body)"
    words = str(data.get("message") or "no message")
    if "code" in data:
        words += f" (code {data['code']})"
    if data.get("errors"):
        words += f": {json.dumps(data['errors'], ensure_ascii=False)}"
    return words


def retry_after(header: str | None, text: str) -> float | None:
    """Read how long Discord wants us to wait: the body's exact seconds, else the header."""
    try:
        return max(0.0, float(json.loads(text)["retry_after"]))
    except (ValueError, KeyError, TypeError):
        pass
    try:
        return max(0.0, float(header)) if header is not None else None
    except ValueError:
        return None
