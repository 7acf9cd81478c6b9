"""The gateway session: discord.py's client, pointed at DISCORD_API_BASE_URL and
DISCORD_GATEWAY_URL, with the slash commands synced at login.

It asks for the ``guilds`` intent alone (no privileged one): that brings each server's
roles and channels, which the permission check and the ``channel`` option need.
discord.py resumes a dropped session itself, or identifies again when it cannot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from bot.discord_bot.checks import Refused
from bot.discord_bot.commands import command_groups
from bot.discord_bot.replies import reply
from bot.runtime.app import App
from bot.sources.http import proxy_for

log = logging.getLogger(__name__)

GroupFactory = Callable[[App], app_commands.Group]
RETRY_FIRST, RETRY_LAST = 5, 300  # seconds before a new session after one failed


def quiet_discord_logging() -> None:
    """Keep discord.py's loggers at INFO or quieter, whatever LEAKBOT_LOG_LEVEL says."""
    # at DEBUG, discord.gateway and discord.http log whole payloads and request URLs:
    # interaction tokens and webhook tokens in clear. Their children (discord.gateway,
    # discord.http, discord.client, discord.state, discord.webhook…) inherit this level;
    # client.start, unlike client.run, leaves logging alone, so this stays as set.
    root = logging.getLogger().getEffectiveLevel()
    logging.getLogger("discord").setLevel(max(logging.INFO, root))


def point_at(api_base: str, gateway: str) -> None:
    """Send discord.py's REST calls (webhooks and interactions too) and its gateway here."""
    # discord.py builds every REST URL from Route.BASE and opens DEFAULT_GATEWAY
    discord.http.Route.BASE = api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


class LeakbotClient(discord.Client):
    """discord.py's client, with leakbot's command tree synced at login; the checks find
    the app through it (``interaction.client.app``)."""

    def __init__(self, app: App, *, proxy: str | None) -> None:
        # leakbot never joins voice: no warnings about voice libraries it does not need
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents, proxy=proxy)
        self.app = app
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._command_failed  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        synced = await self.tree.sync()
        log.info("discord: %d slash commands synced", len(synced))

    async def on_ready(self) -> None:
        log.info("discord: logged in as %s, in %d servers", self.user, len(self.guilds))

    async def on_resumed(self) -> None:
        log.info("discord: session resumed")

    async def _command_failed(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "?"
        if isinstance(error, Refused):
            # a member a check turned away: the reason is the whole answer, nothing failed
            try:
                await reply(interaction, str(error))
            except discord.HTTPException:
                # as when a callback's own reply fails: logged here, not left to asyncio
                log.error("discord: /%s failed", name, exc_info=True)
            return
        log.error("discord: /%s failed", name, exc_info=error)
        text = "leakbot could not do that (an error on its side, logged on its host)."
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)


class DiscordBot:
    """leakbot's Discord session: ``start()`` it, ``await close()`` it; any worker may."""

    def __init__(
        self, app: App, token: str, *, groups: Sequence[GroupFactory] | None = None
    ) -> None:
        settings = app.settings
        quiet_discord_logging()
        point_at(settings.discord_api, settings.discord_gateway_url)
        self._app = app
        self._groups = list(groups) if groups is not None else None
        self._proxy = proxy_for(settings.discord_api)
        self.client = self._new_client()
        self._token = token
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def _new_client(self) -> LeakbotClient:
        client = LeakbotClient(self._app, proxy=self._proxy)
        made = self._groups
        for group in command_groups(self._app) if made is None else [g(self._app) for g in made]:
            client.tree.add_command(group)
        return client

    @classmethod
    def for_app(cls, app: App) -> DiscordBot | None:
        """Build the Discord session of a running app; None without DISCORD_TOKEN."""
        token = app.settings.discord_token
        if token is None or not token.get_secret_value().strip():
            return None
        return cls(app, token.get_secret_value().strip())

    def start(self) -> None:
        """Log in and hold a gateway session in the background, until ``close``."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._session())

    async def _session(self) -> None:
        wait = RETRY_FIRST
        while not self._closing:
            try:
                await self.client.start(self._token)
                return  # closed
            except discord.LoginFailure:
                log.error("discord: DISCORD_TOKEN was refused; slash commands are off")
                return
            except discord.PrivilegedIntentsRequired:
                log.error("discord: the gateway wants privileged intents; slash commands are off")
                return
            except Exception:
                log.exception("discord: the gateway session failed; a new one in %d s", wait)
            await self.client.close()
            await asyncio.sleep(wait)
            wait = min(wait * 2, RETRY_LAST)
            self.client = self._new_client()

    async def close(self) -> None:
        """Leave the gateway and wait for the session to end."""
        self._closing = True
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
