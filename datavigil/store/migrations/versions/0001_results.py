"""validation_runs and check_results

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
INDEXED = [
    ("validation_runs", "suite"),
    ("validation_runs", "partition_date"),
    ("check_results", "status"),
]


def upgrade() -> None:
    op.create_table(
        "validation_runs",
        sa.Column("run_id", sa.String(250), primary_key=True),
        sa.Column("suite", sa.String(63), nullable=False),
        sa.Column("dataset", sa.String(250), nullable=False),
        sa.Column("partition_date", sa.Date, nullable=False),
        sa.Column("logical_date", TZ),
        sa.Column("data_interval_start", TZ, nullable=False),
        sa.Column("data_interval_end", TZ, nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_checked", sa.BigInteger),
        sa.Column("reference_snapshot_id", sa.Integer),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("dag_id", sa.String(250)),
        sa.Column("dag_run_id", sa.String(250)),
        sa.Column("try_number", sa.Integer),
        sa.Column("datavigil_version", sa.String(32), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "check_results",
        sa.Column(
            "run_id",
            sa.String(250),
            sa.ForeignKey("validation_runs.run_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("check_name", sa.String(250), primary_key=True),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("check_type", sa.String(63), nullable=False),
        sa.Column("column_name", sa.String(250)),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("observed_value", sa.Float),
        sa.Column("threshold", sa.String(250)),
        sa.Column("statistic", sa.Float),
        sa.Column("p_value", sa.Float),
        sa.Column("p_adjusted", sa.Float),
        sa.Column("effect_size", sa.Float),
        sa.Column("rows_checked", sa.BigInteger),
        sa.Column("failing_rows", sa.BigInteger),
        sa.Column("failure_sample", sa.JSON),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("details", sa.JSON),
        if_not_exists=True,
    )
    # every step is idempotent: a first migration interrupted by an older datavigil (which ran
    # SQLite DDL outside its transaction) resumes instead of failing "already exists" (ADR 0051)
    for table, column in INDEXED:
        op.create_index(f"ix_{table}_{column}", table, [column], if_not_exists=True)


def downgrade() -> None:
    op.drop_table("check_results")
    op.drop_table("validation_runs")
