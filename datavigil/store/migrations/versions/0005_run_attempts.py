"""run_attempts: every attempt at a run, including those that ended in an infrastructure error

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_attempts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("run_id", sa.Text, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("phases", sa.Text, nullable=False),
        sa.Column("try_number", sa.Integer),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("saved", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("run_id", "attempt", name="uq_run_attempts_attempt"),
        if_not_exists=True,
    )
    op.create_index("ix_run_attempts_run_id", "run_attempts", ["run_id"], if_not_exists=True)


def downgrade() -> None:
    op.drop_table("run_attempts")
