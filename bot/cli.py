"""The command line: ``leakbot run | poll-once | check-config | explain``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from bot import __version__, explain
from bot.app import App
from bot.config import Config, ConfigError, load_config
from bot.durations import format_duration
from bot.health import describe
from bot.routing import Routes
from bot.settings import Settings
from storage.db import make_engine, normalize_url, session_scope
from storage.sources import all_sources

log = logging.getLogger("bot")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leakbot", description="Watch tipsters and news feeds for leaks; alert Discord."
    )
    parser.add_argument("--version", action="version", version=f"leakbot {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", default=argparse.SUPPRESS, help="the watchlist file (default: $LEAKBOT_CONFIG)"
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log debug detail"
    )
    parser.add_argument("--config", default=None, help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run", parents=[common], help="run the bot: scheduled polls and alert delivery"
    )
    once = commands.add_parser(
        "poll-once", parents=[common], help="poll every source once, deliver, and exit"
    )
    once.add_argument("--source", action="append", metavar="ID", help="poll only this source")
    commands.add_parser(
        "check-config", parents=[common], help="validate the config and print a summary"
    )
    explain.add_command(commands, common)
    return parser


def _configure_logging(level: str, verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("apscheduler", "alembic", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper()
            print(f"environment: {name}: {error['msg']}", file=sys.stderr)
        return EXIT_USAGE
    _configure_logging(settings.leakbot_log_level, args.verbose)
    path = settings.config_path() if args.config is None else Path(args.config)
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "explain":
            return explain.run(settings, config, args)
        if args.command == "check-config":
            return _check_config(config, path, _health(settings, config))
        if args.command == "poll-once":
            unknown = [s for s in args.source or () if s not in {x.id for x in config.sources}]
            if unknown:
                print(f"{path}: no source with id {', '.join(unknown)}", file=sys.stderr)
                return EXIT_USAGE
            return asyncio.run(_poll_once(settings, config, args.source))
        if args.command == "run":
            return asyncio.run(_run(settings, config))
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception:
        log.exception("leakbot stopped on an unexpected error")
        return EXIT_ERROR
    print(f"leakbot: unknown command {args.command}", file=sys.stderr)
    return EXIT_USAGE


def _health(settings: Settings, config: Config) -> dict[str, str] | str:
    """Read each source's health from the database, without creating or migrating it."""
    url = settings.database_url.get_secret_value()
    try:
        parsed = make_url(normalize_url(url))
        if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
            return {}
        engine = make_engine(url)
        try:
            if not sa.inspect(engine).has_table("source"):
                return {}
            with session_scope(engine) as session:
                states = {row.id: row for row in all_sources(session=session)}
        finally:
            engine.dispose()
    except sa.exc.SQLAlchemyError as exc:
        first_line = str(exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc).splitlines()
        return f"unknown: cannot read the database ({type(exc).__name__}: {first_line[0]})"
    now = datetime.now(UTC)
    return {source.id: describe(states.get(source.id), now) for source in config.sources}


def _check_config(config: Config, path: object, health: dict[str, str] | str) -> int:
    print(f"{path}: OK")
    print(
        f"timezone {config.timezone}; default interval {format_duration(config.defaults.interval)}"
    )
    print(f"{len(config.sources)} sources:")
    for source in config.sources:
        flags = " (tracks deletions)" if source.track_deletions else ""
        interval = format_duration(config.interval_of(source))
        print(f"  {source.id:<24} {source.kind:<4} every {interval:<6} {source.address}{flags}")
        if isinstance(health, dict):
            print(f"  {'':<24} health: {health.get(source.id, 'not polled yet')}")
    if isinstance(health, str):
        print(f"  health {health}")
    print(f"{len(config.channels)} channels:")
    for channel in config.channels:
        target = (
            f"discord channel {channel.discord_channel}" if channel.discord_channel else "webhook"
        )
        print(f"  {channel.id:<24} {target}")
    if not config.channels:
        print("  (none: alerts are printed on the console)")
    print(f"{len(config.watches)} watches:")
    for watch in config.watches:
        terms = [*watch.any, *("/".join([t] if isinstance(t, str) else t) for t in watch.all)]
        scope = ", ".join(watch.sources) if watch.sources else "all sources"
        channels = ", ".join(Routes(config).of_watch(watch.id))
        shown = ", ".join(terms) or "every post"
        print(f"  {watch.id:<24} {shown} | on {scope} -> {channels}")
    return EXIT_OK


async def _poll_once(settings: Settings, config: Config, source_ids: list[str] | None) -> int:
    async with App(settings, config) as app:
        reports = await app.poll(source_ids)
        for report in reports:
            print(report.line(), flush=True)
        while True:
            result = await app.dispatch()
            if result.delivered:
                print(f"outbox: {result.delivered} alerts delivered", flush=True)
            if result.failed:
                print(f"outbox: {result.failed} alerts kept for a later retry", flush=True)
            if not result.delivered or result.failed:
                break
    return EXIT_OK


async def _run(settings: Settings, config: Config) -> int:
    from bot.scheduler import run

    async with App(settings, config) as app:
        await run(app)
    return EXIT_OK
