"""schema_accepts: source schemas accepted as the SchemaChange baseline

Revision ID: 0010
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schema_accepts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("suite", sa.String(63), nullable=False),
        sa.Column("check_name", sa.String(250), nullable=False),
        sa.Column("source_name", sa.String(250), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("previous_fingerprint", sa.String(64)),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.String(250)),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_schema_accepts_suite_check", "schema_accepts", ["suite", "check_name"])


def downgrade() -> None:
    op.drop_table("schema_accepts")
