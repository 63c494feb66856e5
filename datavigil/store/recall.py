"""A backfill's memory of its suite's history (docs/adr/0151): the suite's runs, their check
results and their metrics, read from the results store in three statements when the backfill
starts, then kept up to date with each run the backfill saves. Within it, the history reads of
the history-based checks (Volume, DayAnova, SchemaChange, rolling references: ``history``,
``metric_history``, ``schema_accepts``, ``checks.days``, ``checks.trusted``) are answered from
this memory with the very semantics of their statements (the same filters, order and limits),
so each day's run sees what the nightly run would read, without a statement.

Outside a backfill nothing is kept and every read goes to the store, as before. A read the
memory cannot answer (a run id it does not hold) goes to the store too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from datavigil.store.models import CheckResultRow, RunMetric, ValidationRun

_ACTIVE: ContextVar[Recall | None] = ContextVar("datavigil_recall", default=None)


@dataclass(frozen=True, slots=True)
class KeptRun:
    day: date
    start: datetime  # data_interval_start, UTC
    finished: datetime  # UTC
    status: str


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _json(value: Any) -> Any:
    """A JSON value as reading it back gives it (the store's serializer, then json.loads)."""
    text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    return json.loads(text)


class Recall:
    """The history of ``suite`` in ``store``: runs, results (check -> severity, status, details)
    and metrics (metric -> [(column, group, value)]) per run id."""

    def __init__(self, store: Any, suite: str) -> None:
        self.store, self.suite = store, suite
        self.runs: dict[str, KeptRun] = {}
        self.results: dict[str, dict[str, tuple[str, str, Any]]] = {}
        self.metrics: dict[str, dict[str, list[tuple[Any, Any, float | None]]]] = {}
        self.accepts: dict[str, Any] = {}  # check name -> schema_accepts.Accepted | None
        self.kept: dict[Any, Any] = {}  # reference snapshots and samples (store.snapshots)

    def load(self, run_id: str | None = None) -> None:
        """Read the suite's runs (or one run's rows again) from the store: three statements."""
        r, c, t = ValidationRun, CheckResultRow, RunMetric
        which = r.suite == self.suite if run_id is None else r.run_id == run_id
        runs = sa.select(r.run_id, r.partition_date, r.data_interval_start, r.finished_at, r.status)
        results = sa.select(c.run_id, c.check_name, c.severity, c.status, c.details).join(
            r, r.run_id == c.run_id
        )
        metrics = sa.select(t.run_id, t.metric, t.column_name, t.group_key, t.value).join(
            r, r.run_id == t.run_id
        )
        with self.store.engine.connect() as conn:
            got = [list(conn.execute(s.where(which))) for s in (runs, results, metrics)]
        if run_id is not None:
            self.forget(run_id)
        for rid, day, start, finished, status in got[0]:
            self.runs[rid] = KeptRun(day, _utc(start), _utc(finished), status)
        for rid, name, severity, status, details in got[1]:
            self.results.setdefault(rid, {})[name] = (severity, status, details)
        for rid, metric, column, group, value in got[2]:
            self.metrics.setdefault(rid, {}).setdefault(metric, []).append((column, group, value))

    def forget(self, run_id: str) -> None:
        self.runs.pop(run_id, None)
        self.results.pop(run_id, None)
        self.metrics.pop(run_id, None)

    def saved(self, run: Any, rows: list[dict], metrics: list[dict] | None, exact: bool) -> None:
        """A run this process just saved (every phase): its rows as the store now holds them.
        ``exact``: the rows were written as given (none refused), else they are read back."""
        if run.suite != self.suite:
            return
        if not exact:
            self.load(run.run_id)
            return
        self.runs[run.run_id] = KeptRun(
            run.partition_date, _utc(run.data_interval_start), _utc(run.finished_at), run.status
        )
        self.results[run.run_id] = {
            row["check_name"]: (row["severity"], row["status"], _json(row["details"]))
            for row in rows
        }
        if metrics is None:
            return
        kept: dict[str, list[tuple[Any, Any, float | None]]] = {}
        for row in metrics:
            entry = (row["column_name"], row["group_key"], _float(row["value"]))
            kept.setdefault(row["metric"], []).append(entry)
        self.metrics[run.run_id] = kept

    def knows(self, run_ids: list[str]) -> bool:
        return all(run_id in self.runs for run_id in run_ids)


def active(store: Any, suite: str | None = None) -> Recall | None:
    """The memory of the backfill in progress for ``store`` (and ``suite``), or None."""
    got = _ACTIVE.get()
    if got is None or got.store is not store or (suite is not None and got.suite != suite):
        return None
    return got


@contextmanager
def recalling(store: Any, suite: str) -> Iterator[Recall]:
    """Within: the history reads of ``suite`` in ``store`` come from one memory of it."""
    store.ensure_ready()
    memory = Recall(store, suite)
    try:
        memory.load()
    except sa.exc.SQLAlchemyError as exc:
        raise store._fail("read", exc) from None
    token = _ACTIVE.set(memory)
    try:
        yield memory
    finally:
        _ACTIVE.reset(token)
