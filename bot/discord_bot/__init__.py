"""leakbot on Discord: a gateway session that answers slash commands (with DISCORD_TOKEN).

Importing this package imports discord.py: the scheduler does so only in the worker
that holds the gateway.
"""

from __future__ import annotations

from bot.discord_bot.client import DiscordBot

__all__ = ["DiscordBot"]
