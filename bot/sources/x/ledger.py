"""X's reads and holds as every worker on one database counts them: the storage side of
the budget (bot.sources.x.budget) and of the rate-limit holds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Now
from bot.config.file import XOptions
from bot.ops import metrics
from bot.sources.x.budget import Spending, first_day
from storage.db import Database
from storage.leases import read_lease
from storage.x_reads import (
    already_read,
    count_reads,
    extend_x_hold,
    last_checked,
    mark_checked,
    read_x_holds,
    reads_between,
)

STREAM_LIVE = "x-stream-live"  # a lease held while a worker's filtered stream is connected


@dataclass
class XLedger:
    """The month's billed X reads, the look-ups made, the endpoints held: in the database."""

    database: Database
    now: Now
    options: Callable[[], XOptions]  # the running config's ``x:`` section, as it is now

    async def spending(self) -> Spending:
        """Return the month's reads against the budget."""
        moment = self.now()
        reads = await self.database.run(reads_between, first=first_day(moment), last=moment.date())
        options = self.options()
        spending = Spending(reads, moment, options.monthly_budget_usd, options.price_per_read_usd)
        metrics.X_SPENT.set(spending.spent_usd)
        metrics.X_PROJECTED.set(spending.projected_usd)
        metrics.X_BUDGET.set(options.monthly_budget_usd)
        return spending

    async def billed(self, post_ids: Sequence[str]) -> int:
        """Count the posts a read returned; return how many X bills (the day's first reads)."""
        if not post_ids:
            return 0
        billed = await self.database.run(count_reads, post_ids=post_ids, day=self.now().date())
        metrics.X_READS.inc(billed)
        if billed:
            await self.spending()  # /metrics says the month's spending as it grows
        return billed

    async def paid_today(self, post_ids: Sequence[str]) -> set[str]:
        """Return which of these posts are paid for today: reading them again is free."""
        return await self.database.run(already_read, post_ids=post_ids, day=self.now().date())

    async def last_checked(self, post_ids: Sequence[str]) -> dict[str, datetime]:
        """Return when each post was last looked up."""
        return await self.database.run(last_checked, post_ids=post_ids)

    async def checked(self, post_ids: Sequence[str]) -> None:
        """Note that these posts were looked up now."""
        if post_ids:
            await self.database.run(mark_checked, post_ids=post_ids, at=self.now())

    async def holds(self) -> dict[str, datetime]:
        """Return until when each endpoint is held, by any worker."""
        return await self.database.run(read_x_holds)

    async def hold(self, endpoint: str, until: datetime) -> None:
        """Hold an endpoint for every worker until its reset."""
        await self.database.run(extend_x_hold, endpoint=endpoint, until=until)

    async def stream_live(self) -> bool:
        """Tell whether a worker's filtered stream is connected now."""
        lease = await self.database.run(read_lease, name=STREAM_LIVE)
        return lease is not None and lease.expires_at > self.now()
