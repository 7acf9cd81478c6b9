"""``leakbot run`` follows its config file: read again on SIGHUP, and when its content changes.

The file is polled, not watched: every 2 s its bytes are read and compared with those in
use. A file watch (inotify, and the libraries built on it) sees no edit made from the host
side of a docker bind mount on Docker Desktop or over NFS, and an editor that saves by
writing a new file and renaming it over the old one (vim, most IDEs, a Kubernetes ConfigMap)
leaves the watch on an inode nobody writes any more. Reading one file every 2 s sees every
kind of edit anywhere, and costs next to nothing (a 5,000-source file is about 500 KB).

A new content is used only once it passes the same checks as at the start (``load_config``)
and reads the same twice in a row, 0.3 s apart, so that a save caught half-written is not
taken for a broken file. A file that fails its checks is logged once per content (again on
SIGHUP, which asks) and the bot runs on as before.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.config.file import Config, ConfigError, load_config
from bot.config.managed import SECTIONS

log = logging.getLogger(__name__)

CHECK_EVERY = 2.0  # seconds between two reads of the file
SETTLE = 0.3  # a changed file is read again after this long; used once both reads agree
# file keys a running bot reads once, at the start: a change waits for a restart
AT_START = {
    "timezone": "the daily digest's clock",
    "digest.at": "the daily digest's time",
}


@dataclass(frozen=True, slots=True)
class FileRead:
    """A new config from the file, and whether SIGHUP asked for it."""

    config: Config
    asked: bool


class LiveConfig:
    """The config file as ``leakbot run`` follows it: its content in use, checked when new."""

    def __init__(
        self,
        path: Path,
        *,
        check_every: float = CHECK_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.check_every = check_every
        self._clock = clock
        self._in_use = _digest(path)  # what the file held when the running config was read
        self._refused: bytes | None = None  # the last content logged as failing its checks
        self._asked = False
        self._next_check = clock() + check_every

    def hangup(self) -> None:
        """Read the file at the next tick, even if its content looks unchanged (SIGHUP:
        a ``${VAR}`` in ``.env`` may have changed)."""
        self._asked = True

    async def changed(self) -> FileRead | None:
        """Return the file's config when it has a new content that passes its checks (or
        SIGHUP asked); None when it is unchanged, not due for a look, or fails its checks."""
        asked = self._asked
        if not asked and self._clock() < self._next_check:
            return None
        self._asked = False
        self._next_check = self._clock() + self.check_every
        seen = await asyncio.to_thread(_digest, self.path)
        if seen == self._in_use and not asked:
            return None
        if not asked:
            await asyncio.sleep(SETTLE)
            if await asyncio.to_thread(_digest, self.path) != seen:
                return None  # still being written: the next look takes it
        try:
            config = await asyncio.to_thread(load_config, self.path)
        except ConfigError as error:
            if asked or seen != self._refused:
                log.error(
                    "config file %s %s but fails its checks; running on as before:\n%s",
                    self.path,
                    "read on SIGHUP" if asked else "changed",
                    error,
                )
            self._refused = seen
            return None
        self._in_use = seen
        self._refused = None
        return FileRead(config, asked)


def _digest(path: Path) -> bytes | None:
    """Return a digest of the file's bytes; None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return None


def changes(before: Config, after: Config) -> list[str]:
    """Say what differs between two configs: entries added, removed and changed, by section;
    then the other settings that changed."""
    said: list[str] = []
    for section in SECTIONS.values():
        old = {entry.id: entry for entry in getattr(before, section)}
        new = {entry.id: entry for entry in getattr(after, section)}
        for verb, ids in (
            ("added", [i for i in new if i not in old]),
            ("removed", [i for i in old if i not in new]),
            ("changed", [i for i in new if i in old and new[i] != old[i]]),
        ):
            if ids:
                said.append(f"{section} {verb}: {', '.join(ids)}")
    others = [
        key
        for key in type(before).model_fields
        if key not in SECTIONS.values() and getattr(before, key) != getattr(after, key)
    ]
    if others:
        said.append(f"settings changed: {', '.join(others)}")
    return said


def waits_for_restart(before: Config, after: Config) -> list[str]:
    """Name the changed keys that take effect only when ``leakbot run`` starts again."""
    values = {
        "timezone": (before.timezone, after.timezone),
        "digest.at": (before.digest.at, after.digest.at),
    }
    return [f"{key} ({AT_START[key]})" for key, (old, new) in values.items() if old != new]
