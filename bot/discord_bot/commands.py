"""The slash commands: ``/watch``, ``/source``, ``/leakbot`` and ``/digest``. Each callback
parses the interaction, calls an action and sends its text back, ephemeral.

Every group is hidden by Discord from members without Manage Server
(``default_member_permissions``); a server's admins may show it to others, so adding,
removing and resuming check again at run time: Manage Server, or a role named in the
config's ``discord: {admin_roles: [...]}``. Work that reads or writes the database is
deferred first, and ``/watch test`` is deferred once it has run a second, so that
Discord's 3 s for the first answer never runs out. Every reply has its URLs masked.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.config.managed import MAX_REPLY, may_change, refusal_for_member, source_spec, watch_spec
from bot.digest.build import read_day
from bot.digest.deliver import digest_reply, today
from bot.discord_bot import actions
from bot.domain import ManagedKind
from bot.masking import mask_text
from bot.runtime.app import App

ADMINS = discord.Permissions(manage_guild=True)
QUIET = discord.AllowedMentions.none()  # replies echo what members typed: ping nobody


def command_groups(app: App) -> list[app_commands.Group]:
    """Return every group of slash commands; a new group is one more line here."""
    return [WatchCommands(app), SourceCommands(app), LeakbotCommands(app), DigestCommands(app)]


QUICK = 1.0  # seconds a reply may take before the member is told one is coming


async def reply(interaction: discord.Interaction, text: str) -> None:
    """Answer only the member who asked, URLs masked, within Discord's limit."""
    # a feed's ?token=, ?key= or ?sig= shown in a channel is as good as posted: mask as logs do
    text = mask_text(text)
    if len(text) > MAX_REPLY:
        text = text[: MAX_REPLY - 1] + "…"
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=QUIET)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=QUIET)


async def deferred(interaction: discord.Interaction, work: Awaitable[str]) -> None:
    """Tell Discord an answer is coming, then send it when the work is done."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    await reply(interaction, await work)


async def soon_or_deferred(interaction: discord.Interaction, work: Awaitable[str]) -> None:
    """Answer at once when the work is done within QUICK seconds; else defer, then answer."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=QUICK)
    if not done:
        await interaction.response.defer(ephemeral=True, thinking=True)
    await reply(interaction, await task)


def member_of(interaction: discord.Interaction) -> actions.Member:
    """Name who asked."""
    return actions.Member(interaction.user.name, str(interaction.user.id))


def may_change_things(app: App, interaction: discord.Interaction) -> bool:
    """Check at run time who may add, remove and resume."""
    roles = [role.name for role in getattr(interaction.user, "roles", ())]
    return may_change(
        manage_guild=interaction.permissions.manage_guild,
        roles=roles,
        admin_roles=app.file_config.discord.admin_roles,
    )


def id_choices(
    app: App, kind: ManagedKind
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    """Offer ids as the member types."""

    async def choices(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        found = actions.ids(app.managed, kind, current)
        return [app_commands.Choice(name=i, value=i) for i in found]

    return choices


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
    )
    async def add(
        self,
        interaction: discord.Interaction,
        watch_id: str,
        any_terms: str,
        all_terms: str | None = None,
        none_terms: str | None = None,
        source_ids: str | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Add a watch from Discord."""
        if not may_change_things(self.app, interaction):
            await reply(interaction, refusal_for_member(self._admin_roles).message)
            return
        spec = watch_spec(watch_id, any_terms, all_terms, none_terms, source_ids)
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
    async def remove(self, interaction: discord.Interaction, watch_id: str) -> None:
        """Remove a watch."""
        if not may_change_things(self.app, interaction):
            await reply(interaction, refusal_for_member(self._admin_roles).message)
            return
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

    @property
    def _admin_roles(self) -> tuple[str, ...]:
        return self.app.file_config.discord.admin_roles


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
    async def add(
        self,
        interaction: discord.Interaction,
        source_id: str,
        feed: str | None = None,
        x: str | None = None,
    ) -> None:
        """Add a source; its first poll runs at once and alerts nothing."""
        if not may_change_things(self.app, interaction):
            await reply(interaction, refusal_for_member(self._admin_roles).message)
            return
        spec = source_spec(source_id, feed, x)
        await deferred(interaction, actions.add_source(self.app, spec, member_of(interaction)))

    @app_commands.command(name="remove", description="Remove a source added from Discord")
    @app_commands.rename(source_id="id")
    async def remove(self, interaction: discord.Interaction, source_id: str) -> None:
        """Remove a source."""
        if not may_change_things(self.app, interaction):
            await reply(interaction, refusal_for_member(self._admin_roles).message)
            return
        await deferred(interaction, actions.remove(self.app, ManagedKind.SOURCE, source_id))

    @app_commands.command(name="list", description="Every source, from the file and Discord")
    async def list_(self, interaction: discord.Interaction) -> None:
        """List the sources."""
        await reply(interaction, actions.list_sources(self.app))

    @app_commands.command(name="resume", description="Try a failing or paused source now")
    @app_commands.rename(source_id="id")
    async def resume(self, interaction: discord.Interaction, source_id: str) -> None:
        """Poll a failing or paused source at once."""
        if not may_change_things(self.app, interaction):
            await reply(interaction, refusal_for_member(self._admin_roles).message)
            return
        await deferred(interaction, actions.resume(self.app, source_id))

    @property
    def _admin_roles(self) -> tuple[str, ...]:
        return self.app.file_config.discord.admin_roles


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


DIGEST_REPLIES = 10  # messages one /digest answer may take; a longer day says where the rest is


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
        config = self.app.config
        try:
            day = read_day(date, today=today(config, self.app.now()), timezone=config.timezone)
        except ValueError as exc:
            await reply(interaction, str(exc))
            return
        await self._show(interaction, day)

    async def _show(self, interaction: discord.Interaction, day: datetime.date | None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        app = self.app
        parts = await digest_reply(app.database, app.config, day, now=app.now())
        if len(parts) > DIGEST_REPLIES:
            shown = DIGEST_REPLIES - 1
            when = f" --date {day.isoformat()}" if day is not None else ""
            rest = (
                f"… and {len(parts) - shown} more parts: `leakbot digest{when}` on the bot's "
                "host prints the whole day"
            )
            parts = [*parts[:shown], rest]
        for part in parts:
            await reply(interaction, part)
