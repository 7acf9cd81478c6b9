"""The Discord webhook sink: execute-webhook, with Discord's rate limits honoured."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import aiohttp

from bot.delivery.alerts import AlertMessage
from bot.sinks.base import Attachment, Delivery
from bot.sinks.discord.looks import Dresser
from bot.sinks.discord.payload import message_body
from bot.sinks.discord.rest import RateLimits, post_message


class WebhookSink:
    """POST alerts to ``{DISCORD_API_BASE_URL}/webhooks/{id}/{token}?wait=true``."""

    name = "webhook"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_base: str,
        webhook_id: str,
        token: str,
        limits: RateLimits | None = None,
        dresser: Dresser | None = None,
    ) -> None:
        self._session = session
        self._dresser = dresser  # how alerts look here; without one, as they always did
        self._url = f"{api_base.rstrip('/')}/webhooks/{webhook_id}/{token}"
        self._label = f"webhook {webhook_id}"
        self._route = f"webhook:{webhook_id}"
        self._limits = limits or RateLimits()
        # a new token is a repaired webhook; the hash keeps the token itself out of the database
        self.target = hashlib.sha256(f"webhook {webhook_id} {token}".encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"WebhookSink({self._label})"  # never the token

    async def deliver(
        self,
        message: AlertMessage,
        *,
        idempotency_key: str,
        files: Sequence[Attachment] = (),
    ) -> Delivery:
        """Execute the webhook with the alert's embed; wait=true returns the message's id."""
        return await post_message(
            self._session,
            self._url,
            message_body(message, await self._dresser.look(message) if self._dresser else None),
            route=self._route,
            limits=self._limits,
            label=self._label,
            params={"wait": "true"},
            files=files,
        )

    async def edit(self, message: AlertMessage, *, message_id: str) -> Delivery:
        """Edit a message this webhook posted (a story's alert) to show the new one."""
        look = await self._dresser.look(message, edit=True) if self._dresser else None
        body = message_body(message, look)  # an edit pings nobody again
        for kept in ("attachments", "username", "avatar_url"):
            body.pop(kept, None)  # an edit keeps the files, the name and picture it has
        return await post_message(
            self._session,
            f"{self._url}/messages/{message_id}",
            body,
            route=self._route,
            limits=self._limits,
            label=self._label,
            method="PATCH",
        )
