"""Feed parsing bounded in time and memory: worker processes that can be killed.

feedparser is pure Python. A hostile feed can make it run for minutes (a long
``<author>`` e-mail takes quadratic time) or eat gigabytes, and a thread cannot be
stopped from outside. So every parse runs in a worker process with a cap on its address
space (RLIMIT_AS) and a deadline; a worker that overruns is killed and replaced, and
only its own source fails. The bytes first pass the gate (bot.sources.gate), which turns
away entity declarations and oversize bodies before they reach the parser at all.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import logging
import multiprocessing
import os
import resource
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pebble

from bot.errors import SourceError, SourceErrorKind

if TYPE_CHECKING:
    from bot.sources.feed import ParsedFeed

log = logging.getLogger(__name__)


class ParseError(SourceError):
    """A feed body that gave no items; the reason is meant for the operator's log."""

    kind = SourceErrorKind.PARSE


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """How long one parse may run and how much memory its worker may map."""

    seconds: float = 20.0
    memory_bytes: int = 1024 * 1024 * 1024
    workers: int = max(1, min(4, os.cpu_count() or 1))
    # a worker's heap only grows (a big feed leaves it big): a fresh one, forked from the
    # forkserver in a few milliseconds, takes over after this many feeds
    feeds_per_worker: int = 100


def _limit_memory(memory_bytes: int) -> None:
    """Cap the worker's address space, so a parse that balloons gets MemoryError."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or memory_bytes < hard:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, hard))


class ParsePool:
    """Worker processes that parse feed bytes; use ``async with`` or call ``close``."""

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self.limits = limits or ParseLimits()
        # forkserver: workers fork from a clean process with feedparser already loaded,
        # never from this one, whose threads (asyncio, the scheduler) must not be forked
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["bot.sources.worker_image"])
        self._pool = pebble.ProcessPool(
            max_workers=self.limits.workers,
            max_tasks=self.limits.feeds_per_worker,
            initializer=_limit_memory,
            initargs=(self.limits.memory_bytes,),
            context=context,
        )

    async def __aenter__(self) -> ParsePool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers, killing any parse still running."""
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join(timeout=10)

    async def parse(
        self, body: bytes, *, source_id: str, url: str, content_type: str | None = None
    ) -> ParsedFeed:
        """Parse feed bytes in a worker; raise ParseError with a clear reason."""
        future = self._pool.schedule(
            _parse,
            args=(body,),
            kwargs={"source_id": source_id, "url": url, "content_type": content_type},
            timeout=self.limits.seconds,
        )
        try:
            result: ParsedFeed = await asyncio.wrap_future(future)
        except SourceError as exc:  # the parser's own verdict: not a feed, or refused
            prefix = "not a feed" if exc.kind == SourceErrorKind.NOT_A_FEED else "refused"
            raise ParseError(f"{prefix}: {exc}", exc.kind) from None
        except FutureTimeout:
            raise ParseError(
                f"parsing took longer than {self.limits.seconds:g}s, so it was stopped"
            ) from None
        except MemoryError:
            raise ParseError(
                f"parsing needed more than {self.limits.memory_bytes // 2**20} MiB, "
                "so it was stopped"
            ) from None
        except pebble.ProcessExpired as exc:
            raise ParseError(f"the parser process died (exit code {exc.exitcode})") from None
        except Exception as exc:  # feedparser can raise outright on strange input
            raise ParseError(f"the parser failed: {type(exc).__name__}: {exc}") from None
        return result


def _parse(body: bytes, **where: Any) -> ParsedFeed:
    """Parse in a worker; the bot's own process never imports the parsers."""
    from bot.sources.feed import parse_feed

    try:
        return parse_feed(body, **where)
    finally:
        _give_back_memory()


def _give_back_memory() -> None:
    """Hand the C heap's free pages back: lxml's trees are freed, not returned."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """Find glibc's malloc_trim; None elsewhere (musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
