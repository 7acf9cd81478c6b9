"""How a slash command answers: ephemeral, URLs masked, within Discord's limit, deferred
when the work may outlast Discord's 3 s for the first answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import discord

from bot.config.managed import MAX_REPLY
from bot.masking import mask_text

QUIET = discord.AllowedMentions.none()  # replies echo what members typed: ping nobody
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
