"""Earlier runs' metrics (the run_metrics table): what history-based checks read instead of the
source. For each partition only its most recent run counts, as in datavigil.history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from datavigil.store import recall, recalled
from datavigil.store.models import RunMetric, ValidationRun


def earlier(
    store: Any, suite: str, metric: str, column: str | None, before: datetime, scan: int = 400
) -> list[tuple[date, str, str, float, datetime]]:
    """(day, run_id, run status, value, partition start UTC) of ``metric`` on the latest run of
    each partition that starts before ``before`` (the run's window start), newest first; at most
    ``scan`` rows are read. Partitions are told apart by their start, so an hourly suite's hours
    of one day are distinct partitions (docs/adr/0097)."""
    store.ensure_ready()
    mem = recall.active(store, suite)  # a backfill's memory of the history (docs/adr/0151)
    if mem is None:
        rows = _read(store, suite, metric, column, before, scan)
    else:
        rows = recalled.metric_earlier(mem, metric, column, before, scan)
    out: list[tuple[date, str, str, float, datetime]] = []
    for day, run_id, status, value, start in rows:
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
        if (out and out[-1][4] == start) or value is None:
            continue  # an older run of the same partition
        out.append((day, run_id, status, float(value), start))
    return out


def _read(
    store: Any, suite: str, metric: str, column: str | None, before: datetime, scan: int
) -> list[Any]:
    r, t = ValidationRun, RunMetric
    col = t.column_name.is_(None) if column is None else t.column_name == column
    stmt = (
        sa.select(r.partition_date, r.run_id, r.status, t.value, r.data_interval_start)
        .join(t, t.run_id == r.run_id)
        .where(r.suite == suite, r.data_interval_start < before, t.metric == metric, col)
        .where(t.group_key.is_(None))
        .order_by(r.data_interval_start.desc(), r.finished_at.desc())
        .limit(scan)
    )
    try:
        with store.engine.connect() as conn:
            rows = list(conn.execute(stmt))
    except sa.exc.SQLAlchemyError as exc:
        raise store._fail("read", exc) from None
    return rows
