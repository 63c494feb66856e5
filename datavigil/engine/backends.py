"""Where a plan runs: the source database (push-down) or DuckDB in process.

``open_scan(suite, source, window, partition)`` gives a Scan (a context manager) over the
partition: its columns (family and type, read once from the source's schema) and ``compute``.
SQL sources run the plan in their own database through SQLAlchemy; files, Arrow tables and
pandas frames run it in an in-memory DuckDB. No data row leaves the source except bounded samples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from datavigil.core.errors import SourceUnavailable, SuiteError, first_line
from datavigil.engine import compile as c
from datavigil.engine import metrics as m
from datavigil.engine import plan, reuse, row_queries
from datavigil.engine.ahead import import_ahead
from datavigil.engine.dialects import duck_engine, duck_family
from datavigil.engine.partition import duck_filter, sql_filter
from datavigil.engine.values import Values

INFRA = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
)


# sqlite3 raises OperationalError for nearly everything; these are about the statement (a
# function SQLite lacks, a value it cannot hold, a statement beyond its limits, SQL it cannot
# parse), not about reaching the database: the same statement fails the same way on every retry
SQLITE_STATEMENT = (
    "no such function",
    "no such column",
    "wrong number of arguments",
    "misuse of",
    "integer overflow",
    "user-defined function raised exception",
    "expression tree is too large",
    "too many",  # columns in a result set, terms in a compound SELECT, SQL variables, arguments
    "parser stack overflow",
    "string or blob too big",
    "syntax error",
)
# PostgreSQL's class 54, "program limit exceeded" (statement too complex, too many columns or
# arguments): psycopg raises it as an OperationalError, yet it is the statement's, not the server's
PG_STATEMENT_CLASS = "54"


def is_infra(exc: BaseException) -> bool:
    """Whether a failure is about reaching the source (retryable: exit 3) rather than about
    the statement (deterministic: the error of the metrics in it)."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", None)
    if _server_rejected(orig):
        return False
    if type(orig).__module__ == "sqlite3" and any(w in str(orig).lower() for w in SQLITE_STATEMENT):
        return False
    code = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    if code.startswith(PG_STATEMENT_CLASS):
        return False
    return isinstance(exc, INFRA)


# Spark's error classes about the source, not the statement: a file of the table that cannot be
# read, a table or path gone while the run reads it (retryable, as DuckDB's unreadable file)
SPARK_SOURCE = ("FAILED_READ_FILE", "TABLE_OR_VIEW_NOT_FOUND", "PATH_NOT_FOUND")


def _server_rejected(orig: Any) -> bool:
    """PyHive raises OperationalError for every statement the server answered with an error
    (a function Spark lacks, a regex it cannot compile, an unresolved column): the Thrift
    response carries the server's status. A lost connection raises Thrift's or the socket's
    own errors instead (``transport_error``)."""
    status = getattr(orig.args[0], "status", None) if getattr(orig, "args", None) else None
    message = str(getattr(status, "errorMessage", None) or "")
    if not type(orig).__module__.startswith("pyhive") or not message:
        return False
    return not any(word in message for word in SPARK_SOURCE)


def transport_error(exc: BaseException) -> bool:
    """A failure to reach the server that the driver raises unwrapped (PyHive lets Thrift's
    TTransportException for a refused or reset socket through): infrastructure."""
    module = type(exc).__module__
    return module.startswith(("thrift.", "thrift_sasl")) or isinstance(exc, ConnectionError)


def duck_read_error(exc: BaseException) -> bool:
    """Whether a DuckDB error met while a query runs is the source's (a file that cannot be
    read: DuckDB raises its bare ``Error`` for a corrupt Parquet footer or a truncated file, an
    IOException for I/O, "CSV Error" for a malformed CSV line, and reports an object of a
    pyarrow dataset (object storage) that cannot be read) rather than the metric's."""
    import duckdb

    orig = getattr(exc, "orig", exc)
    if type(orig) is duckdb.Error or isinstance(orig, duckdb.IOException | duckdb.HTTPException):
        return True
    text = str(orig)
    return isinstance(orig, duckdb.Error) and ("CSV Error" in text or READ_ARROW in text)


T = TypeVar("T")
READ_ARROW = "reading the Arrow source failed"  # a pyarrow dataset's object could not be read


@dataclass
class Scan:
    """One partition of one source, ready to compute metrics."""

    scope: c.Scope
    conn: Any  # sa.Connection
    label: str
    suite: str
    kind: str  # sql | duckdb

    @property
    def columns(self) -> dict[str, c.Column]:
        return self.scope.columns

    def run(self, stmt: Any) -> list[Any]:
        return list(self.conn.execute(stmt).all())

    def compute(self, metrics: Any) -> Values:
        if any(isinstance(x, m.Moments) for x in metrics):  # their tests need it (ADR 0152)
            import_ahead("scipy.special")  # imported while the statement runs
        try:
            return plan.compute(self.scope, metrics, self._run_isolated, self._is_infra)
        except Exception as exc:
            if not isinstance(exc, sa.exc.SQLAlchemyError) and not transport_error(exc):
                raise
            raise SourceUnavailable(
                f"suite '{self.suite}': source {self.label} could not be read: {first_line(exc)}"
            ) from None

    def ahead(self) -> Ahead:
        """A fetcher that collects the samples the checks ask for, then reads them at once."""
        return Ahead(self)

    def samples(self, metrics: list[Any]) -> Values:
        """Samples and repeated keys in one statement (row_queries.samples); if the backend
        rejects it, each in its own (the metric's error named as ``compute`` names it)."""
        batched = [x for x in dict.fromkeys(metrics) if isinstance(x, m.Sample | m.RepeatedKeys)]
        batched = [x for x in batched if m.metric_columns(x) <= set(self.columns)]
        values = Values()
        if len(batched) > 1:
            try:
                row_queries.samples(self.scope, batched, self._run_isolated, values)
            except (sa.exc.SQLAlchemyError, m.MetricError) as exc:
                if self._is_infra(exc):
                    return self.compute(metrics)  # raises SourceUnavailable, named
                values = Values()
        rest = [x for x in metrics if x not in values.data]
        if rest:
            more = self.compute(rest)
            values.data |= more.data
            values.queries += more.queries
        return values

    def _is_infra(self, exc: BaseException) -> bool:
        return is_infra(exc) or (self.kind == "duckdb" and duck_read_error(exc))

    def _run_isolated(self, stmt: Any) -> list[Any]:
        """Run one statement; on PostgreSQL a failed statement aborts the transaction, so each
        runs in a savepoint and a failure leaves the next one unaffected."""
        if self.kind == "sql" and self.conn.dialect.name == "postgresql":
            with self.conn.begin_nested():
                return self.run(stmt)
        try:
            return self.run(stmt)
        except sa.exc.SQLAlchemyError:
            if self.kind == "duckdb":  # DuckDB has no savepoints: end the aborted transaction
                self.conn.rollback()
            raise


class Ahead:
    """The samples of a run's checks in one statement: ``record`` (the judges' first round)
    notes what each asks for; ``load`` reads them all with ``Scan.samples`` and returns the
    fetcher of the second round, which reads only what was not asked before."""

    def __init__(self, scan: Scan) -> None:
        self.scan, self.wanted, self.got, self.calls = scan, list[Any](), Values(), 0

    def record(self, metrics: list[Any]) -> Values:
        self.calls += 1
        self.wanted += [x for x in metrics if x not in self.wanted]
        return Values()

    def judge(self, judge: Callable[[int, Any], list[T]], count: int, ctx: Any) -> list[T]:
        """The results of checks ``0..count-1``, ``judge(i, ctx)`` each: first noting what each
        asks for (storing no failing rows), then again only the checks that asked for rows
        (every check when the suite stores failing rows), with all of them read in one
        statement (the samples of every failing check: docs/adr/0140)."""
        first = dataclasses.replace(ctx, fetch=self.record, keep=None)
        out, again = [], []
        for i in range(count):
            calls = self.calls
            out.append(judge(i, first))
            if self.calls > calls or ctx.keep is not None:
                again.append(i)
        if again:
            second = dataclasses.replace(ctx, fetch=self.load())
            for i in again:
                out[i] = judge(i, second)
        return [r for results in out for r in results]

    def load(self) -> Ahead:
        if self.wanted:
            self.got = self.scan.samples(self.wanted)
        return self

    def __call__(self, metrics: list[Any]) -> Values:
        missing = [x for x in metrics if x not in self.got.data]
        if missing:
            self.got.data |= self.scan.compute(missing).data
        return Values({x: self.got.data[x] for x in metrics}, self.got.queries)


@contextmanager
def open_scan(suite: str, source: Any, window: Any, partition: Any) -> Iterator[Scan]:
    """A Scan of ``source`` over ``window`` (None: the whole source)."""
    from datavigil.engine.sources import FileSource, FrameSource, SqlSource

    if isinstance(source, SqlSource):
        with _sql_scan(suite, source, window, partition) as scan:
            yield scan
    elif isinstance(source, FileSource | FrameSource):
        with _duck_scan(suite, source, window, partition) as scan:
            yield scan
    else:
        raise SuiteError(suite, "source", f"{type(source).__name__} is not a datavigil source")


@contextmanager
def _sql_scan(suite: str, source: Any, window: Any, partition: Any) -> Iterator[Scan]:
    label = source.label
    engine = None
    try:
        engine = source.engine(suite)
        with engine.connect() as conn:
            frm, columns = source.from_clause(conn, suite)
            scope = c.Scope(frm, (), columns, c.caps_for(conn.dialect.name))
            if window is not None and partition is not None:
                where = sql_filter(conn, scope, window, partition, suite, label)
                scope = c.Scope(frm, tuple(where), columns, scope.caps)
            yield Scan(scope, conn, label, suite, "sql")
    except sa.exc.SQLAlchemyError as exc:
        raise SourceUnavailable(
            f"suite '{suite}': source {label} could not be read: {first_line(exc)}"
        ) from None
    except ModuleNotFoundError as exc:
        raise SuiteError(suite, "source", f"database driver missing: {exc}") from None
    except Exception as exc:
        if not transport_error(exc):
            raise
        raise SourceUnavailable(
            f"suite '{suite}': source {label} could not be reached: {first_line(exc)}"
        ) from None
    finally:  # the scan's own engine: close its pooled connection, or every run leaves one
        if engine is not None:
            reuse.dispose(engine)  # unless a backfill shares it (datavigil.engine.reuse)


@contextmanager
def _duck_scan(suite: str, source: Any, window: Any, partition: Any) -> Iterator[Scan]:
    import duckdb

    label = source.label
    engine = duck_engine()
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            rel = source.relation(raw, suite, window, partition)
            rel.create_view("src", replace=True)
            names, types = list(rel.columns), [str(t) for t in rel.types]
            columns = {n: c.Column(n, duck_family(t), t) for n, t in zip(names, types, strict=True)}
            frm = sa.table("src", *[sa.column(n) for n in names])
            scope = c.Scope(frm, (), columns, c.caps_for("duckdb"))
            if window is not None and partition is not None:
                where = duck_filter(scope, window, partition, suite, label)
                scope = c.Scope(frm, tuple(where), columns, scope.caps)
            yield Scan(scope, conn, label, suite, "duckdb")
    except (duckdb.Error, OSError) as exc:  # binding the scan opens the files: theirs
        raise SourceUnavailable(
            f"suite '{suite}': source {label} could not be read: {first_line(exc)}"
        ) from None
    finally:
        reuse.dispose(engine)  # the run's shared DuckDB stays open (docs/adr/0141)
