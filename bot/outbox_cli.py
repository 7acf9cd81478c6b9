"""``leakbot outbox list | retry ID | drop ID``: the operator's hands on the outbox."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.clock import Now, utc_now
from bot.config import Config
from bot.domain import AlertState
from bot.durations import format_duration
from bot.masking import mask_text
from bot.settings import Settings
from bot.status import existing_database
from bot.wording import counted
from storage.db import session_scope
from storage.models import AlertRow
from storage.outbox import (
    ChannelStatus,
    channel_states,
    drop_alert,
    list_alerts,
    retry_alert,
    retry_channel,
)

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
        with session_scope(engine) as session:
            if args.action == "list":
                alerts = list_alerts(session=session, channel_id=args.channel, limit=LISTED + 1)
                states = {s.channel_id: s for s in channel_states(session=session)}
                _print_list(alerts[:LISTED], states, moment, more=len(alerts) > LISTED)
                return EXIT_OK
            if args.action == "retry" and not args.id.isdigit():
                if not retry_channel(session=session, channel_id=args.id, now=moment):
                    return _unknown(args.id)
                print(f"channel {args.id}: tried again at the next pass")
                return EXIT_OK
            if not args.id.isdigit():
                return _unknown(args.id)
            act = retry_alert if args.action == "retry" else drop_alert
            alert = act(session=session, alert_id=int(args.id), now=moment)
            if alert is None:
                return _unknown(args.id)
            print(_done(args.action, alert))
            return EXIT_OK


def _unknown(alert_id: str) -> int:
    print(
        f"leakbot outbox: no alert or channel with id '{alert_id}' "
        "(`leakbot outbox list` shows them)",
        file=sys.stderr,
    )
    return EXIT_USAGE


def _done(action: str, alert: AlertRow) -> str:
    if action == "drop":
        if alert.state == AlertState.DROPPED:
            return f"alert {alert.id} dropped: it will not be sent"
        return f"alert {alert.id} is {alert.state}: nothing to drop"
    if alert.state == AlertState.PENDING:
        return (
            f"alert {alert.id} waits in channel {alert.channel_id} in its place; "
            "the channel is tried at the next pass"
        )
    return f"alert {alert.id} is {alert.state}: nothing to retry"


def _print_list(
    alerts: list[AlertRow], states: Mapping[str, ChannelStatus], now: datetime, *, more: bool
) -> None:
    if not alerts:
        print("the outbox is empty")
        return
    channel = None
    for alert in alerts:
        if alert.channel_id != channel:
            channel = alert.channel_id
            state = states.get(channel)
            said = f"{state.state}" if state else "ok"
            if state and state.reason:
                said += f" ({mask_text(state.reason)})"
            print(f"channel {channel}: {said}")
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
