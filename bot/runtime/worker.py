"""One leakbot process among those sharing a database: its name, its claims, its roles.

A worker claims sources before it polls them (storage.schedule) and renews its claims
while it polls, so that no two processes poll one source at once, and the sources of a
worker that was killed go to the others once its claims run out. A role (the Discord
gateway, the one ``leakbot run`` a SQLite file allows) is a named lease (storage.leases)
that one worker holds at a time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta

from storage.db import Database
from storage.leases import Lease, drop_lease, take_lease
from storage.schedule import Claimed, claim, claim_due, release, release_each, renew_claims

log = logging.getLogger(__name__)

# every interval is at least 10 s: a killed worker's sources are free again within one
CLAIM_LEASE = timedelta(seconds=10)
RENEW_EVERY = timedelta(seconds=3)
# a role's holder lets go this long before its lease runs out, unless it renewed: time for
# closing what the role holds, and for clocks between hosts that differ by a little
FENCE_MARGIN = timedelta(seconds=5)


class Worker:
    """This process as the other workers see it in the database."""

    def __init__(
        self, database: Database, now: Callable[[], datetime], *, lease: timedelta = CLAIM_LEASE
    ) -> None:
        self._database = database
        self._now = now
        self.lease = lease
        self.host = socket.gethostname()
        self.pid = os.getpid()
        # enough for an operator to find the process; the token tells a restarted one apart
        self.name = f"{self.host} pid {self.pid} {secrets.token_hex(4)}"

    def now(self) -> datetime:
        """Return the time on this worker's clock, the one its claims and leases are
        written with."""
        return self._now()

    async def claim_due(self, source_ids: Sequence[str], *, limit: int) -> list[Claimed]:
        """Claim at most ``limit`` of these sources that are due and that no worker holds."""
        moment = self._now()
        return await self._database.run(
            claim_due,
            source_ids=source_ids,
            worker=self.name,
            now=moment,
            lease=self.lease,
            limit=limit,
        )

    async def claim(self, source_ids: Sequence[str]) -> dict[str, str]:
        """Claim these sources, due or not; return those another worker holds, by holder."""
        moment = self._now()
        return await self._database.run(
            claim, source_ids=source_ids, worker=self.name, now=moment, lease=self.lease
        )

    async def release(self, source_id: str) -> None:
        """Let go of a source, in one transaction with the others let go meanwhile."""
        await self._database.write(release_each, (self.name, source_id))

    async def release_many(self, source_ids: Sequence[str]) -> None:
        """Let go of these sources at once."""
        await self._database.run(release, worker=self.name, source_ids=source_ids)

    async def release_all(self) -> None:
        """Let go of every source this worker holds, so that the others take them at once."""
        await self._database.run(release, worker=self.name)

    async def renew(self) -> int:
        """Push back the end of this worker's claims; return how many it holds."""
        moment = self._now()
        return await self._database.run(
            renew_claims, worker=self.name, now=moment, lease=self.lease
        )

    @asynccontextmanager
    async def renewing(self) -> AsyncIterator[None]:
        """Renew this worker's claims in the background while the block runs."""

        async def keep() -> None:
            while True:
                await asyncio.sleep(RENEW_EVERY.total_seconds())
                await self.renew()

        task = asyncio.create_task(keep())
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await task

    async def take(self, name: str, ttl: timedelta, *, over: str | None = None) -> Lease:
        """Take or renew a named lease unless another worker has it; return who has it."""
        moment = self._now()
        return await self._database.run(
            take_lease,
            name=name,
            holder=self.name,
            host=self.host,
            pid=self.pid,
            now=moment,
            ttl=ttl,
            over=over,
        )

    async def drop(self, name: str) -> None:
        """Give up a named lease at once, if this worker has it."""
        await self._database.run(drop_lease, name=name, holder=self.name)


class Role:
    """A named lease this worker tries to hold: taken and renewed on each ``tick``, with a
    hook when it is gained, when it is lost (to a worker that took it after a stall), and
    when the holder fences itself (it could not renew in time).

    The holder knows on its own monotonic clock until when its lease holds: ``ttl`` from
    the moment its last successful renewal was *sent*, so a slow answer cannot stretch it.
    Unless a renewal succeeds, a timer calls ``fenced`` ``margin`` before that moment,
    whatever the database call under way is doing (during a partition it may hang), so the
    holder stops acting as one before any other worker may take the lease. A later tick
    that finds the lease still its own, or free, takes it again and calls ``gained``.
    """

    def __init__(
        self,
        worker: Worker,
        name: str,
        *,
        ttl: timedelta,
        gained: Callable[[Lease], Awaitable[None]],
        lost: Callable[[Lease], Awaitable[None]],
        fenced: Callable[[datetime], Awaitable[None]] | None = None,
        margin: timedelta = FENCE_MARGIN,
    ) -> None:
        if fenced is not None and margin >= ttl:
            raise ValueError(f"role {name}: the fencing margin {margin} must be under {ttl}")
        self.worker = worker
        self.name = name
        self.ttl = ttl
        self.margin = margin
        self.held = False
        # it let go of the role on its own while the lease may still be its own
        self.fenced = False
        self._gained = gained
        self._lost = lost
        self._fenced = fenced
        self._watchdog: asyncio.TimerHandle | None = None
        self._fencing: asyncio.Task[None] | None = None

    async def tick(self) -> Lease:
        """Take or renew the lease; call the hooks when holding it changed."""
        loop = asyncio.get_running_loop()
        # measured before the call: the database counts the lease from no earlier moment
        sent, sent_at = loop.time(), self.worker.now()
        lease = await self.worker.take(self.name, self.ttl)
        mine = lease.holder == self.worker.name
        fence_at = sent + (self.ttl - self.margin).total_seconds()
        in_time = self._fenced is None or loop.time() < fence_at
        if mine and in_time:
            self._arm(fence_at, sent_at + self.ttl)
            if not self.held:
                self.held, self.fenced = True, False
                await self._gained(lease)
        elif not mine and (self.held or self.fenced):
            self._disarm()
            self.held, self.fenced = False, False
            await self._lost(lease)
        # a renewal answered too late to count leaves things as they are: the timer of the
        # one before fences the holder, and the next tick takes the lease again
        return lease

    def _arm(self, at: float, expires_at: datetime) -> None:
        if self._fenced is None:
            return
        self._disarm()
        self._watchdog = asyncio.get_running_loop().call_at(at, self._fence, expires_at)

    def _disarm(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _fence(self, expires_at: datetime) -> None:
        self._watchdog = None
        if not self.held or self._fenced is None:
            return
        self.held, self.fenced = False, True
        self._fencing = asyncio.create_task(self._fence_now(self._fenced, expires_at))

    async def _fence_now(
        self, fenced: Callable[[datetime], Awaitable[None]], expires_at: datetime
    ) -> None:
        try:
            await fenced(expires_at)
        except Exception:
            log.exception("role %s: letting go before the lease runs out failed", self.name)

    async def give_up(self) -> None:
        """Let the role go at once (the process stops), so another worker takes it now."""
        self._disarm()
        if self._fencing is not None:
            await asyncio.gather(self._fencing, return_exceptions=True)
        if self.held or self.fenced:
            self.held, self.fenced = False, False
            await self.worker.drop(self.name)
