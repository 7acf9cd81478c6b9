"""``/source add|remove|list|resume``: where leakbot reads posts."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.config.managed import source_spec
from bot.discord_bot import actions
from bot.discord_bot.checks import may_change_things
from bot.discord_bot.commands.base import ADMINS, id_choices, member_of
from bot.discord_bot.replies import deferred, reply
from bot.domain import ManagedKind
from bot.runtime.app import App


class SourceCommands(app_commands.Group):
    """``/source add|remove|list|resume``."""

    def __init__(self, app: App) -> None:
        super().__init__(
            name="source",
            description="Where leakbot reads posts",
            guild_only=True,
            default_permissions=ADMINS,
        )
        self.app = app
        self.remove.autocomplete("source_id")(id_choices(app, ManagedKind.SOURCE))
        self.resume.autocomplete("source_id")(id_choices(app, ManagedKind.SOURCE))

    @app_commands.command(name="add", description="Add a feed or an X account to read")
    @app_commands.rename(source_id="id")
    @app_commands.describe(
        source_id="lowercase letters, digits and dashes",
        feed="an RSS or Atom feed URL",
        x="an X username (needs X_BEARER_TOKEN on the bot's host)",
    )
    @may_change_things
    async def add(
        self,
        interaction: discord.Interaction,
        source_id: str,
        feed: str | None = None,
        x: str | None = None,
    ) -> None:
        """Add a source; its first poll runs at once and alerts nothing."""
        spec = source_spec(source_id, feed=feed, x=x)
        await deferred(interaction, actions.add_source(self.app, spec, member_of(interaction)))

    @app_commands.command(name="remove", description="Remove a source added from Discord")
    @app_commands.rename(source_id="id")
    @may_change_things
    async def remove(self, interaction: discord.Interaction, source_id: str) -> None:
        """Remove a source."""
        await deferred(interaction, actions.remove(self.app, ManagedKind.SOURCE, source_id))

    @app_commands.command(name="list", description="Every source, from the file and Discord")
    async def list_(self, interaction: discord.Interaction) -> None:
        """List the sources."""
        await reply(interaction, actions.list_sources(self.app))

    @app_commands.command(name="resume", description="Try a failing or paused source now")
    @app_commands.rename(source_id="id")
    @may_change_things
    async def resume(self, interaction: discord.Interaction, source_id: str) -> None:
        """Poll a failing or paused source at once."""
        await deferred(interaction, actions.resume(self.app, source_id))
