"""Every engine-written string column is TEXT: a real failure is never lost to a length limit

Revision ID: 0004
Revises: 0003

On PostgreSQL VARCHAR(n) -> TEXT is binary-compatible: no table rewrite, the primary key
(run_id, check_name) and the foreign keys stay. SQLite never enforced the lengths: nothing to do.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TEXT_COLUMNS = {
    "validation_runs": [
        "run_id",
        "suite",
        "dataset",
        "origin",
        "dag_id",
        "dag_run_id",
        "datavigil_version",
    ],
    "check_results": ["run_id", "check_name", "phase", "check_type", "column_name", "threshold"],
    "reference_snapshots": ["suite", "dataset", "timezone", "source"],
    "run_metrics": ["run_id", "phase"],
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in TEXT_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {c} TYPE TEXT" for c in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def downgrade() -> None:
    """Not reversible without losing rows longer than the old limits."""
