"""Bad-input catalogue, part 5: hostile identifiers. Quotes, semicolons and comment markers in
table, column, partition, suite and filter names are names, never SQL: the warehouse and the
results store are intact after each case."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.badinput.harness import CLEAN, CLEAN_ROWS, Case, Project, params, play

SRC = 'SqlSource(table="orders", url="{db}")'
EVIL = 'orders\\"; DROP TABLE orders; --'  # as written inside the suite's Python string
NOON = datetime.fromisoformat(f"{CLEAN}T12:00:00")
HOSTILE_TABLE, HOSTILE_COLUMN = 'ord"ers; --', "am'ount\""


def intact(p: Project) -> None:
    assert p.warehouse_rows() == 8


def intact_with(rows: set[tuple[str, str, str]]) -> object:
    def check(p: Project) -> None:
        intact(p)
        assert p.rows() == rows

    return check


def hostile_table(p: Project) -> None:
    """A real table and column with quotes in their names, validated like any other."""
    engine = sa.create_engine(p.db)
    table = sa.Table(
        HOSTILE_TABLE,
        sa.MetaData(),
        sa.Column("id", sa.Integer),
        sa.Column(HOSTILE_COLUMN, sa.Float),
        sa.Column("ts", sa.DateTime),
    )
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(
            table.insert(),
            [{"id": i, HOSTILE_COLUMN: 1.0, "ts": NOON} for i in (1, 2)],
        )
    engine.dispose()
    p.suite(
        **{
            'table="orders"': f"table={HOSTILE_TABLE!r}",
            'NullRate("amount"': f"NullRate({HOSTILE_COLUMN!r}",
            'Range("amount"': f"Range({HOSTILE_COLUMN!r}",
        }
    )


def hostile_table_checked(p: Project) -> None:
    intact(p)
    rows = p.rows()
    assert ("pass", f"nulls.{HOSTILE_COLUMN}", "pass") in rows, rows
    assert ("pass", f"ranges.{HOSTILE_COLUMN}", "pass") in rows, rows


def with_run(*argv: str) -> object:
    def setup(p: Project) -> list[str]:
        p.suite()
        assert p.seed("validate", "orders", "--date", CLEAN) == 0
        return list(argv)

    return setup


CASES = [
    Case(
        "table-name-injection",
        3,
        ("suite 'orders'", "not found"),
        lambda p: p.suite(**{'table="orders"': f'table="{EVIL}"'}) and None,
        written=intact_with({("error", "source.read", "error")}),
    ),
    Case(
        "partition-column-injection",
        2,
        ("suite 'orders'", "partition.column"),
        lambda p: p.suite(**{'Partition("ts")': f'Partition("{EVIL}")'}) and None,
        written=intact,
    ),
    Case(
        "query-with-a-second-statement",
        3,
        ("suite 'orders'", "source query"),
        lambda p: (
            p.suite(**{'table="orders"': 'query="SELECT * FROM orders; DROP TABLE orders"'})
            and None
        ),
        written=intact_with({("error", "source.read", "error")}),
    ),
    Case(
        "check-column-injection",
        1,
        (),
        lambda p: p.suite(**{'NullRate("amount"': f'NullRate("{EVIL}"'}) and None,
        written=intact,
        out="is not in the partition",
    ),
    Case("quoted-table-and-column", 0, (), hostile_table, written=hostile_table_checked),
    Case(
        "suite-name-injection",
        2,
        ("suite 'orders'", "name"),
        lambda p: (
            p.suite(**{'name="orders"': 'name="orders\'; DROP TABLE validation_runs; --"'}) and None
        ),
        written=intact,
    ),
    Case(
        "suite-argument-injection",
        2,
        ("unknown suite", "DROP TABLE"),
        with_run("validate", "x'; DROP TABLE validation_runs; --", "--date", CLEAN),
        written=intact_with(CLEAN_ROWS),
    ),
    Case(
        "results-filter-injection",
        0,
        (),
        with_run("results", "--suite", "orders' OR '1'='1"),
        written=intact_with(CLEAN_ROWS),
        out="(no results)",
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_hostile_identifier(case: Case, tmp_path: Path) -> None:
    play(case, Project(tmp_path))
