"""details and failure_sample are real nested JSON: Python-repr strings of old rows are parsed

Revision ID: 0006
Revises: 0005

Before 0006 the store wrote nested values as Python reprs ("{'ctrl': [10, 5.032]}"). Each such
string that ``ast.literal_eval`` parses becomes JSON (tuples as arrays, NaN/inf as the strings
"nan"/"inf"/"-inf"); a string it cannot parse stays as it was. On PostgreSQL both columns become
JSONB (``jsonb_typeof``, ``@>``, GIN indexes); ``->>`` works as before.
"""

import ast
from typing import Any

import sqlalchemy as sa
from alembic import op

from datavigil.store.rows import json_safe

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CHUNK = 1000
REPR_LIMIT = 100_000  # characters: a longer string is left alone
rows = sa.table(
    "check_results",
    sa.column("run_id", sa.Text),
    sa.column("check_name", sa.Text),
    sa.column("details", sa.JSON),
    sa.column("failure_sample", sa.JSON),
)


def unrepr(value: Any) -> Any:
    """``value`` with every nested Python-repr string of a list, dict or tuple parsed."""
    if isinstance(value, dict):
        return {str(k): unrepr(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unrepr(v) for v in value]
    if isinstance(value, str) and _looks_like_repr(value):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return value
        return unrepr(json_safe(parsed))
    return json_safe(value)


def _looks_like_repr(text: str) -> bool:
    text = text.strip()
    return len(text) <= REPR_LIMIT and text[:1] + text[-1:] in ("[]", "{}", "()")


def _convert(conn: sa.Connection) -> None:
    after: tuple[str, str] = ("", "")
    while True:
        key = sa.tuple_(rows.c.run_id, rows.c.check_name)
        chunk = conn.execute(
            sa.select(rows)
            .where(key > sa.tuple_(*after))
            .order_by(rows.c.run_id, rows.c.check_name)
            .limit(CHUNK)
        ).all()
        for run_id, name, details, sample in chunk:
            new_details, new_sample = unrepr(details), unrepr(sample)
            if (new_details, new_sample) != (details, sample):
                conn.execute(
                    sa.update(rows)
                    .where(rows.c.run_id == run_id, rows.c.check_name == name)
                    .values(details=new_details, failure_sample=new_sample)
                )
        if len(chunk) < CHUNK:
            return
        after = (chunk[-1].run_id, chunk[-1].check_name)


def upgrade() -> None:
    conn = op.get_bind()
    _convert(conn)
    if conn.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE check_results"
            " ALTER COLUMN details TYPE JSONB USING details::jsonb,"
            " ALTER COLUMN failure_sample TYPE JSONB USING failure_sample::jsonb"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE check_results"
            " ALTER COLUMN details TYPE JSON USING details::json,"
            " ALTER COLUMN failure_sample TYPE JSON USING failure_sample::json"
        )
