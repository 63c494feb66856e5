"""What the engine knows of each dialect's types and of its embedded DuckDB: a SQLAlchemy or
DuckDB type's family (bool, int, float, str, date, datetime, datetime_tz, other) and the in-memory
DuckDB engine every file, Arrow and pandas scan runs on.

May import: SQLAlchemy. Used by ``backends`` and ``sources`` (which ``backends`` reads), so it
imports neither.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def sql_family(t: Any) -> str:
    """A SQLAlchemy type's family."""
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
    NaN would count as a present, in-range value (benchmarks/selfcheck.py, ADR 0042)."""
    config = {
        "preserve_insertion_order": True,
        "memory_limit": "768MB",  # spills beyond it: peak RSS stays under 1 GiB (make bench)
        "disabled_optimizers": "statistics_propagation",
    }
    return sa.create_engine(
        "duckdb:///:memory:", connect_args={"config": config}, poolclass=sa.pool.StaticPool
    )
