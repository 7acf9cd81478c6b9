"""The command line: ``leakbot run | poll-once | check-config | status | explain | …``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot import __version__
from bot.cli import digest as digest_cli
from bot.cli import explain
from bot.cli import managed as managed_cli
from bot.cli import outbox as outbox_cli
from bot.cli import source as source_cli
from bot.clock import Now, utc_now
from bot.config.durations import format_duration
from bot.config.file import Config, ConfigError, load_config
from bot.config.managed import Effective, origin, with_managed
from bot.config.settings import Settings, export_proxies
from bot.delivery.routing import Routes
from bot.domain import ChannelState, ManagedKind
from bot.errors import LeakbotError
from bot.masking import MaskingFilter, mask_text, mask_url
from bot.ops import status
from bot.ops.database_trouble import DatabaseTroubleError, check_database_url, database_trouble
from bot.runtime.app import App
from bot.sinks.base import sink_type
from bot.wording import counted
from storage.db import in_transaction
from storage.errors import StorageError
from storage.managed import managed_entries
from storage.overview import Overview, read_outbox

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
    commands.add_parser(
        "status", parents=[common], help="each source, each channel and the outbox at a glance"
    )
    explain.add_command(commands, common)
    digest_cli.add_command(commands, common)
    outbox_cli.add_command(commands, common)
    source_cli.add_command(commands, common)
    managed_cli.add_command(commands, common)
    return parser


def _configure_logging(level: str, verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, level),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
    for noisy in ("apscheduler", "alembic", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None, *, now: Now = utc_now) -> int:
    """Run one command on ``now``'s clock; return the exit status."""
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
            message = error["msg"].removeprefix("Value error, ")
            print(f"environment: {name}: {message}", file=sys.stderr)
        return EXIT_USAGE
    export_proxies()
    _configure_logging(settings.leakbot_log_level, args.verbose)
    path = settings.config_path() if args.config is None else Path(args.config)
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    database_url = settings.database_url.get_secret_value()
    try:
        code = _command(args, settings, config, path, now)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        return EXIT_OK
    except BrokenPipeError:
        # the reader has gone (``leakbot check-config | head -1``): it read what it wanted
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        trouble = database_trouble(exc, database_url)
        if trouble is not None:
            print(f"leakbot: {trouble}", file=sys.stderr)
        elif isinstance(exc, LeakbotError):
            print(f"leakbot: {mask_text(str(exc))}", file=sys.stderr)
        else:
            log.exception("leakbot stopped on an unexpected error")
        return EXIT_ERROR


def _command(
    args: argparse.Namespace, settings: Settings, config: Config, path: Path, now: Now
) -> int:
    if args.command == "digest":
        return digest_cli.run(settings, config, args, now=now)
    if args.command == "explain":
        return explain.run(settings, config, args, now=now)
    if args.command == "outbox":
        return outbox_cli.run(settings, config, args, now=now)
    if args.command == "check-config":
        return _check_config(settings, config, path, now)
    if args.command == "status":
        return status.run(settings, config, now=now)
    if args.command == "source":
        return source_cli.run(settings, config, args, now=now)
    if args.command == "managed":
        return managed_cli.run(settings, config, path, args, now=now)
    if args.command == "poll-once":
        # the sources set up from Discord too
        known = {x.id for x in _managed(settings, config).config.sources} if args.source else set()
        unknown = [s for s in args.source or () if s not in known]
        if unknown:
            print(f"{path}: no source with id {', '.join(unknown)}", file=sys.stderr)
            return EXIT_USAGE
        check_database_url(settings.database_url.get_secret_value())
        return asyncio.run(_poll_once(settings, config, args.source, now))
    if args.command == "run":
        check_database_url(settings.database_url.get_secret_value())
        return asyncio.run(_run(settings, config, path, now))
    print(f"leakbot: unknown command {args.command}", file=sys.stderr)
    return EXIT_USAGE


def _say(line: str) -> None:
    """Print a line at once; once the reader has gone (``| head``), print nothing more."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    """Send the rest of the output nowhere, so that exiting does not fail to flush it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _check_config(settings: Settings, config: Config, path: Path, now: Now) -> int:
    """Print what the config says, with each source's and channel's health from the
    database; 1 when the database cannot be read."""
    trouble: DatabaseTroubleError | None = None
    health: dict[str, str] = {}
    outbox = ""
    managed = _managed(settings, config)
    config = managed.config  # with the watches and sources set up from Discord
    try:
        current = status.read_status(settings, config, now())
        health = {s.id: s.health for s in current.sources}
        health.update((c.id, c.health) for c in current.channels)
        outbox = current.outbox
    except DatabaseTroubleError as exc:
        trouble = exc
    print(f"{path}: OK")
    print(
        f"timezone {config.timezone}; default interval {format_duration(config.defaults.interval)}"
    )
    print(f"{counted(len(config.sources), 'source')}:")
    for source in config.sources:
        flags = " (tracks deletions)" if source.track_deletions else ""
        interval = format_duration(config.interval_of(source))
        address = mask_url(source.address)
        print(f"  {source.id:<24} {source.kind:<4} every {interval:<6} {address}{flags}")
        if trouble is None:
            print(f"  {'':<24} health: {health.get(source.id, 'not polled yet')}")
        if (ManagedKind.SOURCE, source.id) in managed.entries:
            print(f"  {'':<24} {origin(managed.entries[(ManagedKind.SOURCE, source.id)])}")
    print(f"{counted(len(config.channels), 'channel')}:")
    for channel in config.channels:
        print(f"  {channel.id:<24} {sink_type(channel).describe(channel)}")
        if trouble is None:
            print(f"  {'':<24} health: {health.get(channel.id, 'ok')}")
    if not config.channels:
        print("  (none: alerts are printed on the console)")
    if trouble is None:
        print(f"outbox: {outbox}")
    print(f"{counted(len(config.watches), 'watch', 'watches')}:")
    for watch in config.watches:
        terms = [*watch.any, *("/".join([t] if isinstance(t, str) else t) for t in watch.all)]
        scope = ", ".join(watch.sources) if watch.sources else "all sources"
        channels = ", ".join(Routes(config).of_watch(watch.id))
        shown = ", ".join(terms) or "every post"
        print(f"  {watch.id:<24} {shown} | on {scope} -> {channels}")
        if (ManagedKind.WATCH, watch.id) in managed.entries:
            print(f"  {'':<24} {origin(managed.entries[(ManagedKind.WATCH, watch.id)])}")
    if trouble is not None:
        sys.stdout.flush()
        print(f"leakbot: cannot read the sources' health: {trouble}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _managed(settings: Settings, config: Config) -> Effective:
    """Read the watches and sources set up from Discord; the file alone without a database."""
    try:
        with status.existing_database(settings) as engine:
            if engine is None:
                return Effective(config, {})
            return with_managed(config, in_transaction(engine, managed_entries))
    except (DatabaseTroubleError, StorageError):
        return Effective(config, {})  # the status read below says what is wrong


async def _poll_once(
    settings: Settings, config: Config, source_ids: list[str] | None, now: Now
) -> int:
    async with App(settings, config, now=now) as app:
        # every source: those backing off wait for their retry; a named one is polled now
        reports = await app.poll(source_ids, when_due=source_ids is None)
        for report in reports:
            _say(mask_text(report.line()))
        while True:
            result = await app.dispatch()
            if result.delivered:
                _say(f"outbox: {counted(result.delivered, 'alert')} delivered")
            if result.failed:
                _say(f"outbox: {counted(result.failed, 'alert')} kept for a later retry")
            if not result.delivered or result.failed:
                break
        moment = now()
        for line in _held_alerts(await app.database.run(read_outbox, now=moment)):
            _say(line)
    return EXIT_OK


def _held_alerts(outbox: Overview) -> list[str]:
    """Say which channels hold alerts back, and the alerts Discord refused."""
    summary = outbox.outbox
    lines = []
    for state in outbox.channels:
        held = summary.channels.get(state.channel_id)
        if state.state == ChannelState.BROKEN and held is not None and held.pending:
            lines.append(
                f"outbox: channel {state.channel_id} is BROKEN ({state.reason}); "
                f"{counted(held.pending, 'alert')} held until it is fixed, then "
                f"`leakbot outbox retry {state.channel_id}`"
            )
    aside = sum(counts.set_aside for counts in summary.channels.values())
    if aside:
        lines.append(
            f"outbox: {counted(aside, 'alert')} refused by Discord and set aside "
            "(`leakbot outbox list`)"
        )
    return lines


async def _run(settings: Settings, config: Config, path: Path, now: Now) -> int:
    from bot.runtime.reload import LiveConfig
    from bot.runtime.run import run

    config_file = LiveConfig(path)
    loop = asyncio.get_running_loop()
    # Ctrl-C and SIGTERM ask for a stop from here on, while the database opens as well: left
    # to asyncio's own handler until then, a Ctrl-C cancelled whatever startup step it met,
    # and one that met a step finishing at that moment was lost (the bot ran on)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    hangup = getattr(signal, "SIGHUP", None)  # none on Windows: the file is still followed
    if hangup is not None:
        # SIGHUP reads the config file again at the next tick, as daemons do
        loop.add_signal_handler(hangup, config_file.hangup)
    try:
        async with App(settings, config, now=now, config_file=config_file) as app:
            if not stop.is_set():
                await run(app, stop)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if hangup is not None:
            loop.remove_signal_handler(hangup)
    return EXIT_OK
