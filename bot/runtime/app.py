"""The one place that wires leakbot together: settings, config, storage, HTTP, sinks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

import aiohttp
import sqlalchemy as sa
from sqlmodel import Session

from bot.clock import utc_now
from bot.config.file import CONSOLE_CHANNEL, Config, webhook_parts
from bot.config.managed import Effective, with_managed
from bot.config.settings import Settings
from bot.delivery.outbox import DispatchReport, Outbox
from bot.delivery.routing import Routes
from bot.domain import ManagedEntry, PollOutcome, SourceKind
from bot.matching.watchlist import Watchlist
from bot.ops import metrics
from bot.ops.vitals import Vitals
from bot.polling.decide import PollReport
from bot.polling.poller import Poller, poll_all
from bot.runtime.worker import Worker
from bot.sinks.base import Sink
from bot.sinks.console import ConsoleSink
from bot.sinks.discord.channel import ChannelSink
from bot.sinks.discord.rest import RateLimits
from bot.sinks.discord.webhook import WebhookSink
from bot.sources.base import FeedReader, SourceReader, XReader
from bot.sources.feed.parse_pool import ParseLimits, ParsePool
from bot.sources.http import HostSlots, Limits, new_session
from storage.db import Database, make_engine, migrate, session_scope
from storage.managed import managed_entries, managed_revision
from storage.outbox import sync_channels
from storage.sources import sync_sources

if TYPE_CHECKING:
    from bot.sources.x.timeline import XTimeline

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
    ) -> None:
        self.fetch_limits = fetch_limits or Limits()
        self.parse_limits = parse_limits or ParseLimits()
        self.settings = settings
        self.config = config
        # the file alone; ``config`` is the file's entries, then those set up from Discord
        self.file_config = config
        self.managed = Effective(config, {})
        self.managed_revision = -1
        self.now = now
        self.vitals = Vitals(now=now, database_url=settings.database_url.get_secret_value())
        self.watchlist = Watchlist(config)
        self.routes = Routes(config)
        self._sources = {source.id: source for source in config.sources}
        self.engine: sa.Engine = make_engine(settings.database_url.get_secret_value())
        self.database = Database(self.engine)
        # this process among the workers sharing the database: its claims on sources
        self.worker = Worker(self.database, now)
        self._poller: Poller | None = None
        self._http: aiohttp.ClientSession | None = None
        self._web: aiohttp.ClientSession | None = None
        self._parser: ParsePool | None = None
        self._slots = HostSlots(self.fetch_limits.per_host)
        self.sinks: dict[str, Sink] = {}
        token = settings.x_bearer_token
        self.x: XTimeline | None = None
        if token is not None and token.get_secret_value():
            from bot.sources.x.timeline import XTimeline  # tweepy, only for those who follow X

            self.x = XTimeline(token.get_secret_value(), settings.x_api_base_url)
        if self.x is None and any(s.kind == "x" for s in config.sources):
            log.warning("X_BEARER_TOKEN is not set, so X sources are skipped")

    async def __aenter__(self) -> App:
        migrate(self.engine)
        with session_scope(self.engine) as session:
            revision = managed_revision(session=session)
            self._use_managed(with_managed(self.file_config, managed_entries(session=session)))
            self.managed_revision = revision
        with session_scope(self.engine) as session:
            sync_sources(
                session=session,
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
            readers: dict[SourceKind, SourceReader] = {
                SourceKind.FEED: FeedReader(self._web, self._parser, self._slots, self.fetch_limits)
            }
            if self.x is not None:
                readers[SourceKind.X] = XReader(self.x)
            self._poller = Poller(
                config=self.config,
                watchlist=self.watchlist,
                routes=self.routes,
                database=self.database,
                readers=readers,
                web=self._web,
                now=self.now,
                skipped={SourceKind.X: "X_BEARER_TOKEN is not set"},
            )
        return self._poller

    def _make_sinks(self, http: aiohttp.ClientSession) -> dict[str, Sink]:
        sinks: dict[str, Sink] = {}
        api = self.settings.discord_api
        token = self.settings.discord_token
        # Discord's buckets, as this process learns them; its global holds, as every worker
        # does (on the real clock, as Discord's own: never the injected one)
        limits = RateLimits.shared_through(self.database)
        self._rate_limits = limits
        for channel in self.config.channels:
            if channel.webhook is not None:
                parts = webhook_parts(channel.webhook.get_secret_value())
                assert parts is not None  # the config checked the shape
                sinks[channel.id] = WebhookSink(
                    http, api_base=api, webhook_id=parts[0], token=parts[1], limits=limits
                )
            elif channel.discord_channel is not None:
                if token is None or not token.get_secret_value():
                    log.warning(
                        "channel %s: DISCORD_TOKEN is not set, so its alerts wait in the outbox",
                        channel.id,
                    )
                    continue
                sinks[channel.id] = ChannelSink(
                    http,
                    api_base=api,
                    channel_id=channel.discord_channel,
                    token=token.get_secret_value(),
                    limits=limits,
                )
        if not self.config.channels:
            sinks[CONSOLE_CHANNEL] = ConsoleSink()
        self.outbox = Outbox(database=self.database, sinks=sinks, now=self.now)
        return sinks

    async def refresh(self) -> bool:
        """Take in the watches, sources and channels set up from Discord, by any worker,
        when the database says they changed; one small query when nothing did."""

        def read(session: Session) -> tuple[int, list[ManagedEntry] | None]:
            revision = managed_revision(session=session)
            if revision == self.managed_revision:
                return revision, None
            return revision, managed_entries(session=session)

        revision, entries = await self.database.run(read)
        if entries is None:
            return False
        effective = with_managed(self.file_config, entries)
        new_sources = [s for s in effective.config.sources if s.id not in self._sources]
        if new_sources:
            await self.database.run(
                lambda session: sync_sources(
                    session=session, sources=[(s.id, s.kind, s.address) for s in new_sources]
                )
            )
        self._use_managed(effective)
        self.managed_revision = revision
        await self._add_channel_sinks()
        return True

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

    async def _add_channel_sinks(self) -> None:
        """Give a channel a watch named from Discord its sink, and its row in the outbox."""
        token = self.settings.discord_token
        if self._http is None or token is None or not token.get_secret_value():
            return
        added: dict[str, str] = {}
        for channel in self.config.channels:
            if channel.id in self.sinks or channel.discord_channel is None:
                continue
            sink = ChannelSink(
                self._http,
                api_base=self.settings.discord_api,
                channel_id=channel.discord_channel,
                token=token.get_secret_value(),
                limits=self._rate_limits,
            )
            self.sinks[channel.id] = sink
            added[channel.id] = sink.target
        if added:
            moment = self.now()
            await self.database.run(
                lambda session: sync_channels(session=session, targets=added, now=moment)
            )

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
