"""When each source is polled: its slots, a stable offset into its interval.

Every source gets an offset from its id alone, so that all workers agree on it without
talking, and a restart keeps it: a source is polled at ``offset + k * interval`` (counted
from a fixed moment). Offsets spread evenly over the interval, so 5,000 sources at a
minute come to about 83 polls a second, not one burst. A poll that ran late does not push
the source's next poll later: it goes back to its slot. Pure: no clock, no database.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)  # slots are counted from here
FIRST_POLLS_PER_SECOND = 5  # how fast a fresh watchlist's first polls come at most
FIRST_POLLS_WITHIN = timedelta(seconds=5)  # the shortest window a fresh watchlist starts in
_MICROSECOND = timedelta(microseconds=1)


def offset(source_id: str, interval: timedelta) -> timedelta:
    """Return a source's stable offset within its interval."""
    digest = hashlib.sha256(source_id.encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return (interval * fraction) // _MICROSECOND * _MICROSECOND


def next_slot(source_id: str, interval: timedelta, now: datetime) -> datetime:
    """Return the source's next slot after a poll at ``now``: at least half an interval on,
    so a poll late by less than that keeps its place, and one later skips a slot."""
    start = ORIGIN + offset(source_id, interval)
    earliest = now + interval / 2
    passed = (earliest - start) // interval + 1
    return start + passed * interval


def first_poll(source_id: str, interval: timedelta, now: datetime, *, sources: int) -> datetime:
    """Place a source's first poll (or its first after a long stop) within a window that
    grows with the watchlist, at the same share of the window as its offset has of its
    interval: a few sources start within seconds, thousands at a few polls a second."""
    window = max(FIRST_POLLS_WITHIN, timedelta(seconds=sources / FIRST_POLLS_PER_SECOND))
    window = min(window, interval)
    share = offset(source_id, interval) / interval
    return now + window * share
