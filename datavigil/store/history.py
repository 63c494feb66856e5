"""What checks learn from earlier runs of the same suite, read from the results store.

History lives in the tables users already query: a check's own earlier rows (``observed_value``,
``details``) joined to their runs. Only partitions *before* the run's day count, and for each day
only its most recent run, so a re-run or a backfill sees the same history as the night itself
(given the earlier days were validated).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from datavigil.store import Store, recall, recalled
from datavigil.store.models import CheckResultRow, RunAttempt, ValidationRun

BLOCKING = ("fail", "error")


@dataclass(frozen=True, slots=True)
class Past:
    """One earlier partition's row of a check."""

    day: date
    run_id: str
    run_status: str
    status: str
    observed_value: float | None
    details: dict[str, Any]


def _read(store: Store, stmt: sa.Select) -> list[Any]:
    store.ensure_ready()
    try:
        with store.engine.connect() as conn:
            return list(conn.execute(stmt))
    except sa.exc.SQLAlchemyError as exc:
        raise store._fail("read", exc) from None


def earlier(store: Store, suite: str, check_name: str, before: date, scan: int = 400) -> list[Past]:
    """The check's rows on the latest run of each partition day before ``before``, newest
    first; at most ``scan`` rows are read."""
    r, c = ValidationRun, CheckResultRow
    stmt = (
        sa.select(r.partition_date, r.run_id, r.status, c.status, c.observed_value, c.details)
        .join(c, c.run_id == r.run_id)
        .where(r.suite == suite, c.check_name == check_name, r.partition_date < before)
        .order_by(r.partition_date.desc(), r.finished_at.desc())
        .limit(scan)
    )
    out: list[Past] = []
    for day, run_id, run_status, status, value, details in _read(store, stmt):
        if out and out[-1].day == day:
            continue  # an older run of the same day
        out.append(Past(day, run_id, run_status, status, value, details or {}))
    return out


def blocked_runs(store: Store, run_ids: list[str], except_check: str) -> set[str]:
    """Runs among ``run_ids`` where an error-severity check other than ``except_check``
    failed (the data broke a rule; a check that could not run says nothing about the data):
    their data is not a fair baseline."""
    if not run_ids:
        return set()
    mem = recall.active(store)  # a backfill's memory of the history (docs/adr/0151)
    if mem is not None and mem.knows(run_ids):
        return recalled.blocked(mem, run_ids, except_check)
    c = CheckResultRow
    stmt = (
        sa.select(c.run_id)
        .where(
            c.run_id.in_(run_ids),
            c.check_name != except_check,
            c.severity == "error",
            c.status == "fail",
        )
        .distinct()
    )
    return {row[0] for row in _read(store, stmt)}


def run_summary(store: Store, run_id: str) -> dict[str, Any]:
    """A run's verdict for an Asset event's ``extra``: status, counts, names of the checks
    that did not pass (small, JSON-safe)."""
    r, c = ValidationRun, CheckResultRow
    runs = _read(store, sa.select(r.suite, r.partition_date, r.status).where(r.run_id == run_id))
    if not runs:
        return {"run_id": run_id, "status": "missing", "checks": 0}
    suite, day, status = runs[0]
    rows = _read(store, sa.select(c.check_name, c.severity, c.status).where(c.run_id == run_id))
    failed = sorted(n for n, sev, st in rows if sev == "error" and st in BLOCKING)
    warned = sorted(n for n, sev, st in rows if sev == "warn" and st in BLOCKING)
    return {
        "run_id": run_id,
        "suite": suite,
        "partition": day.isoformat(),
        "status": status,
        "checks": len(rows),
        "passed": sum(1 for _, _, st in rows if st == "pass"),
        "failed": failed,
        "warnings": warned,
        "not_evaluated": sum(1 for _, _, st in rows if st in ("skipped", "inconclusive")),
    }


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt at a run (run_attempts): ``saved`` when its rows became the run's rows;
    ``status`` the run's status after it, or ``infra_error`` with ``error`` saying why."""

    attempt: int
    phases: str
    try_number: int | None
    started_at: datetime
    finished_at: datetime
    status: str
    saved: bool
    error: str | None


def attempts(store: Store, run_id: str) -> list[Attempt]:
    """Every recorded attempt at ``run_id``, oldest first."""
    a = RunAttempt
    stmt = (
        sa.select(
            a.attempt,
            a.phases,
            a.try_number,
            a.started_at,
            a.finished_at,
            a.status,
            a.saved,
            a.error,
        )
        .where(a.run_id == run_id)
        .order_by(a.attempt)
    )
    return [Attempt(*row) for row in _read(store, stmt)]
