"""The clock: every part of leakbot asks one injectable ``now`` for the time.

Tests hand a clock of their own to ``App`` and to ``bot.cli.main.main``, so that fixed dates
stay fixed and nothing depends on the day the suite runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Now = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)
