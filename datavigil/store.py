"""The results store: save a run in one transaction (replacing that run's earlier rows), read
results back. Any failure to reach, migrate or write the store is StoreUnavailable (exit 3)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.dialects import postgresql, sqlite

from datavigil import config
from datavigil.errors import StoreUnavailable
from datavigil.models import CheckResultRow, RunMetric, ValidationRun
from datavigil.outcome import CheckResult, clean_scalar

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: str
    suite: str
    dataset: str
    partition_date: date
    data_interval_start: datetime
    data_interval_end: datetime
    started_at: datetime
    finished_at: datetime
    status: str
    rows_checked: int | None
    origin: str
    datavigil_version: str
    logical_date: datetime | None = None
    reference_snapshot_id: int | None = None
    dag_id: str | None = None
    dag_run_id: str | None = None
    try_number: int | None = None


def redact(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparsable URL>"


class Store:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or config.results_url()
        self._engine: sa.Engine | None = None

    @property
    def label(self) -> str:
        return f"results store {redact(self.url)}"

    def _fail(self, action: str, exc: BaseException) -> StoreUnavailable:
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return StoreUnavailable(f"{self.label}: {action} failed: {text[0] if text else exc!r}")

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            try:
                url = sa.make_url(self.url)
            except sa.exc.ArgumentError:
                raise StoreUnavailable(
                    f"results store URL is not a SQLAlchemy URL: {redact(self.url)}"
                ) from None
            embedded = url.get_backend_name() == "sqlite"
            try:
                if embedded and url.database not in (None, "", ":memory:"):
                    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
                self._engine = sa.create_engine(url, pool_pre_ping=True)
            except (sa.exc.SQLAlchemyError, ModuleNotFoundError, OSError) as exc:
                raise self._fail("connect", exc) from None
        return self._engine

    @property
    def is_embedded(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def upgrade(self) -> str:
        """Apply the Alembic migrations; returns the revision now current."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail("migration", exc) from None
        return self.revision() or "?"

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        try:
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail("connect", exc) from None

    def head(self) -> str:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        return str(ScriptDirectory.from_config(cfg).get_current_head())

    def ensure_ready(self) -> None:
        """The embedded store migrates itself; a server store must be migrated explicitly
        (`datavigil db upgrade`), so a deployment never changes its schema by surprise."""
        current = self.revision()
        if current == self.head():
            return
        if self.is_embedded:
            self.upgrade()
            return
        raise StoreUnavailable(
            f"{self.label} is at revision {current or 'none'}, "
            f"expected {self.head()}: run `datavigil db upgrade`"
        )

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail("write", exc) from None

    def save(
        self,
        run: RunRecord,
        results: list[CheckResult],
        phases: tuple[str, ...] | None = None,
        metrics: list[tuple[str, str | None, str | None, float | None]] | None = None,
    ) -> RunRecord:
        """Replace the run's rows of ``phases`` (default: all) in one transaction: never a
        duplicate, never half a run. Each Airflow task saves its own phase of the same run; the
        run's status is recomputed from all of its rows. Returns the run as stored."""
        self.ensure_ready()
        rows = [_result_row(run.run_id, r) for r in results]
        c, r = CheckResultRow, ValidationRun
        with self.transaction() as conn:
            stale = sa.delete(c).where(c.run_id == run.run_id)
            if phases is not None:
                stale = stale.where(c.phase.in_(phases))
            conn.execute(stale)
            run = _upsert_run(conn, run, merge=phases is not None)
            if rows:
                conn.execute(sa.insert(c), rows)
            _replace_metrics(conn, run.run_id, phases, results, metrics)
            kept = conn.execute(sa.select(c.severity, c.status).where(c.run_id == run.run_id))
            status = status_of([(s, st) for s, st in kept], run.status == "error")
            run = replace(run, status=status)
            conn.execute(sa.update(r).where(r.run_id == run.run_id).values(status=status))
        return run

    def results(
        self,
        suite: str | None = None,
        status: str | Sequence[str] | None = None,
        since: datetime | None = None,
        limit: int = 1000,
        latest: bool = False,
        first: date | None = None,
        last: date | None = None,
        check: str | None = None,
    ) -> list[dict[str, Any]]:
        """Check results joined with their run, newest partition first. ``status``: one status
        or several; ``first``/``last``: partition days, inclusive; ``check``: a check name, ``*``
        matching any characters; ``latest``: only the most recently finished run of each
        (suite, partition day)."""
        self.ensure_ready()
        r, c = ValidationRun, CheckResultRow
        stmt = (
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
        if latest:
            later = sa.orm.aliased(r)
            stmt = stmt.where(
                ~sa.exists().where(
                    later.suite == r.suite,
                    later.partition_date == r.partition_date,
                    later.finished_at > r.finished_at,
                )
            )
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
        if check and "*" in check:
            like = check.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(c.check_name.like(like.replace("*", "%"), escape="\\"))
        elif check:
            stmt = stmt.where(c.check_name == check)
        try:
            with self.engine.connect() as conn:
                return [dict(row._mapping) for row in conn.execute(stmt)]
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail("read", exc) from None

    def counts(self) -> tuple[int, int]:
        """(validation_runs, check_results) row counts."""
        with self.engine.connect() as conn:
            runs = conn.scalar(sa.select(sa.func.count()).select_from(ValidationRun))
            checks = conn.scalar(sa.select(sa.func.count()).select_from(CheckResultRow))
        return int(runs or 0), int(checks or 0)


INSERT_IGNORING_CONFLICT: dict[str, Any] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def _upsert_run(conn: sa.Connection, run: RunRecord, merge: bool) -> RunRecord:
    """Create the run row if absent (tasks of one run may save at the same moment: the insert
    ignores a conflict instead of failing), then update it in place — never delete it, which
    would cascade to the other phases' rows. ``merge``: keep the earliest start and a reference
    snapshot id that another phase recorded."""
    r = ValidationRun
    values = _asdict(run)
    insert = INSERT_IGNORING_CONFLICT.get(conn.dialect.name)
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


def _replace_metrics(
    conn: sa.Connection,
    run_id: str,
    phases: tuple[str, ...] | None,
    results: list[CheckResult],
    metrics: list[tuple[str, str | None, str | None, float | None]] | None,
) -> None:
    """The run's profile rows of these phases, replaced like its check rows."""
    t = RunMetric
    stale = sa.delete(t).where(t.run_id == run_id)
    if phases is not None:
        stale = stale.where(t.phase.in_(phases))
    conn.execute(stale)
    if metrics:
        phase = phases[0] if phases and len(phases) == 1 else "validate"
        rows = [
            {"run_id": run_id, "phase": phase, "metric": k, "column_name": col,
             "group_key": grp, "value": _finite(v)}
            for k, col, grp, v in metrics
        ]  # fmt: skip
        conn.execute(sa.insert(t), rows)


def status_of(rows: list[tuple[str, str]], source_error: bool = False) -> str:
    """A run's status from its (severity, status) rows: error > fail > warn > pass."""
    blocking = [st for sev, st in rows if sev == "error" and st in ("fail", "error")]
    if source_error or "error" in blocking:
        return "error"
    if blocking:
        return "fail"
    if any(st in ("fail", "error") for _, st in rows):
        return "warn"
    return "pass"


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _asdict(run: RunRecord) -> dict[str, Any]:
    return {name: getattr(run, name) for name in RunRecord.__slots__}  # type: ignore[attr-defined]


def _result_row(run_id: str, r: CheckResult) -> dict[str, Any]:
    o = r.outcome
    return {
        "run_id": run_id,
        "check_name": r.check_name,
        "phase": r.phase,
        "check_type": r.check_type,
        "column_name": r.column_name,
        "severity": r.severity.value,
        "status": r.status.value,
        "observed_value": _finite(o.observed_value),
        "threshold": o.threshold,
        "statistic": _finite(o.statistic),
        "p_value": _finite(o.p_value),
        "p_adjusted": _finite(o.p_adjusted),
        "effect_size": _finite(o.effect_size),
        "rows_checked": o.rows_checked,
        "failing_rows": o.failing_rows,
        "failure_sample": [
            clean_scalar(v) if not isinstance(v, tuple) else [clean_scalar(x) for x in v]
            for v in o.failure_sample
        ],
        "message": o.message[:4000],
        "details": {k: clean_scalar(v) for k, v in o.details.items()},
    }


def _finite(value: float | None) -> float | None:
    import math

    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
