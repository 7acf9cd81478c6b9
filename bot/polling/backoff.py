"""How long to wait after a failure: exponential, with jitter, up to a ceiling."""

from __future__ import annotations

import random
from datetime import timedelta

SOURCE_CEILING = timedelta(hours=6)
ALERT_FIRST_RETRY = timedelta(seconds=15)
ALERT_CEILING = timedelta(minutes=5)  # Discord's outages are short: notice its return soon
BROKEN_CHANNEL_PROBE = timedelta(hours=1)  # a cheap look whether someone repaired it


def _jittered(delay: timedelta, rng: random.Random | None) -> timedelta:
    factor = (rng or random).uniform(0.85, 1.15)
    return delay * factor


def source_retry_delay(
    interval: timedelta,
    failures: int,
    *,
    ceiling: timedelta = SOURCE_CEILING,
    rng: random.Random | None = None,
) -> timedelta:
    """Wait one interval after the first failure, doubling after each one up to the ceiling."""
    exponent = min(max(failures - 1, 0), 20)
    return min(_jittered(interval * (2**exponent), rng), max(ceiling, interval))


def alert_retry_delay(
    failures: int, retry_after: float | None, *, rng: random.Random | None = None
) -> timedelta:
    """Wait as long as the far side asked, else 15s doubling up to 5 minutes."""
    if retry_after is not None:
        return timedelta(seconds=retry_after) + timedelta(milliseconds=250)
    exponent = min(max(failures - 1, 0), 20)
    return min(_jittered(ALERT_FIRST_RETRY * (2**exponent), rng), ALERT_CEILING)
