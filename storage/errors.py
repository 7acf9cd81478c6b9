"""The one error storage raises: a database that cannot be used, with what kind of trouble.

Every database trouble that leaves storage (``Database.run`` and ``write``, ``session_scope``,
``make_engine``, ``migrate``) is a StorageError, its driver's error kept as its cause. Its
``kind`` says what is wrong (unreachable, no answer, read-only, locked, corrupt…), so that
``bot`` can word it for the operator without knowing SQLAlchemy or a driver. A statement
the database refuses (a broken constraint, bad SQL) is a bug of ours, not the database's
trouble: it leaves as SQLAlchemy raised it, with its traceback.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

CHAIN = 10  # causes looked at, at most, for a database error raised past storage


class Trouble(StrEnum):
    """What kind of trouble a database is in."""

    NO_ANSWER = "no answer"  # connected, and nothing comes back: a partition, a stuck server
    UNREACHABLE = "unreachable"  # refused, timed out, unknown host, no route
    CONNECTION_LOST = "connection lost"
    LOGIN_REFUSED = "login refused"
    NO_SUCH_DATABASE = "no such database"
    READ_ONLY = "read-only"
    CORRUPT = "corrupt"
    CANNOT_OPEN = "cannot open"
    LOCKED = "locked"
    CANNOT_WRITE = "cannot write"  # a full disk, an I/O error
    FAILED = "failed"  # a SQLite file failed some other way
    CANNOT_CREATE = "cannot create"  # the SQLite file's folder cannot be made
    BAD_URL = "bad url"
    OLD_SCHEMA = "old schema"  # an older leakbot made the schema


class StorageError(Exception):
    """The database cannot do what was asked; ``kind`` says why, ``reason`` in the driver's
    own first line (no SQL, no parameters, no URL)."""

    def __init__(
        self,
        kind: Trouble,
        reason: str,
        *,
        outage: bool = True,
        seconds: float | None = None,
        filename: str | None = None,
        schema: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.seconds = seconds  # how long a call waited for an answer (NO_ANSWER)
        self.filename = filename  # the path that could not be made (CANNOT_CREATE)
        self.schema = schema  # the schema found and the one needed (OLD_SCHEMA)
        self._outage = outage

    @property
    def is_outage(self) -> bool:
        """Tell whether the database is unreachable or failing, rather than a bug of ours."""
        return self._outage


# what a driver's message says, and the trouble it means, first match wins
_POSTGRES: tuple[tuple[tuple[str, ...], Trouble], ...] = (
    (
        ("password authentication failed", "no password supplied", "role ", "pg_hba.conf"),
        Trouble.LOGIN_REFUSED,
    ),
    (("does not exist",), Trouble.NO_SUCH_DATABASE),
    (
        ("read-only transaction", "read only transaction", "recovery is in progress"),
        Trouble.READ_ONLY,
    ),
    (
        (
            "server closed the connection",
            "terminating connection",
            "connection is lost",
            "consuming input failed",
            "connection is closed",
            "ssl syscall",
            "eof detected",
        ),
        Trouble.CONNECTION_LOST,
    ),
)
_SQLITE: tuple[tuple[tuple[str, ...], Trouble], ...] = (
    (("readonly database", "read-only"), Trouble.READ_ONLY),
    (("file is not a database", "malformed", "not a database"), Trouble.CORRUPT),
    (("unable to open database file",), Trouble.CANNOT_OPEN),
    (("database is locked",), Trouble.LOCKED),
    (("disk is full", "disk i/o error"), Trouble.CANNOT_WRITE),
)


def storage_error(error: BaseException, *, sqlite: bool | None = None) -> StorageError | None:
    """Return the StorageError a database error means; None when it is no database trouble.

    ``sqlite`` says which database raised it; unknown, the driver's error tells.
    """
    if isinstance(error, StorageError):
        return error
    if isinstance(error, sa.exc.ArgumentError | sa.exc.NoSuchModuleError):
        return StorageError(Trouble.BAD_URL, str(error), outage=False)
    if not isinstance(error, sa.exc.DBAPIError):
        return None
    if sqlite is None:
        sqlite = type(error.orig).__module__.startswith("sqlite3")
    operational = isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError)
    # a corrupt SQLite file ("file is not a database") is a plain DatabaseError, not an
    # OperationalError; its subclasses (IntegrityError…) are statements refused: our bugs
    if not operational and not (sqlite and type(error) is sa.exc.DatabaseError):
        return None
    reason = _reason(error)
    lowered = reason.lower()
    rules, fallback = (_SQLITE, Trouble.FAILED) if sqlite else (_POSTGRES, Trouble.UNREACHABLE)
    kind = next((k for needles, k in rules if any(n in lowered for n in needles)), fallback)
    return StorageError(kind, reason, outage=operational)


def find_storage_error(error: BaseException, *, sqlite: bool | None = None) -> StorageError | None:
    """Find the database error in an error's causes, as a StorageError; None without one.

    A database error raised past storage (by code holding an engine of its own) is read
    as storage would have raised it.
    """
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen and len(seen) < CHAIN:
        found = storage_error(current, sqlite=sqlite)
        if found is not None:
            return found
        seen.append(current)
        current = current.__cause__ or current.__context__
    return None


def _reason(error: sa.exc.DBAPIError) -> str:
    """Return the driver's own first line, without SQL, parameters or the URL."""
    text = str(error.orig) if error.orig is not None else str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reason = lines[0] if lines else type(error.orig or error).__name__
    # psycopg: 'connection failed: connection to server at "127.0.0.1", port 1 failed: X'
    reason = reason.removeprefix("connection failed: ")
    if "failed: " in reason and reason.startswith("connection to server"):
        reason = reason.rpartition("failed: ")[2]
    return reason[:200]
