"""``leakbot explain``: say whether a text or a stored post matches a watch, and why."""

from __future__ import annotations

import argparse
import sys

from bot.config import Config
from bot.domain import Item
from bot.settings import Settings
from bot.watchlist import Watchlist
from storage.db import make_engine, migrate, session_scope
from storage.items import get_item

EXIT_OK, EXIT_USAGE = 0, 2


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Register ``explain`` on the command line."""
    explain = commands.add_parser(
        "explain",
        parents=[common],
        help="say whether a text or a stored post matches a watch, and why",
    )
    explain.add_argument("--watch", required=True, metavar="ID", help="the watch to ask")
    what = explain.add_mutually_exclusive_group(required=True)
    what.add_argument("text", nargs="?", help="the text to judge")
    what.add_argument("--item", type=int, metavar="ITEM_ID", help="a stored post, by its id")


def run(settings: Settings, config: Config, args: argparse.Namespace) -> int:
    """Print the verdict of one watch on a text or a stored post; 2 if either is unknown."""
    watchlist = Watchlist(config)
    try:
        watch = watchlist.watch(args.watch)
    except KeyError:
        known = ", ".join(w.id for w in config.watches) or "none are configured"
        print(
            f"leakbot explain: no watch with id '{args.watch}' (watches are: {known})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    item: Item | None = None
    text: str = args.text
    if args.item is not None:
        item = _stored_item(settings, args.item)
        if item is None:
            print(f"leakbot explain: no stored post with id {args.item}", file=sys.stderr)
            return EXIT_USAGE
        text = item.searchable
        headline = " ".join(text.split())
        headline = headline if len(headline) <= 80 else f"{headline[:79]}…"
        print(f"post {args.item} from {item.source_id}: {headline}")
    verdict = watchlist.judge(watch.id, text)
    for line in verdict.explain():
        print(line)
    if item is not None and not watch.applies_to(item.source_id):
        sources = ", ".join(watch.sources or ())
        print(
            f"note: watch {watch.id} looks only at posts from {sources}, "
            f"so this post from {item.source_id} does not alert it"
        )
    return EXIT_OK


def _stored_item(settings: Settings, item_id: int) -> Item | None:
    engine = make_engine(settings.database_url.get_secret_value())
    try:
        migrate(engine)
        with session_scope(engine) as session:
            return get_item(session=session, item_id=item_id)
    finally:
        engine.dispose()
