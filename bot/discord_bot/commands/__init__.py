"""The slash commands, one group a module: ``/watch``, ``/source``, ``/leakbot`` and
``/digest``. Each callback parses the interaction, calls an action (``bot.discord_bot.actions``)
and sends its text back, ephemeral (``bot.discord_bot.replies``).

Adding, removing and resuming are checked at run time (``bot.discord_bot.checks``). Work
that reads or writes the database is deferred first, and ``/watch test`` is deferred once
it has run a second, so that Discord's 3 s for the first answer never runs out. Every
reply has its URLs masked.
"""

from __future__ import annotations

from discord import app_commands

from bot.discord_bot.commands.digest import DigestCommands
from bot.discord_bot.commands.leakbot import LeakbotCommands
from bot.discord_bot.commands.source import SourceCommands
from bot.discord_bot.commands.watch import WatchCommands
from bot.runtime.app import App

__all__ = ["command_groups"]


def command_groups(app: App) -> list[app_commands.Group]:
    """Return every group of slash commands; a new group is one more line here."""
    return [WatchCommands(app), SourceCommands(app), LeakbotCommands(app), DigestCommands(app)]
