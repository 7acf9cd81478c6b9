"""Words for people: counts ("1 source", "2 sources") and moments ("2026-11-24 08:40 UTC")."""

from __future__ import annotations

from datetime import UTC, datetime


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """Say a count with its noun in the right number: ``counted(1, "watch", "watches")``."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {plural or noun + 's'}"


def at_utc(moment: datetime) -> str:
    """Say a moment to the minute, in UTC: "2026-11-24 08:40 UTC"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
