"""X's filtered stream: the X sources' posts as they are made, through tweepy's
AsyncStreamingClient, for the one worker that holds the stream's lease.

The stream's rules follow the X sources of the running config (``from:UniverseIce OR
from:OnLeaks``, split to fit X's length and count limits) and are kept in step as sources
come and go, from the file or from Discord. Its posts go through the poller's decide and
write (``Poller.take``), so matching, stories, deletions and the outbox do not know where a
post came from; each is billed as X bills it. While the stream is connected a lease says
so (``x-stream-live``) and every worker polls X sources at the safety net's slow pace;
when it drops, the lease goes, the X sources are made due at once, and tweepy reconnects
with X's documented back-off (network errors: 250 ms more each time up to 16 s; HTTP
errors: 5 s doubling up to 320 s; 429: from 60 s). A refused stream (the account's access
does not include it) is said once, and X sources are polled.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
from tweepy import StreamRule
from tweepy.asynchronous import AsyncStreamingClient

from bot.clock import Now
from bot.config.file import Config, Source
from bot.domain import Item
from bot.errors import SourceHeldError
from bot.ops import metrics
from bot.sources.x.ledger import STREAM_LIVE, XLedger
from bot.sources.x.timeline import X_API, RateLimits, XError, _Rebased, posts_from_response
from storage.db import Database
from storage.schedule import place

if TYPE_CHECKING:
    from bot.runtime.worker import Worker

log = logging.getLogger(__name__)

RULE_LENGTH = 1024  # X's longest rule (Pro access)
RULES_AT_MOST = 1000  # X's rule count (Pro access)
TAG = "leakbot"  # the tag of leakbot's rules: others' rules on the same app are left alone
LIVE_LEASE = timedelta(seconds=30)
STREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10, sock_read=30)  # keep-alive: 20 s
TWEET_FIELDS = ["created_at", "author_id", "attachments", "entities"]

Take = Callable[[Source, tuple[Item, ...]], Awaitable[object]]


def stream_rules(
    usernames: Sequence[str], *, length: int = RULE_LENGTH, count: int = RULES_AT_MOST
) -> tuple[list[str], list[str]]:
    """Build the rules that follow these accounts (``from:a OR from:b``), each within the
    length limit, at most ``count`` of them; return the rules and the accounts left out."""
    rules: list[str] = []
    current = ""
    left_out: list[str] = []
    for name in sorted({u.lstrip("@").lower() for u in usernames}):
        clause = f"from:{name}"
        joined = f"{current} OR {clause}" if current else clause
        if len(joined) <= length:
            current = joined
            continue
        rules.append(current)
        current = clause
    if current:
        rules.append(current)
    for rule in rules[count:]:
        left_out.extend(c.removeprefix("from:") for c in rule.split(" OR "))
    return rules[:count], left_out


class _Client(AsyncStreamingClient):  # type: ignore[misc]  # tweepy is untyped
    """tweepy's stream client, its events handed to the XStream that owns it."""

    def __init__(self, owner: XStream, token: str, session: _Rebased) -> None:
        super().__init__(token, return_type=dict)
        self.owner = owner
        self.session = session

    async def on_connect(self) -> None:
        await self.owner.connected()

    async def on_data(self, raw_data: bytes) -> None:
        await self.owner.received(raw_data)

    async def on_keep_alive(self) -> None:
        pass

    async def on_closed(self, resp: Any) -> None:
        await self.owner.dropped("X closed the stream")

    async def on_connection_error(self) -> None:
        await self.owner.dropped("the stream's connection broke or timed out")

    async def on_request_error(self, status_code: int) -> None:
        await self.owner.request_error(status_code)

    async def on_exception(self, exception: Exception) -> None:
        log.error("X stream: %s: %s", type(exception).__name__, exception)

    async def on_disconnect(self) -> None:
        await self.owner.dropped("the stream stopped")


class XStream:
    """The filtered stream of the X sources, while this worker holds its lease."""

    lease = "x-stream"

    def __init__(
        self,
        *,
        token: str,
        api_base: str,
        database: Database,
        now: Now,
        config: Callable[[], Config],
        readable: Callable[[Source], bool],
        take: Take,
        worker: Worker,
    ) -> None:
        self._config = config
        self._readable = readable
        self._take = take
        self._worker = worker
        self._database = database
        self._now = now
        self.ledger = XLedger(database, now, lambda: config().x)
        self.limits = RateLimits(now=now)
        self._session = _Rebased(api_base or X_API, self.limits, timeout=STREAM_TIMEOUT)
        self._client = _Client(self, token, self._session)
        self._task: asyncio.Task[None] | None = None
        self._rules: list[str] | None = None  # as last set on X
        self._by_name: dict[str, list[Source]] = {}
        self.is_connected = False
        self.refused: str | None = None  # why X refused the stream: said once, not retried
        self._said_left_out: set[str] = set()
        self._background: set[asyncio.Task[Any]] = set()

    def _sources(self) -> list[Source]:
        config = self._config()
        return [s for s in config.sources if s.x is not None and self._readable(s)]

    async def keep(self) -> None:
        """Keep the stream in step with the config: rules, connected or not; called by the
        holder of the stream's lease on each of its ticks."""
        config = self._config()
        sources = self._sources()
        if not config.x.stream or not sources or self.refused is not None:
            await self.stop()
            return
        await self.ledger.stream_live()  # the database answers: the books can be kept
        spending = await self.ledger.spending()
        if spending.reached:
            if self._task is not None:
                log.info("X stream: closed while the budget holds X reads")
            await self.stop()
            return
        by_name: dict[str, list[Source]] = {}
        for source in sources:
            assert source.x is not None
            by_name.setdefault(source.x.lstrip("@").lower(), []).append(source)
        self._by_name = by_name
        try:
            await self._set_rules(list(by_name))
        except SourceHeldError as held:
            log.info("X stream: rules wait: %s", held)
            return
        except XError as exc:
            log.warning("X stream: the rules could not be set: %s", exc)
            return
        if self._task is None or self._task.done():
            self._task = self._client.filter(
                expansions=["author_id", "attachments.media_keys"],
                tweet_fields=TWEET_FIELDS,
                user_fields=["username"],
                media_fields=["url", "preview_image_url", "type"],
            )
        if self.is_connected:
            await self._worker.take(STREAM_LIVE, LIVE_LEASE)

    async def _set_rules(self, usernames: list[str]) -> None:
        wanted, left_out = stream_rules(usernames)
        for name in left_out:
            if name not in self._said_left_out:
                self._said_left_out.add(name)
                log.warning("X stream: @%s does not fit X's rule limits: it is only polled", name)
        if wanted == self._rules:
            return
        body = await self._call(self._client.get_rules())
        present = {
            str(rule["value"]): str(rule["id"])
            for rule in body.get("data") or []
            if rule.get("tag") == TAG
        }
        stale = [rule_id for value, rule_id in present.items() if value not in wanted]
        if stale:
            await self._call(self._client.delete_rules(stale))
        new = [StreamRule(value, tag=TAG) for value in wanted if value not in present]
        if new:
            answer = await self._call(self._client.add_rules(new))
            for error in answer.get("errors") or []:
                log.warning("X stream: X refused a rule: %s", error.get("title") or error)
        self._rules = wanted
        log.info("X stream: %d rule(s) follow %d account(s)", len(wanted), len(usernames))

    async def _call(self, call: Awaitable[Any]) -> dict[str, Any]:
        try:
            body = await call
        except (SourceHeldError, XError):
            raise
        except Exception as exc:
            raise XError(f"X API: {type(exc).__name__}: {exc}") from None
        finally:
            for endpoint, until in self._session.take_spent():
                await self.ledger.hold(endpoint, until)
        return body if isinstance(body, dict) else {}

    async def connected(self) -> None:
        """The stream is up: polls slow to the safety net's pace on every worker."""
        if not self.is_connected:
            log.info("X stream connected: X posts arrive as they are made")
        self.is_connected = True
        metrics.X_STREAM_CONNECTED.set(1)
        with suppress(Exception):
            await self._worker.take(STREAM_LIVE, LIVE_LEASE)

    async def dropped(self, why: str) -> None:
        """The stream is down: the X sources are polled at once and at their pace."""
        if not self.is_connected:
            return
        self.is_connected = False
        metrics.X_STREAM_CONNECTED.set(0)
        log.warning("X stream: %s; X sources are polled until it is back", why)
        with suppress(Exception):
            await self._worker.drop(STREAM_LIVE)
            await self._poll_now()

    async def _poll_now(self) -> None:
        moment = self._now()
        slots = {s.id: (moment, moment + timedelta(days=1)) for s in self._sources()}
        await self._database.run(place, slots=slots)

    async def request_error(self, status: int) -> None:
        """X answered the stream with an error: a refusal is said once, and not retried."""
        await self.dropped(f"X answered {status}")
        if status in (401, 403):
            self.refused = f"X refused the filtered stream ({status})"
            log.warning(
                "%s: this account's access does not include it; X sources are polled",
                self.refused,
            )
            task = asyncio.create_task(self._poll_now())
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            self._client.disconnect()

    async def received(self, raw: bytes) -> None:
        """Hand a streamed post to the poller's decide and write, for each source of its
        author; count it as X bills it."""
        try:
            body = json.loads(raw)
        except ValueError:
            log.warning("X stream: a line that is not JSON was skipped")
            return
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            if isinstance(body, dict) and body.get("errors"):
                log.warning("X stream: X says %s", body["errors"])
            return
        author = str(body["data"].get("author_id", ""))
        users = (body.get("includes") or {}).get("users") or []
        names = [str(u.get("username", "")).lower() for u in users if str(u.get("id")) == author]
        sources = [s for name in names for s in self._by_name.get(name, [])]
        if not sources:
            return
        await self.ledger.billed([str(body["data"]["id"])])
        for source in sources:
            assert source.x is not None
            items = tuple(posts_from_response(body, source_id=source.id, username=source.x))
            try:
                await self._take(source, items)
            except Exception:
                log.exception("X stream: the post of %s could not be written", source.id)

    async def stop(self) -> None:
        """Close the stream (the lease went, or it is not wanted); polls take over."""
        if self._task is not None:
            task, self._task = self._task, None
            self._client.disconnect()
            await asyncio.gather(task, return_exceptions=True)
        await self.dropped("the stream was closed")
        await self._session.close()
