"""``leakbot outbox list | retry ID | drop ID``: the operator's hands on the outbox."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.clock import Now, utc_now
from bot.config.durations import format_duration
from bot.config.file import CONSOLE_CHANNEL, Config
from bot.config.settings import Settings
from bot.domain import AlertChange, AlertState, OutboxAlert
from bot.masking import mask_text
from bot.ops.status import channel_health, existing_database, waits_for_token
from bot.wording import counted
from storage.db import in_transaction
from storage.outbox import drop_alert, outbox_listing, retry_alert, retry_channel_now

EXIT_OK, EXIT_USAGE = 0, 2
LISTED = 200  # alerts `outbox list` shows at most


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Register ``outbox list|retry|drop`` on the command line."""
    outbox = commands.add_parser(
        "outbox", parents=[common], help="list the queued alerts; retry or drop one"
    )
    actions = outbox.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", parents=[common], help="alerts waiting or set aside, each channel oldest first"
    )
    listing.add_argument("--channel", metavar="ID", help="only this channel's alerts")
    retry = actions.add_parser(
        "retry",
        parents=[common],
        help="send a set-aside alert again, or try a held channel now (an alert or channel id)",
    )
    retry.add_argument("id", metavar="ID", help="an alert id, or a channel id")
    drop = actions.add_parser(
        "drop", parents=[common], help="take an alert out of the queue for good"
    )
    drop.add_argument("id", metavar="ID", help="an alert id")


def run(settings: Settings, config: Config, args: argparse.Namespace, *, now: Now = utc_now) -> int:
    """Carry out one outbox command; 2 for an id the outbox does not know."""
    moment = now()
    with existing_database(settings) as engine:
        if engine is None:
            if args.action == "list":
                print("the outbox is empty (no database yet: leakbot has not run here)")
                return EXIT_OK
            return _unknown(args.id)
        if args.action == "list":
            alerts, channels = in_transaction(
                engine, outbox_listing, channel_id=args.channel, limit=LISTED + 1
            )
            states = {channel.channel_id: channel for channel in channels}
            heads = {
                channel_id: channel_health(
                    settings, config, channel_id, states.get(channel_id), moment
                )
                for channel_id in {alert.channel_id for alert in alerts}
            }
            _print_list(alerts[:LISTED], heads, moment, more=len(alerts) > LISTED)
            return EXIT_OK
        # said only once the change is committed: a write that fails says so instead
        said = None
        if args.action == "retry" and not args.id.isdigit():
            held, pending = in_transaction(
                engine, retry_channel_now, channel_id=args.id, now=moment
            )
            said = _channel_retried(settings, config, args.id, held=held, pending=pending)
        elif args.id.isdigit():
            act = drop_alert if args.action == "drop" else retry_alert
            change = in_transaction(engine, act, alert_id=int(args.id), now=moment)
            said = _alert_changed(settings, config, args.action, change)
        if said is None:
            return _unknown(args.id)
        print(said)
        return EXIT_OK


def _alert_changed(
    settings: Settings, config: Config, action: str, change: AlertChange | None
) -> str | None:
    """Say what retrying or dropping an alert did, or None for an unknown alert."""
    if change is None:
        return None
    said = _done(action, change)
    channel_id = change.alert.channel_id
    if change.alert.state == AlertState.PENDING and waits_for_token(settings, config, channel_id):
        said += f"; but nothing is sent to channel {channel_id} until DISCORD_TOKEN is set"
    return said


def _channel_retried(
    settings: Settings, config: Config, channel_id: str, *, held: bool, pending: int
) -> str | None:
    """Say what trying a held channel now changes, or None for a channel nobody knows."""
    configured = channel_id in ([c.id for c in config.channels] or [CONSOLE_CHANNEL])
    if not (held or configured or pending):
        return None
    waiting = f"its {counted(pending, 'alert')}" if pending else "nothing waits in it: its alerts"
    if not configured:
        return (
            f"channel {channel_id} is not in the config: {waiting} wait for nothing "
            "(`leakbot outbox drop ID` drops one)"
        )
    if waits_for_token(settings, config, channel_id):
        return (
            f"channel {channel_id}: nothing is sent to it until DISCORD_TOKEN is set; "
            f"then {waiting} go at the next pass"
        )
    if not held:
        # no row yet: the channel never failed, so nothing holds it back
        return f"channel {channel_id}: not held; {waiting} go at the next pass"
    return f"channel {channel_id}: tried again at the next pass"


def _unknown(alert_id: str) -> int:
    print(
        f"leakbot outbox: no alert or channel with id '{alert_id}' "
        "(`leakbot outbox list` shows them)",
        file=sys.stderr,
    )
    return EXIT_USAGE


def _done(action: str, change: AlertChange) -> str:
    alert, before = change.alert, change.before
    if before == AlertState.DELIVERED:
        return f"alert {alert.id} was delivered already: nothing to {action}"
    if action == "drop":
        if before == AlertState.DROPPED:
            return f"alert {alert.id} was dropped already: nothing to do"
        return f"alert {alert.id} dropped: it will not be sent"
    return (
        f"alert {alert.id} waits in channel {alert.channel_id} in its place; "
        "the channel is tried at the next pass"
    )


def _print_list(
    alerts: list[OutboxAlert], heads: Mapping[str, str], now: datetime, *, more: bool
) -> None:
    if not alerts:
        print("the outbox is empty")
        return
    channel = None
    for alert in alerts:
        if alert.channel_id != channel:
            channel = alert.channel_id
            print(f"channel {channel}: {heads[channel]}")
        age = format_duration(max(now - alert.created_at, timedelta(seconds=1)))
        title = str(alert.message.get("title") or "(untitled post)")[:80]
        print(f"  #{alert.id:<6} {alert.state:<9} {age:>6} ago  {alert.kind:<9} {title}")
        if alert.state == AlertState.SET_ASIDE and alert.last_error:
            print(f"          refused: {mask_text(alert.last_error)}")
        elif alert.attempts and alert.last_error:
            tries = counted(alert.attempts, "try", "tries")
            print(f"          {tries}; last: {mask_text(alert.last_error)}")
    if more:
        print(f"  … and more: only the first {LISTED} are shown")
