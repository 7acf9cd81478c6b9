"""``/leakbot status``: how leakbot is doing."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord_bot import actions
from bot.discord_bot.commands.base import ADMINS
from bot.discord_bot.replies import deferred
from bot.runtime.app import App


class LeakbotCommands(app_commands.Group):
    """``/leakbot status``."""

    def __init__(self, app: App) -> None:
        super().__init__(
            name="leakbot",
            description="How leakbot is doing",
            guild_only=True,
            default_permissions=ADMINS,
        )
        self.app = app

    @app_commands.command(name="status", description="Sources, channels and the outbox")
    async def status(self, interaction: discord.Interaction) -> None:
        """Show what ``leakbot status`` shows."""
        await deferred(interaction, actions.status(self.app))
