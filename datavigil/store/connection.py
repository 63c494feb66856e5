"""How the store talks to its database (ADR 0051, 0052).

- SQLite runs real transactions: the driver's own transaction handling is switched off and the
  store emits ``BEGIN IMMEDIATE`` for every write (the database's write lock from the first
  statement: schema changes are transactional, two writers queue instead of failing) and a
  plain ``BEGIN`` for reads; a writer waits up to ``SQLITE_BUSY_SECONDS`` for the lock.
- PostgreSQL writes take a transaction-scoped advisory lock: one for migrations, one per run id
  for saves, so concurrent saves of one run are serialised instead of deadlocking.
- A write that fails for a transient reason (deadlock, serialization failure, a busy SQLite
  database, a dropped connection) is retried a bounded number of times; a save is an idempotent
  replace, so a retry after an ambiguous commit is safe.
- During a backfill (``quick_commits``) a SQLite file store runs in WAL mode with
  ``synchronous=NORMAL``: a commit no longer waits for the disk (ADR 0154); the journal mode
  found is restored after.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import event

SQLITE_BUSY_SECONDS = 60
WRITE = "datavigil_write"
ATTEMPTS = 4  # tries of one write in all
BACKOFF = 0.05  # seconds, times 4 per try, with jitter
LOCK_SPACE = 0x6476  # "dv": the advisory-lock class of datavigil's keys
MIGRATION_KEY = 1
TRANSIENT_PG_CODES = ("40001", "40P01", "55P03")  # serialization, deadlock, lock not available
QUICK_RESTORE_MS = 2000  # how long restoring the journal mode waits for other connections
T = TypeVar("T")
log = logging.getLogger("datavigil")


def create_engine(url: sa.URL) -> sa.Engine:
    dumps = functools.partial(json.dumps, allow_nan=False, ensure_ascii=False)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True, json_serializer=dumps)
    engine = sa.create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, json_serializer=dumps
    )
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.isolation_level = None  # the store, not the driver, says BEGIN and COMMIT


def _sqlite_begin(conn: sa.Connection) -> None:
    write = conn.get_execution_options().get(WRITE)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            yield conn


def _pragma(engine: sa.Engine, statement: str, wait_ms: int | None = None) -> str:
    """One PRAGMA on a connection of its own, outside any transaction (the driver's
    autocommit: ``journal_mode`` cannot change inside one); its first value."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if wait_ms is not None:
            cursor.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        row = cursor.execute(statement).fetchone()
        return str(row[0]).lower() if row else ""
    finally:
        raw.close()


def _normal_sync(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.execute("PRAGMA synchronous = NORMAL")


@contextmanager
def quick_commits(engine: sa.Engine) -> Iterator[bool]:
    """While inside, a SQLite file store commits without waiting for the disk: WAL mode and
    ``synchronous=NORMAL`` on every connection of ``engine`` (ADR 0154). What a commit wrote
    survives a crash of the process; a crash of the machine may lose the last commits, never
    corrupt the file. Restored after: the journal mode found (when another connection holds
    the database, it stays in WAL mode, as durable: others commit with ``synchronous=FULL``)
    and new connections. Yields whether it took effect (not for PostgreSQL, an in-memory or a
    read-only database, or a store that cannot be opened: the first save reports that)."""
    found = _to_wal(engine) if engine.dialect.name == "sqlite" else None
    if found is None:
        yield False
        return
    engine.dispose()  # every connection from now on is a new one, with the pragma
    event.listen(engine, "connect", _normal_sync)
    try:
        yield True
    finally:
        event.remove(engine, "connect", _normal_sync)
        engine.dispose()
        if found != "wal":
            _restore(engine, found)


def _to_wal(engine: sa.Engine) -> str | None:
    """The journal mode found, once the database is in WAL mode; None when it cannot be."""
    try:
        found = _pragma(engine, "PRAGMA journal_mode")
        if found in ("memory", "off", ""):
            return None
        return found if _pragma(engine, "PRAGMA journal_mode = WAL") == "wal" else None
    except (sa.exc.SQLAlchemyError, sqlite3.Error):
        return None


def _restore(engine: sa.Engine, mode: str) -> None:
    try:
        _pragma(engine, f"PRAGMA journal_mode = {mode}", wait_ms=QUICK_RESTORE_MS)
    except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
        log.info("results store left in WAL mode (journal mode %s not restored: %s)", mode, exc)
    engine.dispose()


def lock(conn: sa.Connection, key: str | None = None) -> None:
    """Hold datavigil's advisory lock for ``key`` (a run id; None: migrations) until the end of
    the transaction. SQLite needs none: BEGIN IMMEDIATE already holds the database's write lock."""
    if conn.dialect.name != "postgresql":
        return
    if key is None:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:s, :k)"), {"s": LOCK_SPACE, "k": 1})
    else:
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:s, hashtext(:k))"), {"s": LOCK_SPACE, "k": key}
        )


def transient(exc: sa.exc.SQLAlchemyError) -> bool:
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in TRANSIENT_PG_CODES:
        return True
    text = str(exc.orig).lower()
    return isinstance(exc, sa.exc.OperationalError) and (
        "database is locked" in text or "database table is locked" in text
    )


def with_retries(engine: sa.Engine, work: Callable[[sa.Connection], T]) -> T:
    """``work`` in one write transaction, retried while the failure is transient."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with write_transaction(engine) as conn:
                return work(conn)
        except sa.exc.SQLAlchemyError as exc:
            if attempt == ATTEMPTS or not transient(exc):
                raise
            time.sleep(BACKOFF * 4 ** (attempt - 1) * (0.5 + random.random()))
    raise AssertionError("unreachable")


def refused(exc: sa.exc.SQLAlchemyError) -> bool:
    """The database (or the driver, before sending) refused this row's values: another row may
    still be written. Not a lost connection, a lock or a missing table."""
    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated:
            return False
        return isinstance(exc, sa.exc.DataError | sa.exc.IntegrityError)
    return isinstance(exc, sa.exc.StatementError)  # e.g. a value the JSON serializer rejects
