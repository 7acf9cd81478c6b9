"""``leakbot digest``: print a day's digest, Markdown or JSON; ``--post`` delivers it once."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, timedelta

from bot.clock import Now, utc_now
from bot.config.file import Config
from bot.config.settings import Settings
from bot.digest.build import Digest, digest_json, parse_day, render_markdown
from bot.digest.deliver import MadeBy, make_digest, post_digest, today
from bot.ops.status import existing_database
from bot.runtime.app import App
from bot.wording import at_utc, counted
from storage.db import Database

EXIT_OK, EXIT_USAGE = 0, 2


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Register ``digest`` on the command line."""
    digest = commands.add_parser(
        "digest",
        parents=[common],
        help="print a day's digest (yesterday by default); --post delivers it",
    )
    digest.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="the day, in the config's timezone (default: yesterday)",
    )
    digest.add_argument("--watch", metavar="ID", help="only this watch's posts")
    digest.add_argument(
        "--post", action="store_true", help="deliver it to the digest channels, once per day"
    )
    digest.add_argument(
        "--force", action="store_true", help="with --post: deliver it again, though it was posted"
    )
    digest.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="default: markdown"
    )


def _usage(message: str) -> int:
    print(f"leakbot digest: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(settings: Settings, config: Config, args: argparse.Namespace, *, now: Now = utc_now) -> int:
    """Print a day's digest; with ``--post``, queue it for the digest channels and deliver."""
    moment = now()
    current = today(config, moment)
    day = current - timedelta(days=1)
    if args.date is not None:
        try:
            day = parse_day(args.date, today=current, timezone=config.timezone)
        except ValueError as exc:
            return _usage(f"--date {exc}")
    if args.watch is not None and args.watch not in {w.id for w in config.watches}:
        known = ", ".join(w.id for w in config.watches) or "none are configured"
        return _usage(f"no watch with id '{args.watch}' (watches are: {known})")
    if args.force and not args.post:
        return _usage("--force goes with --post")
    if args.post and args.watch is not None:
        return _usage("--post delivers the whole digest; --watch only narrows what is printed")
    if args.post and day == current:
        return _usage(
            f"{day.isoformat()} is not over yet in {config.timezone}; without --post, "
            "the digest so far is printed"
        )
    if args.post:
        return asyncio.run(_post(settings, config, day, args, now))
    with existing_database(settings) as engine:
        database = Database(engine) if engine is not None else None
        try:
            digest = asyncio.run(make_digest(database, config, day, now=moment, watch=args.watch))
        finally:
            if database is not None:
                database.close()
    _print(digest, args.format)
    return EXIT_OK


def _print(digest: Digest, form: str) -> None:
    if form == "json":
        print(json.dumps(digest_json(digest), ensure_ascii=False, indent=2))
    else:
        print(render_markdown(digest), end="")


async def _post(
    settings: Settings, config: Config, day: date, args: argparse.Namespace, now: Now
) -> int:
    async with App(settings, config, now=now) as app:
        moment = app.now()
        digest = await make_digest(app.database, config, day, now=moment)
        posting = await post_digest(
            app.database, config, day, now=moment, made_by=MadeBy.COMMAND, force=args.force
        )
        _print(digest, args.format)
        for channel, since in posting.already:
            print(
                f"digest of {day.isoformat()}: already posted to {channel} "
                f"(queued {at_utc(since)}); --post --force posts it again",
                file=sys.stderr,
            )
        if not posting.queued:
            return EXIT_OK
        print(
            f"digest of {day.isoformat()}: queued for {', '.join(posting.queued)} "
            f"({counted(posting.parts, 'message')} each)",
            file=sys.stderr,
        )
        delivered = failed = 0
        while True:
            result = await app.dispatch()
            delivered += result.delivered
            failed += result.failed
            if not result.delivered or result.failed:
                break
        print(f"outbox: {counted(delivered, 'alert')} delivered", file=sys.stderr)
        if failed or result.waiting:
            print(
                f"outbox: {counted(result.waiting, 'alert')} waiting; the running bot or the "
                "next `leakbot poll-once` delivers them",
                file=sys.stderr,
            )
    return EXIT_OK
