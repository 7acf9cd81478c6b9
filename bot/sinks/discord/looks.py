"""How an alert looks in a channel when it is sent: the looks of its channel and of the
watches that send it there, from the config in force, with role names looked up in the
server. The body itself is built by ``payload`` (pure); this is its edge to Discord.

A role named in the config (``"@Xiaomi Leaks"``) is looked up through Discord's REST API
with the bot token (``GET /guilds/{id}/roles``; the guild is the channel's or the
webhook's), once, and again at most every 5 minutes while a name is missing. A name the
server has no role of is left out of the alert and said once in the log, with the
file, line and key where it was written; it never stops an alert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp

from bot import __version__
from bot.delivery.alerts import AlertMessage
from bot.sinks.discord.payload import Look, look_of

if TYPE_CHECKING:
    from bot.config.file import Channel, Config, Watch

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=10)
LOOK_AGAIN = 300.0  # seconds before the server's roles are read again for a missing name


class ServerRoles:
    """The roles of the server a channel or webhook is in: name to id, read when needed."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_base: str,
        token: str | None,
        guild_of: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._api = api_base.rstrip("/")
        self._token = token
        self._guild_of = guild_of  # the URL whose answer names the guild: a channel, a webhook
        self._clock = clock
        self._roles: dict[str, str] = {}
        self._read_at = -LOOK_AGAIN

    @property
    def can_look(self) -> bool:
        """Say whether names can be looked up at all: that takes the bot token."""
        return self._token is not None

    async def ids(self, wanted: tuple[str, ...]) -> dict[str, str]:
        """Return the role ids by name; read them (again) when a wanted name is missing."""
        missing = [name for name in wanted if name not in self._roles]
        if missing and self._token is not None and self._clock() - self._read_at >= LOOK_AGAIN:
            self._read_at = self._clock()
            try:
                self._roles = await self._read()
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
                log.warning("cannot read the server's roles from Discord: %s", type(exc).__name__)
        return self._roles

    async def _read(self) -> dict[str, str]:
        headers = {
            "Authorization": f"Bot {self._token}",
            "User-Agent": f"DiscordBot (leakbot, {__version__})",
        }
        place = await self._get(self._guild_of, headers)
        guild = place["guild_id"]
        roles = await self._get(f"{self._api}/guilds/{guild}/roles", headers)
        return {str(role["name"]): str(role["id"]) for role in roles if role["name"] != "@everyone"}

    async def _get(self, url: str, headers: dict[str, str]) -> Any:
        async with self._session.get(url, headers=headers, timeout=TIMEOUT) as answer:
            if answer.status != 200:
                raise ValueError(f"HTTP {answer.status}")
            return await answer.json()


class Dresser:
    """Give each alert of one channel its look, from the config in force when it is sent."""

    def __init__(
        self,
        channel: Channel,
        *,
        config: Callable[[], Config] | None,
        roles: ServerRoles,
    ) -> None:
        self._channel = channel
        self._config = config
        self._roles = roles
        self._said: set[str] = set()  # unknown names already in the log

    async def look(self, message: AlertMessage, *, edit: bool = False) -> Look:
        """Return how the alert looks here; an edit pings nobody."""
        config = self._config() if self._config is not None else None
        channel = (config.channel(self._channel.id) if config else None) or self._channel
        watches = [w for w in config.watches if w.id in message.watches] if config else []
        names = tuple(
            entry.removeprefix("@").strip()
            for entry in (*(channel.mention or ()), *(m for w in watches for m in w.mention or ()))
            if not entry.startswith("<@")
        )
        ids = await self._roles.ids(names) if names else {}
        look, unknown = look_of(channel, watches, message.kind, edit=edit, roles=ids)
        for name in unknown:
            self._tell_unknown(name, channel, watches, config)
        return look

    def _tell_unknown(
        self, name: str, channel: Channel, watches: list[Watch], config: Config | None
    ) -> None:
        owners = [("watches", w.id) for w in watches if name in (w.mention or ())]
        if name in (channel.mention or ()):
            owners.append(("channels", channel.id))
        for section, entry_id in owners:
            where = (
                config.mention_place(section, entry_id, name)
                if config is not None
                else f"channel {channel.id}: mention {name!r}"
            )
            if where in self._said:
                continue
            self._said.add(where)
            why = (
                f"the server has no role named {name!r}"
                if self._roles.can_look
                else f"role {name!r} cannot be looked up without DISCORD_TOKEN"
            )
            log.warning("%s: %s; alerts go without this mention", where, why)
