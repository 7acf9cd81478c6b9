"""The X budget's arithmetic on plain data: the month, the projection, the pace, the look-ups
the budget allows now, and what status and the notice say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sources.x.budget import Spending, budget_reached_notice, month_of, usd


def _spending(reads: int, now: datetime, budget: float = 10, price: float = 0.005) -> Spending:
    return Spending(reads, now, budget, price)


def test_the_month_is_the_utc_month_and_december_turns_into_january() -> None:
    start, end = month_of(datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert _spending(0, datetime(2026, 11, 30, 12, tzinfo=UTC)).turn == datetime(
        2026, 12, 1, tzinfo=UTC
    )


def test_ten_dollars_at_half_a_cent_is_two_thousand_reads_and_the_month_is_projected() -> None:
    mid = datetime(2026, 11, 16, tzinfo=UTC)  # half of November gone
    spending = _spending(600, mid)
    assert spending.allowed == 2000
    assert spending.spent_usd == 3.0
    assert spending.projected_reads == 1200
    assert spending.line() == "X this month: $3 of $10 (600 reads), projected $6"
    assert not spending.reached
    # the first hours of a month project from at least a day, not wild figures
    early = _spending(50, datetime(2026, 11, 1, 1, tzinfo=UTC))
    assert early.projected_reads == 1500


def test_polls_slow_down_only_when_the_projection_runs_over_the_budgets_share() -> None:
    mid = datetime(2026, 11, 16, tzinfo=UTC)
    assert _spending(600, mid).every(timedelta(minutes=10)) == timedelta(minutes=10)
    over = _spending(1260, mid)  # projected 2,520 against 1,800 (90 % of 2,000)
    assert over.slowdown == 1.4
    assert over.every(timedelta(minutes=10)) == timedelta(minutes=14)
    assert over.freshness("ice-universe", timedelta(minutes=10)) == (
        "ice-universe: every 14m to stay within $10"
    )


def test_look_ups_may_spend_what_the_month_gone_by_leaves_under_the_budgets_share() -> None:
    mid = datetime(2026, 11, 16, tzinfo=UTC)  # the line: 1,800 * 15/30 = 900
    assert _spending(850, mid).may_pay() == 50
    assert _spending(900, mid).may_pay() == 0
    assert _spending(1000, mid).may_pay() == 0
    assert _spending(850, mid + timedelta(hours=4)).may_pay() == 60  # it accrues by the hour


def test_reaching_the_budget_holds_reads_and_the_notice_is_keyed_by_its_month() -> None:
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    spending = _spending(3, now, budget=3, price=1)
    assert spending.reached
    assert spending.line().endswith("; X reads held until the month turns")
    key, message = budget_reached_notice(spending)
    assert key == "x-budget 2026-11"
    assert message["title"] == "X reads held: the $3 budget is spent"
    assert ["Reads resume", "2026-12-01 00:00 UTC"] in [list(f) for f in message["facts"]]
    assert budget_reached_notice(_spending(3, now + timedelta(hours=5), 3, 1))[0] == key


def test_amounts_are_said_as_people_write_them() -> None:
    assert [usd(10), usd(0.35), usd(0.005), usd(12.5)] == ["$10", "$0.35", "$0.005", "$12.50"]
