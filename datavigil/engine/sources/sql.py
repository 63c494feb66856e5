"""SqlSource: a table (or a SELECT) in a database reached through SQLAlchemy, and the partition
condition on a reflected table column (the probes' upstream counts).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datavigil.core import config
from datavigil.core.errors import SourceUnavailable, SuiteError, first_line
from datavigil.declare.suite import Partition
from datavigil.declare.window import Window
from datavigil.engine import memo, reuse

if TYPE_CHECKING:
    import sqlalchemy as sa


PG_OIDS = {
    16: "bool", 20: "int", 21: "int", 23: "int", 700: "float", 701: "float", 1700: "float",
    25: "str", 1043: "str", 1042: "str", 1082: "date", 1114: "datetime", 1184: "datetime_tz",
}  # fmt: skip  # PostgreSQL type OIDs of a query's columns
SPARK_NOT_FOUND = ("TABLE_OR_VIEW_NOT_FOUND", "SCHEMA_NOT_FOUND")  # Spark's error classes
# the tables reflected through an engine: a run's engine (shared by its scans, ADR 0141) reads
# a table's columns once, however many scans and probes read the table (ADR 0148)
_REFLECTED: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], Any]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class SqlSource:
    """A table (or a SELECT) reached through SQLAlchemy: ``url`` (``{home}`` expands to
    DATAVIGIL_HOME) or, inside Airflow, ``conn_id``. The partition filter uses bound parameters
    and quoted identifiers; a query is wrapped as a subquery."""

    table: str | None = None
    query: str | None = None
    url: str | None = None
    conn_id: str | None = None
    db_schema: str | None = None

    def problems(self, partition: Partition | None) -> list[str]:
        out = []
        if bool(self.table) == bool(self.query):
            out.append("SqlSource needs exactly one of table= or query=")
        if bool(self.url) == bool(self.conn_id):
            out.append("SqlSource needs exactly one of url= or conn_id=")
        if self.query and not self.query.lstrip().lower().startswith(("select", "with")):
            out.append("SqlSource query must be a SELECT")
        if isinstance(self.url, str) and self.url:
            problem = config.url_problem(config.expand(self.url))
            if problem:
                out.append(f"url: {problem}")
        return out

    @property
    def label(self) -> str:
        return f"table '{self.table}'" if self.table else "query"

    @property
    def query_text(self) -> str:
        """The query as a subquery's text: without the trailing semicolon users often write."""
        return str(self.query).strip().rstrip(";").rstrip()

    def resolved_url(self) -> str:
        return config.expand(self.url) if self.url else config.connection_url(str(self.conn_id))

    def _table(self, conn: sa.Connection, suite: str) -> sa.Table:
        """The table with its columns, reflected once per engine (a run's: its scans share it)."""
        cache = _REFLECTED.setdefault(conn.engine, {})
        key = (self.db_schema, str(self.table))
        if key not in cache:
            cache[key] = self._reflect(conn, suite)
        return cache[key]

    def _query_columns(self, conn: sa.Connection) -> tuple[list[str], list[Any]]:
        """A query's column names and type codes: its ``LIMIT 0`` probe, once per engine."""
        import sqlalchemy as sa

        cache = _REFLECTED.setdefault(conn.engine, {})
        key = ("query", None, self.query_text)  # never a table's (schema, name)
        if key not in cache:
            probe = conn.execute(sa.text(f"SELECT * FROM ({self.query_text}) AS src LIMIT 0"))
            desc = (probe.cursor.description or []) if probe.cursor else []
            cache[key] = (list(probe.keys()), [d[1] for d in desc])
        names, codes = cache[key]
        return list(names), list(codes)

    def _reflect(self, conn: sa.Connection, suite: str) -> sa.Table:
        """On PostgreSQL the columns alone (one catalogue query; a table's full reflection, its
        keys, indexes, constraints and comments, took 11), elsewhere the whole table."""
        import sqlalchemy as sa

        known = memo.probed(("table", self))  # a backfill reflects it once (ADR 0146)
        if known is not None:
            return known  # type: ignore[no-any-return]
        try:
            if conn.dialect.name == "postgresql":
                cols = sa.inspect(conn).get_columns(str(self.table), schema=self.db_schema)
                table = sa.Table(
                    str(self.table),
                    sa.MetaData(),
                    *[sa.Column(col["name"], col["type"]) for col in cols],
                    schema=self.db_schema,
                )
            else:
                table = sa.Table(
                    str(self.table), sa.MetaData(), schema=self.db_schema, autoload_with=conn
                )
            return memo.remember(("table", self), table)  # type: ignore[no-any-return]
        except sa.exc.NoSuchTableError:
            raise SourceUnavailable(
                f"suite '{suite}': source table '{self.table}' not found"
            ) from None
        except sa.exc.OperationalError as exc:  # PyHive on Spark: DESCRIBE of a missing table
            if not any(w in str(exc.orig) for w in SPARK_NOT_FOUND):
                raise
            raise SourceUnavailable(
                f"suite '{suite}': source table '{self.table}' not found"
            ) from None

    def engine(self, suite: str = "?") -> sa.Engine:
        """An engine for the source; an SQLite file is opened read-only and must exist, so a
        mistyped path is "not found" and never creates an empty database."""
        import sqlalchemy as sa

        try:
            url = sa.make_url(self.resolved_url())
        except sa.exc.ArgumentError:
            raise SuiteError(suite, "source", "url is not a SQLAlchemy URL") from None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(url.database)
            if not path.is_file():
                raise SourceUnavailable(f"suite '{suite}': source database {path} not found")
            url = url.set(database=f"file:{path}", query={"mode": "ro", "uri": "true"})
        key = url.render_as_string(hide_password=False)  # a backfill's runs share one
        return reuse.engine_for(key, lambda: _new_engine(url))

    def from_clause(self, conn: sa.Connection, suite: str) -> tuple[Any, dict[str, Any]]:
        """The FROM clause (the table, or the query as a subquery) and its columns."""
        import sqlalchemy as sa

        from datavigil.engine.compile import Column
        from datavigil.engine.dialects import sql_family

        if self.query:
            names, codes = self._query_columns(conn)
            frm = (
                sa.text(f"({self.query_text})")
                .columns(*[sa.column(n) for n in names])
                .subquery("src")
            )
            fams = [PG_OIDS.get(code, "other") for code in codes] or ["other"] * len(names)
            cols = {n: Column(n, f, "?") for n, f in zip(names, fams, strict=False)}
            return frm, cols
        table = self._table(conn, suite)
        cols = {
            col.name: Column(col.name, sql_family(col.type), str(col.type)) for col in table.columns
        }
        return table, cols

    def column_types(self, suite: str) -> dict[str, str]:
        """Column name -> database type, for the schema fingerprint (no rows read)."""
        import sqlalchemy as sa

        engine = self.engine(suite)
        try:
            with engine.connect() as conn:
                if self.query:
                    return {k: "?" for k in self._query_columns(conn)[0]}
                table = self._table(conn, suite)
                return {c.name: str(c.type) for c in table.columns}
        except sa.exc.SQLAlchemyError as exc:
            raise SourceUnavailable(
                f"suite '{suite}': source {self.label}: {first_line(exc)}"
            ) from None
        finally:  # no pooled connection left behind
            reuse.dispose(engine)


def day_filter(col: Any, window: Window, partition: Partition, conn: Any = None) -> list[Any]:
    """The partition condition on a table column; pass ``conn`` so that SQLite's text
    timestamps are compared right (see _naive_bounds)."""
    import sqlalchemy as sa

    if isinstance(col.type, sa.Date) and not isinstance(col.type, sa.DateTime):
        return [col == window.day]
    if isinstance(col.type, sa.DateTime) and col.type.timezone:
        start, end = _bind(window.start, window.end)
    else:
        start, end = _naive_bounds(conn, window, partition)
    return [col >= start, col < end]


def _bind(start: Any, end: Any) -> tuple[Any, Any]:
    import sqlalchemy as sa

    text = sa.String() if isinstance(start, str) else None
    return (
        sa.bindparam("p_start", start, type_=text, unique=True),
        sa.bindparam("p_end", end, type_=text, unique=True),
    )


def _naive_bounds(conn: Any, window: Window, partition: Partition) -> tuple[Any, Any]:
    """Bound parameters for a naive timestamp column. SQLite stores timestamps as text, with or
    without a fraction ('2013-03-10 05:00:00[.000000]'); bounds as text without one compare
    right with both, where datetime bounds (always with a fraction) move midnight's rows to the
    previous day."""
    start, end = window.bounds_in(partition.column_timezone)
    if conn is not None and conn.dialect.name == "sqlite":
        return _bind(f"{start:%Y-%m-%d %H:%M:%S}", f"{end:%Y-%m-%d %H:%M:%S}")
    return _bind(start, end)


def _new_engine(url: sa.URL) -> sa.Engine:
    """The source's engine; a Spark session is set to UTC on connect (docs/adr/0127)."""
    import sqlalchemy as sa

    from datavigil.engine.dialects import SPARK_DIALECTS, prepare_spark

    engine = sa.create_engine(url, pool_pre_ping=True)
    if url.get_backend_name() in SPARK_DIALECTS:
        prepare_spark(engine)
    return engine
