"""The one root of the errors leakbot raises on purpose, and the kinds of a source's failure.

Every error of leakbot's own derives from LeakbotError, so a caller can tell a problem it
named from a bug. A poll's failure is a SourceError with a machine-readable kind (for the
metrics, the status page and the tests) and a message meant for the operator.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any


class LeakbotError(Exception):
    """A problem leakbot recognised and can name."""


class SourceErrorKind(StrEnum):
    """Why a poll of a source gave nothing to read."""

    FETCH = "fetch"  # network, HTTP status, deadline, size cap, redirects, SSRF guard
    REFUSED = "refused"  # the gate kept the bytes from the parser
    NOT_A_FEED = "not-a-feed"
    PARSE = "parse"  # the parser overran its deadline or memory, died, or raised
    X_API = "x-api"
    UNEXPECTED = "unexpected"  # a bug of ours, caught so that it costs only its source
    # leakbot's own parser could not run (its worker pool broke, again and again): the
    # source is not counted as failing, only tried again at its next slot
    PARSER_DOWN = "parser-down"
    # the source was not asked: a rate limit until its reset, or a spending budget until
    # the month turns; not a failure, no pause, no notice of a pause
    HELD = "held"


class SourceError(LeakbotError):
    """A poll of one source that failed; ``kind`` says why in a word, the message in full."""

    kind: SourceErrorKind = SourceErrorKind.UNEXPECTED

    def __init__(self, message: str, kind: SourceErrorKind | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind

    def __reduce__(self) -> tuple[type[SourceError], tuple[str, SourceErrorKind]]:
        # raised in parse workers: it must cross the process boundary with its kind
        return (type(self), (str(self), self.kind))


class SourceHeldError(SourceError):
    """A source not asked until a moment: its rate limit's reset, or the month's turn."""

    kind = SourceErrorKind.HELD

    def __init__(
        self,
        message: str,
        until: datetime,
        *,
        notice: tuple[str, dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, SourceErrorKind.HELD)
        self.until = until
        # what the channels following the source are told, once for each key (the budget's
        # month): the key and the alert's JSON; None for a hold that tells nobody
        self.notice = notice

    def __reduce__(self) -> tuple[Any, ...]:
        return (_held, (str(self), self.until, self.notice))


def _held(
    message: str, until: datetime, notice: tuple[str, dict[str, Any]] | None
) -> SourceHeldError:
    return SourceHeldError(message, until, notice=notice)
