"""``/digest now|day``: the daily digest, read-only, so Discord shows it to every member."""

from __future__ import annotations

import datetime

import discord
from discord import app_commands

from bot.discord_bot import actions
from bot.discord_bot.replies import reply
from bot.runtime.app import App


class DigestCommands(app_commands.Group):
    """``/digest now|day``: read-only, so Discord shows it to every member."""

    def __init__(self, app: App) -> None:
        super().__init__(name="digest", description="The daily digest", guild_only=True)
        self.app = app

    @app_commands.command(name="now", description="Today's digest so far")
    async def now(self, interaction: discord.Interaction) -> None:
        """Show today's digest so far."""
        await self._show(interaction, None)

    @app_commands.command(name="day", description="A past day's digest")
    @app_commands.describe(date="the day, YYYY-MM-DD, in the digest's timezone")
    async def day(self, interaction: discord.Interaction, date: str) -> None:
        """Show a past day's digest."""
        try:
            day = actions.digest_day(self.app, date)
        except ValueError as exc:
            await reply(interaction, str(exc))
            return
        await self._show(interaction, day)

    async def _show(self, interaction: discord.Interaction, day: datetime.date | None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        for part in await actions.digest(self.app, day):
            await reply(interaction, part)
