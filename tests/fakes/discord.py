"""A fake of Discord's REST API: execute-webhook and create-message, checked against the spec.

Every body is validated against the request schema in Discord's official OpenAPI
description (tests/data/ref/discord/openapi.json), plus what the spec leaves out: no unknown
keys, and at most 6000 characters over all embeds. An invalid body gets Discord's 400.
"""

from __future__ import annotations

import itertools
import json
import threading
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


@cache
def _spec() -> dict[str, Any]:
    return json.loads(SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def request_validator(path: str) -> Draft202012Validator:
    """Build a validator for the JSON request body of POST on a spec path."""
    spec = _spec()
    pointer = path.replace("~", "~0").replace("/", "~1")
    schema = dict(spec)
    schema["$ref"] = f"#/paths/{pointer}/post/requestBody/content/application~1json/schema"
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


def body_problems(path: str, body: Any) -> list[str]:
    """Say everything wrong with a message body Discord would get on POST ``path``."""
    validator = request_validator(path)
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<body>'}: {error.message}"
        for error in validator.iter_errors(body)
    ]
    spec = _spec()
    schema = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
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


@dataclass
class DiscordFake:
    """Discord's REST API on loopback: ``{url}/api/v10`` is the base to give leakbot."""

    messages: list[Received] = field(default_factory=list)
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)
    attempts: int = 0
    _script: deque[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=deque)
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1_200_000_000_000_000_000)
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: LoopbackServer | None = None
    _nonces: set[str] = field(default_factory=set)

    def __enter__(self) -> DiscordFake:
        app = web.Application()
        app.router.add_post("/api/v10/webhooks/{webhook_id}/{token}", self._webhook)
        app.router.add_post("/api/v10/channels/{channel_id}/messages", self._channel)
        self._server = LoopbackServer(app).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.__exit__(None, None, None)

    @property
    def api_base(self) -> str:
        """Return the value for DISCORD_API_BASE_URL."""
        assert self._server is not None
        return f"{self._server.url}/api/v10"

    def answer_next(
        self, status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next request with this status instead of accepting it."""
        with self._lock:
            self._script.append((status, body or {}, headers or {}))

    def rate_limit_next(self, retry_after: float) -> None:
        """Answer the next request with 429 and Discord's rate-limit body."""
        self.answer_next(
            429,
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            {"Retry-After": str(int(retry_after + 0.999)), "X-RateLimit-Scope": "user"},
        )

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
        with self._lock:
            self.attempts += 1
            if self._script:
                status, answer, headers = self._script.popleft()
                return web.json_response(answer, status=status, headers=headers)
        problems = body_problems(path, body)
        if problems:
            with self._lock:
                self.rejected.append((route, problems))
            return web.json_response(
                {"code": 50035, "message": "Invalid Form Body", "errors": problems}, status=400
            )
        nonce = body.get("nonce") if body.get("enforce_nonce") else None
        with self._lock:
            message_id = str(next(self._ids))
            if nonce is not None and nonce in self._nonces:
                return web.json_response({"id": message_id, "duplicate_nonce": True})
            if nonce is not None:
                self._nonces.add(nonce)
            self.messages.append(
                Received(route, target, body, dict(request.headers), dict(request.query), files)
            )
        if route == "webhook" and request.query.get("wait") != "true":
            return web.Response(status=204)
        return web.json_response(
            {
                "id": message_id,
                "type": 0,
                "content": body.get("content") or "",
                "embeds": body.get("embeds") or [],
                "channel_id": target,
            }
        )
