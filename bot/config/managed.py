"""Watches, sources and channels set up from Discord: checked like the file, merged with it.

An entry from Discord is what the config file would hold (``{"id": …, "any": […]}``),
checked by the same models and cross-checks as the file, so a bad one gets the message
the file would get. The effective config is the file's, then the entries from Discord;
an id the file uses belongs to the file, and Discord can neither change nor remove it.

Everything here is pure: the commands in ``bot.discord_bot`` read and write the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.config.file import Channel, Config, Problem, Source, Watch, check_entry, cross_check
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
