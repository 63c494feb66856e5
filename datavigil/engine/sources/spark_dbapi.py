"""A DB-API 2.0 adapter over a SparkSession (Spark Connect, ``sc://``, or a user's live session):
``cursor.execute(sql, params)`` runs ``session.sql(...)`` and fetches the result as Arrow, so the
statements the engine compiles with PyHive's ``hive`` dialect run unchanged (docs/adr/0143).

Parameters are written into the statement as literals, exactly as PyHive writes them for the
Thrift server (``pyformat``, client-side escaping): the same compiled text runs on both routes.
Errors are classified where they are raised: a statement Spark rejected (an error class such as
``UNRESOLVED_COLUMN``) is a ``ProgrammingError``, the statement's; a server that cannot be
reached (a gRPC failure without an error class) or a table's files that cannot be read
(``FAILED_READ_FILE``, ``TABLE_OR_VIEW_NOT_FOUND``, ``PATH_NOT_FOUND``) an ``OperationalError``,
the source's (exit 3, retryable).

May import: pyspark (lazily, inside functions: a run without Spark never imports it).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

apilevel = "2.0"
threadsafety = 1
paramstyle = "pyformat"

SOURCE_CLASSES = ("FAILED_READ_FILE", "TABLE_OR_VIEW_NOT_FOUND", "PATH_NOT_FOUND")
RETRIES = 3  # a session datavigil opens retries briefly; a server that is down is exit 3
_OURS = threading.local()  # set while this thread runs one of the engine's statements


class _QuietForOurStatements(logging.Filter):
    """PySpark logs every failed SQL statement with Spark's stack trace (its logger
    ``SQLQueryContextLogger``, on stderr): for the engine's own statements, the metric's error
    row already holds the first line. A user's own statements are logged as before."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_OURS, "running", False)


_FILTER = _QuietForOurStatements()


class Error(Exception):
    pass


class Warning(Exception):  # noqa: A001  (the DB-API's name)
    pass


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class InternalError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class DataError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


def connect(remote: str | None = None, session: Any = None, **_: Any) -> Connection:
    """A connection over ``session`` (a live SparkSession, left running on close) or over a new
    Spark Connect session to ``remote`` (``sc://host:port/;options``, stopped on close)."""
    if session is not None:
        return Connection(session, owned=False)
    if not remote:
        raise InterfaceError("Spark Connect needs an sc://host:port URL or a SparkSession")
    try:
        _import_connect()
        from pyspark.sql import SparkSession
        from pyspark.sql.connect.client.retries import DefaultPolicy

        new = SparkSession.builder.remote(remote).create()
        new.client.set_retry_policies([DefaultPolicy(max_retries=RETRIES, max_backoff=2000)])
    except Exception as exc:
        raise as_dbapi_error(exc) from None
    return Connection(new, owned=True)


def _import_connect() -> None:
    """Import PySpark's Connect client. Its first import takes a ``__main__`` without a file or
    a spec (``python -c``, an embedding interpreter) for a doctest run: it then looks for a JVM
    Spark, prints "Could not find valid SPARK_HOME" and exits the process. Named for the import."""
    import sys

    main = sys.modules.get("__main__")
    unnamed = main is not None and main.__spec__ is None and not hasattr(main, "__file__")
    if unnamed:
        main.__file__ = "<datavigil>"  # type: ignore[union-attr]
    try:
        import pyspark.sql.connect  # noqa: F401
    finally:
        if unnamed:
            del main.__file__  # type: ignore[union-attr]


def as_dbapi_error(exc: BaseException) -> Error:
    """A Spark client's error as the DB-API error of its cause (module docstring)."""
    text = _first_line(exc)
    if not _answered(exc) or any(word in str(exc) for word in SOURCE_CLASSES):
        return OperationalError(text)
    return ProgrammingError(text)


# gRPC statuses of a call the server never answered: down, unreachable, too slow, login refused
UNANSWERED = ("UNAVAILABLE", "DEADLINE_EXCEEDED", "UNAUTHENTICATED", "CANCELLED")


def _answered(exc: BaseException) -> bool:
    """Whether the server answered the statement with an error (a PySpark error whose gRPC call
    completed: Spark's own error, its class such as UNRESOLVED_COLUMN or a stage failure)."""
    from pyspark.errors import PySparkException

    if not isinstance(exc, PySparkException):
        return False  # a socket's, gRPC's own
    status = getattr(getattr(exc, "_grpc_status_code", None), "name", None)
    condition = exc.getCondition() if hasattr(exc, "getCondition") else None
    if status == "UNKNOWN" and condition is None:  # a stream cut without Spark's error in it
        return False
    return status not in UNANSWERED and condition != "RETRIES_EXCEEDED"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if "StatusCode." in text:  # a gRPC failure: its status and details, not the repr around it
        lines = [ln.strip() for ln in text.splitlines()]
        text = "; ".join(ln for ln in lines if ln.startswith(("status", "details"))) or text
    return text.splitlines()[0] if text else type(exc).__name__


class Connection:
    """One SparkSession seen as a DB-API connection. The session's time zone is UTC while it is
    open (a TIMESTAMP is an instant, written and read in UTC: ADR 0127); a live session gets its
    own zone back on close, and the temporary views made for it are dropped."""

    def __init__(self, session: Any, owned: bool) -> None:
        self.session, self.owned = session, owned
        self.views: list[str] = []
        try:
            self._zone = None if owned else session.conf.get("spark.sql.session.timeZone")
            session.conf.set("spark.sql.session.timeZone", "UTC")
        except Exception as exc:
            if owned:
                session.stop()
            raise as_dbapi_error(exc) from None

    def cursor(self) -> Cursor:
        return Cursor(self)

    def temp_view(self, name: str, frame: Any) -> None:
        """``frame`` (a DataFrame of this session) as the temporary view ``name``."""
        try:
            frame.createOrReplaceTempView(name)
        except Exception as exc:
            raise as_dbapi_error(exc) from None
        self.views.append(name)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        try:
            if self.owned:
                self.session.stop()
                return
            for name in self.views:
                self.session.catalog.dropTempView(name)
            if self._zone:
                self.session.conf.set("spark.sql.session.timeZone", self._zone)
        except Exception:  # closing a session whose server is gone: nothing left to release
            pass


class Cursor:
    arraysize = 1000

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.description: list[tuple[Any, ...]] | None = None
        self.rowcount = -1
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, operation: str, parameters: Any = None) -> None:
        from pyhive.hive import HiveParamEscaper  # PyHive's own, as on the Thrift route

        escaped = None if parameters is None else HiveParamEscaper().escape_args(parameters)
        sql = operation if escaped is None else operation % escaped
        from pyspark.logger import PySparkLogger  # its own class: it logs with extra fields

        logger = PySparkLogger.getLogger("SQLQueryContextLogger")
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        _OURS.running = True
        try:
            table = self.connection.session.sql(sql).toArrow()
        except Exception as exc:
            raise as_dbapi_error(exc) from None
        finally:
            _OURS.running = False
        self.description = [
            (f.name, str(f.type), None, None, None, None, True) for f in table.schema
        ]
        columns = [col.to_pylist() for col in table.columns]
        self._rows = list(zip(*columns, strict=True)) if columns else []
        self.rowcount = len(self._rows)

    def executemany(self, operation: str, seq: Any) -> None:
        for parameters in seq:
            self.execute(operation, parameters)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        n = size or self.arraysize
        out, self._rows = self._rows[:n], self._rows[n:]
        return out

    def fetchall(self) -> list[tuple[Any, ...]]:
        out, self._rows = self._rows, []
        return out

    def close(self) -> None:
        self._rows = []

    def setinputsizes(self, sizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        pass
