"""The database engine, sessions, and bringing the schema up to date with Alembic."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"
WAL_TRIES = 300  # a tenth of a second apart: SQLite's own 30 s busy wait
T = TypeVar("T")
W = TypeVar("W")
WRITE_BATCH = 200  # writes that share one transaction at most
WRITE_LINGER = 0.005  # seconds a write waits for others to share its transaction

_SCHEME = re.compile(r"[\w+]+://")
# what may follow a database URL's userinfo: a host (or [IPv6]), a port, a database and a
# query, none holding an unencoded '@'; a password may, as people type them
_AFTER_USERINFO = re.compile(
    r"(?:\[[^\]@]*\]|[^/:?@\[\]]*)(?::[^/?@]*)?(?:/[^?@]*)?(?:\?[^@]*)?", re.DOTALL
)


def split_userinfo(url: str) -> tuple[str, str, str] | None:
    """Split a URL into ``scheme://``, its userinfo and the ``@host…`` rest; None without one.

    The userinfo ends at the first '@' that a host, port, database and query free of '@'
    follow, so that ``user:p@ss#word@host`` has the password ``p@ss#word``: SQLAlchemy would
    end it at the first '@' and take ``ss#word@host`` for the host.
    """
    scheme = _SCHEME.match(url)
    if scheme is None:
        return None
    rest = url[scheme.end() :]
    ats = [index for index, char in enumerate(rest) if char == "@"]
    if not ats or "/" in rest[: ats[0]].partition(":")[0]:
        return None  # no '@', or one in a path (sqlite:///data/a@b.db): no userinfo
    at = next((i for i in ats if _AFTER_USERINFO.fullmatch(rest, i + 1)), ats[-1])
    return scheme.group(0), rest[:at], rest[at:]


def parse_url(url: str) -> URL:
    """Read a database URL as SQLAlchemy does, but with any '@' in the password its own."""
    split = split_userinfo(url)
    if split is not None:
        scheme, userinfo, rest = split
        url = scheme + userinfo.replace("@", "%40") + rest
    return make_url(url)


def normalize_url(url: str) -> str:
    """Pick the psycopg 3 driver for a plain ``postgresql://`` URL; encode the password."""
    parsed = parse_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> sa.Engine:
    """Create an engine for any SQLAlchemy URL; SQLite files get their folder made."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # a database that does not answer is an error after 10 s, not a hang
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    # a new file turns to WAL once, and SQLite refuses at once (no busy wait) to a process
    # that asks while another one does: processes opening it together take turns
    for _ in range(WAL_TRIES):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.1)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def migrate(engine: sa.Engine) -> None:
    """Bring the schema up to the newest migration, one process at a time."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # a migration that rebuilds a table drops it while rows still point at it;
            # the keys are checked once all is done, before the commit
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()
        try:
            with connection.begin():
                # processes starting together wait for the first to finish, then find
                # nothing to do
                if sqlite:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")  # the one writer's lock
                else:
                    lock = "SELECT pg_advisory_xact_lock(hashtext('leakbot ' || current_schema()))"
                    connection.execute(sa.text(lock))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("a migration left rows pointing at nothing")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """Open a session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class Database:
    """The engine, with each unit of work run in one transaction off the event loop.

    SQLite takes one writer at a time, so its work runs on one thread (a lock held by
    another process then stalls that thread, not the bot); PostgreSQL gets a few.

    Writes queued while the database is busy share one transaction (``write``): a pass
    over thousands of sources commits a few dozen times, not once a source. Should one
    of them fail, each is run again alone, so that only its own caller sees the error.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        workers = 1 if engine.dialect.name == "sqlite" else 4
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="leakbot-db")
        self._writes: dict[Callable[..., Any], list[tuple[Any, asyncio.Future[Any]]]] = {}
        self._writer: asyncio.Task[None] | None = None

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` in a transaction on a database thread; commit on success."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._transaction, work)

    async def write(self, apply: Callable[[Session, list[W]], list[T]], item: W) -> T:
        """Write ``item`` with ``apply(session, items)``, in one transaction with the other
        items queued for the same ``apply`` meanwhile; return what ``apply`` gave for it."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._writes.setdefault(apply, []).append((item, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_queued())
        return await done

    async def _write_queued(self) -> None:
        loop = asyncio.get_running_loop()
        while self._writes:
            if sum(len(q) for q in self._writes.values()) < WRITE_BATCH:
                # a pass's polls finish one by one: waiting a moment lets a few share a
                # commit (a commit costs more than the writes of a 304)
                await asyncio.sleep(WRITE_LINGER)
            apply = next(iter(self._writes))
            queued = self._writes[apply]
            batch, rest = queued[:WRITE_BATCH], queued[WRITE_BATCH:]
            if rest:
                self._writes[apply] = rest
            else:
                del self._writes[apply]
            items = [item for item, _ in batch]
            try:
                results = await loop.run_in_executor(
                    self._executor, self._write_batch, apply, items
                )
            except BaseException as exc:  # cancelled: the callers must not wait for ever
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                raise
            for (_, done), result in zip(batch, results, strict=True):
                if done.done():
                    continue  # its caller was cancelled
                if isinstance(result, BaseException):
                    done.set_exception(result)
                else:
                    done.set_result(result)

    def _write_batch(
        self, apply: Callable[[Session, list[Any]], list[Any]], items: list[Any]
    ) -> list[Any]:
        try:
            with session_scope(self.engine) as session:
                return apply(session, items)
        except Exception as exc:
            if len(items) == 1:
                return [exc]
        results: list[Any] = []
        for item in items:
            try:
                with session_scope(self.engine) as session:
                    results.append(apply(session, [item])[0])
            except Exception as exc:
                results.append(exc)
        return results

    def _transaction(self, work: Callable[[Session], T]) -> T:
        with session_scope(self.engine) as session:
            return work(session)

    def close(self) -> None:
        """Let running work finish, then stop the threads."""
        self._executor.shutdown(wait=True)
