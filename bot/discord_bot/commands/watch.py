"""``/watch add|remove|list|show|test``: what leakbot watches for."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.config.managed import watch_spec
from bot.discord_bot import actions
from bot.discord_bot.checks import may_change_things
from bot.discord_bot.commands.base import ADMINS, id_choices, member_of
from bot.discord_bot.replies import deferred, reply, soon_or_deferred
from bot.domain import ManagedKind
from bot.runtime.app import App


class WatchCommands(app_commands.Group):
    """``/watch add|remove|list|show|test``."""

    def __init__(self, app: App) -> None:
        super().__init__(
            name="watch",
            description="What leakbot watches for",
            guild_only=True,
            default_permissions=ADMINS,
        )
        self.app = app
        self.remove.autocomplete("watch_id")(id_choices(app, ManagedKind.WATCH))
        self.show.autocomplete("watch_id")(id_choices(app, ManagedKind.WATCH))

    @app_commands.command(name="add", description="Add a watch: alerts for posts with its terms")
    @app_commands.rename(
        watch_id="id", any_terms="any", all_terms="all", none_terms="none", source_ids="sources"
    )
    @app_commands.describe(
        watch_id="lowercase letters, digits and dashes",
        any_terms="terms separated by commas; at least one must be in a post",
        all_terms="entries separated by commas, each must be in a post; aliases joined by /",
        none_terms="terms separated by commas; any of them vetoes the post",
        source_ids="source ids separated by commas (default: every source)",
        channel="where its alerts go (default: the configured channels)",
        mention="a role its new posts and deletions ping (default: its channel's mention)",
    )
    @may_change_things
    async def add(
        self,
        interaction: discord.Interaction,
        watch_id: str,
        any_terms: str,
        all_terms: str | None = None,
        none_terms: str | None = None,
        source_ids: str | None = None,
        channel: discord.TextChannel | None = None,
        mention: discord.Role | None = None,
    ) -> None:
        """Add a watch from Discord."""
        spec = watch_spec(watch_id, any_terms, all_terms, none_terms, source_ids)
        if mention is not None:
            # by id: the role keeps pinging if it is renamed
            spec["mention"] = [mention.mention]
        place = actions.Place(
            str(interaction.channel_id),
            interaction.app_permissions.send_messages and interaction.app_permissions.embed_links,
        )
        await deferred(
            interaction,
            actions.add_watch(
                self.app,
                spec,
                member_of(interaction),
                channel=str(channel.id) if channel is not None else None,
                place=place,
            ),
        )

    @app_commands.command(name="remove", description="Remove a watch added from Discord")
    @app_commands.rename(watch_id="id")
    @may_change_things
    async def remove(self, interaction: discord.Interaction, watch_id: str) -> None:
        """Remove a watch."""
        await deferred(interaction, actions.remove(self.app, ManagedKind.WATCH, watch_id))

    @app_commands.command(name="list", description="Every watch, from the file and from Discord")
    async def list_(self, interaction: discord.Interaction) -> None:
        """List the watches."""
        await reply(interaction, actions.list_watches(self.app))

    @app_commands.command(name="show", description="One watch in full: terms, sources, who")
    @app_commands.rename(watch_id="id")
    async def show(self, interaction: discord.Interaction, watch_id: str) -> None:
        """Show a watch."""
        await reply(interaction, actions.show(self.app, watch_id))

    @app_commands.command(name="test", description="Whether a text matches each watch, and why")
    async def test(self, interaction: discord.Interaction, text: str) -> None:
        """Test a text against every watch."""
        await soon_or_deferred(interaction, actions.test(self.app, text))
