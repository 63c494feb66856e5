"""reference_snapshots and reference_samples

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("suite", sa.String(63), nullable=False),
        sa.Column("dataset", sa.String(250), nullable=False),
        sa.Column("window_start", sa.Date, nullable=False),
        sa.Column("window_end", sa.Date, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("row_count", sa.BigInteger, nullable=False),
        sa.Column("schema_fingerprint", sa.String(64), nullable=False),
        sa.Column("schema", sa.JSON, nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("sample_rows", sa.Integer, nullable=False),
        sa.Column("source", sa.String(250), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
        if_not_exists=True,
    )
    op.create_index(
        "ix_reference_snapshots_suite", "reference_snapshots", ["suite"], if_not_exists=True
    )
    op.create_index(
        "uq_reference_snapshots_active",
        "reference_snapshots",
        ["dataset"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
        if_not_exists=True,
    )
    op.create_table(
        "reference_samples",
        sa.Column(
            "snapshot_id",
            sa.Integer,
            sa.ForeignKey("reference_snapshots.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("reference_samples")
    op.drop_index("uq_reference_snapshots_active", table_name="reference_snapshots")
    op.drop_table("reference_snapshots")
