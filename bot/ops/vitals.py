"""Whether the running bot is healthy: its polls and its database, as /healthz tells it.

The poll path and the dispatcher report to one Vitals: each poll's outcome, and each time
the database answered or failed. A database outage is logged twice, when it starts and when
it ends, however many jobs fail in between. The feed parser reports when it cannot parse
(its worker pool broke) and when it parses again; it logs that itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ParamSpec

from bot.clock import utc_now
from bot.config.durations import format_duration
from bot.domain import PollOutcome
from bot.ops.database_trouble import database_trouble, is_outage
from bot.wording import counted

log = logging.getLogger(__name__)
P = ParamSpec("P")

FAILED_POLLS_BEFORE_UNHEALTHY = 3
DATABASE_GRACE = timedelta(seconds=10)
_GOOD = frozenset({PollOutcome.OK, PollOutcome.BASELINE, PollOutcome.NOT_MODIFIED})


@dataclass(frozen=True, slots=True)
class Health:
    """What /healthz answers: healthy or not, and why not."""

    healthy: bool
    reason: str


class Vitals:
    """The running bot's health, from what its polls and its database calls report."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime] = utc_now,
        database_url: str = "",
        failed_polls: int = FAILED_POLLS_BEFORE_UNHEALTHY,
        database_grace: timedelta = DATABASE_GRACE,
    ) -> None:
        self._now = now
        self._url = database_url
        self._failed_polls_allowed = failed_polls
        self._database_grace = database_grace
        self.failed_polls = 0  # in a row, since the last poll that worked
        self.polls_failing_since: datetime | None = None
        self.database_down_since: datetime | None = None
        self.database_error: str | None = None
        self._database_failures = 0
        self.parser_down_since: datetime | None = None
        self.parser_error: str | None = None

    def poll_done(self, outcome: PollOutcome | str) -> None:
        """Note how one poll of one source ended; a skipped poll says nothing."""
        if outcome in _GOOD:
            self.failed_polls = 0
            self.polls_failing_since = None
        elif outcome == PollOutcome.FAILED:
            self.failed_polls += 1
            if self.polls_failing_since is None:
                self.polls_failing_since = self._now()

    def database_ok(self) -> None:
        """Note that the database answered; log the end of an outage."""
        if self.database_down_since is None:
            return
        lasted = max(self._now() - self.database_down_since, timedelta(0))
        log.warning(
            "database answers again, after %s down and %s",
            format_duration(lasted),
            counted(self._database_failures, "failed job"),
        )
        self.database_down_since = None
        self.database_error = None
        self._database_failures = 0

    def database_failed(self, error: BaseException) -> None:
        """Note that the database failed; log the start of an outage, once."""
        trouble = database_trouble(error, self._url)
        self._database_failures += 1
        if self.database_down_since is not None:
            return
        self.database_down_since = self._now()
        self.database_error = str(trouble) if trouble else type(error).__name__
        log.error(
            "database unreachable: %s; polls and deliveries wait until it answers",
            self.database_error,
        )

    def parser_failed(self, reason: str) -> None:
        """Note that no feed can be parsed now (the parse pool broke), and why."""
        if self.parser_down_since is None:
            self.parser_down_since = self._now()
        self.parser_error = reason

    def parser_ok(self) -> None:
        """Note that feeds are parsed again."""
        self.parser_down_since = None
        self.parser_error = None

    @contextmanager
    def database_calls(self, *, ends_outage: bool = True) -> Iterator[None]:
        """Run a job's database work: an outage it meets is noted, not raised.

        A job that cannot finish without the database (``ends_outage``) also notes that it
        answers again; one that may shrug off a failed query of its own must not.
        """
        try:
            yield
        except Exception as exc:
            if not is_outage(exc):
                raise
            self.database_failed(exc)
        else:
            if ends_outage:
                self.database_ok()

    def guarded(
        self, job: Callable[P, Awaitable[object]], *, ends_outage: bool = True
    ) -> Callable[P, Awaitable[None]]:
        """Wrap a scheduled job so that a database outage it meets is noted, not raised."""

        async def run(*args: P.args, **kwargs: P.kwargs) -> None:
            with self.database_calls(ends_outage=ends_outage):
                await job(*args, **kwargs)

        run.__name__ = getattr(job, "__name__", "job")
        return run

    def health(self) -> Health:
        """Say whether the bot is healthy: unhealthy when every poll has been failing, the
        database has been failing for a while, or no feed can be parsed."""
        now = self._now()
        if (
            self.database_down_since is not None
            and now - self.database_down_since >= self._database_grace
        ):
            down = format_duration(now - self.database_down_since)
            return Health(False, f"database failing for {down}: {self.database_error}")
        if self.parser_down_since is not None:
            broke = self.parser_down_since.isoformat(timespec="seconds")
            return Health(False, f"the feed parser cannot parse since {broke}: {self.parser_error}")
        if self.failed_polls >= self._failed_polls_allowed:
            since = self.polls_failing_since or now
            return Health(
                False,
                f"the last {counted(self.failed_polls, 'poll')} failed, none worked since "
                f"{since.isoformat(timespec='seconds')}",
            )
        return Health(True, "ok")
