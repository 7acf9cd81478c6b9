"""Database trouble worded for the operator: what is wrong, where, and the fix, in one line.

An unreachable PostgreSQL, a malformed ``DATABASE_URL`` or a read-only or corrupt SQLite
file is the operator's to fix, not a bug: it gets one line instead of a traceback, and the
password in the URL is never shown.
"""

from __future__ import annotations

from pathlib import Path

from bot.errors import LeakbotError
from bot.masking import mask_url
from storage.db import UrlFault, database_address, sqlite_file, url_fault
from storage.errors import StorageError, Trouble, find_storage_error

URL_EXAMPLE = "postgresql://USER:PASSWORD@HOST:5432/NAME or sqlite:///data/leakbot.db"

# how each trouble is worded: (problem, fix); {where} is the host and port, or the file
_POSTGRES: dict[Trouble, tuple[str, str]] = {
    Trouble.LOGIN_REFUSED: (
        "PostgreSQL at {where} refused the login",
        "fix the user and password in DATABASE_URL",
    ),
    Trouble.NO_SUCH_DATABASE: (
        "PostgreSQL at {where} has no such database",
        "create it, or fix the database name at the end of DATABASE_URL",
    ),
    Trouble.READ_ONLY: (
        "PostgreSQL at {where} is read-only (a standby?)",
        "point DATABASE_URL at the primary",
    ),
    Trouble.CONNECTION_LOST: (
        "lost the connection to PostgreSQL at {where}",
        "leakbot reconnects when it answers again",
    ),
    Trouble.UNREACHABLE: (  # refused, timed out, unknown host, no route
        "cannot reach PostgreSQL at {where}",
        "start it, or fix the host and port in DATABASE_URL",
    ),
}
_SQLITE: dict[Trouble, tuple[str, str]] = {
    Trouble.READ_ONLY: (
        "the SQLite file {where} is read-only",
        "let the user running leakbot write to it and to its folder",
    ),
    Trouble.CORRUPT: (
        "the SQLite file {where} is corrupt or not a SQLite database",
        "move it aside to start afresh, or restore a backup",
    ),
    Trouble.CANNOT_OPEN: (
        "cannot open the SQLite file {where}",
        "check that its folder exists and that leakbot may write there",
    ),
    Trouble.LOCKED: (
        "the SQLite file {where} is locked by another process",
        "run one leakbot per SQLite file; for more, use PostgreSQL",
    ),
    Trouble.CANNOT_WRITE: (
        "cannot write the SQLite file {where}",
        "free some disk space and check the disk",
    ),
    Trouble.FAILED: (
        "the SQLite file {where} failed",
        "check the file and its folder",
    ),
}


class DatabaseTroubleError(LeakbotError):
    """The database cannot be used; the message says why and what to do, in one line."""


def check_database_url(url: str) -> None:
    """Raise DatabaseTroubleError when DATABASE_URL cannot name a database leakbot can open."""
    problem = database_url_problem(url)
    if problem is not None:
        raise DatabaseTroubleError(f"DATABASE_URL is {problem}")


def database_url_problem(url: str) -> str | None:
    """Say why a database URL cannot be used, the URL masked; None when it can be."""
    fault = url_fault(url)
    if fault is None:
        return None
    kind, module = fault
    if kind == UrlFault.UNKNOWN_SCHEME:
        # the scheme is the text before '://', so naming it shows no password
        reason = f"no database kind is named {url.partition('://')[0]!r}"
    elif kind == UrlFault.NO_DRIVER:
        reason = f"its driver is not installed ({module})"
    elif kind == UrlFault.BAD_PORT:
        reason = "the port after the host is not a number"
    else:
        reason = "it cannot be read as scheme://user:password@host:port/database"
    return (
        f"not a database URL leakbot can use ({_shown(url)}): {reason}; write it as {URL_EXAMPLE}"
    )


def database_trouble(error: BaseException, url: str) -> DatabaseTroubleError | None:
    """Word an error as database trouble, or return None when it is something else."""
    for cause in _chain(error):
        if isinstance(cause, DatabaseTroubleError):
            return cause
    stored = find_storage_error(error, sqlite=_is_sqlite(url))
    return None if stored is None else _worded(stored, url)


def is_outage(error: BaseException) -> bool:
    """Tell whether an error is the database being unreachable or failing, not a bug."""
    if any(isinstance(cause, DatabaseTroubleError) for cause in _chain(error)):
        return True
    stored = find_storage_error(error)
    return stored is not None and stored.is_outage


def _worded(error: StorageError, url: str) -> DatabaseTroubleError | None:
    """Word what storage says is wrong with the database, with where and the fix."""
    if error.kind == Trouble.NO_ANSWER:
        return _no_answer(error.seconds or 0.0, url)
    if error.kind == Trouble.BAD_URL:
        problem = database_url_problem(url)
        return None if problem is None else DatabaseTroubleError(f"DATABASE_URL is {problem}")
    if error.kind == Trouble.CANNOT_CREATE:
        if not _is_sqlite(url) or not _about_sqlite_file(error.filename, url):
            return None
        return DatabaseTroubleError(
            f"cannot create the SQLite file {sqlite_path(url)} "
            f"({error.reason}); set DATABASE_URL to a folder leakbot may write to"
        )
    if error.kind == Trouble.OLD_SCHEMA and error.schema is not None:
        current, heads = error.schema
        return DatabaseTroubleError(
            "the database was last brought up to date by an older leakbot "
            f"(schema {', '.join(current) or 'unknown'}, this leakbot needs "
            f"{', '.join(heads)}); run `leakbot poll-once` once to migrate it"
        )
    if _is_sqlite(url):
        words, where, fallback = _SQLITE, str(sqlite_path(url)), Trouble.FAILED
    else:
        words, where, fallback = _POSTGRES, _host(url), Trouble.UNREACHABLE
    problem, fix = words.get(error.kind, words[fallback])
    return DatabaseTroubleError(f"{problem.format(where=where)} ({error.reason}); {fix}")


def _no_answer(seconds: float, url: str) -> DatabaseTroubleError:
    """Word a call given up on: the connection is open, and nothing comes back on it."""
    where = (
        f"the SQLite file {sqlite_path(url)}" if _is_sqlite(url) else f"PostgreSQL at {_host(url)}"
    )
    return DatabaseTroubleError(
        f"{where} did not answer within {seconds:g} s (connected, but nothing comes "
        "back: a network partition or a stuck server); check the network and the server"
    )


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _is_sqlite(url: str) -> bool:
    address = database_address(url)
    return address is not None and address.sqlite


def sqlite_path(url: str) -> Path:
    """Return the file a SQLite URL names, ``file:`` URIs (``?mode=ro&uri=true``) included."""
    return sqlite_file(url)


def _about_sqlite_file(filename: str | None, url: str) -> bool:
    path = sqlite_path(url)
    return filename is not None and Path(filename) in (path, *path.parents)


def _host(url: str) -> str:
    address = database_address(url)
    if address is None:
        return _shown(url)
    return f"{address.host or 'localhost'}:{address.port or 5432}"


def _shown(url: str) -> str:
    # a value with no scheme may be a bare password pasted in the wrong place
    return mask_url(url) if "://" in url else "a value with no scheme://, not shown"
