"""Small builders shared by the unit tests: Arrow tables and a check runner that goes through the
engine the way a run does (metrics planned, computed by DuckDB, judged)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from datavigil.checks.base import Check, CheckContext
from datavigil.core.outcome import CheckResult
from datavigil.declare.window import Window

DAY = date(2024, 5, 1)


@contextmanager
def statements_to(keep: Callable[[Any], bool]) -> Iterator[list[str]]:
    """Every statement SQLAlchemy sends on a connection ``keep`` accepts, in order."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if keep(conn):
            seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", note)


def write_events_table(url: str, rows: list[dict[str, Any]], ts: Any = sa.DateTime) -> None:
    """The table ``events`` (id, x, cat, ts) holding ``rows``, created at ``url``: the columns
    the rows have (``cat`` is left out when they have none), ``ts`` of the type ``ts``."""
    engine = sa.create_engine(url)
    columns = {"id": sa.Integer, "x": sa.Float, "cat": sa.String(8), "ts": ts}
    keys = set().union(*(r.keys() for r in rows)) if rows else set(columns)
    table = sa.Table(
        "events", sa.MetaData(), *[sa.Column(n, t) for n, t in columns.items() if n in keys]
    )
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), rows)
    engine.dispose()


def query(url: str, sql: str, **params: Any) -> list[Any]:
    """Rows of one SQL statement against a results store (a real database, never a mock)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params).all())
    finally:
        engine.dispose()


def by_check(url: str, sql: str, **params: Any) -> dict[str, dict[str, Any]]:
    """Check-result rows of ``sql`` (with a ``check_name`` and a ``details`` column) as dicts by
    check name, ``details`` parsed from JSON where the database returns it as text."""
    import json

    out = {}
    for row in query(url, sql, **params):
        data = dict(row._mapping)
        details = data["details"]
        data["details"] = json.loads(details) if isinstance(details, str) else details
        out[data["check_name"]] = data
    return out


def chunk(**columns: list[Any]) -> Any:
    """An Arrow table from Python lists; None becomes a real Arrow NULL, float('nan') stays NaN."""
    import pyarrow as pa

    arrays = {name: pa.array(values, from_pandas=False) for name, values in columns.items()}
    return pa.table(arrays)


def split(columns: dict[str, list[Any]], size: int) -> list[Any]:
    """The same data as pieces of at most ``size`` rows (the engine sees them as one table)."""
    n = len(next(iter(columns.values())))
    return [
        chunk(**{k: v[i : i + size] for k, v in columns.items()}) for i in range(0, n, size)
    ] or [chunk(**{k: [] for k in columns})]


def run_check(check: Check, chunks: list[Any]) -> list[CheckResult]:
    """Run one check through the engine (DuckDB over the in-memory Arrow table), as a run does:
    plan its metrics, compute them, judge, fetch a sample if it failed."""
    import pyarrow as pa

    from datavigil.engine import metrics as m
    from datavigil.engine.backends import open_scan
    from datavigil.engine.sources import FrameSource

    empty = pa.table({"_": pa.array([], pa.int64())})  # DuckDB needs at least one column
    table = pa.concat_tables(chunks, promote_options="default") if chunks else empty
    with open_scan("t", FrameSource(table), None, None) as scan:
        values = scan.compute([m.RowCount(), *check.metrics(scan.columns)])
        ctx = CheckContext(
            suite="t",
            window=Window.for_day(DAY, "UTC"),
            rows=values.get(m.RowCount()),
            columns=scan.columns,
            fetch=scan.compute,
        )
        return check.results(values, ctx)


def run_one(check: Check, chunks: list[Any]) -> CheckResult:
    (result,) = run_check(check, chunks)
    return result


def comparable(result: CheckResult) -> tuple[Any, ...]:
    """What must not depend on how the partition was chunked."""
    o = result.outcome
    return (
        o.status,
        o.observed_value,
        o.rows_checked,
        o.failing_rows,
        o.failure_sample,
        o.details,
    )


SUITE_MODULE = """
import pandera.pandas as pa
from pandera.typing import Series

from datavigil.checks import NullRate, Range, Unique
from datavigil import FileSource, Partition, SqlSource, Suite


class Orders(pa.DataFrameModel):
    id: Series[int]
    amount: Series[float] = pa.Field(nullable=True)


suite = Suite(
    name="{name}",
    source={source},
    model=Orders,
    checks=[
        NullRate("amount", max_fraction=0.2, severity="{severity}"),
        Range("amount", min=0, max=1000),
        Unique("id"),
    ],
)
"""


def write_suite(
    schemas: Path,
    name: str,
    source: str,
    severity: str = "error",
    text: str | None = None,
) -> Path:
    """A suite module in ``schemas`` over the Orders model (id int, amount float)."""
    schemas.mkdir(parents=True, exist_ok=True)
    path = schemas / f"{name}.py"
    body = SUITE_MODULE.format(name=name, source=source, severity=severity)
    path.write_text(text if text is not None else body, encoding="utf-8")
    return path


def write_orders_db(path: Path, days: dict[str, list[tuple[int, float | None]]]) -> str:
    """A SQLite warehouse with table ``orders`` (id, amount, ts naive UTC at noon of each day)."""
    import sqlalchemy as sa

    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    table = sa.Table(
        "orders",
        sa.MetaData(),
        sa.Column("id", sa.Integer),
        sa.Column("amount", sa.Float),
        sa.Column("ts", sa.DateTime),
    )
    with engine.begin() as conn:
        table.create(conn)
        for day, rows in days.items():
            ts = datetime.fromisoformat(f"{day}T12:00:00")
            conn.execute(table.insert(), [{"id": i, "amount": a, "ts": ts} for i, a in rows])
    engine.dispose()
    return url
