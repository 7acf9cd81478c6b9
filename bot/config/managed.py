"""Watches, sources and channels set up from Discord: checked like the file, merged with it.

An entry from Discord is what the config file would hold (``{"id": …, "any": […]}``),
checked by the same models and cross-checks as the file, so a bad one gets the message
the file would get. The effective config is the file's, then the entries from Discord;
an id the file uses belongs to the file, and Discord can neither change nor remove it.

Everything here is pure: the commands in ``bot.discord_bot`` read and write the rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.config.file import (
    Channel,
    Config,
    ConfigError,
    Path_,
    Problem,
    Source,
    Watch,
    check_entry,
    cross_check,
    key_name,
)
from bot.delivery.routing import Routes
from bot.domain import ManagedEntry, ManagedKind
from bot.matching.watchlist import Watchlist
from bot.wording import at_utc

SECTIONS = {
    ManagedKind.SOURCE: "sources",
    ManagedKind.CHANNEL: "channels",
    ManagedKind.WATCH: "watches",
}
MAX_REPLY = 2000  # characters in a Discord message's content
CHANNEL_PREFIX = "discord-"  # a channel a watch named from Discord: discord-<channel id>


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a change from Discord is not made, in words for the member who asked."""

    message: str


@dataclass(frozen=True, slots=True)
class Effective:
    """The config the bot runs on: the file's entries, then those set up from Discord."""

    config: Config
    entries: Mapping[tuple[ManagedKind, str], ManagedEntry]  # those in use, by kind and id
    skipped: tuple[str, ...] = ()  # entries left out, and why, for the log


def terms(text: str | None) -> list[str]:
    """Split a command option into terms: separated by commas, spaces around them dropped."""
    return [term.strip() for term in (text or "").split(",") if term.strip()]


def watch_spec(
    watch_id: str,
    any_terms: str | None,
    all_terms: str | None = None,
    none_terms: str | None = None,
    sources: str | None = None,
    channels: Sequence[str] = (),
) -> dict[str, Any]:
    """Write a watch the way the config file holds it; in ``all``, ``/`` joins aliases."""
    spec: dict[str, Any] = {"id": watch_id.strip()}
    if terms(any_terms):
        spec["any"] = terms(any_terms)
    if terms(all_terms):
        entries = [[alias.strip() for alias in entry.split("/")] for entry in terms(all_terms)]
        spec["all"] = [entry[0] if len(entry) == 1 else entry for entry in entries]
    if terms(none_terms):
        spec["none"] = terms(none_terms)
    if terms(sources):
        spec["sources"] = terms(sources)
    if channels:
        spec["channels"] = list(channels)
    return spec


def source_spec(source_id: str, **by_key: str | None) -> dict[str, Any]:
    """Write a source the way the config file holds it, from its kind's key and address
    (``feed=URL``, ``x=username``); a key no kind has is kept, for the file's checks to
    refuse."""
    spec: dict[str, Any] = {"id": source_id.strip()}
    for key, address in by_key.items():
        if address:
            spec[key] = address.strip()
    return spec


def channel_spec(discord_channel: str) -> dict[str, Any]:
    """Write the channel a watch named from Discord, as the config file would hold it."""
    return {"id": f"{CHANNEL_PREFIX}{discord_channel}", "discord_channel": discord_channel}


def check_addition(
    file: Config, effective: Effective, kind: ManagedKind, spec: Mapping[str, Any]
) -> Refusal | None:
    """Say why an entry cannot be added (its id is the file's, or the file would refuse it)."""
    section = SECTIONS[kind]
    entry_id = str(spec.get("id", ""))
    noun = kind.value
    if any(entry.id == entry_id for entry in getattr(file, section)):
        return Refusal(
            f"{noun} `{entry_id}` is managed by the config file; change it there, or pick "
            "another id"
        )
    if (kind, entry_id) in effective.entries:
        return Refusal(
            f"{noun} `{entry_id}` exists already (added from Discord); "
            f"`/{noun} remove {entry_id}` first to replace it"
        )
    _, problems = check_entry(effective.config, section, spec)
    if problems:
        return Refusal(_problems_text(noun, entry_id, problems))
    return None


def _problems_text(noun: str, entry_id: str, problems: Sequence[Problem]) -> str:
    lines = [f"{noun} `{entry_id}` is not valid:"]
    for problem in problems:
        key = f"{problem.key}: " if problem.key else ""
        lines.append(f"- {key}{problem.message}")
    return "\n".join(lines)


def check_removal(
    file: Config, effective: Effective, kind: ManagedKind, entry_id: str
) -> Refusal | None:
    """Say why an entry cannot be removed: the file's, unknown, or still named by a watch."""
    section = SECTIONS[kind]
    noun = kind.value
    if any(entry.id == entry_id for entry in getattr(file, section)):
        return Refusal(
            f"{noun} `{entry_id}` is managed by the config file; Discord cannot remove it"
        )
    if (kind, entry_id) not in effective.entries:
        known = [e.id for (k, _), e in effective.entries.items() if k == kind]
        listing = ", ".join(f"`{i}`" for i in known) or "none"
        return Refusal(f"no {noun} `{entry_id}` was added from Discord (those added: {listing})")
    if kind == ManagedKind.SOURCE:
        users = [w.id for w in effective.config.watches if entry_id in (w.sources or ())]
        if users:
            named = ", ".join(f"`{u}`" for u in users)
            return Refusal(f"source `{entry_id}` is followed by {named}; remove those first")
    return None


def with_managed(file: Config, entries: Iterable[ManagedEntry]) -> Effective:
    """Merge the entries set up from Discord into the file's config.

    An entry whose id the file now uses is left out (the file wins), and so is one the
    file's checks refuse now (a watch naming a source the file dropped); each is said
    in ``skipped``.
    """
    config = file
    kept: dict[tuple[ManagedKind, str], ManagedEntry] = {}
    skipped: list[str] = []
    ordered = sorted(entries, key=lambda e: list(SECTIONS).index(e.kind))
    for kind in SECTIONS:
        section = SECTIONS[kind]
        models: list[Source | Channel | Watch] = []
        owners: list[ManagedEntry] = []
        taken = {entry.id for entry in getattr(file, section)}
        for entry in (e for e in ordered if e.kind == kind):
            if entry.id in taken:
                skipped.append(
                    f"{kind.value} {entry.id} (added from Discord): the config file has this "
                    "id now, so the file's is used"
                )
                continue
            model, problems = check_entry(file, section, entry.spec)
            # the references (sources, channels) are checked below, against the whole config
            problems = [p for p in problems if not p.message.startswith("unknown ")]
            if model is None or problems:
                why = "; ".join(f"{p.key}: {p.message}" if p.key else p.message for p in problems)
                skipped.append(f"{kind.value} {entry.id} (added from Discord): {why}")
                continue
            taken.add(entry.id)
            models.append(model)
            owners.append(entry)
        start = len(getattr(config, section))
        candidate = config.model_copy(update={section: (*getattr(config, section), *models)})
        bad = _bad_entries(cross_check(candidate), section, start)
        for index, entry in enumerate(owners):
            if start + index in bad:
                skipped.append(
                    f"{kind.value} {entry.id} (added from Discord): {bad[start + index]}"
                )
                continue
            kept[(kind, entry.id)] = entry
        models = [m for i, m in enumerate(models) if start + i not in bad]
        config = config.model_copy(update={section: (*getattr(config, section), *models)})
    if len(config.channels) > len(file.channels) and file.channels:
        config = _pin_channels(config, file)
    return Effective(config, kept, tuple(skipped))


def _bad_entries(problems: Sequence[Problem], section: str, start: int) -> dict[int, str]:
    bad: dict[int, str] = {}
    for problem in problems:
        head = f"{section}["
        if not problem.key.startswith(head):
            continue
        index = int(problem.key[len(head) :].split("]", 1)[0])
        if index >= start:
            bad.setdefault(index, f"{problem.key.split('.', 1)[-1]}: {problem.message}")
    return bad


def _pin_channels(config: Config, file: Config) -> Config:
    """Keep "every channel" meaning the file's channels once Discord adds its own: a
    channel a watch names from Discord hears only that watch."""
    everywhere = tuple(channel.id for channel in file.channels)
    watches = tuple(
        w if w.channels is not None else w.model_copy(update={"channels": everywhere})
        for w in config.watches
    )
    digest = config.digest
    if digest.channels is None:
        digest = digest.model_copy(update={"channels": everywhere})
    return config.model_copy(update={"watches": watches, "digest": digest})


def may_change(*, manage_guild: bool, roles: Iterable[str], admin_roles: Iterable[str]) -> bool:
    """Tell whether a member may add, remove and resume: Manage Server, or an admin role."""
    wanted = {role.casefold() for role in admin_roles}
    return manage_guild or any(role.casefold() in wanted for role in roles)


def refusal_for_member(admin_roles: Sequence[str]) -> Refusal:
    """Say who may change things, to a member who may not."""
    roles = ", ".join(f"`{r}`" for r in admin_roles)
    who = (
        f"the Manage Server permission or one of the roles {roles}"
        if roles
        else ("the Manage Server permission")
    )
    return Refusal(f"Only members with {who} may change what leakbot watches; nothing changed.")


# --- words for the replies ------------------------------------------------------------------


def origin(entry: ManagedEntry | None) -> str:
    """Say who manages an entry: the config file, or the member who added it and when."""
    if entry is None:
        return "managed by the config file"
    return f"added from Discord by {entry.added_by} on {at_utc(entry.added_at)}"


def watch_terms(watch: Watch) -> str:
    """Show a watch's terms in a line: ``any: a, b | all: c/d | none: e``."""
    parts = []
    if watch.any:
        parts.append("any: " + ", ".join(watch.any))
    if watch.all:
        parts.append(
            "all: " + ", ".join(e if isinstance(e, str) else "/".join(e) for e in watch.all)
        )
    if watch.none:
        parts.append("none: " + ", ".join(watch.none))
    return " | ".join(parts) or "every post"


def watch_lines(effective: Effective, routes: Routes) -> list[str]:
    """List every watch in a line, with where it comes from."""
    lines = []
    for watch in effective.config.watches:
        entry = effective.entries.get((ManagedKind.WATCH, watch.id))
        mark = "Discord" if entry is not None else "file"
        lines.append(f"`{watch.id}` ({mark}): {watch_terms(watch)}")
    return lines or ["no watches"]


def show_watch(effective: Effective, routes: Routes, watch: Watch) -> str:
    """Describe one watch in full, with who added it and when."""
    entry = effective.entries.get((ManagedKind.WATCH, watch.id))
    scope = ", ".join(watch.sources) if watch.sources else "all sources"
    channels = ", ".join(routes.of_watch(watch.id)) or "none"
    lines = [
        f"watch `{watch.id}`: {origin(entry)}",
        f"terms: {watch_terms(watch)}",
        f"sources: {scope}",
        f"channels: {channels}",
    ]
    if watch.ignore_accents:
        lines.append("accents ignored")
    return "\n".join(lines)


def source_lines(effective: Effective) -> list[str]:
    """List every source in a line, with where it comes from."""
    lines = []
    for source in effective.config.sources:
        entry = effective.entries.get((ManagedKind.SOURCE, source.id))
        mark = "Discord" if entry is not None else "file"
        lines.append(f"`{source.id}` ({mark}): {source.kind} {source.address}")
    return lines or ["no sources"]


def test_text(watchlist: Watchlist, text: str) -> str:
    """Say whether a text matches each watch and why, matches first (``leakbot explain``)."""
    verdicts = [(w.id, watchlist.judge(w.id, text)) for w in watchlist.watches]
    matched = [v for _, v in verdicts if v.matched]
    missed = [v for _, v in verdicts if not v.matched]
    lines: list[str] = []
    for verdict in matched:
        lines.extend(verdict.explain())
    for verdict in missed:
        lines.extend(verdict.explain())
    if not lines:
        return "no watches to test against"
    head = f"{len(matched)} of {len(verdicts)} watches match"
    return fit(head, lines, code=True)


def fit(head: str, lines: Sequence[str], *, code: bool = False, limit: int = MAX_REPLY) -> str:
    """Join lines under a head within Discord's limit, saying how many were left out."""
    room = limit - len(head) - 50
    kept: list[str] = []
    used = 0
    for line in lines:
        line = line.replace("```", "'''")
        if used + len(line) + 1 > room:
            break
        kept.append(line)
        used += len(line) + 1
    more = len(lines) - len(kept)
    tail = f"\n… and {more} more lines" if more else ""
    body = "\n".join(kept)
    if code:
        return f"{head}\n```\n{body}\n```{tail}"
    return f"{head}\n{body}{tail}"


# --- moving entries between Discord and the file (``leakbot managed``) -----------------------

# each entry's comment in an export: who added it, when; read back by an import
_ADDED = re.compile(
    r"^\s*# added from Discord(?: by (?P<name>.*?)(?: \(user (?P<user>\d+)\))?)? "
    r"on (?P<at>\S+)\s*$"
)
_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
IMPORTED_BY = "leakbot managed import"


def added_comment(entry: ManagedEntry) -> str:
    """Say who added an entry and when, as the comment an export writes above it."""
    who = f" by {entry.added_by}" if entry.added_by else ""
    if entry.added_by and entry.added_by_id:
        who += f" (user {entry.added_by_id})"
    return f"# added from Discord{who} on {entry.added_at.isoformat(timespec='seconds')}"


def export_text(entries: Sequence[ManagedEntry], file: Config) -> str:
    """Write what was set from Discord as the config file holds it (``sources:``,
    ``channels:``, ``watches:``), each entry under a comment with who added it and when.

    Every key of an entry comes along as stored, so a key the file learns later needs
    nothing here. An entry whose id the file has now is only named at the end: the
    file's is the one in use.
    """
    lines = [
        "# set from Discord: copy what you want into the config file, then",
        "# `leakbot managed remove ID`; `leakbot managed import FILE` loads it into a database",
    ]
    shadowed: list[ManagedEntry] = []
    for kind, section in SECTIONS.items():
        in_file = {entry.id for entry in getattr(file, section)}
        chosen: list[ManagedEntry] = []
        for entry in entries:
            if entry.kind != kind:
                continue
            (shadowed if entry.id in in_file else chosen).append(entry)
        if not chosen:
            continue
        lines.append(f"{section}:")
        for entry in chosen:
            lines.append(f"  {added_comment(entry)}")
            dumped = yaml.dump(
                [dict(entry.spec)],
                Dumper=_ExportDumper,
                allow_unicode=True,
                sort_keys=False,
                width=100,
            )
            lines.extend(f"  {line}" for line in dumped.splitlines())
    if shadowed:
        lines.append("# set from Discord too, but the config file has these ids now and its")
        lines.append("# entries are used; `leakbot managed remove ID` drops the Discord copy:")
        lines.extend(f"#   {entry.kind.value} {entry.id}" for entry in shadowed)
    if len(lines) == 2 and not shadowed:
        lines.append("# nothing was set from Discord")
    return "\n".join(lines) + "\n"


class _ExportDumper(yaml.SafeDumper):
    """Write entries as the file does: keys one a line, a list of terms on one line."""

    def represent_sequence(
        self, tag: str, sequence: Iterable[Any], flow_style: bool | None = None
    ) -> yaml.SequenceNode:
        items = list(sequence)
        flat = all(not isinstance(item, dict | list | tuple) for item in items)
        return super().represent_sequence(tag, items, flow_style=flat and bool(items))


@dataclass(frozen=True, slots=True)
class Import:
    """What an import file brings: entries to write, and those stored already as they are."""

    new: tuple[ManagedEntry, ...]
    replacing: tuple[ManagedEntry, ...]  # new entries that take the place of stored ones
    unchanged: tuple[ManagedEntry, ...]


def read_import(
    text: str,
    path: Path,
    *,
    file: Config,
    file_path: Path,
    stored: Sequence[ManagedEntry],
    now: datetime,
    replace: bool = False,
) -> Import:
    """Read an import file (what ``export_text`` writes) and check it as the config file is
    checked, against the file and what is stored; raise ConfigError with file, line and key.

    An id the config file has is refused (the file's entry is the one in use). An id stored
    already with the same entry is left as it is; with another entry, it is refused unless
    ``replace``. Who added an entry and when are read from its export comment, else the
    import is named, now.
    """
    lines, data = _read_yaml(text, path)
    if data is None:
        return Import((), (), ())
    problems: list[Problem] = []

    def refuse(where: Path_, message: str) -> None:
        problems.append(Problem(_line_of(lines, where), key_name(where), message))

    if not isinstance(data, dict):
        raise ConfigError(path, [Problem(1, "", "the file must be a mapping of keys to values")])
    for key in data:
        if key not in SECTIONS.values():
            refuse(
                (key,),
                "an import holds only sources, channels and watches (as `leakbot managed "
                f"export` prints them); '{key}' belongs in the config file",
            )
    by_key = {(entry.kind, entry.id): entry for entry in stored}
    new: list[ManagedEntry] = []
    replacing: list[ManagedEntry] = []
    unchanged: list[ManagedEntry] = []
    candidates: list[tuple[ManagedKind, int, dict[str, Any]]] = []
    ids: dict[ManagedKind, dict[str, int]] = {kind: {} for kind in SECTIONS}
    for kind, section in SECTIONS.items():
        items = data.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            refuse((section,), "expected a list of entries, each starting with '- id:'")
            continue
        for index, item in enumerate(items):
            where: Path_ = (section, index)
            if not isinstance(item, dict):
                refuse(where, f"expected {_ENTRY_SHAPES[kind]}, got {item!r}")
                continue
            references = [inner for inner, text in _strings(item, where) if _REFERENCE.search(text)]
            for inner in references:
                refuse(
                    inner,
                    "a ${VAR} is not read in an import: the database keeps an entry as "
                    "written, so put this entry in the config file instead",
                )
            if references:
                continue
            entry_id = item.get("id")
            if isinstance(entry_id, str) and entry_id in ids[kind]:
                refuse(
                    (*where, "id"),
                    f"duplicate id '{entry_id}' (also {section}[{ids[kind][entry_id]}])",
                )
                continue
            if isinstance(entry_id, str):
                ids[kind][entry_id] = index
            if isinstance(entry_id, str) and any(e.id == entry_id for e in getattr(file, section)):
                refuse(
                    (*where, "id"),
                    f"{kind.value} '{entry_id}' is in the config file ({file_path}) already, "
                    "and the file's is the one in use: leave it out of this import",
                )
                continue
            known = by_key.get((kind, entry_id)) if isinstance(entry_id, str) else None
            if known is not None and dict(known.spec) == item:
                unchanged.append(known)
                continue
            if known is not None and not replace:
                refuse(
                    (*where, "id"),
                    f"{kind.value} '{entry_id}' was set from Discord already "
                    f"({origin(known)}), as another entry: `leakbot managed import --replace` "
                    "replaces it, or pick another id",
                )
                continue
            candidates.append((kind, index, item))
    # each entry is checked as if it ended its section: the file's models, cross-checks and
    # words, against the file, what is stored, and the entries above it
    taken_over = {(kind, item.get("id")) for kind, _, item in candidates}
    kept = [e for e in stored if (e.kind, e.id) not in taken_over]
    config = with_managed(file, kept).config
    for kind, index, item in candidates:
        section = SECTIONS[kind]
        where = (section, index)
        model, found = check_entry(config, section, item)
        for problem in found:
            refuse((*where, *_key_path(problem.key)), problem.message)
        if model is None or found:
            continue
        config = config.model_copy(update={section: (*getattr(config, section), model)})
        entry = _imported(kind, item, lines, where, path, now)
        (replacing if (kind, entry.id) in by_key else new).append(entry)
    if problems:
        raise ConfigError(path, sorted(problems, key=lambda p: (p.line or 0, p.key)))
    return Import(tuple(new), tuple(replacing), tuple(unchanged))


_ENTRY_SHAPES = {
    ManagedKind.SOURCE: "a source: keys such as id and feed (or x)",
    ManagedKind.CHANNEL: "a channel: keys such as id and discord_channel",
    ManagedKind.WATCH: "a watch: keys such as id and any",
}


def _imported(
    kind: ManagedKind,
    item: Mapping[str, Any],
    lines: _Lines,
    where: Path_,
    path: Path,
    now: datetime,
) -> ManagedEntry:
    """Make the entry to store, with who added it and when from its export comment."""
    line = _line_of(lines, where)
    above = lines.text[line - 2] if line is not None and line >= 2 else ""
    found = _ADDED.match(above)
    name, user, at = f"{IMPORTED_BY} {path.name}", "", now
    if found is not None:
        try:
            at = datetime.fromisoformat(found.group("at"))
        except ValueError:
            found = None
    if found is not None:
        name, user = found.group("name") or "", found.group("user") or ""
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    return ManagedEntry(kind, str(item["id"]), dict(item), name, user, at)


@dataclass(frozen=True, slots=True)
class _Lines:
    """The text of a YAML document, and the line of each key in it."""

    text: list[str]
    at: dict[Path_, int]


def _read_yaml(text: str, path: Path) -> tuple[_Lines, Any]:
    """Read YAML as plain data, with the line of every key; raise ConfigError as the file."""
    lines = _Lines(text.splitlines(), {})
    problems: list[Problem] = []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(path, [Problem(line, "", f"not valid YAML: {problem}")]) from None

    def walk(node: yaml.Node, where: Path_) -> None:
        lines.at.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[object] = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                child = (*where, str(key))
                if key in seen:
                    problems.append(
                        Problem(
                            key_node.start_mark.line + 1,
                            key_name(child),
                            f"duplicate key '{key}' (first at line {lines.at[child]})",
                        )
                    )
                seen.add(key)
                lines.at.setdefault(child, key_node.start_mark.line + 1)
                walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*where, index))

    if node is not None:
        walk(node, ())
    if problems:
        raise ConfigError(path, problems)
    return lines, data


def _line_of(lines: _Lines, where: Path_) -> int | None:
    for end in range(len(where), -1, -1):
        if where[:end] in lines.at:
            return lines.at[where[:end]]
    return None


def _key_path(key: str) -> Path_:
    """Read a key as the file's errors write it (``all[1][0]``, ``sources[0]``) as a path."""
    path: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key):
        path.append(int(index) if index else name)
    return tuple(path)


def _strings(value: Any, where: Path_) -> list[tuple[Path_, str]]:
    """Return every text in an entry, with where it is."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, (*where, str(k)))]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _strings(v, (*where, i))]
    return []


def removal_refusal(
    effective: Effective, file: Config, file_path: Path, entry: ManagedEntry, *, force: bool
) -> str | None:
    """Say why ``leakbot managed remove`` leaves an entry stored: not in the file yet (unless
    forced), or still named by a watch that would then be left out."""
    section = SECTIONS[entry.kind]
    noun = entry.kind.value
    if any(e.id == entry.id for e in getattr(file, section)):
        return None
    if not force:
        return (
            f"{noun} {entry.id} is not in the config file ({file_path}) yet: removing it "
            "would stop it. Copy it there first (`leakbot managed export` prints it), or "
            "pass --force to remove it anyway"
        )
    key = "sources" if entry.kind == ManagedKind.SOURCE else "channels"
    if entry.kind == ManagedKind.WATCH:
        return None
    users = [w.id for w in effective.config.watches if entry.id in (getattr(w, key) or ())]
    if users:
        return f"{noun} {entry.id} is named by the watches {', '.join(users)}; remove those first"
    return None
