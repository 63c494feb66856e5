"""What the engine knows of each dialect: its capabilities (``Caps``: how NaN and infinity are
written, how a regular expression is matched, which text functions it has), a SQLAlchemy or DuckDB
type's family (bool, int, float, str, date, datetime, datetime_tz, other), and the in-memory
DuckDB engine every file, Arrow and pandas scan runs on.

May import: SQLAlchemy. Used by ``compile``, ``backends`` and ``sources``, so it imports none.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import registry

# duckdb-engine's dialect named directly: SQLAlchemy otherwise finds it by reading the entry
# points of every installed package, about 30 ms at the first DuckDB engine (ADR 0150); its
# subclass that opens no DuckDB database only to probe (ADR 0152)
registry.register("duckdb", "datavigil.engine.duck_dialect", "DuckDialect")


@dataclass(frozen=True, slots=True)
class Caps:
    """What a dialect supports, and how."""

    name: str
    nan: bool  # float columns can hold NaN (PostgreSQL, DuckDB, Spark; not SQLite)
    regex: str  # "op": col ~ pattern (PostgreSQL) | "func": regexp_matches | "sqlite" | "rlike"
    contains: str  # the substring-position function: strpos | instr
    nan_test: str = "eq"  # "eq": x = 'NaN' (PostgreSQL) | "isnan": isnan(x) (DuckDB, Spark)
    # scalar metrics in one SELECT: SQLite allows 2,000 result columns, PostgreSQL 1,664
    per_statement: int = 500
    # "bind": NaN and infinities are bound parameters | "cast": typed literals, CAST('NaN' AS
    # DOUBLE) (PyHive writes a float parameter as bare `nan`/`inf`: Spark reads a column name)
    specials: str = "bind"
    double: str = "FLOAT(53)"  # the 64-bit float type as the dialect spells it in a CAST
    # the planner copies a subquery's expressions into every aggregate that reads them
    # (PostgreSQL, SQLite: the one pass's shifted value ran many times a row, 7-30x slower):
    # "offset": `OFFSET 0` fences the subquery, so each is computed once per row (docs/adr/0140);
    # "volatile" (PostgreSQL): a volatile, parallel-safe function in its select list fences it
    # and the shifts are read by a statement of their own first, so the one pass can run in
    # parallel workers (an OFFSET or an InitPlan below the top level keeps it serial: ADR 0148)
    fence: str = ""
    # moments in one pass, shifted by the column's first value (docs/adr/0140)
    one_pass: bool = True
    # the one pass only with its shifts read first, by a one-row statement of their own (Spark:
    # a LIMIT 1 probe inside the statement gave its parallel tasks different first values)
    shifts_first: bool = False
    # duplicate keys of one column: `count(DISTINCT key)` first, the GROUP BY only if a key
    # repeats (PostgreSQL: a sort in memory, where the hash aggregate over millions of keys
    # spilled to disk at twice the CPU: ADR 0148)
    distinct_first: bool = False


SPARK = Caps(
    "spark", nan=True, regex="rlike", contains="instr", nan_test="isnan", specials="cast",
    double="DOUBLE", shifts_first=True,
)  # fmt: skip  # Spark SQL through the Thrift server (PyHive's `hive` dialect), Databricks


def caps_for(dialect_name: str) -> Caps:
    if dialect_name == "sqlite":
        return Caps("sqlite", nan=False, regex="sqlite", contains="instr", fence="offset")
    if dialect_name == "duckdb":
        # DuckDB's `x = 'NaN'` is false for the NaNs read from Parquet: isnan() is reliable
        # no small limit on result columns: a wide suite's 1,000 metrics are one scan, not
        # three (benchmarks/wide_bench.py; a statement too large is still split in halves)
        return Caps(
            "duckdb", nan=True, regex="func", contains="strpos", nan_test="isnan",
            per_statement=5000,
        )  # fmt: skip
    if dialect_name == "postgresql":
        return Caps(
            "postgresql", nan=True, regex="op", contains="strpos", fence="volatile",
            distinct_first=True, specials="cast",
        )  # fmt: skip
    if dialect_name in SPARK_DIALECTS:
        return SPARK
    # other dialects: the PostgreSQL-like defaults; a missing function fails at run time and is
    # reported as an error naming the dialect (datavigil.engine.plan)
    return Caps(dialect_name, nan=True, regex="op", contains="strpos")


SPARK_DIALECTS = ("hive", "databricks", "spark")


def prepare_spark(engine: sa.Engine) -> None:
    """A Spark engine as the compiler expects it: every session in UTC (``SET
    spark.sql.session.timeZone``), so a TIMESTAMP (an instant) is written and read as UTC wall
    time; and PyHive taught Spark's ``timestamp_ntz`` (a naive timestamp, else unrecognized)."""
    from pyhive import sqlalchemy_hive

    sqlalchemy_hive._type_map.setdefault("timestamp_ntz", _local_timestamp())

    @sa.event.listens_for(engine, "connect")
    def _utc(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("SET spark.sql.session.timeZone=UTC")
        cursor.close()


@functools.cache
def _local_timestamp() -> Any:
    """Spark's TIMESTAMP_NTZ (a naive timestamp), read from the server's text as PyHive reads
    a TIMESTAMP."""
    from pyhive.sqlalchemy_hive import HiveTimestamp

    return type("SparkLocalTimestamp", (HiveTimestamp,), {"cache_ok": True})


def sql_family(t: Any) -> str:
    """A SQLAlchemy type's family (a TypeDecorator's, such as PyHive's DATE and TIMESTAMP
    that parse the server's text: of the type it decorates)."""
    if type(t).__name__ == "HiveTimestamp":  # Spark's TIMESTAMP: an instant, read in UTC
        return "datetime_tz"
    if isinstance(t, sa.types.TypeDecorator):
        t = t.impl_instance
    if isinstance(t, sa.Boolean):
        return "bool"
    if isinstance(t, sa.Integer):
        return "int"
    if isinstance(t, sa.Float | sa.Numeric):
        return "float"
    if isinstance(t, sa.DateTime):
        return "datetime_tz" if t.timezone else "datetime"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, sa.String | sa.Text | sa.Enum):
        return "str"
    return "other"


DUCK = {
    "BOOLEAN": "bool", "TINYINT": "int", "SMALLINT": "int", "INTEGER": "int", "BIGINT": "int",
    "HUGEINT": "int", "UTINYINT": "int", "USMALLINT": "int", "UINTEGER": "int", "UBIGINT": "int",
    "FLOAT": "float", "DOUBLE": "float", "VARCHAR": "str", "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "datetime_tz",
}  # fmt: skip


def duck_family(type_name: str) -> str:
    t = type_name.upper()
    if t in DUCK:
        return DUCK[t]
    if t.startswith("DECIMAL"):
        return "float"
    if t.startswith("TIMESTAMP"):
        return "datetime_tz" if "TIME ZONE" in t else "datetime"
    if t.startswith("ENUM"):
        return "str"
    return "other"


def duck_engine() -> sa.Engine:
    """An in-memory DuckDB. Statistics propagation is off: with it, DuckDB 2.0 folds
    ``isnan(x)`` to false for a Parquet column whose statistics omit NaN (duckdb#7803), so a
    NaN would count as a present, in-range value (benchmarks/selfcheck.py, ADR 0042). Within
    ``reuse.shared_engines()`` (a run, a backfill) the one DuckDB of the context while no other
    scan holds it: give it back with ``reuse.dispose``."""
    config = {
        "preserve_insertion_order": True,
        "memory_limit": "768MB",  # spills beyond it: peak RSS stays under 1 GiB (make bench)
        "disabled_optimizers": "statistics_propagation",
    }
    from datavigil.engine import reuse

    return reuse.engine_for(  # within a run: its one DuckDB connection (docs/adr/0141)
        DUCK_KEY,
        lambda: sa.create_engine(
            "duckdb:///:memory:", connect_args={"config": config}, poolclass=sa.pool.StaticPool
        ),
        exclusive=True,
    )


DUCK_KEY = "duckdb:///:memory: (in process)"
