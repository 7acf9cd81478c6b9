"""A source's health in one line, for ``poll-once``, ``check-config`` and the log."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config.durations import format_duration
from bot.domain import SourceRecord
from bot.wording import counted


def _at(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "?"


def describe(state: SourceRecord | None, now: datetime) -> str:
    """Say how a source is doing: never polled, healthy, failing, or paused."""
    if state is None or state.last_polled_at is None:
        return "not polled yet"
    if state.paused_at is not None:
        return (
            f"PAUSED since {_at(state.paused_at)} after "
            f"{counted(state.consecutive_failures, 'failure')} "
            f"({state.last_error}); next try at {_at(state.next_poll_at)}"
        )
    if state.consecutive_failures:
        return (
            f"failing, {state.consecutive_failures} in a row ({state.last_error}); "
            f"next retry at {_at(state.next_poll_at)}"
        )
    if state.last_success_at is None:
        return "not polled yet"
    ago = max(now - state.last_success_at, timedelta(0))
    return f"ok, last success {format_duration(ago)} ago"
