"""The results store's tables (public interface: users' SQL depends on them; change them only
with an Alembic migration and a README note)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ValidationRun(Base):
    __tablename__ = "validation_runs"

    run_id: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    suite: Mapped[str] = mapped_column(sa.String(63), index=True)
    dataset: Mapped[str] = mapped_column(sa.String(250))
    partition_date: Mapped[date] = mapped_column(sa.Date, index=True)
    logical_date: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    data_interval_start: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    data_interval_end: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(16))
    rows_checked: Mapped[int | None] = mapped_column(sa.BigInteger)
    reference_snapshot_id: Mapped[int | None] = mapped_column(sa.Integer)
    origin: Mapped[str] = mapped_column(sa.String(16))  # cli | airflow
    dag_id: Mapped[str | None] = mapped_column(sa.String(250))
    dag_run_id: Mapped[str | None] = mapped_column(sa.String(250))
    try_number: Mapped[int | None] = mapped_column(sa.Integer)
    datavigil_version: Mapped[str] = mapped_column(sa.String(32))


class CheckResultRow(Base):
    __tablename__ = "check_results"

    run_id: Mapped[str] = mapped_column(
        sa.String(250),
        sa.ForeignKey("validation_runs.run_id", ondelete="CASCADE"),
        primary_key=True,
    )
    check_name: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    phase: Mapped[str] = mapped_column(sa.String(32))  # the task that wrote it: validate, ...
    check_type: Mapped[str] = mapped_column(sa.String(63))
    column_name: Mapped[str | None] = mapped_column(sa.String(250))
    severity: Mapped[str] = mapped_column(sa.String(8))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    observed_value: Mapped[float | None] = mapped_column(sa.Float)
    threshold: Mapped[str | None] = mapped_column(sa.String(250))
    statistic: Mapped[float | None] = mapped_column(sa.Float)
    p_value: Mapped[float | None] = mapped_column(sa.Float)
    p_adjusted: Mapped[float | None] = mapped_column(sa.Float)
    effect_size: Mapped[float | None] = mapped_column(sa.Float)
    rows_checked: Mapped[int | None] = mapped_column(sa.BigInteger)
    failing_rows: Mapped[int | None] = mapped_column(sa.BigInteger)
    failure_sample: Mapped[Any] = mapped_column(sa.JSON)
    message: Mapped[str] = mapped_column(sa.Text)
    details: Mapped[Any] = mapped_column(sa.JSON)
