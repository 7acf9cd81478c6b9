"""The database engine, sessions, and bringing the schema up to date with Alembic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

from bot.domain import split_userinfo
from storage.errors import StorageError, Trouble, storage_error

Engine = sa.Engine  # what ``bot`` holds of a database it reads in one go, opaque to it
MIGRATIONS = Path(__file__).parent / "migrations"
WAL_TRIES = 300  # a tenth of a second apart: SQLite's own 30 s busy wait
T = TypeVar("T")
W = TypeVar("W")
log = logging.getLogger(__name__)

WRITE_BATCH = 200  # writes that share one transaction at most
WRITE_LINGER = 0.005  # seconds a write waits for others to share its transaction
# seconds a call on a networked database may wait while the database answers nothing at
# all, to any call, before its caller is told of an outage: a partition keeps connections
# open and silent, and each call would hang until the kernel gave up on the connection
# (about 15 minutes). Short, so that /healthz, 503 ten seconds into an outage, says a
# partition within 15 s; a busy database still answers some call every 2 s
ANSWER_WITHIN = 2.0
CLOSE_WITHIN = 2.0  # seconds closing waits for database work still running
# a note of something done outside (Discord took an alert) is tried again this long, at
# these intervals, while the database cannot be reached: longer than the outbox's claim
NOTE_WITHIN = 60.0
NOTE_AGAIN_AFTER = 1.0
_TRIED_AGAIN = frozenset({Trouble.UNREACHABLE, Trouble.CONNECTION_LOST, Trouble.NO_ANSWER})
STOP_WITHIN = 5.0  # seconds stopping waits on the database at most, all calls together
# libpq's settings for each PostgreSQL connection: connecting gives up after 10 s; an idle
# pooled connection whose peer is gone is found by keepalives (10 s idle, then 3 probes 5 s
# apart); and data left unacknowledged for 15 s fails the socket, so that a thread stuck in
# a partition comes back instead of waiting for the kernel's 15 minutes
POSTGRES_TCP: dict[str, int] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,  # milliseconds
}


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


class UrlFault(StrEnum):
    """Why a database URL cannot be used."""

    UNKNOWN_SCHEME = "unknown scheme"  # no database kind has that name
    NO_DRIVER = "no driver"  # its driver is not installed
    BAD_PORT = "bad port"  # the port after the host is not a number
    UNREADABLE = "unreadable"  # not scheme://user:password@host:port/database


def url_fault(url: str) -> tuple[UrlFault, str] | None:
    """Say why a database URL cannot name a database leakbot can open, with the missing
    driver's module for NO_DRIVER; None when it can."""
    try:
        parsed = make_url(normalize_url(url))
        dialect = parsed.get_dialect()
        dialect.import_dbapi()
    except sa.exc.NoSuchModuleError:
        return UrlFault.UNKNOWN_SCHEME, ""
    except ImportError as exc:
        return UrlFault.NO_DRIVER, exc.name or "unknown module"
    except (ValueError, sa.exc.ArgumentError) as exc:
        # SQLAlchemy's own words may quote the port, which a mistyped URL fills with what
        # follows the password: they are not passed on
        port = isinstance(exc, ValueError) and "int()" in str(exc)
        return (UrlFault.BAD_PORT if port else UrlFault.UNREADABLE), ""
    return None


@dataclass(frozen=True, slots=True)
class Address:
    """Where a database URL points: SQLite's file, or a server's host and port."""

    sqlite: bool
    host: str | None
    port: int | None
    database: str | None


def database_address(url: str) -> Address | None:
    """Read where a database URL points; None when it cannot be read."""
    try:
        parsed = make_url(normalize_url(url))
    except (sa.exc.ArgumentError, ValueError):
        return None
    return Address(
        sqlite=parsed.get_backend_name() == "sqlite",
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
    )


def make_engine(url: str) -> sa.Engine:
    """Create an engine for any SQLAlchemy URL; SQLite files get their folder made.

    Raise StorageError when the URL names no database leakbot can open, or the SQLite
    file's folder cannot be made.
    """
    try:
        url = normalize_url(url)
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file:"):
                folder = Path(database).parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StorageError(
                        Trouble.CANNOT_CREATE,
                        exc.strerror or type(exc).__name__,
                        outage=False,
                        filename=exc.filename if exc.filename is not None else str(folder),
                    ) from exc
            engine = sa.create_engine(url, connect_args={"timeout": 30})
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return sa.create_engine(url, pool_pre_ping=True, connect_args=dict(POSTGRES_TCP))
    except (sa.exc.SQLAlchemyError, ValueError) as exc:
        # a URL SQLAlchemy cannot read is one the operator mistyped
        raise (storage_error(exc) or StorageError(Trouble.BAD_URL, str(exc), outage=False)) from exc


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
    try:
        _migrate(engine)
    except sa.exc.SQLAlchemyError as exc:
        wrapped = _wrapped(exc, sqlite=_is_sqlite(engine))
        if wrapped is exc:
            raise
        raise wrapped from exc


def _migrate(engine: sa.Engine) -> None:
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
    """Open a session that commits on success and rolls back on error; a database error
    leaves it as a StorageError."""
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    except sa.exc.SQLAlchemyError as exc:
        wrapped = _wrapped(exc, sqlite=_is_sqlite(engine))
        if wrapped is exc:
            raise
        raise wrapped from exc


def in_transaction(engine: sa.Engine, work: Callable[..., T], /, **kwargs: Any) -> T:
    """Run ``work(session, **kwargs)`` in one transaction here and now; commit on success."""
    with session_scope(engine) as session:
        return work(session, **kwargs)


def _is_sqlite(engine: sa.Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _wrapped(error: Exception, *, sqlite: bool | None) -> Exception:
    """Return database trouble as a StorageError; a bug of ours (a statement refused) as it is."""
    return storage_error(error, sqlite=sqlite) or error


@contextmanager
def existing_engine(url: str) -> Iterator[sa.Engine | None]:
    """Open the database to read it, without creating or migrating it: None when it does
    not exist yet. Raise StorageError when it cannot be read, and with OLD_SCHEMA when an
    older leakbot made its schema."""
    address = database_address(url)
    if address is not None and address.sqlite and not sqlite_file(url).exists():
        yield None
        return
    engine = make_engine(url)
    try:
        try:
            ready = _schema_ready(engine)
        except sa.exc.SQLAlchemyError as exc:
            wrapped = _wrapped(exc, sqlite=_is_sqlite(engine))
            if wrapped is exc:
                raise
            raise wrapped from exc
        yield engine if ready else None
    finally:
        engine.dispose()


def sqlite_file(url: str) -> Path:
    """Return the file a SQLite URL names, ``file:`` URIs (``?mode=ro&uri=true``) included."""
    address = database_address(url)
    if address is None:
        return Path("?")
    return Path((address.database or ":memory:").removeprefix("file:"))


def _schema_ready(engine: sa.Engine) -> bool:
    """Tell whether leakbot has created the schema; raise if an older leakbot made it."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("source"):
            return False
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    if current != heads:
        raise StorageError(
            Trouble.OLD_SCHEMA,
            "the schema is older than this leakbot",
            outage=False,
            schema=(tuple(sorted(current)), tuple(sorted(heads))),
        )
    return True


class NoAnswerError(StorageError, TimeoutError):
    """The database did not answer a call in time: it is unreachable, or stuck."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            Trouble.NO_ANSWER,
            f"the database did not answer within {seconds:g} s",
            seconds=seconds,
        )
        self.seconds: float = seconds


class _Call:
    """One unit of work handed to a database thread, as its caller waits for it."""

    __slots__ = ("given_up", "waiting_since")

    def __init__(self) -> None:
        # when it last began to wait on the database (queued, connecting, a statement
        # sent); None while Python runs between statements
        self.waiting_since: float | None = time.monotonic()
        self.given_up = False


_calls = threading.local()  # the call a database thread is running, for the engine events


def _call_here() -> _Call | None:
    call: _Call | None = getattr(_calls, "call", None)
    return call


def _waiting(*_: object) -> None:
    """Mark the running call as waiting on the database."""
    call = _call_here()
    if call is not None:
        call.waiting_since = time.monotonic()


def _listen_for_answers(engine: sa.Engine, answered: Callable[..., None]) -> None:
    sa.event.listen(engine, "before_cursor_execute", _waiting)
    sa.event.listen(engine, "commit", _waiting)
    sa.event.listen(engine, "after_cursor_execute", answered)


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Log how a note its caller gave up on ended, when it ran at last."""
    if future.cancelled():
        return
    error = future.exception()
    if error is not None:
        log.warning("a note given up on failed when it ran at last: %s", error)


class _Threads(Executor):
    """A few daemon threads that run database work in turn.

    A thread stuck on a partitioned database must not keep the process from exiting, as a
    ThreadPoolExecutor's threads do (they are joined at exit).
    """

    def __init__(self, count: int, name: str) -> None:
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.closed = False
        self._count = count
        self._name = name
        self._threads: list[threading.Thread] = []

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Queue ``fn(*args, **kwargs)`` for the next free thread."""
        if self.closed:
            raise RuntimeError("the database is closed")
        future: Future[T] = Future()
        self._queue.put((future, lambda: fn(*args, **kwargs)))
        if len(self._threads) < self._count:
            # started as work comes, as ThreadPoolExecutor does: a Database never used
            # costs no thread
            thread = threading.Thread(
                target=self._work, name=f"{self._name}-{len(self._threads)}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return future

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            future, work = job
            if not future.set_running_or_notify_cancel():
                continue  # its caller stopped waiting before it began
            try:
                result = work()
            except BaseException as exc:  # the caller's to see, whatever it is
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Take no more work; drop what waits; let each thread end after its current job,
        waiting for them at most ``CLOSE_WITHIN`` seconds when ``wait``."""
        self.closed = True
        if cancel_futures:
            with contextlib.suppress(queue.Empty):
                while True:
                    job = self._queue.get_nowait()
                    if job is not None:
                        job[0].cancel()
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            deadline = time.monotonic() + CLOSE_WITHIN
            for thread in self._threads:
                thread.join(max(0.0, deadline - time.monotonic()))


_Job = tuple[Future[Any], Callable[[], Any]]


class Database:
    """The engine, with each unit of work run in one transaction off the event loop.

    SQLite takes one writer at a time, so its work runs on one thread (a lock held by
    another process then stalls that thread, not the bot); PostgreSQL gets a few.

    Writes queued while the database is busy share one transaction (``write``): a pass
    over thousands of sources commits a few dozen times, not once a source. Should one
    of them fail, each is run again alone, so that only its own caller sees the error.

    On PostgreSQL a call that waits ``answer_within`` seconds while the database says
    nothing at all, to it or to any other call, raises NoAnswerError: a network partition
    is an outage the caller can report, not a hang. A thread cannot be interrupted, so
    work under way is left to finish on its thread when the database answers again (a
    delivery's mark, sent before the partition, then lands rather than the alert going out
    twice), and work that had not begun is never run. SQLite, a local file, waits as long
    as it must.
    """

    def __init__(self, engine: sa.Engine, *, answer_within: float | None = None) -> None:
        self.engine = engine
        sqlite = engine.dialect.name == "sqlite"
        self.answer_within = None if sqlite else (answer_within or ANSWER_WITHIN)
        self._executor = _Threads(1 if sqlite else 4, "leakbot-db")
        self._writes: dict[Callable[..., Any], list[tuple[Any, asyncio.Future[Any]]]] = {}
        self._writer: asyncio.Task[None] | None = None
        self._heard = time.monotonic()  # the last answer the database gave any call
        self._finish_by: float | None = None  # once stopping: no call waits past it
        self._finish_within = 0.0
        _listen_for_answers(engine, self._answered)

    def _answered(self, *_: object) -> None:
        call = _call_here()
        if call is not None:
            call.waiting_since = None
        self._heard = time.monotonic()

    def finish_within(self, seconds: float = STOP_WITHIN) -> None:
        """Give every call, running or to come, at most ``seconds`` more: stopping waits
        on the database that long at most, whatever it does."""
        finish_by = time.monotonic() + seconds
        if self._finish_by is None or finish_by < self._finish_by:
            self._finish_by = finish_by
            self._finish_within = seconds

    async def run(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        """Run ``work(session, **kwargs)`` in a transaction on a database thread; commit on
        success. A database error comes back as a StorageError."""
        return await self._call(self._transaction, work, kwargs)

    async def note(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        """Run ``work(session, **kwargs)`` as ``run`` does, for the note of something done
        outside that cannot be taken back (Discord took an alert). Should its caller give up
        on it before a thread is free (every thread stuck in a partition), the work is not
        dropped: it stays queued and runs once a thread is free, so the note lands when the
        database answers again rather than the alert going out twice."""
        return await self._call(self._noted, work, kwargs, keep=True)

    async def _call(self, function: Callable[..., T], *args: Any, keep: bool = False) -> T:
        """Run ``function(*args)`` on a database thread; give up on it once the database
        has said nothing for ``answer_within`` seconds while it waited. Work given up on
        that has not begun is dropped, unless ``keep``."""
        loop = asyncio.get_running_loop()
        call = _Call()
        future = loop.run_in_executor(self._executor, self._on_thread, call, function, *args)
        limit = self.answer_within
        try:
            while True:
                since = call.waiting_since
                now = time.monotonic()
                left = math.inf
                if limit is not None:
                    left = limit if since is None else limit - (now - max(since, self._heard))
                    if left <= 0:
                        raise NoAnswerError(limit)
                if self._finish_by is not None:
                    left = min(left, self._finish_by - now)
                    if left <= 0:
                        raise NoAnswerError(self._finish_within)
                done, _ = await asyncio.wait({future}, timeout=None if left == math.inf else left)
                if done:
                    return future.result()
        except BaseException:
            # a cancelled caller as much as a silent database: work not begun is dropped
            if keep:
                # it runs later, its caller gone: what it raises then is nobody's to see
                future.add_done_callback(_retrieved)
            else:
                call.given_up = True
                future.cancel()
            raise

    def _on_thread(self, call: _Call, function: Callable[..., T], *args: Any) -> T:
        if call.given_up:
            raise NoAnswerError(ANSWER_WITHIN)
        call.waiting_since = time.monotonic()  # connecting, or checking out, waits too
        _calls.call = call
        try:
            return function(*args)
        finally:
            _calls.call = None

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
                results = await self._call(self._write_batch, apply, items)
            except NoAnswerError as exc:
                # the database is not answering: every write queued meanwhile is told so
                # now, rather than each waiting its turn to be told
                waiting = [*batch, *(entry for q in self._writes.values() for entry in q)]
                self._writes.clear()
                for _, done in waiting:
                    if not done.done():
                        done.set_exception(NoAnswerError(exc.seconds))
                continue
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
            call = _call_here()
            # its callers, told of an outage already, wait for no verdict item by item
            if len(items) == 1 or (call is not None and call.given_up):
                return [exc] * len(items)
        results: list[Any] = []
        for item in items:
            try:
                with session_scope(self.engine) as session:
                    results.append(apply(session, [item])[0])
            except Exception as exc:
                results.append(exc)
        return results

    def _noted(self, work: Callable[..., T], kwargs: dict[str, Any]) -> T:
        """Run a note's transaction; while the database cannot be reached (a connection
        tried during a partition times out), try again, for ``NOTE_WITHIN`` seconds at most
        and not once the database is closing."""
        give_up_at = time.monotonic() + NOTE_WITHIN
        while True:
            try:
                return self._transaction(work, kwargs)
            except StorageError as error:
                if (
                    error.kind not in _TRIED_AGAIN
                    or self._executor.closed
                    or time.monotonic() + NOTE_AGAIN_AFTER > give_up_at
                ):
                    raise
            time.sleep(NOTE_AGAIN_AFTER)

    def _transaction(self, work: Callable[..., T], kwargs: dict[str, Any]) -> T:
        with session_scope(self.engine) as session:
            return work(session, **kwargs)

    def close(self) -> None:
        """Let running work finish, a few seconds at most, then stop the threads; work
        stuck on a database that does not answer is left to its daemon thread."""
        self._executor.shutdown(wait=True, cancel_futures=True)
