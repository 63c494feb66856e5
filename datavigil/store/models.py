"""The results store's tables (public interface: users' SQL depends on them; change them only
with an Alembic migration and a README note).

SQLAlchemy Core only: a run never imports the ORM (ADR 0138). Each table is a name whose
attributes are its columns (``ValidationRun.run_id``) and which SQLAlchemy takes wherever it takes
a table (``sa.insert(ValidationRun)``); ``ValidationRun.__table__`` is the ``sa.Table``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


class NestedJSON(sa.types.TypeDecorator[Any]):
    """JSON, and JSONB on PostgreSQL (migration 0006); PostgreSQL's dialect is imported only
    when a PostgreSQL store is used (its import costs a SQLite run about 0.05 s)."""

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(sa.JSON())


# Every string the engine writes is TEXT (migration 0004): a real failure is never lost to a
# length limit. Only values the store itself validates against a closed set stay sized.
JSON = NestedJSON()  # nested JSON (migration 0006)
BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

metadata = sa.MetaData()


class Columns:
    """A table as its columns: ``T.name`` is ``T.__table__.c.name``; usable as the table."""

    def __init__(self, table: sa.Table) -> None:
        self.__table__ = table

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__table__.c[name]
        except KeyError:
            raise AttributeError(f"table {self.__table__.name} has no column {name}") from None

    def __clause_element__(self) -> Any:  # the sa.Table (typed Any: SQLAlchemy's protocols)
        return self.__table__


def req(name: str, kind: Any, *args: Any, **kw: Any) -> sa.Column[Any]:
    """A NOT NULL column."""
    return sa.Column(name, kind, *args, nullable=False, **kw)


def opt(name: str, kind: Any, *args: Any, **kw: Any) -> sa.Column[Any]:
    """A column that may be NULL."""
    return sa.Column(name, kind, *args, nullable=True, **kw)


def _run_fk() -> sa.ForeignKey:
    return sa.ForeignKey("validation_runs.run_id", ondelete="CASCADE")


ValidationRun = Columns(sa.Table(
    "validation_runs", metadata,
    req("run_id", sa.Text, primary_key=True),
    req("suite", sa.Text, index=True),
    req("dataset", sa.Text),
    req("partition_date", sa.Date, index=True),
    opt("logical_date", sa.DateTime(timezone=True)),
    req("data_interval_start", sa.DateTime(timezone=True)),
    req("data_interval_end", sa.DateTime(timezone=True)),
    req("started_at", sa.DateTime(timezone=True)),
    req("finished_at", sa.DateTime(timezone=True)),
    req("status", sa.String(16)),
    opt("rows_checked", sa.BigInteger),
    opt("reference_snapshot_id", sa.Integer),
    req("origin", sa.Text),  # cli | airflow
    opt("dag_id", sa.Text),
    opt("dag_run_id", sa.Text),
    opt("try_number", sa.Integer),
    req("datavigil_version", sa.Text),
))  # fmt: skip

CheckResultRow = Columns(sa.Table(
    "check_results", metadata,
    req("run_id", sa.Text, _run_fk(), primary_key=True),
    req("check_name", sa.Text, primary_key=True),
    req("phase", sa.Text),  # the task that wrote it: validate, ...
    req("check_type", sa.Text),
    opt("column_name", sa.Text),
    req("severity", sa.String(8)),  # validated: error | warn
    req("status", sa.String(16), index=True),  # validated: Status
    opt("observed_value", sa.Float),
    opt("threshold", sa.Text),
    opt("statistic", sa.Float),
    opt("p_value", sa.Float),
    opt("p_adjusted", sa.Float),
    opt("effect_size", sa.Float),
    opt("rows_checked", sa.BigInteger),
    opt("failing_rows", sa.BigInteger),
    req("failure_sample", JSON),
    req("message", sa.Text),
    req("details", JSON),
))  # fmt: skip

# A reference for distribution checks: per-column sufficient statistics of a window of days of a
# suite's source (migration 0002). At most one active snapshot per dataset.
ReferenceSnapshot = Columns(sa.Table(
    "reference_snapshots", metadata,
    req("id", sa.Integer, primary_key=True, autoincrement=True),
    req("suite", sa.Text, index=True),
    req("dataset", sa.Text),
    req("window_start", sa.Date),
    req("window_end", sa.Date),
    req("timezone", sa.Text),
    req("row_count", sa.BigInteger),
    req("schema_fingerprint", sa.String(64)),
    req("schema", sa.JSON),  # column -> source type
    req("columns", sa.JSON),  # column -> statistics
    req("sample_rows", sa.Integer),
    req("source", sa.Text),
    req("captured_at", sa.DateTime(timezone=True)),
    req("active", sa.Boolean, default=False),
))  # fmt: skip

# The bounded raw sample of a snapshot (numeric columns, Parquet bytes).
ReferenceSample = Columns(sa.Table(
    "reference_samples", metadata,
    req("snapshot_id", sa.Integer, sa.ForeignKey("reference_snapshots.id", ondelete="CASCADE"),
        primary_key=True),
    req("format", sa.String(16)),
    req("data", sa.LargeBinary),
))  # fmt: skip

# One number a run computed: its profile (migration 0003). ``metric`` is the engine's metric name
# (``row_count``, ``null_count``, ``mean``, ``m2``, ...), ``column_name`` and ``group_key`` are
# NULL when the metric has none. History-based checks and the UI's trends read this table, never
# the source.
RunMetric = Columns(sa.Table(
    "run_metrics", metadata,
    req("id", BIG_ID, primary_key=True, autoincrement=True),
    req("run_id", sa.Text, _run_fk(), index=True),
    req("phase", sa.Text),
    req("metric", sa.Text),
    opt("column_name", sa.Text),
    opt("group_key", sa.Text),
    opt("value", sa.Float),
    sa.Index("ix_run_metrics_metric", "metric", "column_name"),
))  # fmt: skip

# Every attempt at a run (migration 0005): a save, or an attempt that ended in an infrastructure
# error (``Store.record_attempt``), which leaves the run's last complete rows in place. No foreign
# key: a first attempt that failed has no run row, and that is visible here.
RunAttempt = Columns(sa.Table(
    "run_attempts", metadata,
    req("id", BIG_ID, primary_key=True, autoincrement=True),
    req("run_id", sa.Text, index=True),
    req("attempt", sa.Integer),  # 1, 2, ... per run_id
    req("phases", sa.Text),  # comma-separated, or "all"
    opt("try_number", sa.Integer),
    req("started_at", sa.DateTime(timezone=True)),
    req("finished_at", sa.DateTime(timezone=True)),
    req("status", sa.Text),  # the run's status after a save | infra_error
    req("saved", sa.Boolean),  # its rows became the run's rows
    opt("error", sa.Text),
    sa.UniqueConstraint("run_id", "attempt", name="uq_run_attempts_attempt"),
))  # fmt: skip

# A source's schema accepted as the baseline of SchemaChange (migration 0010), written by
# `datavigil schema accept SUITE`. The newest row per (suite, check_name) is the baseline;
# without one, the fingerprint first recorded in check_results is.
SchemaAccept = Columns(sa.Table(
    "schema_accepts", metadata,
    req("id", sa.Integer, primary_key=True, autoincrement=True),
    req("suite", sa.String(63)),
    req("check_name", sa.String(250)),  # schema_change.<source>
    req("source_name", sa.String(250)),  # the suite or the dependency
    req("fingerprint", sa.String(64)),
    req("columns", sa.JSON),  # column -> source type
    opt("previous_fingerprint", sa.String(64)),
    req("accepted_at", sa.DateTime(timezone=True)),
    opt("accepted_by", sa.String(250)),
    opt("note", sa.Text),
    sa.Index("ix_schema_accepts_suite_check", "suite", "check_name"),
))  # fmt: skip


def ddl_metadata() -> sa.MetaData:
    """The metadata with the partial unique index of one active snapshot per dataset (migration
    0002), for DDL (Alembic's env.py). Declared here rather than with its table: its
    ``postgresql_where`` imports PostgreSQL's dialect, which a run on SQLite never needs."""
    table = ReferenceSnapshot.__table__
    if not any(ix.name == "uq_reference_snapshots_active" for ix in table.indexes):
        sa.Index("uq_reference_snapshots_active", table.c.dataset, unique=True,
                 sqlite_where=sa.text("active"), postgresql_where=sa.text("active"))  # fmt: skip
    return metadata
