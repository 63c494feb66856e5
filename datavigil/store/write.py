"""The statements of one save, run inside the caller's transaction and under its run lock:
delete the phases' rows, upsert the run row, insert results and metrics (a refused row becomes an
``error`` row saying why, ADR 0050), append the attempt (ADR 0053)."""

from __future__ import annotations

import importlib
import logging
from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from datavigil.store.connection import refused
from datavigil.store.models import CheckResultRow, RunAttempt, RunMetric, ValidationRun
from datavigil.store.rows import bounded_name, refused_row

if TYPE_CHECKING:
    from datavigil.store.rows import RunRecord

log = logging.getLogger("datavigil")


def metric_phase(phases: tuple[str, ...] | None) -> str:
    """The phase label of a save's run_metrics rows: its one phase, "a+b" for several, "all"."""
    return "all" if phases is None else "+".join(phases)


def delete_phases(
    conn: sa.Connection, run_id: str, phases: tuple[str, ...] | None, metrics: bool
) -> None:
    c, m = CheckResultRow, RunMetric
    stale = sa.delete(c).where(c.run_id == run_id)
    if phases is not None:
        stale = stale.where(c.phase.in_(phases))
    conn.execute(stale)
    if not metrics:
        return  # a save without metrics leaves the stored ones alone
    stale = sa.delete(m).where(m.run_id == run_id)
    if phases is not None:
        stale = stale.where(m.phase.in_([*phases, metric_phase(phases)]))
    conn.execute(stale)


def _try_insert(conn: sa.Connection, table: Any, rows: list[dict[str, Any]]) -> str | None:
    """Insert ``rows`` inside a savepoint; the reason when the database refused them."""
    try:
        with conn.begin_nested():
            conn.execute(sa.insert(table), rows)
    except sa.exc.SQLAlchemyError as exc:
        if not refused(exc):
            raise
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return (text[0] if text else type(exc).__name__)[:500]
    return None


def _insert_rows(
    conn: sa.Connection, table: Any, rows: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], str]]:
    """All rows at once; when refused, one by one: the rows refused, each with its reason."""
    if not rows or _try_insert(conn, table, rows) is None:
        return []
    refusals = [(row, _try_insert(conn, table, [row])) for row in rows]
    return [(row, reason) for row, reason in refusals if reason is not None]


def insert_rows(
    conn: sa.Connection, results: list[dict[str, Any]], metrics: list[dict[str, Any]]
) -> int:
    """A run's results and metrics in one savepoint; when the database refuses a row, the rows
    one by one (``insert_results``, ``insert_metrics``). Returns how many were refused."""
    try:
        with conn.begin_nested():
            if results:
                conn.execute(sa.insert(CheckResultRow), results)
            if metrics:
                conn.execute(sa.insert(RunMetric), metrics)
        return 0
    except sa.exc.SQLAlchemyError as exc:
        if not refused(exc):
            raise
    return insert_results(conn, results) + insert_metrics(conn, metrics)


def insert_results(conn: sa.Connection, rows: list[dict[str, Any]]) -> int:
    """Insert a run's results; returns how many the database refused (each stored as an
    ``error`` row saying why)."""
    refusals = _insert_rows(conn, CheckResultRow, rows)
    for row, reason in refusals:
        log.warning("results store refused %s: %s", row["check_name"], reason)
        if _try_insert(conn, CheckResultRow, [refused_row(row, reason)]) is None:
            continue
        other = bounded_name(f"{row['check_name']}#refused")
        conn.execute(sa.insert(CheckResultRow), [refused_row(row, reason, other)])
    return len(refusals)


def insert_metrics(conn: sa.Connection, rows: list[dict[str, Any]]) -> int:
    """Insert a run's metrics; returns how many the database refused (left out)."""
    refusals = _insert_rows(conn, RunMetric, rows)
    for row, reason in refusals:
        log.warning("results store refused metric %s: %s", row["metric"], reason)
    return len(refusals)


def append_attempt(
    conn: sa.Connection,
    run: RunRecord,
    phases: tuple[str, ...] | None,
    status: str,
    error: str | None,
) -> int:
    """Append the attempt's row (the caller holds the run's lock); returns its number."""
    a = RunAttempt
    last = conn.scalar(sa.select(sa.func.max(a.attempt)).where(a.run_id == run.run_id))
    number = int(last or 0) + 1
    conn.execute(
        sa.insert(a).values(
            run_id=run.run_id,
            attempt=number,
            phases=metric_phase(phases),
            try_number=run.try_number,
            started_at=run.started_at,
            finished_at=run.finished_at,
            status=status,
            saved=error is None,
            error=error,
        )
    )
    return number


def insert_ignoring_conflict(dialect: str) -> Any:
    """The dialect's ``insert`` that can ignore a conflict, or None; its module is imported only
    for the store's own dialect (PostgreSQL's costs a SQLite run about 0.05 s, ADR 0138)."""
    if dialect not in ("postgresql", "sqlite"):
        return None
    return importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert


def upsert_run(conn: sa.Connection, run: RunRecord, merge: bool) -> RunRecord:
    """Create the run row if absent (tasks of one run may save at the same moment: the insert
    ignores a conflict instead of failing), then update it in place — never delete it, which
    would cascade to the other phases' rows. ``merge``: keep the earliest start and a reference
    snapshot id that another phase recorded."""
    r = ValidationRun
    values = _asdict(run)
    insert = insert_ignoring_conflict(conn.dialect.name)
    if insert is not None and not merge:  # one statement: create, or replace every field
        stmt = insert(r).values(values)
        changed = {k: v for k, v in values.items() if k != "run_id"}
        conn.execute(stmt.on_conflict_do_update(index_elements=[r.run_id], set_=changed))
        return run
    if insert is not None:
        conn.execute(insert(r).values(values).on_conflict_do_nothing())
    elif conn.execute(sa.select(r.run_id).where(r.run_id == run.run_id)).first() is None:
        conn.execute(sa.insert(r).values(values))
    if merge:
        stored = conn.execute(
            sa.select(r.started_at, r.reference_snapshot_id, r.rows_checked).where(
                r.run_id == run.run_id
            )
        ).one()
        run = replace(
            run,
            started_at=min(run.started_at, _aware(stored.started_at)),
            reference_snapshot_id=run.reference_snapshot_id or stored.reference_snapshot_id,
            rows_checked=run.rows_checked if run.rows_checked is not None else stored.rows_checked,
        )
    conn.execute(sa.update(r).where(r.run_id == run.run_id).values(_asdict(run)))
    return run


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _asdict(run: RunRecord) -> dict[str, Any]:
    return {f.name: getattr(run, f.name) for f in fields(run)}
