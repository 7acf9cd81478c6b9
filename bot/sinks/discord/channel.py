"""The Discord channel sink: the bot (DISCORD_TOKEN) posts in a channel through REST."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import aiohttp

from bot import __version__
from bot.delivery.alerts import AlertMessage
from bot.sinks.base import Attachment, Delivery
from bot.sinks.discord.looks import Dresser
from bot.sinks.discord.payload import message_body
from bot.sinks.discord.rest import RateLimits, post_message


class ChannelSink:
    """POST alerts to ``{DISCORD_API_BASE_URL}/channels/{id}/messages`` as the bot."""

    name = "discord"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_base: str,
        channel_id: str,
        token: str,
        limits: RateLimits | None = None,
        dresser: Dresser | None = None,
    ) -> None:
        self._session = session
        self._dresser = dresser  # how alerts look here; without one, as they always did
        self._url = f"{api_base.rstrip('/')}/channels/{channel_id}/messages"
        self._headers = {
            "Authorization": f"Bot {token}",
            "User-Agent": f"DiscordBot (leakbot, {__version__})",
        }
        self._label = f"channel {channel_id}"
        self._route = f"channel:{channel_id}"
        self._limits = limits or RateLimits()
        # a new token may be what repaired a forbidden channel
        self.target = hashlib.sha256(f"channel {channel_id} {token}".encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"ChannelSink({self._label})"  # never the token

    async def deliver(
        self,
        message: AlertMessage,
        *,
        idempotency_key: str,
        files: Sequence[Attachment] = (),
    ) -> Delivery:
        """Post the alert; the nonce lets Discord drop a copy sent again after a crash."""
        body = message_body(message, await self._dresser.look(message) if self._dresser else None)
        body["nonce"] = hashlib.sha256(idempotency_key.encode()).hexdigest()[:25]
        body["enforce_nonce"] = True
        return await post_message(
            self._session,
            self._url,
            body,
            route=self._route,
            limits=self._limits,
            label=self._label,
            headers=self._headers,
            files=files,
        )

    async def edit(self, message: AlertMessage, *, message_id: str) -> Delivery:
        """Edit a message the bot posted (a story's alert) to show the new one."""
        look = await self._dresser.look(message, edit=True) if self._dresser else None
        body = message_body(message, look)  # an edit pings nobody again
        for kept in ("attachments", "username", "avatar_url"):
            body.pop(kept, None)  # an edit keeps the files, the name and picture it has
        return await post_message(
            self._session,
            f"{self._url}/{message_id}",
            body,
            route=self._route,
            limits=self._limits,
            label=self._label,
            headers=self._headers,
            method="PATCH",
        )
