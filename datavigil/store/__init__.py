"""The results store: save a run in one transaction (replacing that run's earlier rows), record
attempts that failed, read results back. Any failure to reach, migrate or write the store is
StoreUnavailable (exit 3). Locks, retries and SQLite's transactions: datavigil.store.connection;
making rows writable: datavigil.store.rows (ADR 0050-0054).

The package owns the results store: its models and Alembic migrations (``models``,
``migrations/``), saving (``write``, ``rows``, ``connection``, ``revision``), reading back
(``results``, ``history``, ``metric_history``), reference snapshots (``snapshots``) and
accepted schemas (``schema_accepts``). May import: ``datavigil.declare``, ``datavigil.stats`` and
``datavigil.core``; SQLAlchemy and Alembic. Never the engine (sources are not read here), the
checks or the runner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from datavigil.core import config
from datavigil.core.errors import StoreUnavailable
from datavigil.core.outcome import CheckResult
from datavigil.core.redact import redact_url
from datavigil.store import connection as store_engine
from datavigil.store import recall
from datavigil.store import revision as store_revision
from datavigil.store.connection import lock, with_retries
from datavigil.store.models import CheckResultRow, ValidationRun
from datavigil.store.results import results_statement
from datavigil.store.rows import (
    RunRecord,
    bounded_name,
    clean_text,
    deduplicated,
    metric_rows,
    result_row,
)
from datavigil.store.write import (
    append_attempt,
    delete_phases,
    insert_rows,
    metric_phase,
    upsert_run,
)

Metric = tuple[str, str | None, str | None, float | None]  # metric, column, group, value

MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")


def redact(url: str) -> str:
    """The URL as shown to people: its userinfo password and every secret query option
    (``?password=``, ``sslpassword=``, ``api_token=``…) masked by the one redactor."""
    try:
        shown = sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparsable URL>"
    return redact_url(shown)


class Store:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or config.results_url()
        self._engine: sa.Engine | None = None
        self._ready = False

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
                uri = str(url.query.get("uri", "")).lower() == "true"  # file:...?mode=ro
                if embedded and url.database not in (None, "", ":memory:") and not uri:
                    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
                self._engine = store_engine.create_engine(url)
            except (sa.exc.SQLAlchemyError, ModuleNotFoundError, OSError) as exc:
                raise self._fail("connect", exc) from None
        return self._engine

    @property
    def is_embedded(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def _write(self, action: str, work: Callable[[sa.Connection], T]) -> T:
        """``work`` in one write transaction under the store's locks, retried while the failure
        is transient (store_engine.with_retries); anything else is StoreUnavailable."""
        try:
            return with_retries(self.engine, work)
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail(action, exc) from None

    def upgrade(self) -> str:
        """Apply the Alembic migrations in ONE transaction under the migration lock: concurrent
        upgrades queue and the later ones find nothing to do; an interrupted one leaves the
        store as it was (ADR 0051). Returns the revision now current."""
        from alembic import command
        from alembic.config import Config

        def migrate(conn: sa.Connection) -> None:
            lock(conn)
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

        self._write("migration", migrate)
        return self.revision() or "?"

    def revision(self) -> str | None:
        """The store's schema revision (one SELECT; Alembic is imported only to migrate)."""
        try:
            return store_revision.current(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail("connect", exc) from None

    def head(self) -> str:
        return store_revision.head()

    def ensure_ready(self) -> None:
        """The embedded store migrates itself; a server store must be migrated explicitly
        (`datavigil db upgrade`), so a deployment never changes its schema by surprise."""
        if self._ready:
            return
        current = self.revision()
        if current != self.head() and not self.is_embedded:
            raise StoreUnavailable(
                f"{self.label} is at revision {current or 'none'}, "
                f"expected {self.head()}: run `datavigil db upgrade`"
            )
        if current != self.head():
            self.upgrade()
        self._ready = True

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One write transaction (SQLite: BEGIN IMMEDIATE), not retried."""
        try:
            with store_engine.write_transaction(self.engine) as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail("write", exc) from None

    def save(
        self,
        run: RunRecord,
        results: list[CheckResult],
        phases: tuple[str, ...] | None = None,
        metrics: list[Metric] | None = None,
    ) -> RunRecord:
        """Replace the run's rows of ``phases`` (default: all) — check results and, when given,
        run metrics — in one transaction under the run's lock: never a duplicate, never half a
        run, concurrent saves of one run queue. Each Airflow task saves its own phase of the
        same run; the run's status is recomputed from all of its rows; the attempt is recorded
        in run_attempts. A row the database refuses becomes an ``error`` row saying why; the
        others are written. Returns the run as stored."""
        self.ensure_ready()
        run = _clean_run(run)
        rows = deduplicated([result_row(run.run_id, r) for r in results])
        measured = metric_rows(run.run_id, metric_phase(phases), metrics or [])
        refused = [0]

        def work(conn: sa.Connection) -> RunRecord:
            lock(conn, run.run_id)
            delete_phases(conn, run.run_id, phases, metrics is not None)
            if phases is None:  # every row of the run is written here: its status is known
                sure = [(row["severity"], row["status"]) for row in rows]
                run_now = replace(run, status=status_of(sure, run.status == "error"))
                stored = upsert_run(conn, run_now, merge=False)
            else:
                stored = upsert_run(conn, run, merge=True)
            refused[0] = insert_rows(conn, rows, measured)
            if phases is not None or refused[0]:  # the status of all the run's rows as kept
                stored = _restatus(conn, stored, run.status == "error")
            append_attempt(conn, stored, phases, stored.status, None)
            return stored

        stored = self._write("write", work)
        mem = recall.active(self)  # a backfill's memory of the history (docs/adr/0151)
        if mem is not None:
            kept = measured if metrics is not None else None
            mem.saved(stored, rows, kept, exact=phases is None and not refused[0])
        return stored

    def record_attempt(
        self, run: RunRecord, error: BaseException | str, phases: tuple[str, ...] | None = None
    ) -> int:
        """Record an attempt that ended in an infrastructure error (a source or the store could
        not be read) WITHOUT touching the run's stored rows: the last complete result stays
        the run's result. Returns the attempt's number (1, 2, ... per run id)."""
        self.ensure_ready()
        run = _clean_run(run)
        message = clean_text(str(error).strip().splitlines()[0] if str(error).strip() else "")

        def work(conn: sa.Connection) -> int:
            lock(conn, run.run_id)
            return append_attempt(conn, run, phases, "infra_error", message or repr(error))

        return self._write("write", work)

    def stored_status(self, run_id: str) -> str | None:
        """The status of the run as stored, or None when it was never saved."""
        self.ensure_ready()
        r = ValidationRun
        try:
            with self.engine.connect() as conn:
                return conn.scalar(sa.select(r.status).where(r.run_id == run_id))
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail("read", exc) from None

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
        stmt = results_statement(suite, status, since, limit, latest, first, last, check)
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


def _clean_run(run: RunRecord) -> RunRecord:
    texts = ("suite", "dataset", "origin", "dag_id", "dag_run_id", "datavigil_version")
    changes: dict[str, Any] = {
        k: clean_text(v) for k in texts if isinstance(v := getattr(run, k), str)
    }
    return replace(run, run_id=bounded_name(run.run_id), **changes)


def _restatus(conn: sa.Connection, run: RunRecord, source_error: bool) -> RunRecord:
    """The run's status recomputed from every row it now has (other phases' too)."""
    c, r = CheckResultRow, ValidationRun
    kept = conn.execute(sa.select(c.severity, c.status).where(c.run_id == run.run_id))
    status = status_of([(s, st) for s, st in kept], source_error)
    conn.execute(sa.update(r).where(r.run_id == run.run_id).values(status=status))
    return replace(run, status=status)


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
