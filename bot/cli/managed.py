"""``leakbot managed export | import FILE | remove ID``: what was set from Discord, moved
into the config file's form and back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.clock import Now, utc_now
from bot.config.file import Config, ConfigError
from bot.config.managed import SECTIONS, export_text, read_import, removal_refusal, with_managed
from bot.config.settings import Settings
from bot.domain import ManagedEntry, ManagedKind
from bot.ops.database_trouble import check_database_url
from bot.ops.status import existing_database
from bot.wording import counted
from storage.db import in_transaction, make_engine, migrate
from storage.managed import add_entries, managed_entries, remove_entry

EXIT_OK, EXIT_USAGE = 0, 2


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Register ``managed export|import|remove`` on the command line."""
    managed = commands.add_parser(
        "managed",
        parents=[common],
        help="what was set from Discord: as YAML in the config file's form, and back",
    )
    actions = managed.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser(
        "export",
        parents=[common],
        help="print what was set from Discord as YAML, with who added each entry and when",
    )
    loading = actions.add_parser(
        "import",
        parents=[common],
        help="load such a file into the database, checked as the config file is",
    )
    loading.add_argument("file", metavar="FILE", help="a file as `leakbot managed export` prints")
    loading.add_argument(
        "--replace",
        action="store_true",
        help="replace an entry set from Discord that has the same id",
    )
    removal = actions.add_parser(
        "remove",
        parents=[common],
        help="remove an entry set from Discord once the config file has it",
    )
    removal.add_argument("id", metavar="ID", help="the id of a watch, source or channel")
    removal.add_argument(
        "--kind",
        choices=[kind.value for kind in SECTIONS],
        help="watch, source or channel: needed when the id names more than one",
    )
    removal.add_argument(
        "--force",
        action="store_true",
        help="remove it even though the config file does not have it (it then stops)",
    )


def run(
    settings: Settings,
    config: Config,
    path: Path,
    args: argparse.Namespace,
    *,
    now: Now = utc_now,
) -> int:
    """Carry out one managed command; 2 for a file or an id that cannot be taken."""
    if args.action == "export":
        return _export(settings, config)
    if args.action == "import":
        return _import(settings, config, path, Path(args.file), replace=args.replace, now=now)
    return _remove(settings, config, path, args.id, kind=args.kind, force=args.force)


def _stored(settings: Settings) -> list[ManagedEntry]:
    """Read what was set from Discord; nothing when there is no database yet."""
    with existing_database(settings) as engine:
        if engine is None:
            return []
        return in_transaction(engine, managed_entries)


def _export(settings: Settings, config: Config) -> int:
    print(export_text(_stored(settings), config), end="")
    return EXIT_OK


def _import(
    settings: Settings, config: Config, path: Path, file: Path, *, replace: bool, now: Now
) -> int:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        print(f"{file}: file not found", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{file}: cannot read the file: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        plan = read_import(
            text,
            file,
            file=config,
            file_path=path,
            stored=_stored(settings),
            now=now(),
            replace=replace,
        )
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{file}: nothing imported", file=sys.stderr)
        return EXIT_USAGE
    if not plan.new and not plan.replacing:
        said = f"{counted(len(plan.unchanged), 'entry', 'entries')} stored already, unchanged"
        print(f"{file}: nothing to import" + (f" ({said})" if plan.unchanged else ""))
        return EXIT_OK
    written = [*plan.new, *plan.replacing]
    sources = [e for e in written if e.kind == ManagedKind.SOURCE]
    effective = with_managed(config, written)
    url = settings.database_url.get_secret_value()
    check_database_url(url)
    engine = make_engine(url)
    try:
        migrate(engine)
        # one transaction: every entry, or none
        in_transaction(
            engine,
            add_entries,
            entries=written,
            sources=[
                (s.id, s.kind, s.address)
                for s in effective.config.sources
                if s.id in {e.id for e in sources}
            ],
        )
    finally:
        engine.dispose()
    for entry in written:
        verb = "replaced" if entry in plan.replacing else "imported"
        print(f"{entry.kind.value} {entry.id}: {verb}")
    if plan.unchanged:
        print(f"{counted(len(plan.unchanged), 'entry', 'entries')} stored already, unchanged")
    print("a running leakbot takes them in within 2 s")
    return EXIT_OK


def _remove(
    settings: Settings, config: Config, path: Path, entry_id: str, *, kind: str | None, force: bool
) -> int:
    stored = _stored(settings)
    found = [e for e in stored if e.id == entry_id and (kind is None or e.kind.value == kind)]
    if not found:
        listing = ", ".join(f"{e.kind.value} {e.id}" for e in stored) or "none"
        print(
            f"leakbot: nothing set from Discord has the id {entry_id} (set from Discord: "
            f"{listing})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if len(found) > 1:
        kinds = " and ".join(e.kind.value for e in found)
        print(
            f"leakbot: {entry_id} is a {kinds} set from Discord: say which with --kind",
            file=sys.stderr,
        )
        return EXIT_USAGE
    entry = found[0]
    refusal = removal_refusal(with_managed(config, stored), config, path, entry, force=force)
    if refusal is not None:
        print(f"leakbot: {refusal}; nothing removed", file=sys.stderr)
        return EXIT_USAGE
    with existing_database(settings) as engine:
        if engine is None:  # gone since it was read
            return EXIT_USAGE
        in_transaction(engine, remove_entry, kind=entry.kind, entry_id=entry.id)
    in_file = any(e.id == entry.id for e in getattr(config, SECTIONS[entry.kind]))
    if in_file:
        print(
            f"{entry.kind.value} {entry.id}: removed from the database; the config file's "
            "entry is the one in use"
        )
    else:
        print(
            f"{entry.kind.value} {entry.id}: removed; the config file does not have it, so "
            "it is gone (a running leakbot lets go of it within 2 s)"
        )
    return EXIT_OK
