"""The results store's tables (public interface: users' SQL depends on them; change them only
with an Alembic migration and a README note)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Every string the engine writes is TEXT (migration 0004): a real failure is never lost to a
# length limit. Only values the store itself validates against a closed set stay sized.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")  # nested JSON (migration 0006)


class Base(DeclarativeBase):
    pass


class ValidationRun(Base):
    __tablename__ = "validation_runs"

    run_id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    suite: Mapped[str] = mapped_column(sa.Text, index=True)
    dataset: Mapped[str] = mapped_column(sa.Text)
    partition_date: Mapped[date] = mapped_column(sa.Date, index=True)
    logical_date: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    data_interval_start: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    data_interval_end: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(16))
    rows_checked: Mapped[int | None] = mapped_column(sa.BigInteger)
    reference_snapshot_id: Mapped[int | None] = mapped_column(sa.Integer)
    origin: Mapped[str] = mapped_column(sa.Text)  # cli | airflow
    dag_id: Mapped[str | None] = mapped_column(sa.Text)
    dag_run_id: Mapped[str | None] = mapped_column(sa.Text)
    try_number: Mapped[int | None] = mapped_column(sa.Integer)
    datavigil_version: Mapped[str] = mapped_column(sa.Text)


class CheckResultRow(Base):
    __tablename__ = "check_results"

    run_id: Mapped[str] = mapped_column(
        sa.Text,
        sa.ForeignKey("validation_runs.run_id", ondelete="CASCADE"),
        primary_key=True,
    )
    check_name: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    phase: Mapped[str] = mapped_column(sa.Text)  # the task that wrote it: validate, ...
    check_type: Mapped[str] = mapped_column(sa.Text)
    column_name: Mapped[str | None] = mapped_column(sa.Text)
    severity: Mapped[str] = mapped_column(sa.String(8))  # validated: error | warn
    status: Mapped[str] = mapped_column(sa.String(16), index=True)  # validated: Status
    observed_value: Mapped[float | None] = mapped_column(sa.Float)
    threshold: Mapped[str | None] = mapped_column(sa.Text)
    statistic: Mapped[float | None] = mapped_column(sa.Float)
    p_value: Mapped[float | None] = mapped_column(sa.Float)
    p_adjusted: Mapped[float | None] = mapped_column(sa.Float)
    effect_size: Mapped[float | None] = mapped_column(sa.Float)
    rows_checked: Mapped[int | None] = mapped_column(sa.BigInteger)
    failing_rows: Mapped[int | None] = mapped_column(sa.BigInteger)
    failure_sample: Mapped[Any] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(sa.Text)
    details: Mapped[Any] = mapped_column(JSON)


class ReferenceSnapshot(Base):
    """A reference for distribution checks: per-column sufficient statistics of a window of
    days of a suite's source (migration 0002). At most one active snapshot per dataset."""

    __tablename__ = "reference_snapshots"
    __table_args__ = (
        sa.Index(
            "uq_reference_snapshots_active",
            "dataset",
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    suite: Mapped[str] = mapped_column(sa.Text, index=True)
    dataset: Mapped[str] = mapped_column(sa.Text)
    window_start: Mapped[date] = mapped_column(sa.Date)
    window_end: Mapped[date] = mapped_column(sa.Date)
    timezone: Mapped[str] = mapped_column(sa.Text)
    row_count: Mapped[int] = mapped_column(sa.BigInteger)
    schema_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    schema: Mapped[Any] = mapped_column(sa.JSON)  # column -> source type
    columns: Mapped[Any] = mapped_column(sa.JSON)  # column -> statistics
    sample_rows: Mapped[int] = mapped_column(sa.Integer)
    source: Mapped[str] = mapped_column(sa.Text)
    captured_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class ReferenceSample(Base):
    """The bounded raw sample of a snapshot (numeric columns, Parquet bytes)."""

    __tablename__ = "reference_samples"

    snapshot_id: Mapped[int] = mapped_column(
        sa.Integer,
        sa.ForeignKey("reference_snapshots.id", ondelete="CASCADE"),
        primary_key=True,
    )
    format: Mapped[str] = mapped_column(sa.String(16))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class RunMetric(Base):
    """One number a run computed: its profile (migration 0003). ``metric`` is the engine's
    metric name (``row_count``, ``null_count``, ``mean``, ``m2``, ...), ``column_name`` and
    ``group_key`` are NULL when the metric has none. History-based checks and the UI's trends
    read this table, never the source."""

    __tablename__ = "run_metrics"
    __table_args__ = (sa.Index("ix_run_metrics_metric", "metric", "column_name"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    run_id: Mapped[str] = mapped_column(
        sa.Text,
        sa.ForeignKey("validation_runs.run_id", ondelete="CASCADE"),
        index=True,
    )
    phase: Mapped[str] = mapped_column(sa.Text)
    metric: Mapped[str] = mapped_column(sa.Text)
    column_name: Mapped[str | None] = mapped_column(sa.Text)
    group_key: Mapped[str | None] = mapped_column(sa.Text)
    value: Mapped[float | None] = mapped_column(sa.Float)


class RunAttempt(Base):
    """Every attempt at a run (migration 0005): a save, or an attempt that ended in an
    infrastructure error (``Store.record_attempt``), which leaves the run's last complete rows in
    place. No foreign key: a first attempt that failed has no run row, and that is visible here."""

    __tablename__ = "run_attempts"
    __table_args__ = (sa.UniqueConstraint("run_id", "attempt", name="uq_run_attempts_attempt"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    run_id: Mapped[str] = mapped_column(sa.Text, index=True)
    attempt: Mapped[int] = mapped_column(sa.Integer)  # 1, 2, ... per run_id
    phases: Mapped[str] = mapped_column(sa.Text)  # comma-separated, or "all"
    try_number: Mapped[int | None] = mapped_column(sa.Integer)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.Text)  # the run's status after a save | infra_error
    saved: Mapped[bool] = mapped_column(sa.Boolean)  # its rows became the run's rows
    error: Mapped[str | None] = mapped_column(sa.Text)


class SchemaAccept(Base):
    """A source's schema accepted as the baseline of SchemaChange (migration 0010), written by
    `datavigil schema accept SUITE`. The newest row per (suite, check_name) is the baseline;
    without one, the fingerprint first recorded in check_results is."""

    __tablename__ = "schema_accepts"
    __table_args__ = (sa.Index("ix_schema_accepts_suite_check", "suite", "check_name"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    suite: Mapped[str] = mapped_column(sa.String(63))
    check_name: Mapped[str] = mapped_column(sa.String(250))  # schema_change.<source>
    source_name: Mapped[str] = mapped_column(sa.String(250))  # the suite or the dependency
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    columns: Mapped[Any] = mapped_column(sa.JSON)  # column -> source type
    previous_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    accepted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    accepted_by: Mapped[str | None] = mapped_column(sa.String(250))
    note: Mapped[str | None] = mapped_column(sa.Text)
