"""PostgreSQL push-down: a suite over a PostgreSQL table is validated with no data row leaving
the server. Every SELECT against the source is counted (rows returned, from the cursor): each is
an aggregate (one row; one per group for moments by group); only a failing check fetches rows,
at most SAMPLE_LIMIT of them (LIMIT in the SQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import Partition, SqlSource, Suite
from datavigil.checks import NullRate, Range, Unique
from datavigil.checks.anova import GroupAnova
from datavigil.core.outcome import SAMPLE_LIMIT
from tests.engine.common import DAY, outcomes, validate

ROWS, GROUPS = 2000, 4  # rows of the day; carriers


@dataclass(eq=False)  # hashable: SQLAlchemy keeps listeners in sets
class Transfer:
    """(statement, rows returned) of every statement that read the source table."""

    database: str
    table: str
    seen: list[tuple[str, int]] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # catalogue, reflection, session set-up

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if conn.dialect.name != "postgresql" or conn.engine.url.database != self.database:
            return
        if f'FROM "{self.table}"' in statement or f"FROM {self.table}" in statement:
            self.seen.append((statement, cursor.rowcount))
        else:
            self.other.append(statement)

    @property
    def rows(self) -> int:
        return sum(n for _, n in self.seen)


@pytest.fixture
def transfer(pg_url: str) -> Iterator[Transfer]:
    t = Transfer(sa.make_url(pg_url).database or "", "events")
    sa.event.listen(sa.engine.Engine, "after_cursor_execute", t)
    yield t
    sa.event.remove(sa.engine.Engine, "after_cursor_execute", t)


def load(pg_url: str, bad: int = 0) -> None:
    """``ROWS`` rows on the day (timestamptz), 500 on the day before; x in [0, 100), 1 in 50
    NULL; ``bad`` rows of the day get x = 5000 (outside the range)."""
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE events (id bigint, ts timestamptz, x double precision, carrier text)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO events SELECT g, "
                "CAST(:day AS timestamptz) + (g % 1440) * interval '1 minute', "
                "CASE WHEN g % 50 = 0 THEN NULL WHEN g <= :bad THEN 5000 ELSE (g * 37) % 100 END, "
                "'c' || (g % :groups) FROM generate_series(1, :rows) g"
            ),
            {"day": f"{DAY} 00:00:00+00", "bad": bad, "groups": GROUPS, "rows": ROWS},
        )
        conn.execute(
            sa.text(
                "INSERT INTO events SELECT 100000 + g, "
                "CAST(:day AS timestamptz) - interval '1 hour', g, 'c0' "
                "FROM generate_series(1, 500) g"
            ),
            {"day": f"{DAY} 00:00:00+00"},
        )
    engine.dispose()


def suite(pg_url: str) -> Suite:
    checks = [
        NullRate("x", max_fraction=0.05),
        Range("x", min=0, max=100),
        Unique("id"),
        GroupAnova("x", by="carrier", severity="warn"),
    ]
    src = SqlSource(table="events", url=pg_url)
    return Suite(name="s", source=src, partition=Partition("ts"), checks=checks)


def sampled(statement: str) -> bool:
    """A LIMITed select of rows (not the one pass's shift: a LIMIT 1 inside an aggregate; nor
    PostgreSQL's fence of a subquery, ``LIMIT ALL OFFSET 0``)."""
    return "LIMIT" in re.sub(r"LIMIT \S+\) AS k\d+|LIMIT ALL OFFSET", "", statement)


def by_group(statement: str) -> bool:
    return "GROUP BY" in statement and "carrier" in statement


def test_passing_day_transfers_no_data_row(pg_url: str, tmp_path: Path, transfer: Transfer) -> None:
    load(pg_url)
    report = validate(suite(pg_url), tmp_path)
    got = outcomes(report)
    assert report.run.rows_checked == ROWS
    assert got["nulls.x"].failing_rows == ROWS // 50 and got["ranges.x"].failing_rows == 0
    assert got["unique.id"].rows_checked == ROWS
    assert got["anova_groups.x.carrier"].status.value != "error", got["anova_groups.x.carrier"]
    assert report.exit_code == 0, got
    assert transfer.seen, transfer.other
    for statement, rows in transfer.seen:
        assert statement.lstrip().startswith("SELECT"), statement
        assert not sampled(statement), statement  # no sample was fetched
        assert rows == (GROUPS if by_group(statement) else 1), (rows, statement)
    grouped = sum(by_group(s) for s, _ in transfer.seen)
    # the grouped moments: one pass of shifted sums, and the corrected second pass since these
    # values are symmetric (a third moment near 0: ADR 0140)
    assert grouped == 2
    # rows that left the server: one per aggregate, one per group; the data rows among them: 0
    aggregates = len(transfer.seen) - grouped + grouped * GROUPS
    assert transfer.rows == aggregates and transfer.rows - aggregates == 0


def test_failing_range_fetches_at_most_the_sample(
    pg_url: str, tmp_path: Path, transfer: Transfer
) -> None:
    load(pg_url, bad=300)  # 300 values outside the range: the sample stays at SAMPLE_LIMIT
    report = validate(suite(pg_url), tmp_path)
    ranges = outcomes(report)["ranges.x"]
    assert ranges.status.value == "fail" and ranges.failing_rows == 300 - 300 // 50
    assert ranges.failure_sample == (5000.0,) * SAMPLE_LIMIT
    samples = [(s, n) for s, n in transfer.seen if sampled(s)]
    assert len(samples) == 1, transfer.seen
    ((statement, rows),) = samples
    assert rows <= SAMPLE_LIMIT and "5000" not in statement
    others = [n for s, n in transfer.seen if not sampled(s)]
    assert all(n <= GROUPS for n in others)


def test_query_source_is_pushed_down_too(pg_url: str, tmp_path: Path, transfer: Any) -> None:
    load(pg_url)
    src = SqlSource(query="SELECT id, ts, x * 2 AS x, carrier FROM events", url=pg_url)
    s = Suite(name="s", source=src, partition=Partition("ts"), checks=[Range("x", min=0, max=200)])
    report = validate(s, tmp_path)
    assert report.exit_code == 0, outcomes(report)
    assert transfer.seen and all(n <= 1 for _, n in transfer.seen), transfer.seen
