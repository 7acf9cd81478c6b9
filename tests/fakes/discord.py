"""A fake of Discord's REST API: execute-webhook and create-message, checked against the spec.

Every body is validated against the request schema in Discord's official OpenAPI
description (tests/data/ref/discord/openapi.json), plus what the spec leaves out: no unknown
keys, and at most 6000 characters over all embeds. An invalid body gets Discord's 400.

Like Discord, it limits each webhook and channel to a bucket (5 requests per 2 s unless told
otherwise), says so in the ``X-RateLimit-*`` headers of every answer, and answers 429 with
``retry_after`` past it. Tests script other answers per webhook or channel (429, 5xx, 401,
404, 400), and every request is logged with the moment it came, so that a test can count
the requests sent before a ``retry_after`` had passed.

``python -m tests.fakes.discord --port N`` serves it alone (for the soak benchmark), with
``--chaos P`` answering 429, 500 or 502 at random to a share P of requests, ``--global-429 P``
answering a share P with Discord's global 429, and its log at ``GET /_fake/report``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web
from jsonschema import Draft202012Validator

from tests.fakes.loopback import LoopbackServer

SPEC = Path(__file__).resolve().parents[1] / "data" / "ref" / "discord" / "openapi.json"
WEBHOOK_PATH = "/webhooks/{webhook_id}/{webhook_token}"
MESSAGES_PATH = "/channels/{channel_id}/messages"
WEBHOOK_MESSAGE_PATH = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
CHANNEL_MESSAGE_PATH = "/channels/{channel_id}/messages/{message_id}"
# the server every webhook and channel of the fake is in, and its roles besides @everyone
GUILD_ID = "1300000000000000100"
ADMIN_ROLE_ID = "1300000000000000300"
MOD_ROLE_ID = "1300000000000000301"
XIAOMI_ROLE_ID = "1300000000000000302"
PIXEL_ROLE_ID = "1300000000000000303"
ROLES = (
    (ADMIN_ROLE_ID, "Leak Curators"),
    (MOD_ROLE_ID, "Moderators"),
    (XIAOMI_ROLE_ID, "Xiaomi Leaks"),
    (PIXEL_ROLE_ID, "Pixel Leaks"),
)
# a request that comes this soon after a global 429 was on its way before the 429 was known
GLOBAL_GRACE = 0.05  # seconds


@cache
def _spec() -> dict[str, Any]:
    return json.loads(SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def request_validator(path: str, method: str = "post") -> Draft202012Validator:
    """Build a validator for the JSON request body of POST (or PATCH) on a spec path."""
    spec = _spec()
    pointer = path.replace("~", "~0").replace("/", "~1")
    schema = dict(spec)
    schema["$ref"] = f"#/paths/{pointer}/{method}/requestBody/content/application~1json/schema"
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _unknown_keys(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    """Find keys the spec does not define (the spec allows them; Discord ignores them)."""
    spec = _spec()
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            if len(options) == 1 or value is None:
                return (
                    _unknown_keys(value, options[0], where) if options and value is not None else []
                )
            return min((_unknown_keys(value, s, where) for s in options), key=len)
    problems = []
    if isinstance(value, dict) and "properties" in schema:
        for name, item in value.items():
            if name not in schema["properties"]:
                problems.append(f"{where}.{name}")
            else:
                problems.extend(_unknown_keys(item, schema["properties"][name], f"{where}.{name}"))
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems.extend(_unknown_keys(item, schema["items"], f"{where}[{index}]"))
    return problems


def body_problems(path: str, body: Any, method: str = "post") -> list[str]:
    """Say everything wrong with a message body Discord would get on POST (PATCH) ``path``."""
    validator = request_validator(path, method)
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<body>'}: {error.message}"
        for error in validator.iter_errors(body)
    ]
    spec = _spec()
    schema = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    problems += [f"unknown key {key}" for key in _unknown_keys(body, schema, "body")]
    total = 0
    for embed in body.get("embeds") or [] if isinstance(body, dict) else []:
        total += len(embed.get("title") or "") + len(embed.get("description") or "")
        total += len((embed.get("footer") or {}).get("text") or "")
        total += len((embed.get("author") or {}).get("name") or "")
        total += sum(
            len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields") or []
        )
    if total > 6000:
        problems.append(f"embeds hold {total} characters, over Discord's 6000")
    return problems


@dataclass
class Received:
    """One message Discord accepted."""

    route: str  # "webhook" or "channel"
    target: str  # webhook id or channel id
    body: dict[str, Any]
    headers: dict[str, str]
    query: dict[str, str]
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, type, bytes
    message_id: str = ""
    at: float = 0.0  # time.monotonic() when it came
    edits: list[dict[str, Any]] = field(default_factory=list)  # bodies of accepted PATCHes
    posted: dict[str, Any] = field(default_factory=dict)  # the body as first sent, before edits

    def __post_init__(self) -> None:
        self.posted = self.posted or dict(self.body)

    @property
    def title(self) -> str | None:
        """Return the first embed's title: the post an alert is about."""
        embeds = self.body.get("embeds") or [{}]
        title = embeds[0].get("title")
        return str(title) if title is not None else None


@dataclass(frozen=True)
class Request:
    """One request as it came, and how the fake answered it."""

    at: float  # time.monotonic() when it came
    route: str
    target: str
    status: int
    retry_after: float | None = None  # of a 429
    scope: str | None = None  # of a 429: "user" (a route's bucket) or "global"
    method: str = "POST"  # PATCH: an edit of a message


Answer = tuple[int, dict[str, Any], dict[str, str]]

# Discord's errors for a webhook or channel that is gone or forbidden, and for a bad body
UNKNOWN_WEBHOOK: Answer = (404, {"message": "Unknown Webhook", "code": 10015}, {})
INVALID_WEBHOOK_TOKEN: Answer = (401, {"message": "Invalid Webhook Token", "code": 50027}, {})
UNKNOWN_CHANNEL: Answer = (404, {"message": "Unknown Channel", "code": 10003}, {})
MISSING_ACCESS: Answer = (403, {"message": "Missing Access", "code": 50001}, {})
INVALID_FORM_BODY: Answer = (
    400,
    {
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {"embeds": {"0": {"description": {"_errors": [{"code": "BASE_TYPE_BAD"}]}}}},
    },
    {},
)


@dataclass
class DiscordFake:
    """Discord's REST API on loopback: ``{url}/api/v10`` is the base to give leakbot."""

    messages: list[Received] = field(default_factory=list)
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    attempts: int = 0
    bucket: tuple[int, float] | None = (5, 2.0)  # requests per seconds, per webhook or channel
    delay: float = 0.0  # seconds between taking a message and answering
    chaos: float = 0.0  # the share of requests answered 429, 500 or 502 at random
    global_chaos: float = 0.0  # the share of requests answered with a global 429 at random
    seed: int = 0
    _script: dict[str | None, deque[Answer]] = field(default_factory=dict)
    _refusals: dict[str, Answer] = field(default_factory=dict)
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)  # end, used
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1_200_000_000_000_000_000)
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: LoopbackServer | None = None
    _nonces: set[str] = field(default_factory=set)
    _rng: random.Random = field(default_factory=random.Random)
    role_reads: int = 0  # GET /guilds/{id}/roles answered

    def __enter__(self) -> DiscordFake:
        self._rng.seed(self.seed)
        self._server = LoopbackServer(self.application()).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.__exit__(None, None, None)

    def application(self) -> web.Application:
        """Build the aiohttp application that plays Discord."""
        app = web.Application()
        app.router.add_post("/api/v10/webhooks/{webhook_id}/{token}", self._webhook)
        app.router.add_post("/api/v10/channels/{channel_id}/messages", self._channel)
        app.router.add_patch(
            "/api/v10/webhooks/{webhook_id}/{token}/messages/{message_id}", self._edit_webhook
        )
        app.router.add_patch(
            "/api/v10/channels/{channel_id}/messages/{message_id}", self._edit_channel
        )
        app.router.add_get("/api/v10/webhooks/{webhook_id}/{token}", self._get_webhook)
        app.router.add_get("/api/v10/channels/{channel_id}", self._get_channel)
        app.router.add_get("/api/v10/guilds/{guild_id}/roles", self._get_roles)
        app.router.add_get("/_fake/report", self._report)
        app.router.add_post("/_fake/chaos", self._set_chaos)
        return app

    @property
    def api_base(self) -> str:
        """Return the value for DISCORD_API_BASE_URL."""
        assert self._server is not None
        return f"{self._server.url}/api/v10"

    def answer_next(
        self,
        status: int,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        *,
        target: str | None = None,
    ) -> None:
        """Answer the next request (to this webhook or channel) with this status instead."""
        with self._lock:
            self._script.setdefault(target, deque()).append((status, body or {}, headers or {}))

    def rate_limit_next(
        self, retry_after: float, *, target: str | None = None, is_global: bool = False
    ) -> None:
        """Answer the next request with 429 and Discord's rate-limit body and headers."""
        scope = "global" if is_global else "user"
        headers = {
            "Retry-After": str(int(retry_after + 0.999)),
            "X-RateLimit-Scope": scope,
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "fake-bucket",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": retry_after}
        self.answer_next(429, {**body, "global": is_global}, headers, target=target)

    def refuse(self, target: str, answer: Answer) -> None:
        """Answer every request to a webhook or channel so, until repaired."""
        with self._lock:
            self._refusals[target] = answer

    def repair(self, target: str) -> None:
        """Let a refused webhook or channel take messages again."""
        with self._lock:
            self._refusals.pop(target, None)

    def statuses(self, target: str | None = None) -> list[int]:
        """Return the status of every answer, in order (to one webhook or channel)."""
        with self._lock:
            return [r.status for r in self.requests if target in (None, r.target)]

    def early_requests(self, global_grace: float = 0.0) -> list[Request]:
        """Return the requests that came before a 429's ``retry_after`` had passed; those
        within ``global_grace`` of a global 429 were on their way before it, and do not count
        against it."""
        with self._lock:
            requests = sorted(self.requests, key=lambda r: r.at)
        held: dict[str, float] = {}
        held_all: list[tuple[float, float]] = []  # each global 429: when it came, its end
        early = []
        for request in requests:
            if request.at < held.get(request.target, 0.0) or any(
                at + global_grace <= request.at < until for at, until in held_all
            ):
                early.append(request)
            if request.status == 429 and request.retry_after is not None:
                until = request.at + request.retry_after
                if request.scope == "global":
                    held_all.append((request.at, until))
                else:
                    held[request.target] = max(held.get(request.target, 0.0), until)
        return early

    def early_after_global(self, grace: float = GLOBAL_GRACE) -> list[tuple[Request, float]]:
        """Return the requests that came more than ``grace`` after a global 429 and before
        its ``retry_after`` had passed (sent when the hold was known, to any target), each
        with how many seconds before the hold's end it came."""
        with self._lock:
            requests = sorted(self.requests, key=lambda r: r.at)
        holds = [
            (r.at, r.at + r.retry_after)
            for r in requests
            if r.status == 429 and r.scope == "global" and r.retry_after is not None
        ]
        early = []
        for request in requests:
            ends = [end for at, end in holds if at + grace < request.at < end]
            if ends:
                early.append((request, max(ends) - request.at))
        return early

    async def _webhook(self, request: web.Request) -> web.Response:
        return await self._receive(
            request, "webhook", request.match_info["webhook_id"], WEBHOOK_PATH
        )

    async def _channel(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bot "):
            return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        return await self._receive(
            request, "channel", request.match_info["channel_id"], MESSAGES_PATH
        )

    def _answer(self, target: str, now: float) -> tuple[Answer | None, dict[str, str]]:
        """Pick how to answer a request: a bucket that is full, a script, a refusal, chaos."""
        headers: dict[str, str] = {}
        if self.bucket is not None:
            limit, seconds = self.bucket
            end, used = self._windows.get(target, (0.0, 0))
            if now >= end:
                end, used = now + seconds, 0
            reset_after = end - now
            if used >= limit:
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": round(reset_after, 3),
                    "global": False,
                }
                return (429, body, self._bucket_headers(target, limit, 0, reset_after)), {}
            self._windows[target] = (end, used + 1)
            headers = self._bucket_headers(target, limit, limit - used - 1, reset_after)
        for key in (target, None):
            if self._script.get(key):
                return self._script[key].popleft(), headers
        if target in self._refusals:
            return self._refusals[target], headers
        if self.global_chaos and self._rng.random() < self.global_chaos:
            wait = round(self._rng.uniform(0.5, 3.0), 3)
            body = {"message": "You are being rate limited.", "retry_after": wait, "global": True}
            extra = {
                "Retry-After": str(int(wait + 0.999)),
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
            }
            return (429, body, extra), {}
        if self.chaos and self._rng.random() < self.chaos:
            status = self._rng.choice((429, 500, 502))
            if status != 429:
                return (status, {"message": f"{status}: chaos", "code": 0}, {}), headers
            wait = round(self._rng.uniform(0.2, 3.0), 3)
            body = {"message": "You are being rate limited.", "retry_after": wait, "global": False}
            return (429, body, {**headers, "X-RateLimit-Scope": "user"}), {}
        return None, headers

    @staticmethod
    def _bucket_headers(
        target: str, limit: int, remaining: int, reset_after: float
    ) -> dict[str, str]:
        return {
            "X-RateLimit-Bucket": f"bucket-{target[-6:]}",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        }

    async def _receive(
        self, request: web.Request, route: str, target: str, path: str
    ) -> web.Response:
        files: list[tuple[str, str, bytes]] = []
        if request.content_type == "multipart/form-data":
            body = {}
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    data = bytes(await part.read())
                    kind = part.headers.get("Content-Type", "application/octet-stream")
                    files.append((part.filename or "", kind, data))
            attached = {a.get("filename") for a in body.get("attachments") or []}
            if {name for name, _, _ in files} - attached:
                return web.json_response(
                    {"code": 50035, "message": "file without an attachments entry"}, status=400
                )
        else:
            body = await request.json()
        now = time.monotonic()
        with self._lock:
            self.attempts += 1
            answer, headers = self._answer(target, now)
            if answer is not None:
                status, answer_body, extra = answer
                self.requests.append(
                    Request(
                        now,
                        route,
                        target,
                        status,
                        retry_after=answer_body.get("retry_after") if status == 429 else None,
                        scope=(
                            "global"
                            if answer_body.get("global")
                            else extra.get("X-RateLimit-Scope")
                        )
                        if status == 429
                        else None,
                    )
                )
                return web.json_response(answer_body, status=status, headers={**headers, **extra})
        problems = body_problems(path, body)
        if problems:
            with self._lock:
                self.rejected.append((route, problems))
                self.requests.append(Request(now, route, target, 400))
            return web.json_response(
                {"code": 50035, "message": "Invalid Form Body", "errors": problems}, status=400
            )
        nonce = body.get("nonce") if body.get("enforce_nonce") else None
        with self._lock:
            message_id = str(next(self._ids))
            self.requests.append(Request(now, route, target, 200))
            if nonce is not None and nonce in self._nonces:
                return web.json_response({"id": message_id, "duplicate_nonce": True})
            if nonce is not None:
                self._nonces.add(nonce)
            self.messages.append(
                Received(
                    route,
                    target,
                    body,
                    dict(request.headers),
                    dict(request.query),
                    files,
                    message_id,
                    now,
                )
            )
        if self.delay:
            await asyncio.sleep(self.delay)  # Discord has the message; the answer is slow
        if route == "webhook" and request.query.get("wait") != "true":
            return web.Response(status=204, headers=headers)
        return web.json_response(
            {
                "id": message_id,
                "type": 0,
                "content": body.get("content") or "",
                "embeds": body.get("embeds") or [],
                "channel_id": target,
            },
            headers=headers,
        )

    async def _get_webhook(self, request: web.Request) -> web.Response:
        """Get Webhook with Token: where it posts, no user (that takes a bot token)."""
        return web.json_response(
            {
                "id": request.match_info["webhook_id"],
                "type": 1,
                "guild_id": GUILD_ID,
                "channel_id": "1300000000000000200",
                "name": "leaks",
                "avatar": None,
                "application_id": None,
            }
        )

    async def _get_channel(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bot "):
            return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        channel_id = request.match_info["channel_id"]
        return web.json_response(
            {"id": channel_id, "type": 0, "guild_id": GUILD_ID, "name": f"c-{channel_id[-3:]}"}
        )

    async def _get_roles(self, request: web.Request) -> web.Response:
        """List a server's roles, as Discord does for a bot in it."""
        if not request.headers.get("Authorization", "").startswith("Bot "):
            return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        if request.match_info["guild_id"] != GUILD_ID:
            return web.json_response({"message": "Unknown Guild", "code": 10004}, status=404)
        with self._lock:
            self.role_reads += 1
        return web.json_response(guild_roles())

    async def _edit_webhook(self, request: web.Request) -> web.Response:
        return await self._edit(
            request, "webhook", request.match_info["webhook_id"], WEBHOOK_MESSAGE_PATH
        )

    async def _edit_channel(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bot "):
            return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        return await self._edit(
            request, "channel", request.match_info["channel_id"], CHANNEL_MESSAGE_PATH
        )

    async def _edit(self, request: web.Request, route: str, target: str, path: str) -> web.Response:
        """Edit a message the fake took before: its fields are replaced by the body's."""
        body = await request.json()
        message_id = request.match_info["message_id"]
        now = time.monotonic()
        with self._lock:
            self.attempts += 1
            answer, headers = self._answer(target, now)
            if answer is not None:
                status, answer_body, extra = answer
                self.requests.append(
                    Request(
                        now,
                        route,
                        target,
                        status,
                        retry_after=answer_body.get("retry_after") if status == 429 else None,
                        scope=extra.get("X-RateLimit-Scope") if status == 429 else None,
                        method="PATCH",
                    )
                )
                return web.json_response(answer_body, status=status, headers={**headers, **extra})
        problems = body_problems(path, body, "patch")
        with self._lock:
            if problems:
                self.rejected.append((route, problems))
                self.requests.append(Request(now, route, target, 400, method="PATCH"))
                return web.json_response(
                    {"code": 50035, "message": "Invalid Form Body", "errors": problems},
                    status=400,
                )
            message = next(
                (
                    m
                    for m in self.messages
                    if m.message_id == message_id and m.target == target and m.route == route
                ),
                None,
            )
            if message is None:
                self.requests.append(Request(now, route, target, 404, method="PATCH"))
                return web.json_response(
                    {"message": "Unknown Message", "code": 10008}, status=404, headers=headers
                )
            self.requests.append(Request(now, route, target, 200, method="PATCH"))
            message.body = {**message.body, **body}
            message.edits.append(body)
        return web.json_response(
            {
                "id": message_id,
                "type": 0,
                "content": message.body.get("content") or "",
                "embeds": message.body.get("embeds") or [],
                "channel_id": target,
            },
            headers=headers,
        )

    def edits(self, target: str | None = None) -> int:
        """Count the edits Discord accepted (to one webhook or channel)."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if r.method == "PATCH" and r.status == 200 and target in (None, r.target)
            )

    def report(self) -> dict[str, Any]:
        """Return the log of requests and messages as JSON-safe data."""
        early = len(self.early_requests(global_grace=GLOBAL_GRACE))
        early_after_global = [round(by, 3) for _, by in self.early_after_global()]
        with self._lock:
            return {
                "requests": [
                    [r.at, r.route, r.target, r.status, r.retry_after, r.scope]
                    for r in self.requests
                ],
                "messages": [
                    [m.at, m.target, m.title, m.message_id, m.query.get("wait")]
                    for m in self.messages
                ],
                "early": early,
                # seconds before the hold's end each request sent into a global hold came
                "early_after_global": early_after_global,
                "rejected": len(self.rejected),
            }

    async def _report(self, request: web.Request) -> web.Response:
        return web.json_response(self.report())

    async def _set_chaos(self, request: web.Request) -> web.Response:
        self.chaos = float((await request.json())["chaos"])
        return web.json_response({"chaos": self.chaos})


def guild_roles(everyone_permissions: int = 0) -> list[dict[str, Any]]:
    """Return the fake server's roles as Discord lists them, @everyone first."""
    roles: list[dict[str, Any]] = [
        {"id": GUILD_ID, "name": "@everyone", "permissions": str(everyone_permissions)},
        *({"id": role_id, "name": name, "permissions": "0"} for role_id, name in ROLES),
    ]
    for position, role in enumerate(roles):
        role.update(position=position, color=0, hoist=False, managed=False, mentionable=True)
    return roles


def main() -> None:
    """Serve the fake alone until SIGTERM or SIGINT; print its base URL first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chaos", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bucket", type=int, default=5, help="requests per window (0: none)")
    parser.add_argument("--window", type=float, default=2.0, help="the bucket's seconds")
    parser.add_argument("--global-429", type=float, default=0.0, help="share of global 429s")
    args = parser.parse_args()
    fake = DiscordFake(
        bucket=(args.bucket, args.window) if args.bucket else None,
        chaos=args.chaos,
        global_chaos=args.global_429,
        seed=args.seed,
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with fake:
        print(fake.api_base, flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
