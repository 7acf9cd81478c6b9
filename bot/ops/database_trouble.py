"""Database trouble worded for the operator: what is wrong, where, and the fix, in one line.

An unreachable PostgreSQL, a malformed ``DATABASE_URL`` or a read-only or corrupt SQLite
file is the operator's to fix, not a bug: it gets one line instead of a traceback, and the
password in the URL is never shown.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from bot.errors import LeakbotError
from bot.masking import mask_url
from storage.db import NoAnswerError, normalize_url

URL_EXAMPLE = "postgresql://USER:PASSWORD@HOST:5432/NAME or sqlite:///data/leakbot.db"

# what a driver's message says, and how to word it: (needles, problem, fix)
Rule = tuple[tuple[str, ...], str, str]
_POSTGRES: tuple[Rule, ...] = (
    (
        ("password authentication failed", "no password supplied", "role ", "pg_hba.conf"),
        "PostgreSQL at {where} refused the login",
        "fix the user and password in DATABASE_URL",
    ),
    (
        ("does not exist",),
        "PostgreSQL at {where} has no such database",
        "create it, or fix the database name at the end of DATABASE_URL",
    ),
    (
        ("read-only transaction", "read only transaction", "recovery is in progress"),
        "PostgreSQL at {where} is read-only (a standby?)",
        "point DATABASE_URL at the primary",
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
        "lost the connection to PostgreSQL at {where}",
        "leakbot reconnects when it answers again",
    ),
    (
        ("",),  # refused, timed out, unknown host, no route
        "cannot reach PostgreSQL at {where}",
        "start it, or fix the host and port in DATABASE_URL",
    ),
)
_SQLITE: tuple[Rule, ...] = (
    (
        ("readonly database", "read-only"),
        "the SQLite file {where} is read-only",
        "let the user running leakbot write to it and to its folder",
    ),
    (
        ("file is not a database", "malformed", "not a database"),
        "the SQLite file {where} is corrupt or not a SQLite database",
        "move it aside to start afresh, or restore a backup",
    ),
    (
        ("unable to open database file",),
        "cannot open the SQLite file {where}",
        "check that its folder exists and that leakbot may write there",
    ),
    (
        ("database is locked",),
        "the SQLite file {where} is locked by another process",
        "run one leakbot per SQLite file; for more, use PostgreSQL",
    ),
    (
        ("disk is full", "disk i/o error"),
        "cannot write the SQLite file {where}",
        "free some disk space and check the disk",
    ),
    (
        ("",),
        "the SQLite file {where} failed",
        "check the file and its folder",
    ),
)


class DatabaseTroubleError(LeakbotError):
    """The database cannot be used; the message says why and what to do, in one line."""


def check_database_url(url: str) -> None:
    """Raise DatabaseTroubleError when DATABASE_URL cannot name a database leakbot can open."""
    problem = database_url_problem(url)
    if problem is not None:
        raise DatabaseTroubleError(f"DATABASE_URL is {problem}")


def database_url_problem(url: str) -> str | None:
    """Say why a database URL cannot be used, the URL masked; None when it can be."""
    try:
        parsed = make_url(normalize_url(url))
        dialect = parsed.get_dialect()
        dialect.import_dbapi()
    except sa.exc.NoSuchModuleError:
        # the scheme is the text before '://', so naming it shows no password
        reason = f"no database kind is named {url.partition('://')[0]!r}"
    except ImportError as exc:
        reason = f"its driver is not installed ({exc.name or 'unknown module'})"
    except (ValueError, sa.exc.ArgumentError) as exc:
        # SQLAlchemy's own words may quote the port, which a mistyped URL fills with what
        # follows the password
        port = isinstance(exc, ValueError) and "int()" in str(exc)
        reason = (
            "the port after the host is not a number"
            if port
            else "it cannot be read as scheme://user:password@host:port/database"
        )
    else:
        return None
    return (
        f"not a database URL leakbot can use ({_shown(url)}): {reason}; write it as {URL_EXAMPLE}"
    )


def database_trouble(error: BaseException, url: str) -> DatabaseTroubleError | None:
    """Word an error as database trouble, or return None when it is something else."""
    for cause in _chain(error):
        if isinstance(cause, DatabaseTroubleError):
            return cause
        if isinstance(cause, NoAnswerError):
            return _no_answer(cause, url)
        if isinstance(cause, sa.exc.OperationalError | sa.exc.InterfaceError):
            return _worded(cause, url)
        if isinstance(cause, sa.exc.DatabaseError) and _is_sqlite(url):
            return _worded(cause, url)  # "file is not a database" is a DatabaseError
        if isinstance(cause, sa.exc.ArgumentError | sa.exc.NoSuchModuleError):
            try:
                check_database_url(url)
            except DatabaseTroubleError as trouble:
                return trouble
        if isinstance(cause, OSError) and _is_sqlite(url) and _about_sqlite_file(cause, url):
            return DatabaseTroubleError(
                f"cannot create the SQLite file {sqlite_path(url)} "
                f"({cause.strerror or type(cause).__name__}); set DATABASE_URL to a folder "
                "leakbot may write to"
            )
    return None


def is_outage(error: BaseException) -> bool:
    """Tell whether an error is the database being unreachable or failing, not a bug."""
    return any(
        isinstance(
            cause,
            sa.exc.OperationalError | sa.exc.InterfaceError | DatabaseTroubleError | NoAnswerError,
        )
        for cause in _chain(error)
    )


def _no_answer(error: NoAnswerError, url: str) -> DatabaseTroubleError:
    """Word a call given up on: the connection is open, and nothing comes back on it."""
    where = (
        f"the SQLite file {sqlite_path(url)}" if _is_sqlite(url) else f"PostgreSQL at {_host(url)}"
    )
    return DatabaseTroubleError(
        f"{where} did not answer within {error.seconds:g} s (connected, but nothing comes "
        "back: a network partition or a stuck server); check the network and the server"
    )


def _worded(error: sa.exc.DBAPIError, url: str) -> DatabaseTroubleError:
    reason = _reason(error)
    lowered = reason.lower()
    if _is_sqlite(url):
        rules, where = _SQLITE, str(sqlite_path(url))
    else:
        rules, where = _POSTGRES, _host(url)
    problem, fix = next((p, f) for needles, p, f in rules if any(n in lowered for n in needles))
    return DatabaseTroubleError(f"{problem.format(where=where)} ({reason}); {fix}")


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


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _parsed(url: str) -> URL | None:
    try:
        return make_url(normalize_url(url))
    except (sa.exc.ArgumentError, ValueError):
        return None


def _is_sqlite(url: str) -> bool:
    parsed = _parsed(url)
    return parsed is not None and parsed.get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    """Return the file a SQLite URL names, ``file:`` URIs (``?mode=ro&uri=true``) included."""
    parsed = _parsed(url)
    if parsed is None:
        return Path("?")
    return Path((parsed.database or ":memory:").removeprefix("file:"))


def _about_sqlite_file(error: OSError, url: str) -> bool:
    path = sqlite_path(url)
    return error.filename is not None and Path(error.filename) in (path, *path.parents)


def _host(url: str) -> str:
    parsed = _parsed(url)
    if parsed is None:
        return _shown(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def _shown(url: str) -> str:
    # a value with no scheme may be a bare password pasted in the wrong place
    return mask_url(url) if "://" in url else "a value with no scheme://, not shown"
