"""Feed parsing bounded in time and memory: worker processes that can be killed.

feedparser is pure Python. A hostile feed can make it run for minutes (a long
``<author>`` e-mail takes quadratic time) or eat gigabytes, and a thread cannot be
stopped from outside. So every parse runs in a worker process with a cap on its address
space (RLIMIT_AS) and a deadline; a worker that overruns is killed and replaced, and
only its own source fails. The bytes first pass the gate (bot.sources.feed.gate), which turns
away entity declarations and oversize bodies before they reach the parser at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import functools
import logging
import multiprocessing
import os
import resource
import threading
import time
from concurrent.futures import InvalidStateError
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pebble
from pebble import ProcessFuture

from bot.errors import SourceError, SourceErrorKind
from bot.wording import counted

if TYPE_CHECKING:
    from bot.sources.feed.parse import ParsedFeed

log = logging.getLogger(__name__)

REPLACEMENTS = 2  # new pools one parse may ask for when the pool breaks under it
DOWN_AFTER = 3  # pools broken in a row before the log says parsing is down
MAX_REPLACE_DELAY = 5.0  # seconds between new pools while each breaks at once
BROKEN_CHECK_SECONDS = 1.0  # how often a waiting parse checks that its pool still runs


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


class ParserDownError(SourceError):
    """Leakbot's own parser could not run; never the source's failure, so never counted."""

    kind = SourceErrorKind.PARSER_DOWN


class ParserHealth(Protocol):
    """Who is told when parsing becomes impossible and when it works again (the vitals)."""

    def parser_failed(self, reason: str) -> None:
        """Note that no feed can be parsed now, and why."""
        ...

    def parser_ok(self) -> None:
        """Note that feeds are parsed again."""
        ...


class _PoolBrokenError(Exception):
    """The worker pool itself broke under a parse (not the parse's own doing)."""


@dataclass(eq=False)
class _Workers:
    """One pebble pool, and the parses waiting on it (failed at once if it is replaced)."""

    pool: pebble.ProcessPool
    pending: set[ProcessFuture[ParsedFeed]] = field(default_factory=set)


class ParsePool:
    """Worker processes that parse feed bytes; use ``async with`` or call ``close``.

    A pool whose worker died while idle (the OOM killer, an operator's kill) is broken for
    good in pebble: every later parse fails. That is leakbot's trouble, never a source's,
    so the broken pool is replaced at once (once, however many parses meet it) and the
    parse runs again on the new one. A parse that kills its own worker is another matter:
    its source fails (ProcessExpired), as with any hostile feed.
    """

    def __init__(
        self, limits: ParseLimits | None = None, *, health: ParserHealth | None = None
    ) -> None:
        self.limits = limits or ParseLimits()
        self.health = health
        # forkserver: workers fork from a clean process with feedparser already loaded,
        # never from this one, whose threads (asyncio, the scheduler) must not be forked
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["bot.sources.feed.worker_image"])
        self._workers = self._start()
        self._replacing = asyncio.Lock()
        self._retiring: list[threading.Thread] = []
        self._breaks = 0  # pools broken since the last parse that worked
        self._broken_at = 0.0  # when the first of them broke (monotonic)
        self._reason = ""
        self._closed = False

    async def __aenter__(self) -> ParsePool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    @property
    def broken(self) -> bool:
        """Say whether no feed can be parsed now: the pool broke and no parse worked since."""
        return self._breaks > 0

    def close(self) -> None:
        """Stop the workers, killing any parse still running."""
        self._closed = True
        _stop(self._workers.pool)
        for thread in self._retiring:
            thread.join(timeout=10)

    async def warm(self) -> None:
        """Start the workers now, not at the first parse: pebble starts them then, and the
        forkserver's imports and the forks cost a first poll's alerts 0.25-0.35 s (measured).
        A failure here is left to the first parse, which replaces a broken pool."""
        try:
            await asyncio.wrap_future(self._workers.pool.schedule(_started))
        except Exception as exc:  # the first parse meets it, and says it
            log.debug("feed parser: the workers' warm-up failed: %s", exc)

    async def parse(
        self, body: bytes, *, source_id: str, url: str, content_type: str | None = None
    ) -> ParsedFeed:
        """Parse feed bytes in a worker; raise ParseError with a clear reason, or
        ParserDownError when the pool broke again and again (not the feed's fault)."""
        where = {"source_id": source_id, "url": url, "content_type": content_type}
        for _ in range(1 + REPLACEMENTS):
            workers = self._workers
            try:
                result = await self._parse_on(workers, body, where)
            except _PoolBrokenError as exc:
                await self._replace(workers, str(exc))
                continue
            if self._breaks and workers is self._workers:
                self._recovered()
            return result
        raise ParserDownError(
            f"leakbot's feed parser is down ({self._reason}); not counted against the source"
        )

    async def _parse_on(self, workers: _Workers, body: bytes, where: dict[str, Any]) -> ParsedFeed:
        """Parse on one pool; raise _PoolBrokenError when that pool cannot parse any more."""
        if self._closed:
            raise ParserDownError("leakbot is stopping, so its feed parser is shut down")
        try:
            future = workers.pool.schedule(
                _parse, args=(body,), kwargs=where, timeout=self.limits.seconds
            )
        except RuntimeError as exc:  # pebble's "Unexpected error within the Pool"
            raise _PoolBrokenError(_pool_trouble(exc)) from None
        workers.pending.add(future)
        try:
            result: ParsedFeed = await self._outcome(workers, future)
        except _PoolBrokenError:
            raise
        except BrokenProcessPool as exc:  # the pool broke while this parse waited in it
            raise _PoolBrokenError(_pool_trouble(exc)) from None
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
        except pebble.ProcessExpired as exc:  # this parse's own worker died under it
            raise ParseError(f"the parser process died (exit code {exc.exitcode})") from None
        except Exception as exc:  # feedparser can raise outright on strange input
            raise ParseError(f"the parser failed: {type(exc).__name__}: {exc}") from None
        finally:
            workers.pending.discard(future)
        return result

    async def _outcome(self, workers: _Workers, future: ProcessFuture[ParsedFeed]) -> ParsedFeed:
        """Wait for a parse; give up on it when its pool breaks (pebble would never answer)."""
        waiting = asyncio.wrap_future(future)
        try:
            while True:
                done, _ = await asyncio.wait({waiting}, timeout=BROKEN_CHECK_SECONDS)
                if done:
                    return waiting.result()
                if not workers.pool.active:
                    raise _PoolBrokenError("the pool stopped answering")
        finally:
            if not waiting.done():
                waiting.cancel()  # a cancelled poll stops its parse too

    async def _replace(self, workers: _Workers, reason: str) -> None:
        """Put a new pool in place of a broken one, once however many parses met it."""
        async with self._replacing:
            if workers is not self._workers or self._closed:
                return  # another parse replaced it already
            self._breaks += 1
            self._reason = reason
            if self._breaks == 1:
                self._broken_at = time.monotonic()
                log.warning(
                    "feed parser: its worker pool broke (%s); starting a new one, "
                    "and the feeds it was parsing are parsed again",
                    reason,
                )
                if self.health is not None:
                    self.health.parser_failed(reason)
            elif self._breaks == DOWN_AFTER:
                log.error(
                    "feed parser: %d new worker pools in a row broke too (%s); feeds wait, "
                    "and are not counted as failing, until one parses",
                    self._breaks - 1,
                    reason,
                )
            if self._breaks > 1:
                # a pool that breaks again at once: do not spin up one pool after another
                await asyncio.sleep(min(MAX_REPLACE_DELAY, 0.25 * 2 ** (self._breaks - 2)))
            self._workers = self._start()
            self._retire(workers, reason)

    def _recovered(self) -> None:
        """Say once that a new pool parses, and how long parsing was impossible."""
        lasted = time.monotonic() - self._broken_at
        log.warning(
            "feed parser: a new worker pool took over after %.1fs (%s replaced)",
            lasted,
            counted(self._breaks, "broken pool"),
        )
        self._breaks = 0
        if self.health is not None:
            self.health.parser_ok()

    def _start(self) -> _Workers:
        return _Workers(
            pebble.ProcessPool(
                max_workers=self.limits.workers,
                max_tasks=self.limits.feeds_per_worker,
                initializer=_limit_memory,
                initargs=(self.limits.memory_bytes,),
                context=self._context,
            )
        )

    def _retire(self, workers: _Workers, reason: str) -> None:
        """Fail what waits on a broken pool (to run again) and stop it off the event loop."""
        for future in list(workers.pending):
            with contextlib.suppress(InvalidStateError):  # it just finished after all
                future.set_exception(BrokenProcessPool(reason))
        thread = threading.Thread(target=_stop, args=(workers.pool,), name="retire-parse-pool")
        thread.daemon = True
        thread.start()
        self._retiring = [t for t in self._retiring if t.is_alive()] + [thread]


def _stop(pool: pebble.ProcessPool) -> None:
    """Stop a pool and its workers; a broken one may fail on the way, which is fine."""
    pool.stop()  # type: ignore[no-untyped-call]
    try:
        pool.join(timeout=10)
    except Exception:  # a broken pool's own loops may raise once more while stopping
        log.debug("feed parser: stopping a worker pool failed", exc_info=True)


def _pool_trouble(exc: BaseException) -> str:
    """Say what broke the pool, in pebble's words when it has some."""
    if isinstance(exc, BrokenProcessPool) and str(exc) == "All workers expired":
        return "a worker process died while no parse ran in it"
    return f"pebble: {exc or type(exc).__name__}"


def _started() -> None:
    """Do nothing in a worker: scheduling it starts the pool."""


def _parse(body: bytes, **where: Any) -> ParsedFeed:
    """Parse in a worker; the bot's own process never imports the parsers."""
    from bot.sources.feed.parse import parse_feed

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
