"""The partition condition: the run's day (or span of days, ISO week, hour) on the partition column.

A DATE column equals the day; an aware timestamp (``timestamptz``, DuckDB TIMESTAMPTZ) is
compared with aware UTC bounds; a naive timestamp with the bounds converted to the zone it is
stored in (``Partition.column_timezone``), so DST days keep their 23 or 25 hours; a text key
(a Hive partition ``ds=2013-02-08``) equals the day's ISO date. Bounds are bound parameters.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.errors import SuiteError


def _bind(value: Any, text: bool = False) -> Any:
    return sa.bindparam(None, value, type_=sa.String() if text else None, unique=True)


def _time_filter(col: Any, family: str, window: Any, partition: Any, sqlite: bool) -> list[Any]:
    if family == "datetime_tz":
        return [col >= _bind(window.start), col < _bind(window.end)]
    start, end = window.bounds_in(partition.column_timezone)
    if sqlite:  # text timestamps with or without a fraction: compare as text without one
        return [
            col >= _bind(f"{start:%Y-%m-%d %H:%M:%S}", text=True),
            col < _bind(f"{end:%Y-%m-%d %H:%M:%S}", text=True),
        ]
    return [col >= _bind(start), col < _bind(end)]


def _filter(scope: c.Scope, window: Any, partition: Any, sqlite: bool) -> list[Any]:
    col = scope.frm.c[partition.column]
    family = scope.columns[partition.column].family
    first, last = window.days[0], window.days[-1]
    if family in ("date", "str") and getattr(window, "unit", "day") == "hour":
        raise SuiteError(
            "?", "partition.column", f"'{partition.column}' is a {family}: an hourly partition "
            "needs a timestamp column"
        )  # fmt: skip
    if family == "date":
        return [col >= _bind(first), col <= _bind(last)] if first != last else [col == _bind(last)]
    if family == "str":
        days = [d.isoformat() for d in window.days]
        return [col.in_(days)] if len(days) > 1 else [col == _bind(days[0], text=True)]
    if family in ("datetime", "datetime_tz", "other"):
        return _time_filter(col, family, window, partition, sqlite)
    raise SuiteError("?", "partition.column", f"'{partition.column}' is {family}, not a date")


def _check(scope: c.Scope, partition: Any, suite: str, label: str) -> None:
    if partition.column not in scope.columns:
        raise SuiteError(
            suite, "partition.column", f"'{partition.column}' is not a column of {label}"
        )


def sql_filter(
    conn: Any, scope: c.Scope, window: Any, partition: Any, suite: str, label: str
) -> list[Any]:
    _check(scope, partition, suite, label)
    family = scope.columns[partition.column].family
    if family == "other" and conn.dialect.name == "postgresql":
        family = "datetime"
    scope = c.Scope(
        scope.frm,
        (),
        {**scope.columns, partition.column: c.Column(partition.column, family, "")},
        scope.caps,
    )
    try:
        return _filter(scope, window, partition, conn.dialect.name == "sqlite")
    except SuiteError as exc:
        raise SuiteError(suite, "partition.column", exc.problem) from None


def duck_filter(scope: c.Scope, window: Any, partition: Any, suite: str, label: str) -> list[Any]:
    _check(scope, partition, suite, label)
    try:
        return _filter(scope, window, partition, sqlite=False)
    except SuiteError as exc:
        raise SuiteError(suite, "partition.column", exc.problem) from None
