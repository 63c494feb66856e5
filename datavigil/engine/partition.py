"""The partition condition: the run's day (or span of days, ISO week, hour) on the partition column.

A DATE column equals the day; an aware timestamp (``timestamptz``, DuckDB TIMESTAMPTZ) is
compared with aware UTC bounds; a naive timestamp with the bounds converted to the zone it is
stored in (``Partition.column_timezone``), so DST days keep their 23 or 25 hours; a text key
(a Hive partition ``ds=2013-02-08``) equals the day's ISO date. Bounds are bound parameters.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import sqlalchemy as sa

from datavigil.core.errors import SuiteError
from datavigil.engine import compile as c
from datavigil.engine.sargable import sargable_range

SQLITE_TEXT = ("datetime", "str", "other")  # the families SQLite's filter reads as text


def _bind(value: Any, text: bool = False) -> Any:
    return sa.bindparam(None, value, type_=sa.String() if text else None, unique=True)


def _time_filter(col: Any, family: str, window: Any, partition: Any) -> list[Any]:
    if family == "datetime_tz":  # in UTC: a driver that writes the wall time (PyHive) is right
        start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
        return [col >= _bind(start), col < _bind(end)]
    start, end = window.bounds_in(partition.column_timezone)
    return [col >= _bind(start), col < _bind(end)]


def sqlite_rule(
    raw: Any, length: Any, instant: Any, window: Any, partition: Any, upper: bool = True
) -> Any:
    """The window's rule on SQLite's text partition value ``raw`` (its ``length``, its
    ``datetime()`` ``instant``): a date alone (10 characters) from the window's first day
    (to its last), a timestamp from its start (to its end). Without ``upper``: "from the window
    on", as a backfill tells its days apart (``grouped``), from this very rule."""
    first, last, start, end = sqlite_bounds(window, partition)
    as_date = [length == 10, raw >= _bind(first, text=True)]
    as_time = [length > 10, instant >= _bind(start, text=True)]
    if upper:
        as_date.append(raw <= _bind(last, text=True))
        as_time.append(instant < _bind(end, text=True))
    return sa.or_(sa.and_(*as_date), sa.and_(*as_time))


def sqlite_bounds(window: Any, partition: Any) -> tuple[str, str, str, str]:
    """The texts ``sqlite_rule`` compares with: a date alone from ``first`` to ``last`` (both
    in), a timestamp's ``datetime()`` from ``start`` (in) to ``end`` (out)."""
    start, end = window.bounds_in(partition.column_timezone)
    first, last = window.days[0].isoformat(), window.days[-1].isoformat()
    return first, last, f"{start:%Y-%m-%d %H:%M:%S}", f"{end:%Y-%m-%d %H:%M:%S}"


def _sqlite_filter(col: Any, window: Any, partition: Any) -> list[Any]:
    """SQLite keeps dates and timestamps as text in any declared type (or none): a 10-character
    value is a date, compared with the days; a longer one a timestamp, normalized by
    ``datetime()`` (a fraction, a 'T' separator) and compared with the bounds as text. Raw
    text comparison put '2013-03-10T04:59:59' after '2013-03-10 05:00:00' and a date-only
    '2013-03-11' inside the 10th's bounds."""
    start, end = window.bounds_in(partition.column_timezone)
    rule = sqlite_rule(col, sa.func.length(col), sa.func.datetime(col), window, partition)
    return [sargable_range(col, window, start, end), rule]


def _filter(scope: c.Scope, window: Any, partition: Any, sqlite: bool) -> list[Any]:
    col = scope.frm.c[partition.column]
    family = scope.columns[partition.column].family
    first, last = window.days[0], window.days[-1]
    if family in ("date", "str") and getattr(window, "unit", "day") == "hour":
        raise SuiteError(
            "?", "partition.column", f"'{partition.column}' is a {family}: an hourly partition "
            "needs a timestamp column"
        )  # fmt: skip
    if sqlite and family in SQLITE_TEXT:
        return _sqlite_filter(col, window, partition)
    if family == "date":
        return [col >= _bind(first), col <= _bind(last)] if first != last else [col == _bind(last)]
    if family == "str":
        days = [d.isoformat() for d in window.days]
        return [col.in_(days)] if len(days) > 1 else [col == _bind(days[0], text=True)]
    if family in ("datetime", "datetime_tz", "other"):
        return _time_filter(col, family, window, partition)
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
