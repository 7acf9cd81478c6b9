"""What X's pay-per-use API costs this month, where the month is heading, and how fast X
may be read to stay inside the budget. Pure: no clock, no database.

X bills each post a read returns (``price_per_read_usd``), the same post once per UTC day.
The month's bill is projected from what was spent so far at the same rate. Reads are
spread so that the projection stays under ``SPEND_SHARE`` of the budget: new posts are
always read (each is paid once); the deletion look-ups that cost are made only while the
month's reads stay under the budget's share of the days gone by (today included); polls
slow down when the projection runs over. Reaching the budget holds X until the month turns.

"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.config.durations import format_duration
from bot.delivery.alerts import AlertMessage

SPEND_SHARE = 0.9  # the budget's share reads are spread over: the rest is room for bursts
DAY = timedelta(days=1)


def month_of(now: datetime) -> tuple[datetime, datetime]:
    """Return the UTC month a moment is in: its first moment, and the next month's."""
    now = now.astimezone(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def first_day(now: datetime) -> date:
    """Return the month's first UTC day."""
    return month_of(now)[0].date()


@dataclass(frozen=True, slots=True)
class Spending:
    """The month's X reads against the budget, at one moment."""

    reads: int  # billed this month, every worker's
    now: datetime
    monthly_budget_usd: float
    price_per_read_usd: float

    @property
    def allowed(self) -> int:
        """Return the reads the budget pays for in a month."""
        return math.floor(self.monthly_budget_usd / self.price_per_read_usd + 1e-9)

    @property
    def spent_usd(self) -> float:
        """Return what the month's reads cost."""
        return self.reads * self.price_per_read_usd

    @property
    def turn(self) -> datetime:
        """Return the moment the month turns: held reads resume then."""
        return month_of(self.now)[1]

    def _elapsed(self) -> float:
        start, end = month_of(self.now)
        # at least a day gone: the first hours of a month project no wild figures
        return max((self.now - start) / (end - start), DAY / (end - start))

    @property
    def projected_reads(self) -> int:
        """Return the month's reads if they go on at the rate so far."""
        return math.ceil(self.reads / self._elapsed())

    @property
    def projected_usd(self) -> float:
        """Return the month's bill if reads go on at the rate so far."""
        return self.projected_reads * self.price_per_read_usd

    @property
    def reached(self) -> bool:
        """Tell whether the budget is spent: X reads are held until the month turns."""
        return self.reads >= self.allowed

    def may_pay(self) -> int:
        """Return how many reads may be paid for now beyond new posts (deletion look-ups):
        the month's reads stay under the budget's share of the month gone by, so that what
        the look-ups may spend accrues through the day rather than all at midnight."""
        start, end = month_of(self.now)
        line = self.allowed * SPEND_SHARE * ((self.now - start) / (end - start))
        return max(0, math.floor(line) - self.reads)

    @property
    def slowdown(self) -> float:
        """Return how much slower than its interval X is polled: 1 while the projection
        stays under the budget's share, more as it runs over."""
        room = self.allowed * SPEND_SHARE
        if room <= 0:
            return 1.0
        return max(1.0, self.projected_reads / room)

    def every(self, interval: timedelta) -> timedelta:
        """Return how often a source of this interval is polled now."""
        return timedelta(seconds=math.ceil(interval.total_seconds() * self.slowdown))

    def freshness(self, source_id: str, interval: timedelta) -> str:
        """Say what the budget costs a source in freshness."""
        return (
            f"{source_id}: every {format_duration(self.every(interval))} "
            f"to stay within {usd(self.monthly_budget_usd)}"
        )

    def line(self) -> str:
        """Say the month's spending in one line."""
        held = "; X reads held until the month turns" if self.reached else ""
        return (
            f"X this month: {usd(self.spent_usd)} of {usd(self.monthly_budget_usd)} "
            f"({self.reads} reads), projected {usd(self.projected_usd)}{held}"
        )


def usd(amount: float) -> str:
    """Write an amount of dollars: $10, $0.35."""
    if float(amount).is_integer():
        return f"${amount:.0f}"
    return f"${amount:.2f}" if amount >= 0.1 else f"${amount:g}"


def budget_reached_notice(spending: Spending) -> tuple[str, dict[str, Any]]:
    """Build the one notice a month that X reads are held: its key and its alert's JSON."""
    start, turn = month_of(spending.now)
    message = AlertMessage(
        kind="budget",
        source_id="x",
        title=f"X reads held: the {usd(spending.monthly_budget_usd)} budget is spent",
        link=None,
        excerpt=(
            f"leakbot has spent {usd(spending.spent_usd)} on X reads this month "
            f"({spending.reads} reads at {usd(spending.price_per_read_usd)}), the budget set "
            "as `x.monthly_budget_usd`. X sources are not read until the month turns; "
            "nothing is paused and nothing is lost: posts made meanwhile are read then."
        ),
        author=None,
        image=None,
        posted_at=None,
        facts=(
            ("Spent", usd(spending.spent_usd)),
            ("Budget", usd(spending.monthly_budget_usd)),
            ("Reads resume", f"{turn:%Y-%m-%d %H:%M} UTC"),
        ),
    )
    return f"x-budget {start:%Y-%m}", message.to_json()
