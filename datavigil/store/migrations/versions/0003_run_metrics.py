"""run_metrics: the numbers each run computed (its profile)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_metrics",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column(
            "run_id",
            sa.String(250),
            sa.ForeignKey("validation_runs.run_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("metric", sa.Text, nullable=False),
        sa.Column("column_name", sa.Text),
        sa.Column("group_key", sa.Text),
        sa.Column("value", sa.Float),
        if_not_exists=True,
    )
    op.create_index("ix_run_metrics_run_id", "run_metrics", ["run_id"], if_not_exists=True)
    op.create_index(
        "ix_run_metrics_metric", "run_metrics", ["metric", "column_name"], if_not_exists=True
    )


def downgrade() -> None:
    op.drop_table("run_metrics")
