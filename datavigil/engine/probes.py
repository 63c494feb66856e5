"""Measurements made through a source without reading its rows: the newest timestamp pushed down
to SQL, the row count of the expected partition, file modification times, column types.

Errors name the suite and the dependency: a table or file that cannot be reached is
SourceUnavailable (exit 3, retryable); a column that is missing or of the wrong type is
SuiteError (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from datavigil.core.errors import SourceUnavailable, SuiteError, first_line
from datavigil.declare.suite import Partition
from datavigil.declare.window import Window, zone
from datavigil.engine import memo
from datavigil.engine.dialects import sql_family
from datavigil.engine.sources.files import FileSource
from datavigil.engine.sources.sql import SqlSource, day_filter

if TYPE_CHECKING:
    import sqlalchemy as sa

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Where:
    """Who is asking, for error messages: suite 'flights': dependency 'weather': ..."""

    suite: str
    dependency: str

    def unavailable(self, problem: str) -> SourceUnavailable:
        return SourceUnavailable(f"suite '{self.suite}': dependency '{self.dependency}': {problem}")

    def misconfigured(self, problem: str) -> SuiteError:
        return SuiteError(self.suite, f"dependency '{self.dependency}'", problem)


@dataclass(frozen=True, slots=True)
class Latest:
    """``value``: the newest update counted, strictly before the window's end (aware, UTC), or
    None. ``newest``: newest overall (rows at or after the end arrived later). ``rows``: rows in
    total. ``day``: for a DATE or 'YYYY-MM-DD' column, the newest day counted (its value is
    that day's end in the suite's zone: a day is complete when it ends)."""

    value: datetime | None
    newest: datetime | None
    rows: int
    day: date | None = None


@contextmanager
def _connected(source: SqlSource, where: Where) -> Iterator[sa.Connection]:
    import sqlalchemy as sa

    try:
        with source.engine().connect() as conn:
            yield conn
    except sa.exc.SQLAlchemyError as exc:
        raise where.unavailable(f"{source.label} could not be read: {first_line(exc)}") from None
    except ModuleNotFoundError as exc:
        raise where.unavailable(f"source driver missing: {exc}") from None


def _column(conn: sa.Connection, source: SqlSource, name: str, where: Where) -> Any:
    """The column as a typed SQLAlchemy expression, and the FROM it belongs to."""
    import sqlalchemy as sa

    if source.query:
        return sa.column(name, sa.DateTime()), sa.text(f"({source.query_text}) AS src")
    if source.table is None:  # a SparkSource's path or DataFrame: a view of its session
        table = source.reflect(conn, where.suite)  # type: ignore[attr-defined]
        if name not in table.c:
            raise where.misconfigured(f"'{name}' is not a column of {source.label}")
        return table.c[name], table
    try:
        table = sa.Table(
            str(source.table), sa.MetaData(), schema=source.db_schema, autoload_with=conn
        )
    except sa.exc.NoSuchTableError:
        raise where.unavailable(f"table '{source.table}' not found") from None
    if name not in table.c:
        raise where.misconfigured(f"'{name}' is not a column of table '{source.table}'")
    return table.c[name], table


def _as_utc(value: Any, aware: bool, column_timezone: str, where: Where) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise where.misconfigured(
            f"timestamp column holds {type(value).__name__} values ({value!r}), not timestamps"
        )
    if value.tzinfo is None:  # an instant the driver returns naive (Spark's, in UTC): UTC
        value = value.replace(tzinfo=UTC if aware else zone(column_timezone))
    return value.astimezone(UTC)


def sql_latest(
    source: SqlSource, where: Where, column: str, window: Window, column_timezone: str
) -> Latest:
    """The newest update before ``window.end``, max overall and count(*): one aggregate query.
    A timestamp counts when it is strictly before the end (the partition's [start, end), so the
    next day's midnight row is the next day's); a date or day key when it is at most the day."""
    ahead = memo.probed(("latest", source, column, column_timezone, window.label))
    if ahead is not None:  # a backfill's days, in one statement (engine.latest_days)
        return ahead  # type: ignore[no-any-return]
    with _connected(source, where) as conn:
        col, from_ = _column(conn, source, column, where)
        family = sql_family(col.type)  # PyHive's types decorate a string: by their family
        if family in ("datetime", "datetime_tz"):
            return _latest_timestamp(conn, col, from_, window, column_timezone, where)
        if family in ("date", "str"):
            return _latest_day(conn, col, from_, window, where)
        raise where.misconfigured(
            f"column '{column}' is {col.type}, not a timestamp or a date "
            "(use partition_key= to expect the run's partition by a key)"
        )


def _aggregate(conn: Any, col: Any, from_: Any, bound: Any, strict: bool) -> tuple[Any, ...]:
    import sqlalchemy as sa

    counted = col < bound if strict else col <= bound
    stmt = sa.select(
        sa.func.max(sa.case((counted, col), else_=sa.null())), sa.func.max(col), sa.func.count()
    ).select_from(from_)
    return tuple(conn.execute(stmt).one())


def end_bound(
    conn: Any, col: Any, window: Window, column_timezone: str, key: str | None = "as_of"
) -> Any:
    """The window's end as the probe compares a timestamp with it (``col < end``), a bound
    parameter (``key`` None: a unique one, as a backfill's probe of many days binds them)."""
    import sqlalchemy as sa

    aware = sql_family(col.type) == "datetime_tz"  # timestamptz, Spark's TIMESTAMP
    end = window.end.astimezone(UTC) if aware else window.bounds_in(column_timezone)[1]
    if not aware and conn.dialect.name == "sqlite":  # text timestamps, with or without fraction
        return sa.bindparam(key, f"{end:%Y-%m-%d %H:%M:%S}", sa.String(), unique=key is None)
    typed = not isinstance(col.type, sa.types.TypeDecorator)  # PyHive's types only read
    return sa.bindparam(key, end, type_=col.type if typed else None, unique=key is None)


def _latest_timestamp(
    conn: Any, col: Any, from_: Any, window: Window, column_timezone: str, where: Where
) -> Latest:
    aware = sql_family(col.type) == "datetime_tz"  # timestamptz, Spark's TIMESTAMP
    bound = end_bound(conn, col, window, column_timezone)
    value, newest, rows = _aggregate(conn, col, from_, bound, strict=True)
    return Latest(
        value=_as_utc(value, aware, column_timezone, where),
        newest=_as_utc(newest, aware, column_timezone, where),
        rows=int(rows or 0),
    )


def _latest_day(conn: Any, col: Any, from_: Any, window: Window, where: Where) -> Latest:
    import sqlalchemy as sa

    text = isinstance(col.type, sa.String)
    done = last_complete_day(window)
    last: Any = done.isoformat() if text else done
    bound = sa.bindparam("last", last, type_=col.type)
    value, newest, rows = _aggregate(conn, col, from_, bound, strict=False)
    day, top = (_as_day(v, where) for v in (value, newest))
    return Latest(
        value=_day_end(day, window),
        newest=_day_end(top, window),
        rows=int(rows or 0),
        day=day,
    )


def last_complete_day(window: Window) -> date:
    """The last local day complete at the window's end (a day: itself; a week: its Sunday; an
    hour: the day before the hour's end)."""
    return window.end.astimezone(zone(window.timezone)).date() - timedelta(days=1)


def _as_day(value: Any, where: Where) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise where.misconfigured(f"day column holds {value!r}, not YYYY-MM-DD") from None


def _day_end(day: date | None, window: Window) -> datetime | None:
    """When a local day of the suite is complete: its end, in UTC."""
    return None if day is None else Window.for_day(day, window.timezone).end


def sql_partition_rows(
    source: SqlSource, where: Where, column: str, window: Window, column_timezone: str
) -> int:
    """Rows of the run's partition: ``column`` (a date, a timestamp, or a 'YYYY-MM-DD' key)
    within the window's local day."""
    import sqlalchemy as sa

    with _connected(source, where) as conn:
        col, from_ = _column(conn, source, column, where)
        if source.query:
            start, end = window.bounds_in(column_timezone)
            col = sa.column(column)
            cond = [col >= start, col < end]
        elif isinstance(col.type, sa.String | sa.Date) and window.unit == "hour":
            raise where.misconfigured(
                f"partition key '{column}' is {col.type}: an hourly partition needs a timestamp"
            )
        elif isinstance(col.type, sa.String):
            cond = [col.in_([d.isoformat() for d in window.days])]
        elif isinstance(col.type, sa.Date) and not isinstance(col.type, sa.DateTime):
            cond = [col >= window.days[0], col <= window.days[-1]]
        elif isinstance(col.type, sa.DateTime):
            cond = day_filter(col, window, Partition(column, column_timezone), conn)
        else:
            raise where.misconfigured(
                f"partition key '{column}' is {col.type}: expected a date, timestamp or text"
            )
        stmt = sa.select(sa.func.count()).select_from(from_).where(*cond)
        return int(conn.execute(stmt).scalar() or 0)


def file_times(
    source: FileSource, where: Where, window: Window, partition: Any
) -> dict[str, datetime]:
    """The partition's files, found as the read finds them -> modification time (UTC)."""
    return _retag(lambda: source.file_times(where.suite, window, partition), where)


def column_types(source: Any, where: Where, window: Window) -> dict[str, str]:
    """Column name -> type of a source, for schema fingerprints and coverage (no rows read)."""
    if isinstance(source, FileSource):
        return _retag(lambda: source.column_types(where.suite, window), where)
    if not isinstance(source, SqlSource):
        return _retag(lambda: source.column_types(where.suite), where)
    key = ("column_types", source)  # a backfill reads a table's catalogue once
    known = memo.probed(key)
    if known is not None:
        return dict(known)
    return dict(memo.remember(key, _retag(lambda: source.column_types(where.suite), where)))


def _retag(call: Callable[[], T], where: Where) -> T:
    """Run ``call``; a SourceUnavailable it raises is re-raised naming the dependency."""
    try:
        return call()
    except SourceUnavailable as exc:
        text = str(exc).removeprefix(f"suite '{where.suite}': ")
        raise where.unavailable(text) from None
