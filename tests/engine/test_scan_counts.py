"""The statements one run sends to its source (issue 21 item 1, docs/adr/0140): the scalar
metrics and the moments in one statement, the grouped moments in one, the duplicate keys and
the frequencies in one each, and the samples of every failing check in one, on DuckDB (files)
and PostgreSQL. Counted with SQLAlchemy's ``before_cursor_execute`` through a real run. The
values are skewed, as data mostly is: a column whose third moment is 0 (exactly symmetric)
takes a second statement for its moments (ADR 0140: the one pass would not give it exactly)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import FileSource, SqlSource, Suite
from datavigil.checks import CategoryShift, GroupAnova, MeanShift, NullRate, Range, Unique
from tests.engine.common import outcomes, validate

N = 40  # rows: ids 0..38 and 0 again (one repeated key), x = k^2 up to 1521 (beyond the range)


def rows() -> list[dict[str, Any]]:
    ids = [*range(N - 1), 0]
    return [
        {"id": i, "x": float(k * k), "g": k % 3, "cat": "abc"[k % 3]} for k, i in enumerate(ids)
    ]


def suite(source: Any) -> Suite:
    checks = [
        NullRate("x"),  # scalars
        Range("x", min=0, max=100),  # fails: a sample of its failing values
        Unique("id"),  # fails: a sample of the repeated keys
        MeanShift("x"),  # moments (no reference: an error, the moments still computed)
        GroupAnova("x", by="g"),  # grouped moments
        CategoryShift("cat"),  # frequencies
    ]
    return Suite(name="s", source=source, checks=checks)


@contextmanager
def counted(dialect: str) -> Iterator[list[str]]:
    """Every statement sent to a ``dialect`` database (the results store is SQLite)."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if conn.dialect.name == dialect:
            seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", note)


def reads(statements: list[str], table: str) -> list[str]:
    """The statements that read the source's rows (not the catalogue)."""
    return [s for s in statements if f"FROM {table}" in s and "pg_catalog" not in s]


def checked(report: Any) -> None:
    got = {name: o.status.value for name, o in outcomes(report).items()}
    assert got["ranges.x"] == "fail" and got["unique.id"] == "fail", got
    assert got["nulls.x"] == "pass" and got["anova_groups.x.g"] != "error", got
    assert outcomes(report)["ranges.x"].failure_sample, "the failing values' sample"
    assert outcomes(report)["unique.id"].failure_sample == ((0,),)


def test_duckdb_files_one_statement_per_metric_family(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist(rows()), path)
    with counted("duckdb") as seen:
        report = validate(suite(FileSource(path=str(path))), tmp_path)
    checked(report)
    assert len(reads(seen, "src")) == 5, seen  # before (3155186): 10
    assert len(seen) == 5, seen  # before: 10 (nothing but the reads)


def test_postgresql_one_statement_per_metric_family(tmp_path: Path, pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id int, x float8, g int, cat text)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:id, :x, :g, :cat)"), rows())
    engine.dispose()
    with counted("postgresql") as seen:
        report = validate(suite(SqlSource(table="t", url=pg_url)), tmp_path)
    checked(report)
    assert len(reads(seen, "t")) == 5, seen  # before (3155186): 10
    # and the table's reflection once (11 catalogue queries), a savepoint around each read
    assert len(seen) == 5 + 11 + 2 * 5, seen  # before: 41 (10 + 11 + 2 * 10)


def test_an_anova_alone_is_one_statement(tmp_path: Path) -> None:
    """The run's row count is the sum of the ANOVA's groups' rows: no count statement."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist(rows()), path)
    anova = Suite(name="s", source=FileSource(path=str(path)), checks=[GroupAnova("x", by="g")])
    with counted("duckdb") as seen:
        report = validate(anova, tmp_path)
    assert report.run.rows_checked == N
    assert outcomes(report)["anova_groups.x.g"].status.value != "error", outcomes(report)
    assert len(seen) == 2, seen  # the moments, the raw values of its small groups; before: 4
