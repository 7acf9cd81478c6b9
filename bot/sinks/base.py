"""Sinks: where alerts are handed over, and the registry of the kinds: one entry a kind.

A sink says how the far side answered. A kind of channel is one package or module under
``bot/sinks/`` plus one entry in ``SINK_KINDS``: the config key that makes a channel that
kind, how its sink is built from the app's parts (or why its alerts wait), and how it is
described to the operator. The console is the fallback when no channel is configured.
Nothing else branches on the kind; a kind's module is imported only when its sink is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.delivery.alerts import AlertMessage
from bot.domain import DeliveryOutcome

if TYPE_CHECKING:
    import aiohttp

    from bot.config.file import Channel, Config
    from bot.config.settings import Settings
    from bot.sinks.discord.rest import RateLimits
    from storage.db import Database


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one attempt to hand over an alert went."""

    outcome: DeliveryOutcome
    status: int | None = None  # the HTTP status; None when no answer came
    detail: str | None = None
    retry_after: float | None = None  # seconds the far side asked us to wait
    remote_id: str | None = None  # the message id Discord gave it
    scope: str | None = None  # of a rate limit: "global" holds every channel
    sent: bool = True  # False when nothing left: our own wait, a refused connection

    @property
    def ok(self) -> bool:
        """Say whether the far side took the alert."""
        return self.outcome == DeliveryOutcome.DELIVERED


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an alert: the archived image of a deleted post."""

    filename: str
    content_type: str
    data: bytes


class Sink(Protocol):
    """Something that can take alerts for one channel."""

    name: str
    target: str  # a fingerprint of where it delivers: a new one means the channel was repaired

    async def deliver(
        self,
        message: AlertMessage,
        *,
        idempotency_key: str,
        files: Sequence[Attachment] = (),
    ) -> Delivery:
        """Hand over one alert; never raise for a failure of the far side."""
        ...

    async def edit(self, message: AlertMessage, *, message_id: str) -> Delivery:
        """Replace a message the sink delivered before (a story's alert) with this one."""
        ...


@dataclass(frozen=True)
class SinkParts:
    """The app's parts a kind builds its sink from."""

    settings: Settings
    http: aiohttp.ClientSession  # the session without the SSRF guard: the far side is yours
    limits: RateLimits  # Discord's buckets and global holds, shared by every Discord sink
    # the config in force, read at each send: the looks of the channels and their watches
    # (mentions, colours) follow a reload and the watches set from Discord; without it, a
    # sink dresses alerts by its own channel's entry alone
    config: Callable[[], Config] | None = None


@dataclass(frozen=True)
class Waiting:
    """Why a channel has no sink here: its alerts wait in the outbox until it has one."""

    reason: str


@dataclass(frozen=True)
class SinkType:
    """One kind of channel: how the config file names it, how its sink is made and shown."""

    key: str  # the config key that makes a channel this kind: ``webhook: URL``
    name: str  # what the operator calls it: "webhook", "discord channel"
    describe: Callable[[Channel], str]  # the channel as check-config shows it, with no secret
    build: Callable[[Channel, SinkParts], Sink | Waiting]


def sink_parts(
    settings: Settings,
    http: aiohttp.ClientSession,
    database: Database,
    config: Callable[[], Config] | None = None,
) -> SinkParts:
    """Gather the parts every kind's sink is built from, shared by the app's sinks;
    ``config`` returns the config in force (the app's, as it changes)."""
    from bot.sinks.discord.rest import RateLimits

    # Discord's buckets, as this process learns them; its global holds, as every worker
    # does (on the real clock, as Discord's own: never the injected one)
    return SinkParts(settings, http, RateLimits.shared_through(database), config)


def _discord_token(settings: Settings) -> str | None:
    token = settings.discord_token
    return token.get_secret_value() if token is not None and token.get_secret_value() else None


def _channel_sink(channel: Channel, parts: SinkParts) -> Sink | Waiting:
    from bot.sinks.discord.channel import ChannelSink
    from bot.sinks.discord.looks import Dresser, ServerRoles

    if channel.discord_channel is None:  # sink_type picked this entry by its key
        raise ValueError(f"channel {channel.id}: it names no discord_channel")
    token = _discord_token(parts.settings)
    if token is None:
        return Waiting("DISCORD_TOKEN is not set, so its alerts wait in the outbox")
    api = parts.settings.discord_api.rstrip("/")
    roles = ServerRoles(
        parts.http, api_base=api, token=token, guild_of=f"{api}/channels/{channel.discord_channel}"
    )
    return ChannelSink(
        parts.http,
        api_base=api,
        channel_id=channel.discord_channel,
        token=token,
        limits=parts.limits,
        dresser=Dresser(channel, config=parts.config, roles=roles),
    )


def _webhook_sink(channel: Channel, parts: SinkParts) -> Sink | Waiting:
    from bot.config.file import webhook_parts
    from bot.sinks.discord.looks import Dresser, ServerRoles
    from bot.sinks.discord.webhook import WebhookSink

    webhook = webhook_parts(channel.webhook.get_secret_value()) if channel.webhook else None
    if webhook is None:  # the config file checked the shape: only a model built by hand
        raise ValueError(f"channel {channel.id}: its webhook is not a Discord webhook URL")
    api = parts.settings.discord_api.rstrip("/")
    roles = ServerRoles(
        parts.http,
        api_base=api,
        token=_discord_token(parts.settings),
        guild_of=f"{api}/webhooks/{webhook[0]}/{webhook[1]}",
    )
    return WebhookSink(
        parts.http,
        api_base=api,
        webhook_id=webhook[0],
        token=webhook[1],
        limits=parts.limits,
        dresser=Dresser(channel, config=parts.config, roles=roles),
    )


SINK_KINDS: tuple[SinkType, ...] = (
    SinkType(
        key="discord_channel",
        name="discord channel",
        describe=lambda channel: f"discord channel {channel.discord_channel}",
        build=_channel_sink,
    ),
    SinkType(
        key="webhook",
        name="webhook",
        describe=lambda _channel: "webhook",  # its URL holds a token: never shown
        build=_webhook_sink,
    ),
)


def sink_type(channel: Channel) -> SinkType:
    """Return the registry's entry for the kind of a channel."""
    for entry in SINK_KINDS:
        if getattr(channel, entry.key, None) is not None:
            return entry
    raise LookupError(f"channel {channel.id}: none of its keys names an entry of SINK_KINDS")


def fallback_sink() -> Sink:
    """Return the sink alerts go to when no channel is configured: the console."""
    from bot.sinks.console import ConsoleSink

    return ConsoleSink()
