"""The one place that wires leakbot together: settings, config, storage, HTTP, sinks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from types import TracebackType

import aiohttp

from bot.clock import utc_now
from bot.config.file import CONSOLE_CHANNEL, Channel, Config, Source
from bot.config.managed import Effective, with_managed
from bot.config.settings import Settings
from bot.delivery.outbox import DispatchReport, Outbox
from bot.delivery.routing import Routes
from bot.domain import PollOutcome, SourceKind
from bot.matching.watchlist import Watchlist
from bot.ops import metrics
from bot.ops.vitals import Vitals
from bot.polling.decide import PollReport
from bot.polling.poller import Poller, poll_all
from bot.runtime.reload import LiveConfig, changes, waits_for_restart
from bot.runtime.worker import Worker
from bot.sinks.base import Sink, SinkParts, Waiting, fallback_sink, sink_parts, sink_type
from bot.sources.base import SOURCE_KINDS, ReaderParts, SourceReader
from bot.sources.feed.parse_pool import ParseLimits, ParsePool
from bot.sources.http import HostSlots, Limits, new_session
from bot.stories.rules import Reader
from storage.db import Database, in_transaction, make_engine, migrate
from storage.managed import managed_entries, managed_revision
from storage.outbox import sync_channels
from storage.sources import sync_sources

log = logging.getLogger(__name__)

POLLS_IN_FLIGHT = 32


class App:
    """A running leakbot: open it with ``async with App(settings, config)``."""

    def __init__(
        self,
        settings: Settings,
        config: Config,
        *,
        now: Callable[[], datetime] = utc_now,
        fetch_limits: Limits | None = None,
        parse_limits: ParseLimits | None = None,
        config_file: LiveConfig | None = None,
    ) -> None:
        self.fetch_limits = fetch_limits or Limits()
        self.parse_limits = parse_limits or ParseLimits()
        self.settings = settings
        self.config = config
        # the file alone; ``config`` is the file's entries, then those set up from Discord
        self.file_config = config
        # the file as `leakbot run` follows it (None: read once, as the other commands do)
        self.config_file = config_file
        self._new_file: Config | None = None  # read from the file, not taken in yet
        self.managed = Effective(config, {})
        self.managed_revision = -1
        self.now = now
        self.vitals = Vitals(now=now, database_url=settings.database_url.get_secret_value())
        self.watchlist = Watchlist(config)
        self.routes = Routes(config)
        self._sources = {source.id: source for source in config.sources}
        self.engine = make_engine(settings.database_url.get_secret_value())
        self.database = Database(self.engine)
        # this process among the workers sharing the database: its claims on sources
        self.worker = Worker(self.database, now)
        self._poller: Poller | None = None
        self._http: aiohttp.ClientSession | None = None
        self._web: aiohttp.ClientSession | None = None
        self._parser: ParsePool | None = None
        self._slots = HostSlots(self.fetch_limits.per_host)
        self.sinks: dict[str, Sink] = {}
        self._channels: dict[str, Channel] = {}  # each sink's channel as it was built
        self._waiting: dict[str, Channel] = {}  # channels whose alerts wait, as they were read
        self._sink_parts: SinkParts | None = None
        # the kinds of source that cannot be read here (X without its token), and why
        self.unreadable: dict[SourceKind, str] = {}
        for entry in SOURCE_KINDS:
            reason = entry.unavailable(settings)
            if reason is None:
                continue
            self.unreadable[entry.kind] = reason
            if any(s.kind == entry.kind for s in config.sources):
                log.warning("%s", entry.skip_notice(reason))

    async def __aenter__(self) -> App:
        migrate(self.engine)
        revision = in_transaction(self.engine, managed_revision)
        entries = in_transaction(self.engine, managed_entries)
        self._use_managed(with_managed(self.file_config, entries))
        self.managed_revision = revision
        in_transaction(
            self.engine,
            sync_sources,
            sources=[(s.id, s.kind, s.address) for s in self.config.sources],
        )
        # Discord and the X API are the operator's own endpoints (a proxy on the LAN is fine);
        # feeds, post pages and images are written by strangers and get the SSRF guard
        self._http = new_session()
        self._web = new_session(
            allow_private=self.settings.leakbot_allow_private_urls,
            per_host=self.fetch_limits.per_host,
        )
        self._parser = ParsePool(self.parse_limits, health=self.vitals)
        self.sinks = self._make_sinks(self._http)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # a database that does not answer (a partition) holds the exit a few seconds at most
        self.database.finish_within()
        outbox: Outbox | None = getattr(self, "outbox", None)
        if outbox is not None:
            await outbox.stop()  # deliveries in flight finish and commit before the close
        for session in (self._http, self._web):
            if session is not None:
                await session.close()
        if self._parser is not None:
            self._parser.close()
        self.database.close()
        self.engine.dispose()

    async def warm_up(self) -> None:
        """Start what the first poll would otherwise wait for: the feed parser's workers,
        and the story rules' device grammar and glossary (read from their files once)."""
        if self._parser is not None:
            await self._parser.warm()
        await asyncio.to_thread(Reader().read, "Pixel 9 leak", "")

    @property
    def http(self) -> aiohttp.ClientSession:
        """Return the shared HTTP session."""
        if self._http is None:
            raise RuntimeError("the app is not open")
        return self._http

    @property
    def poller(self) -> Poller:
        """Return the poller bound to this app's parts."""
        if self._web is None or self._parser is None:
            raise RuntimeError("the app is not open")
        if self._poller is None:
            parts = ReaderParts(
                self.settings, self._web, self._parser, self._slots, self.fetch_limits
            )
            readers: dict[SourceKind, SourceReader] = {
                entry.kind: entry.build(parts)
                for entry in SOURCE_KINDS
                if entry.kind not in self.unreadable
            }
            self._poller = Poller(
                config=self.config,
                watchlist=self.watchlist,
                routes=self.routes,
                database=self.database,
                readers=readers,
                web=self._web,
                now=self.now,
                skipped=dict(self.unreadable),
            )
        return self._poller

    def readable(self, source: Source) -> bool:
        """Say whether this process can read a source (an X one needs its bearer token)."""
        return source.kind not in self.unreadable

    def _make_sinks(self, http: aiohttp.ClientSession) -> dict[str, Sink]:
        # the sinks read the config in force at each send: a reload changes how alerts look
        self._sink_parts = sink_parts(
            self.settings, http, self.database, config=lambda: self.config
        )
        sinks, waiting = self._build_sinks(self.config.channels)
        for channel_id, reason in waiting.items():
            log.warning("channel %s: %s", channel_id, reason)
        for channel in self.config.channels:
            (self._channels if channel.id in sinks else self._waiting)[channel.id] = channel
        if not self.config.channels:
            sinks[CONSOLE_CHANNEL] = fallback_sink()
        self.outbox = Outbox(database=self.database, sinks=sinks, now=self.now)
        return sinks

    def _build_sinks(self, channels: Iterable[Channel]) -> tuple[dict[str, Sink], dict[str, str]]:
        """Build each channel's sink as its kind says; and say why the others wait."""
        if self._sink_parts is None:
            raise RuntimeError("the app is not open")
        sinks: dict[str, Sink] = {}
        waiting: dict[str, str] = {}
        for channel in channels:
            built = sink_type(channel).build(channel, self._sink_parts)
            if isinstance(built, Waiting):
                waiting[channel.id] = built.reason
            else:
                sinks[channel.id] = built
        return sinks, waiting

    async def refresh(self) -> bool:
        """Take in a new config file (once it passes its checks) and the watches, sources
        and channels set up from Discord by any worker; one small query when nothing
        changed."""
        asked = False
        if self.config_file is not None:
            read = await self.config_file.changed()
            if read is not None:
                # kept until taken in: a database call that fails below is tried again
                self._new_file, asked = read.config, read.asked
        revision = await self.database.run(managed_revision)
        if revision == self.managed_revision and self._new_file is None:
            return False
        # read after the revision: entries newer than it are read again at the next refresh
        entries = await self.database.run(managed_entries)
        file = self._new_file or self.file_config
        effective = with_managed(file, entries)
        before = self.config
        # new sources get their row (due at once); one whose address changed starts afresh
        moved = [
            s
            for s in effective.config.sources
            if s.id not in self._sources
            or (self._sources[s.id].kind, self._sources[s.id].address) != (s.kind, s.address)
        ]
        if moved:
            await self.database.run(
                sync_sources, sources=[(s.id, s.kind, s.address) for s in moved]
            )
        self._use_managed(effective)
        self.managed_revision = revision
        await self._follow_channels()
        if self._new_file is not None:
            reloaded, self._new_file = self._new_file, None
            self._say_reload(before, reloaded, asked=asked)
        return True

    def _say_reload(self, before: Config, file: Config, *, asked: bool) -> None:
        """Log what a new config file changed, and what waits for a restart."""
        previous, self.file_config = self.file_config, file
        said = changes(before, self.config)
        how = " on SIGHUP" if asked else ""
        path = self.config_file.path if self.config_file is not None else "config file"
        if said:
            log.info("config file %s read again%s: %s", path, how, "; ".join(said))
        else:
            log.info(
                "config file %s read again%s: no change to sources, channels or watches",
                path,
                how,
            )
        for entry in SOURCE_KINDS:
            if entry.kind in self.unreadable and any(
                s.kind == entry.kind and s.id not in {b.id for b in before.sources}
                for s in self.config.sources
            ):
                log.warning("%s", entry.skip_notice(self.unreadable[entry.kind]))
        later = waits_for_restart(previous, file)
        if later:
            log.warning(
                "config file %s: %s changed; this takes effect when leakbot run is restarted",
                path,
                ", ".join(later),
            )

    def _use_managed(self, effective: Effective) -> None:
        """Run on a new effective config: the watchlist, routes and sources follow it."""
        for reason in effective.skipped:
            if reason not in self.managed.skipped:
                log.warning("left out: %s", reason)
        self.managed = effective
        self.config = effective.config
        self.watchlist = Watchlist(self.config)
        self.routes = Routes(self.config)
        self._sources = {source.id: source for source in self.config.sources}
        metrics.know_channels([c.id for c in self.config.channels] or [CONSOLE_CHANNEL])
        if self._poller is not None:
            self._poller.config = self.config
            self._poller.watchlist = self.watchlist
            self._poller.routes = self.routes

    async def _follow_channels(self) -> None:
        """Give each new or changed channel its sink and its row in the outbox.

        A removed channel gets no new alert (the routes follow the config), but keeps its
        sink until the next start, so that the alerts queued for it still go: the outbox
        never drops an alert by itself.
        """
        if self._sink_parts is None:
            return
        fresh = [
            c
            for c in self.config.channels
            if self._channels.get(c.id) != c and self._waiting.get(c.id) != c
        ]
        added, waiting = self._build_sinks(fresh)
        for channel in fresh:
            if channel.id in added:
                self._channels[channel.id] = channel
                self._waiting.pop(channel.id, None)
                continue
            log.warning("channel %s: %s", channel.id, waiting[channel.id])
            self._waiting[channel.id] = channel
            if self._channels.pop(channel.id, None) is not None:
                # changed into a channel whose alerts wait (no DISCORD_TOKEN): its old
                # sink must not take them
                self.sinks.pop(channel.id, None)
        if not self.config.channels and CONSOLE_CHANNEL not in self.sinks:
            added[CONSOLE_CHANNEL] = fallback_sink()
        self.sinks.update(added)
        targets = {channel_id: sink.target for channel_id, sink in added.items()}
        if targets:
            await self.database.run(sync_channels, targets=targets, now=self.now())

    async def poll(
        self, source_ids: list[str] | None = None, *, when_due: bool = False
    ) -> list[PollReport]:
        """Poll sources at once (all, or those named) and return a report for each;
        ``when_due`` leaves failing sources alone until their next retry."""
        if source_ids is None:
            sources = list(self.config.sources)
        else:
            sources = [self._sources[i] for i in dict.fromkeys(source_ids) if i in self._sources]
        # a source a running worker is polling stays its own: no poll twice at once
        held = await self.worker.claim([s.id for s in sources])
        mine = [s for s in sources if s.id not in held]
        try:
            async with self.worker.renewing():
                # polls in flight at once: bounds the feed bodies held in memory
                reports = await poll_all(
                    self.poller, mine, in_flight=POLLS_IN_FLIGHT, when_due=when_due
                )
        finally:
            await self.worker.release_many([s.id for s in mine])
        polled = {report.source_id: report for report in reports}
        return [
            polled.get(s.id)
            or PollReport(s.id, PollOutcome.SKIPPED, detail=f"being polled by {held[s.id]}")
            for s in sources
        ]

    async def dispatch(self) -> DispatchReport:
        """Deliver what is due in the outbox; one pass at a time."""
        return await self.outbox.dispatch()
