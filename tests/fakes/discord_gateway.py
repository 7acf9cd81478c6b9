"""A fake of Discord for a bot: the gateway, at the protocol level, and the REST routes a
bot needs, beside the REST fake's messages and webhooks, on one loopback port.

The gateway speaks what discord.py speaks: HELLO, IDENTIFY, READY, GUILD_CREATE,
heartbeats and their ACKs, RESUME (with the events the session missed, then RESUMED),
INVALID_SESSION, and a connection that drops without a word. It compresses with
zlib-stream when the client asks for it (``?compress=zlib-stream``), and refuses an
IDENTIFY that asks for privileged intents, as Discord does (close code 4014).

A test drives members: ``command("watch", "add", {...}, member=...)`` sends a real
INTERACTION_CREATE for a command the bot synced (its options checked against the synced
definition) and waits for the bot's answer. Every body the bot sends (the synced
commands, interaction callbacks, follow-ups) is checked against Discord's OpenAPI spec;
a bad one is answered 400 and kept in ``rejected``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from jsonschema import Draft202012Validator

from tests.fakes.discord import (
    ADMIN_ROLE_ID,
    GUILD_ID,
    MOD_ROLE_ID,
    DiscordFake,
    _spec,
    body_problems,
    guild_roles,
)

APPLICATION_ID = "1300000000000000001"
BOT_USER_ID = APPLICATION_ID
LEAKS_CHANNEL_ID = "1300000000000000200"  # a channel the bot may post in
OTHER_CHANNEL_ID = "1300000000000000201"  # the bot may only read it
SCOOPS_CHANNEL_ID = "1300000000000000202"  # the bot may post in it; not in the config
TOKEN = "fake-bot-token.abc.def"
CALLBACK_PATH = "/interactions/{interaction_id}/{interaction_token}/callback"
WEBHOOK_PATH = "/webhooks/{webhook_id}/{webhook_token}"
COMMANDS_PATH = "/applications/{application_id}/commands"
EPHEMERAL = 1 << 6
# the intents Discord calls privileged: members, presences, message content
PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15)

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
MANAGE_GUILD = 1 << 5
MEMBER = VIEW_CHANNEL | SEND_MESSAGES
BOT_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | (1 << 15)  # + attach files
OPTION_TYPES = {"sub": 1, "string": 3, "channel": 7, "role": 8}


@dataclass(frozen=True)
class Member:
    """Someone in the fake server: their permissions there and their roles."""

    user_id: str
    name: str
    permissions: int = MEMBER
    roles: tuple[str, ...] = ()


MODERATOR = Member("1300000000000000401", "mod", MEMBER | MANAGE_GUILD)
READER = Member("1300000000000000402", "reader")
ROLE_ADMIN = Member("1300000000000000403", "helper", MEMBER, (ADMIN_ROLE_ID,))


@dataclass
class Answer:
    """What the bot answered one interaction: the callback, then any follow-ups."""

    sent_at: float
    callback: dict[str, Any] | None = None
    callback_at: float = 0.0
    followups: list[dict[str, Any]] = field(default_factory=list)
    followup_at: float = 0.0

    @property
    def deferred(self) -> bool:
        return self.callback is not None and self.callback["type"] == 5

    @property
    def text(self) -> str | None:
        """Return what the member reads: the message, or the follow-up of a deferral."""
        if self.callback is None:
            return None
        if self.callback["type"] == 4:
            return str(self.callback["data"].get("content", ""))
        if self.followups:
            return str(self.followups[-1].get("content", ""))
        return None

    @property
    def ephemeral(self) -> bool:
        bodies = [self.callback["data"] if self.callback and "data" in self.callback else {}]
        bodies += self.followups
        return all(int(body.get("flags") or 0) & EPHEMERAL for body in bodies)


@dataclass
class Live:
    """A gateway session on one connection: live from its IDENTIFY or RESUME until the
    connection closed (monotonic seconds); on real Discord it receives every interaction."""

    session_id: str
    began: float
    how: str  # "identify" or "resume"
    ended: float | None = None

    def overlaps(self, other: Live) -> bool:
        """Say whether the two were live at one moment."""
        end = self.ended if self.ended is not None else float("inf")
        other_end = other.ended if other.ended is not None else float("inf")
        return self.began < other_end and other.began < end


@dataclass
class _Session:
    session_id: str
    sequence: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)  # sent or waiting to be sent
    socket: _Socket | None = None


@dataclass
class _Socket:
    ws: web.WebSocketResponse
    request: web.Request
    deflate: Any | None  # a zlib compressor for zlib-stream
    session: _Session | None = None
    live: Live | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload)
        if self.deflate is None:
            await self.ws.send_str(data)
        else:
            chunk = self.deflate.compress(data.encode()) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(chunk)


@dataclass
class DiscordBotFake(DiscordFake):
    """Discord's gateway and REST for a bot; ``gateway_url`` is for DISCORD_GATEWAY_URL."""

    heartbeat_ms: int = 41_250
    identifies: int = 0
    resumes: int = 0
    heartbeats: int = 0
    intents: list[int] = field(default_factory=list)
    compression: list[str] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)  # as the bot synced them
    answers: dict[str, Answer] = field(default_factory=dict)  # by interaction token
    lives: list[Live] = field(default_factory=list)  # every session's live time, in order
    _sessions: dict[str, _Session] = field(default_factory=dict)
    _current: _Session | None = None
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _snowflakes: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1_310_000_000_000_000_000)
    )

    def __enter__(self) -> DiscordBotFake:
        super().__enter__()
        return self

    def application(self) -> web.Application:
        app = super().application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_get("/api/v10/gateway/bot", self._gateway_bot)
        app.router.add_put("/api/v10/applications/{application_id}/commands", self._sync)
        app.router.add_post(
            "/api/v10/interactions/{interaction_id}/{token}/callback", self._callback
        )
        return app

    @property
    def gateway_url(self) -> str:
        """Return the value for DISCORD_GATEWAY_URL."""
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.port}/gateway"

    # --- what a test does --------------------------------------------------------------

    def wait_ready(self, seconds: float = 30, *, identifies: int = 0) -> None:
        """Wait until a bot has synced its commands and identified (more than
        ``identifies`` times in all: a restarted bot identifies again)."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while not (self.identifies > identifies and self.commands):
                left = deadline - time.monotonic()
                assert left > 0, "the bot never identified and synced its commands"
                self._changed.wait(left)

    def command(
        self,
        name: str,
        sub: str,
        options: dict[str, str] | None = None,
        *,
        member: Member = MODERATOR,
        channel_id: str = LEAKS_CHANNEL_ID,
        wait: float = 30,
    ) -> Answer:
        """Run ``/name sub`` as a member and wait for the bot's last word on it."""
        token = self.send_command(name, sub, options, member=member, channel_id=channel_id)
        return self.answer(token, wait)

    def send_command(
        self,
        name: str,
        sub: str,
        options: dict[str, str] | None = None,
        *,
        member: Member = MODERATOR,
        channel_id: str = LEAKS_CHANNEL_ID,
    ) -> str:
        """Send INTERACTION_CREATE for ``/name sub`` (queued while the bot is away)."""
        payload = self._interaction(name, sub, options or {}, member, channel_id)
        with self._changed:
            self.answers[payload["token"]] = Answer(time.monotonic())
        assert self._server is not None
        asyncio.run_coroutine_threadsafe(
            self._dispatch("INTERACTION_CREATE", payload), self._server._loop
        ).result(10)
        return str(payload["token"])

    def autocomplete(
        self, name: str, sub: str, option: str, typed: str, *, member: Member = MODERATOR
    ) -> list[str]:
        """Type into an option as a member; return the choices the bot offers."""
        payload = self._interaction(name, sub, {option: typed}, member, LEAKS_CHANNEL_ID)
        payload["type"] = 4
        payload["data"]["options"][0]["options"][0]["focused"] = True
        with self._changed:
            self.answers[payload["token"]] = Answer(time.monotonic())
        assert self._server is not None
        asyncio.run_coroutine_threadsafe(
            self._dispatch("INTERACTION_CREATE", payload), self._server._loop
        ).result(10)
        deadline = time.monotonic() + 10
        with self._changed:
            while self.answers[payload["token"]].callback is None:
                left = deadline - time.monotonic()
                assert left > 0, "the bot offered no choices"
                self._changed.wait(left)
            callback = self.answers[payload["token"]].callback
        assert callback is not None and callback["type"] == 8, callback
        return [choice["value"] for choice in callback["data"]["choices"]]

    def answer(self, token: str, wait: float = 30) -> Answer:
        """Wait for the bot's answer to an interaction: a message, or a deferral and its
        follow-up."""
        deadline = time.monotonic() + wait
        with self._changed:
            while True:
                answer = self.answers[token]
                if answer.text is not None:
                    return answer
                left = deadline - time.monotonic()
                if left <= 0:
                    return answer
                self._changed.wait(left)

    def live_now(self) -> list[Live]:
        """Return the sessions live at this moment."""
        with self._changed:
            return [live for live in self.lives if live.ended is None]

    def overlapping(self) -> list[tuple[Live, Live]]:
        """Return each pair of sessions that were live at one moment."""
        with self._changed:
            lives = list(self.lives)
        return [(a, b) for n, a in enumerate(lives) for b in lives[n + 1 :] if a.overlaps(b)]

    def wait_live(self, count: int, seconds: float, *, identifies: int = 0) -> None:
        """Wait until ``count`` sessions are live and more than ``identifies`` identified."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while not (
                sum(live.ended is None for live in self.lives) == count
                and self.identifies > identifies
            ):
                left = deadline - time.monotonic()
                assert left > 0, f"not {count} live sessions: {self.lives}"
                self._changed.wait(left)

    def drop(self) -> None:
        """Drop the bot's connection without a close frame, as a network failure does."""
        assert self._server is not None
        asyncio.run_coroutine_threadsafe(self._drop(), self._server._loop).result(10)

    def invalidate(self) -> None:
        """Tell the bot its session is gone (INVALID_SESSION, not resumable)."""
        assert self._server is not None
        asyncio.run_coroutine_threadsafe(self._invalidate(), self._server._loop).result(10)

    # --- the gateway ---------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        compress = request.query.get("compress")
        if compress not in (None, "zlib-stream"):
            await ws.close(code=4000, message=b"only zlib-stream is faked")
            return ws
        self.compression.append(compress or "none")
        socket = _Socket(ws, request, zlib.compressobj() if compress else None)
        await socket.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}})
        async for message in ws:
            if message.type.name != "TEXT":
                continue
            payload = json.loads(message.data)
            op = payload.get("op")
            if op == 1:
                self.heartbeats += 1
                await socket.send({"op": 11})
            elif op == 2:
                await self._identify(socket, payload["d"])
            elif op == 6:
                await self._resume(socket, payload["d"])
        if socket.session is not None and socket.session.socket is socket:
            socket.session.socket = None
        self._ended(socket)
        return ws

    def _began(self, socket: _Socket, session: _Session, how: str) -> None:
        self._ended(socket)  # a socket that identifies again starts another session
        with self._changed:
            socket.live = Live(session.session_id, time.monotonic(), how)
            self.lives.append(socket.live)
            self._changed.notify_all()

    def _ended(self, socket: _Socket) -> None:
        with self._changed:
            if socket.live is not None and socket.live.ended is None:
                socket.live.ended = time.monotonic()
                self._changed.notify_all()

    async def _identify(self, socket: _Socket, data: dict[str, Any]) -> None:
        if data.get("token") != TOKEN:
            await socket.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        self.intents.append(intents)
        if intents & PRIVILEGED:
            await socket.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        session = _Session(f"session-{self.identifies + 1}")
        self._sessions[session.session_id] = session
        session.socket, socket.session = socket, session
        self._current = session
        self.identifies += 1
        self._began(socket, session, "identify")
        await self._send_event(
            session,
            "READY",
            {
                "v": 10,
                "user": self._bot_user(),
                "guilds": [{"id": GUILD_ID, "unavailable": True}],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "application": {"id": APPLICATION_ID, "flags": 0},
                "shard": [0, 1],
            },
        )
        await self._send_event(session, "GUILD_CREATE", self._guild())
        with self._changed:
            self._changed.notify_all()

    async def _resume(self, socket: _Socket, data: dict[str, Any]) -> None:
        session = self._sessions.get(str(data.get("session_id")))
        if data.get("token") != TOKEN or session is None:
            await socket.send({"op": 9, "d": False})
            return
        self.resumes += 1
        session.socket, socket.session = socket, session
        self._began(socket, session, "resume")
        for event in session.events:
            if event["s"] > int(data.get("seq") or 0):
                await socket.send(event)
        await self._send_event(session, "RESUMED", {})

    async def _send_event(self, session: _Session, name: str, data: dict[str, Any]) -> None:
        session.sequence += 1
        event = {"op": 0, "t": name, "s": session.sequence, "d": data}
        session.events.append(event)
        if session.socket is not None and not session.socket.ws.closed:
            await session.socket.send(event)

    async def _dispatch(self, name: str, data: dict[str, Any]) -> None:
        assert self._current is not None, "no bot has identified yet"
        await self._send_event(self._current, name, data)

    async def _drop(self) -> None:
        session = self._current
        if session is not None and session.socket is not None:
            transport = session.socket.request.transport
            socket, session.socket = session.socket, None
            self._ended(socket)
            if transport is not None:
                transport.abort()

    async def _invalidate(self) -> None:
        session = self._current
        if session is not None and session.socket is not None:
            await session.socket.send({"op": 9, "d": False})
            self._sessions.pop(session.session_id, None)

    # --- what a bot sends over REST --------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {TOKEN}"

    async def _me(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(self._bot_user())

    async def _application(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(
            {
                "id": APPLICATION_ID,
                "name": "leakbot",
                "icon": None,
                "description": "",
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": {**self._bot_user(), "bot": False, "id": "1300000000000000499"},
                "team": None,
                "summary": "",
            }
        )

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _sync(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        body = await request.json()
        problems = _put_problems(COMMANDS_PATH, body)
        if problems:
            return self._refuse("commands", problems)
        synced = []
        for command in body:
            synced.append(
                {
                    **command,
                    "id": str(next(self._snowflakes)),
                    "application_id": APPLICATION_ID,
                    "version": str(next(self._snowflakes)),
                    "type": command.get("type", 1),
                    "options": command.get("options", []),
                }
            )
        with self._changed:
            self.commands = synced
            self._changed.notify_all()
        return _json(synced)

    async def _callback(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body = await request.json()
        problems = body_problems(CALLBACK_PATH, body)
        if problems:
            return self._refuse("callback", problems)
        with self._changed:
            answer = self.answers.get(token)
            if answer is None or answer.callback is not None:
                return _json(
                    {"message": "Interaction has already been acknowledged.", "code": 40060},
                    status=400,
                )
            answer.callback, answer.callback_at = body, time.monotonic()
            self._changed.notify_all()
        data = body.get("data") or {}
        flags = int(data.get("flags") or 0)
        interaction = {
            "id": request.match_info["interaction_id"],
            "type": 2,
            "response_message_loading": body["type"] == 5,
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }
        resource: dict[str, Any] = {"type": body["type"]}
        if body["type"] == 4:
            message = self._message(str(data.get("content", "")), flags)
            interaction["response_message_id"] = message["id"]
            resource["message"] = message
        return _json({"interaction": interaction, "resource": resource})

    async def _webhook(self, request: web.Request) -> web.Response:
        if request.match_info["webhook_id"] != APPLICATION_ID:
            return await super()._webhook(request)
        # a follow-up to an interaction: the application's id and the interaction's token
        token = request.match_info["token"]
        body = await request.json()
        problems = body_problems(WEBHOOK_PATH, body)
        if problems:
            return self._refuse("followup", problems)
        with self._changed:
            answer = self.answers.get(token)
            if answer is None or answer.callback is None:
                return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
            answer.followups.append(body)
            answer.followup_at = time.monotonic()
            self._changed.notify_all()
        return _json(self._message(str(body.get("content", "")), body.get("flags")))

    def _refuse(self, route: str, problems: list[str]) -> web.Response:
        with self._lock:
            self.rejected.append((route, problems))
        return _json(
            {"code": 50035, "message": "Invalid Form Body", "errors": problems}, status=400
        )

    # --- the payloads ---------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_USER_ID,
            "username": "leakbot",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "flags": 0,
            "public_flags": 0,
        }

    def _guild(self) -> dict[str, Any]:
        roles = guild_roles(MEMBER)
        permissions = {ADMIN_ROLE_ID: MEMBER, MOD_ROLE_ID: MEMBER | MANAGE_GUILD}
        for role in roles:
            role["permissions"] = str(permissions.get(role["id"], int(role["permissions"])))
        channels = [
            _channel(LEAKS_CHANNEL_ID, "leaks", 0),
            _channel(OTHER_CHANNEL_ID, "general", 1),
            _channel(SCOOPS_CHANNEL_ID, "scoops", 2),
        ]
        return {
            "id": GUILD_ID,
            "name": "Leak Hunters",
            "icon": None,
            "owner_id": "1300000000000000499",
            "roles": roles,
            "channels": channels,
            "threads": [],
            "members": [],
            "member_count": 3,
            "emojis": [],
            "stickers": [],
            "features": [],
            "large": False,
            "unavailable": False,
            "joined_at": datetime.now(UTC).isoformat(),
            "preferred_locale": "en-US",
            "verification_level": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "nsfw_level": 0,
        }

    def _message(self, content: str, flags: Any) -> dict[str, Any]:
        return {
            "id": str(next(self._snowflakes)),
            "channel_id": LEAKS_CHANNEL_ID,
            "type": 20,
            "content": content,
            "author": self._bot_user(),
            "attachments": [],
            "embeds": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "flags": int(flags or 0),
            "components": [],
            "webhook_id": APPLICATION_ID,
            "application_id": APPLICATION_ID,
        }

    def _interaction(
        self,
        name: str,
        sub: str,
        options: dict[str, str],
        member: Member,
        channel_id: str,
    ) -> dict[str, Any]:
        command = next((c for c in self.commands if c["name"] == name), None)
        synced = [c["name"] for c in self.commands]
        assert command is not None, f"the bot synced no /{name}: {synced}"
        group = next((o for o in command["options"] if o["name"] == sub), None)
        assert group is not None and group["type"] == OPTION_TYPES["sub"], f"no /{name} {sub}"
        declared = {o["name"]: o for o in group.get("options", [])}
        unknown = set(options) - set(declared)
        assert not unknown, f"/{name} {sub} has no options {unknown}: {sorted(declared)}"
        missing = {n for n, o in declared.items() if o.get("required") and n not in options}
        assert not missing, f"/{name} {sub} needs {missing}"
        values = []
        resolved: dict[str, Any] = {}
        for option_name, value in options.items():
            kind = declared[option_name]["type"]
            values.append({"name": option_name, "type": kind, "value": value})
            if kind == OPTION_TYPES["channel"]:
                channel = _channel(value, f"channel-{value[-3:]}", 0)
                channel["permissions"] = str(member.permissions)
                resolved.setdefault("channels", {})[value] = channel
            if kind == OPTION_TYPES["role"]:
                # a role option carries the role's id; the role itself comes resolved
                role = next((r for r in guild_roles(MEMBER) if r["id"] == value), None)
                assert role is not None, f"the server has no role {value}"
                resolved.setdefault("roles", {})[value] = role
        data: dict[str, Any] = {
            "id": command["id"],
            "name": name,
            "type": 1,
            "guild_id": GUILD_ID,
            "options": [{"name": sub, "type": OPTION_TYPES["sub"], "options": values}],
        }
        if resolved:
            data["resolved"] = resolved
        channel = _channel(channel_id, f"channel-{channel_id[-3:]}", 0)
        channel["permissions"] = str(member.permissions)
        return {
            "id": str(next(self._snowflakes)),
            "application_id": APPLICATION_ID,
            "type": 2,
            "token": f"interaction-token-{next(self._snowflakes)}",
            "version": 1,
            "guild_id": GUILD_ID,
            "channel_id": channel_id,
            "channel": channel,
            "member": {
                "user": {
                    "id": member.user_id,
                    "username": member.name,
                    "discriminator": "0",
                    "global_name": None,
                    "avatar": None,
                },
                "roles": list(member.roles),
                "permissions": str(member.permissions),
                "joined_at": datetime.now(UTC).isoformat(),
                "deaf": False,
                "mute": False,
                "flags": 0,
                "nick": None,
            },
            "app_permissions": str(
                BOT_PERMISSIONS if channel_id != OTHER_CHANNEL_ID else VIEW_CHANNEL
            ),
            "locale": "en-US",
            "guild_locale": "en-US",
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
            "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0,
            "data": data,
        }


def _json(data: Any, *, status: int = 200) -> web.Response:
    """Answer JSON as Discord does: discord.py decodes only ``application/json`` exactly."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, content_type="application/json"
    )


def _channel(channel_id: str, name: str, position: int) -> dict[str, Any]:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": GUILD_ID,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def _put_problems(path: str, body: Any) -> list[str]:
    """Say everything wrong with the body of PUT ``path``, by the spec."""
    spec = _spec()
    pointer = path.replace("~", "~0").replace("/", "~1")
    schema = dict(spec)
    schema["$ref"] = f"#/paths/{pointer}/put/requestBody/content/application~1json/schema"
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<body>'}: {error.message}"
        for error in validator.iter_errors(body)
    ]
