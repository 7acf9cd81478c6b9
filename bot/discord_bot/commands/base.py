"""What every group of slash commands shares: who Discord shows it to, who asked, and the
ids offered as a member types."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.discord_bot import actions
from bot.domain import ManagedKind
from bot.runtime.app import App

ADMINS = discord.Permissions(manage_guild=True)  # who Discord shows a group to by default

Choices = Callable[
    [discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]
]


def member_of(interaction: discord.Interaction) -> actions.Member:
    """Name who asked."""
    return actions.Member(interaction.user.name, str(interaction.user.id))


def id_choices(app: App, kind: ManagedKind) -> Choices:
    """Offer ids as the member types."""

    async def choices(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        found = actions.ids(app.managed, kind, current)
        return [app_commands.Choice(name=i, value=i) for i in found]

    return choices
