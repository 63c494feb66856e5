"""The statements one run sends to its source (issue 21 item 1, docs/adr/0140, 0148): the scalar
metrics and the moments in one statement, the grouped moments in one, the duplicate keys and
the frequencies in one each, and the samples of every failing check in one, on DuckDB (files)
and PostgreSQL. Counted with SQLAlchemy's ``before_cursor_execute`` through a real run. The
values are skewed, as data mostly is: a column whose third moment is 0 (exactly symmetric)
takes a second statement for its moments (ADR 0140: the one pass would not give it exactly)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import FileSource, SqlSource, Suite
from datavigil.checks import CategoryShift, GroupAnova, MeanShift, NullRate, Range, Unique
from tests.engine.common import outcomes, validate
from tests.helpers import statements_to

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


def counted(dialect: str) -> Any:
    """Every statement sent to a ``dialect`` database (the results store is SQLite)."""
    return statements_to(lambda conn: conn.dialect.name == dialect)


def reads(statements: list[str], table: str) -> list[str]:
    """The statements that read the source's rows (not the catalogue)."""
    return [s for s in statements if f"FROM {table}" in s and "pg_catalog" not in s]


SHIFT_PROBE = re.compile(r"LIMIT \S+\) AS k\d+")  # the one pass's first values (ADR 0148)


def scans(statements: list[str], table: str) -> list[str]:
    """The reads of every row: not the one-row probes of the shifts."""
    return [s for s in reads(statements, table) if not SHIFT_PROBE.search(s)]


def catalogue(statements: list[str]) -> list[str]:
    return [s for s in statements if "pg_catalog" in s]


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
    # the scalars and moments, the duplicate keys (a count of distinct ids, then, since one
    # repeats, the GROUP BY), the grouped moments, the frequencies, the samples (ADR 0148)
    assert len(scans(seen, "t")) == 6, seen  # before (3155186): 10; at a86d4a7: 5
    assert len(reads(seen, "t")) == 8, seen  # and the shifts of the two one passes, a row each
    # the table's columns in one catalogue query (11 before: its whole reflection)
    assert len(catalogue(seen)) == 1, seen
    assert len(seen) == 8 + 1 + 2 * 8, seen  # a savepoint around each read; at a86d4a7: 26


def test_postgresql_unique_key_without_group_by(tmp_path: Path, pg_url: str) -> None:
    """A passing unique key of one column is one count of its distinct values (a sort in
    memory), not a GROUP BY of millions of keys (a hash aggregate that spilled to disk at twice
    the CPU on the benchmark: ADR 0148)."""
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id int, x float8)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:id, 1.5)"), [{"id": i} for i in range(N)])
    engine.dispose()
    unique = Suite(name="s", source=SqlSource(table="t", url=pg_url), checks=[Unique("id")])
    with counted("postgresql") as seen:
        report = validate(unique, tmp_path)
    assert outcomes(report)["unique.id"].status.value == "pass", outcomes(report)
    assert not [s for s in seen if "GROUP BY" in s], seen  # before: the GROUP BY of the ids
    assert len(scans(seen, "t")) == 2, seen  # the row count, the distinct ids


def test_postgresql_reads_a_table_catalogue_once_per_run(pg_url: str) -> None:
    """The schema probe and the scan of a run share its engine, and the table's columns are
    read once, in one query (before: 22, the whole reflection twice)."""
    from datavigil.engine.backends import open_scan
    from datavigil.engine.reuse import shared_engines

    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id int, x float8)"))
    engine.dispose()
    source = SqlSource(table="t", url=pg_url)
    with counted("postgresql") as seen, shared_engines():
        assert source.column_types("s") == {"id": "INTEGER", "x": "DOUBLE PRECISION"}
        with open_scan("s", source, None, None) as scan:
            assert set(scan.columns) == {"id", "x"}
    assert len(catalogue(seen)) == 1, seen


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


def test_postgresql_duplicate_keys_with_nulls_as_the_group_by_counts(pg_url: str) -> None:
    """count(DISTINCT) first gives what the GROUP BY gives, NULL a key of its own."""
    from datavigil.engine import metrics as m
    from datavigil.engine.backends import open_scan
    from datavigil.engine.values import Duplicates

    cases = {
        (1, 2, None, None, 3): Duplicates(4, 1, 2),  # NULL twice: a repeated key
        (1, 2, None): Duplicates(3, 0, 0),
        (1, 1, None, 2): Duplicates(3, 1, 2),  # a repeated id: through the GROUP BY
    }
    engine = sa.create_engine(pg_url)
    for ids, want in cases.items():
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS t"))
            conn.execute(sa.text("CREATE TABLE t (id int)"))
            conn.execute(sa.text("INSERT INTO t VALUES (:id)"), [{"id": i} for i in ids])
        with open_scan("s", SqlSource(table="t", url=pg_url), None, None) as scan:
            key = m.DuplicateKeys(("id",))
            assert scan.compute([key]).get(key) == want, ids
    engine.dispose()
