"""Reading check results back: the statement behind ``Store.results`` (check results joined with
their run, newest partition first) and its filters. Runs a query here, never a write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from datavigil.store.models import CheckResultRow, ValidationRun


def results_statement(
    suite: str | None = None,
    status: str | Sequence[str] | None = None,
    since: datetime | None = None,
    limit: int = 1000,
    latest: bool = False,
    first: date | None = None,
    last: date | None = None,
    check: str | None = None,
) -> Any:
    """The SELECT of ``Store.results`` with its filters (the arguments mean the same there)."""
    stmt = _joined(limit)
    if latest:
        stmt = stmt.where(_no_later_run())
    r, c = ValidationRun, CheckResultRow
    if suite:
        stmt = stmt.where(r.suite == suite)
    if status:
        stmt = stmt.where(c.status.in_([status] if isinstance(status, str) else status))
    if since:
        stmt = stmt.where(r.finished_at >= since)
    if first:
        stmt = stmt.where(r.partition_date >= first)
    if last:
        stmt = stmt.where(r.partition_date <= last)
    return _check_filter(stmt, check)


def _joined(limit: int) -> Any:
    r, c = ValidationRun, CheckResultRow
    return (
        sa.select(
            r.suite,
            r.partition_date,
            r.origin,
            r.run_id,
            r.status.label("run_status"),
            c.check_name,
            c.column_name,
            c.severity,
            c.status,
            c.observed_value,
            c.threshold,
            c.failing_rows,
            c.message,
            r.finished_at,
        )
        .join(c, c.run_id == r.run_id)
        .order_by(r.partition_date.desc(), r.suite, r.finished_at.desc(), c.check_name)
        .limit(limit)
    )


def _no_later_run() -> Any:
    """No run of the same (suite, partition day) finished later."""
    r = ValidationRun
    later = r.__table__.alias("later").c
    return ~sa.exists().where(
        later.suite == r.suite,
        later.partition_date == r.partition_date,
        later.finished_at > r.finished_at,
    )


def _check_filter(stmt: Any, check: str | None) -> Any:
    """``check``: a check name, ``*`` matching any characters (LIKE's own wildcards escaped)."""
    c = CheckResultRow
    if check and "*" in check:
        like = check.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return stmt.where(c.check_name.like(like.replace("*", "%"), escape="\\"))
    if check:
        return stmt.where(c.check_name == check)
    return stmt
