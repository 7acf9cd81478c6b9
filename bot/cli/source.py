"""``leakbot source resume ID``: the operator's hand on a failing or paused source."""

from __future__ import annotations

import argparse
import sys

from bot.clock import Now, utc_now
from bot.config.file import Config
from bot.config.settings import Settings
from bot.ops.status import existing_database
from storage.db import in_transaction
from storage.schedule import resume_now

EXIT_OK, EXIT_USAGE = 0, 2
# how soon `leakbot run` polls a resumed source: its claim tick reads the database every
# 0.5 to 1.5 s (bot.runtime.run.CLAIM_EVERY, jittered); resume to fetch measured 0.1-1.2 s
RESUMED_WITHIN_S = 2


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Register ``source resume ID`` on the command line."""
    source = commands.add_parser("source", parents=[common], help="steer one source")
    actions = source.add_subparsers(dest="action", required=True, metavar="ACTION")
    resume = actions.add_parser(
        "resume",
        parents=[common],
        help="try a failing or paused source at once instead of at its next retry",
    )
    resume.add_argument("id", metavar="ID", help="a source id from the config")


def run(settings: Settings, config: Config, args: argparse.Namespace, *, now: Now = utc_now) -> int:
    """Carry out one source command; 2 for an id the config does not know."""
    if args.id not in {source.id for source in config.sources}:
        print(f"leakbot: no source with id {args.id} in the config", file=sys.stderr)
        return EXIT_USAGE
    moment = now()
    with existing_database(settings) as engine:
        if engine is None:
            print(f"source {args.id}: not polled yet; nothing to resume")
            return EXIT_OK
        state = in_transaction(engine, resume_now, source_id=args.id, now=moment)
    if state is None or state.last_polled_at is None:
        print(f"source {args.id}: not polled yet; nothing to resume")
    elif not state.consecutive_failures:
        print(f"source {args.id}: not failing; it is polled on its usual schedule")
    else:
        paused = " (paused)" if state.paused_at is not None else ""
        print(
            f"source {args.id}{paused}: tried at once — within {RESUMED_WITHIN_S} s by "
            "`leakbot run`, or now by `leakbot poll-once`"
        )
    return EXIT_OK
