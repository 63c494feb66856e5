"""Read-only queries of the results store for the data-quality pages. Each page costs a fixed
number of queries whatever the number of runs or checks (no N+1): lists are fetched with one
``IN (...)`` query per table, never one query per row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from datavigil.store.models import CheckResultRow, ReferenceSnapshot, RunMetric, ValidationRun

R, C, S, M = ValidationRun, CheckResultRow, ReferenceSnapshot, RunMetric
RUN_COLUMNS = [
    R.run_id,
    R.suite,
    R.dataset,
    R.partition_date,
    R.status,
    R.rows_checked,
    R.reference_snapshot_id,
    R.origin,
    R.dag_id,
    R.dag_run_id,
    R.try_number,
    R.started_at,
    R.finished_at,
    R.data_interval_start,
    R.data_interval_end,
    R.datavigil_version,
]
STATUSES = ("pass", "warn", "fail", "error")


@dataclass(frozen=True, slots=True)
class RunFilter:
    suite: str | None = None
    since: date | None = None
    until: date | None = None
    status: str | None = None
    limit: int = 200
    allowed: frozenset[str] | None = None  # the suites the user may read (None: every suite)


def _rows(conn: sa.Connection, stmt: sa.Executable) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(stmt)]


def suites(conn: sa.Connection) -> list[dict[str, Any]]:
    """Each suite's newest run (by partition day, then finish time) and its run count."""
    rank = (
        sa.func.row_number()
        .over(partition_by=R.suite, order_by=(R.partition_date.desc(), R.finished_at.desc()))
        .label("rank")
    )
    total = sa.func.count().over(partition_by=R.suite).label("runs")
    ranked = sa.select(*RUN_COLUMNS, rank, total).subquery()
    stmt = sa.select(ranked).where(ranked.c.rank == 1).order_by(ranked.c.suite)
    out = _rows(conn, stmt)
    _attach_counts(conn, out)
    return out


def runs(conn: sa.Connection, f: RunFilter) -> list[dict[str, Any]]:
    """Runs matching ``f``, newest partition first, each with its check counts by status."""
    stmt = sa.select(*RUN_COLUMNS).order_by(R.partition_date.desc(), R.finished_at.desc())
    if f.suite:
        stmt = stmt.where(R.suite == f.suite)
    if f.since:
        stmt = stmt.where(R.partition_date >= f.since)
    if f.until:
        stmt = stmt.where(R.partition_date <= f.until)
    if f.status:
        stmt = stmt.where(R.status == f.status)
    if f.allowed is not None:
        stmt = stmt.where(R.suite.in_(sorted(f.allowed)))
    out = _rows(conn, stmt.limit(f.limit))
    _attach_counts(conn, out)
    return out


def _attach_counts(conn: sa.Connection, runs_: list[dict[str, Any]]) -> None:
    ids = [r["run_id"] for r in runs_]
    counts: dict[str, dict[str, int]] = {i: {} for i in ids}
    if ids:
        stmt = (
            sa.select(C.run_id, C.status, sa.func.count().label("n"))
            .where(C.run_id.in_(ids))
            .group_by(C.run_id, C.status)
        )
        for run_id, status, n in conn.execute(stmt):
            counts[run_id][status] = int(n)
    for r in runs_:
        r["counts"] = counts[r["run_id"]]


def run(conn: sa.Connection, run_id: str) -> dict[str, Any] | None:
    found = _rows(conn, sa.select(*RUN_COLUMNS).where(R.run_id == run_id))
    return found[0] if found else None


def runs_of_dag_run(conn: sa.Connection, dag_id: str, dag_run_id: str) -> list[dict[str, Any]]:
    """The runs one Airflow DAG run stored, each suite's last finished try, by suite name, with
    their check counts: one run for a suite's own DAG, one per suite for a fleet DAG's run."""
    rank = (
        sa.func.row_number()
        .over(partition_by=R.suite, order_by=(R.finished_at.desc(), R.run_id.desc()))
        .label("rank")
    )
    ranked = (
        sa.select(*RUN_COLUMNS, rank)
        .where(R.dag_id == dag_id, R.dag_run_id == dag_run_id)
        .subquery()
    )
    stmt = sa.select(ranked).where(ranked.c.rank == 1).order_by(ranked.c.suite)
    out = _rows(conn, stmt)
    _attach_counts(conn, out)
    return out


def checks(conn: sa.Connection, run_id: str) -> list[dict[str, Any]]:
    stmt = sa.select(C).where(C.run_id == run_id).order_by(C.phase, C.check_name)
    return [_check_dict(row) for row in conn.execute(stmt)]


def _check_dict(row: sa.Row[Any]) -> dict[str, Any]:
    out = dict(row._mapping)
    out["details"] = out.get("details") or {}
    out["failure_sample"] = out.get("failure_sample") or []
    return out


MAX_ID = 2**31 - 1  # reference_snapshots.id is an INTEGER: a larger id names no snapshot


def snapshot(conn: sa.Connection, snapshot_id: int) -> dict[str, Any] | None:
    if not 1 <= snapshot_id <= MAX_ID:  # never bound: SQLite raises OverflowError past 2**63
        return None
    found = _rows(conn, sa.select(S.__table__).where(S.id == snapshot_id))
    return found[0] if found else None


def latest_snapshot(conn: sa.Connection, suite: str) -> dict[str, Any] | None:
    stmt = (
        sa.select(S.__table__)
        .where(S.suite == suite)
        .order_by(S.captured_at.desc(), S.id.desc())
        .limit(1)
    )
    found = _rows(conn, stmt)
    return found[0] if found else None


def recent_runs(
    conn: sa.Connection, suite: str, last: int, until: date | None = None
) -> list[dict[str, Any]]:
    """The suite's ``last`` runs up to partition day ``until``, oldest first (for trends)."""
    stmt = sa.select(R.run_id, R.partition_date, R.status, R.finished_at).where(R.suite == suite)
    if until is not None:
        stmt = stmt.where(R.partition_date <= until)
    stmt = stmt.order_by(R.partition_date.desc(), R.finished_at.desc()).limit(last)
    return list(reversed(_rows(conn, stmt)))


def history(conn: sa.Connection, run_ids: list[str]) -> list[dict[str, Any]]:
    """check_results of these runs, one query: what the trend plots draw."""
    if not run_ids:
        return []
    stmt = sa.select(
        C.run_id,
        C.check_name,
        C.check_type,
        C.status,
        C.observed_value,
        C.threshold,
        C.p_adjusted,
    ).where(C.run_id.in_(run_ids))
    return _rows(conn, stmt)


LABEL_QUALITY = ("accuracy", "precision", "recall", "auc", "brier")


def metrics(conn: sa.Connection, run_ids: list[str]) -> list[dict[str, Any]]:
    """run_metrics of these runs, one query: the ungrouped ones, and the delayed-label quality
    a prediction-log check measured for an earlier day (``<name>.accuracy`` and the like,
    group_key = the judged day: datavigil/checks/prediction/report.py)."""
    if not run_ids:
        return []
    quality = sa.or_(*(M.metric.like(f"%.{q}") for q in LABEL_QUALITY))
    wanted = sa.or_(M.group_key.is_(None), sa.and_(M.group_key.is_not(None), quality))
    stmt = sa.select(M.run_id, M.metric, M.column_name, M.group_key, M.value).where(
        M.run_id.in_(run_ids), wanted
    )
    return _rows(conn, stmt)
