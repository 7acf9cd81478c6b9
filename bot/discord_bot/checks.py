"""Who may use a command, checked at run time as an ``app_commands.check``.

Every group is hidden by Discord from members without Manage Server
(``default_member_permissions``), but a server's admins may show it to others: adding,
removing and resuming check again. A member refused raises ``Refused``, whose message
the tree's error handler (``client.py``) sends back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.config.managed import may_change, refusal_for_member

if TYPE_CHECKING:
    from bot.discord_bot.client import LeakbotClient


class Refused(app_commands.CheckFailure):
    """A member may not run a command; the message says who may, in the member's words."""


def _may_change_things(interaction: discord.Interaction[LeakbotClient]) -> bool:
    """Let Manage Server and the config's ``discord: {admin_roles}`` through; refuse others."""
    admin_roles = interaction.client.app.file_config.discord.admin_roles
    roles = [role.name for role in getattr(interaction.user, "roles", ())]
    if may_change(
        manage_guild=interaction.permissions.manage_guild, roles=roles, admin_roles=admin_roles
    ):
        return True
    raise Refused(refusal_for_member(admin_roles).message)


may_change_things = app_commands.check(_may_change_things)
"""Run a command only for members who may add, remove and resume."""
