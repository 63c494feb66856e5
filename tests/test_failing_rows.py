"""Issue 19 item 3: failing rows kept in full where the data is (docs/adr/0135), on SQLite and
PostgreSQL (written by the source database: INSERT ... SELECT) and DuckDB over Parquet files
(written as Parquet beside the results store)."""

from __future__ import annotations

import duckdb
import pandera.pandas as pa
import pytest
import sqlalchemy as sa
from pandera.typing import Series

from datavigil import FileSource, SqlSource
from datavigil.checks import NullRate, Range, Unique
from datavigil.core.outcome import Status
from tests import failing_rows_data as d

TABLE = "datavigil_failures_m"


@pytest.fixture(params=["sqlite", "postgres"])
def source_url(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
    d.write_sql(url)
    return url


@pytest.fixture
def sqlite_source(tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    d.write_sql(url)
    return url


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAVIGIL_FAILURES_DIR", str(tmp_path / "failures"))
    return f"sqlite:///{tmp_path / 'results.db'}"


def _checks(**kw):
    return [Range("x", max=89, **kw), NullRate("x", max_fraction=0.5, **kw)]


def test_sql_source_stores_every_failing_row_in_its_own_database(source_url, results):
    s = d.suite(SqlSource(table="m", url=source_url), _checks(store_failures=True))
    got = d.by_name(d.run(s, d.DAYS[0], results))
    rng = got["ranges.x"]
    assert rng.status is Status.FAIL and rng.outcome.failing_rows == d.OUT_OF_RANGE
    assert rng.outcome.details["failures"] == {"rows": 9, "table": TABLE, "capped": False}
    assert d.count(source_url, TABLE, "WHERE dv_check = 'ranges.x'") == d.OUT_OF_RANGE
    assert d.count(source_url, TABLE, "WHERE x <= 89") == 0
    assert "failures" not in got["nulls.x"].outcome.details  # passed: nothing stored
    assert got["nulls.x"].status is Status.PASS


def test_suite_default_and_a_rerun_replaces_the_runs_rows(source_url, results):
    checks = [Range("x", max=89), NullRate("x", max_fraction=0.0)]
    s = d.suite(SqlSource(table="m", url=source_url), checks, store_failures=True)
    for _ in range(2):
        got = d.by_name(d.run(s, d.DAYS[0], results))
    assert got["nulls.x"].outcome.details["failures"]["rows"] == d.NULLS
    assert d.count(source_url, TABLE) == d.OUT_OF_RANGE + d.NULLS  # no duplicates
    assert d.count(source_url, TABLE, "WHERE x IS NULL") == d.NULLS


def test_retention_keeps_the_last_runs_and_the_cap_is_honoured(source_url, results, monkeypatch):
    monkeypatch.setenv("DATAVIGIL_FAILURES_KEEP_RUNS", "2")
    monkeypatch.setenv("DATAVIGIL_FAILURES_CAP", "4")
    s = d.suite(SqlSource(table="m", url=source_url), [Range("x", max=89, store_failures=True)])
    for day in d.DAYS[:3]:
        got = d.by_name(d.run(s, day, results))
    assert got["ranges.x"].outcome.details["failures"] == {
        "rows": 4, "table": TABLE, "capped": True,
    }  # fmt: skip
    runs = [f"cli:m:{day}" for day in d.DAYS]
    assert d.count(source_url, TABLE, f"WHERE dv_run_id = '{runs[0]}'") == 0  # the oldest
    assert d.count(source_url, TABLE, f"WHERE dv_run_id = '{runs[1]}'") == 4
    assert d.count(source_url, TABLE) == 8


def test_duckdb_files_store_parquet_beside_the_results(tmp_path, results):
    source = FileSource(d.write_parquet(tmp_path / "data"))
    s = d.suite(source, _checks(store_failures=True))
    for _ in range(2):  # a re-run replaces the file
        got = d.by_name(d.run(s, d.DAYS[1], results))
    info = got["ranges.x"].outcome.details["failures"]
    path = tmp_path / "failures" / "m" / "cli_m_2024-03-02" / "ranges.x.parquet"
    assert info == {"rows": d.OUT_OF_RANGE, "path": str(path), "capped": False}
    rows = duckdb.sql(f"SELECT id, x, dv_run_id, dv_check FROM '{path}' ORDER BY id").fetchall()
    assert rows == [(i, float(i), "cli:m:2024-03-02", "ranges.x") for i in range(91, 100)]


def test_duckdb_retention_and_cap(tmp_path, results, monkeypatch):
    monkeypatch.setenv("DATAVIGIL_FAILURES_KEEP_RUNS", "2")
    monkeypatch.setenv("DATAVIGIL_FAILURES_CAP", "3")
    s = d.suite(FileSource(d.write_parquet(tmp_path / "data")), _checks(store_failures=True))
    for day in d.DAYS[:3]:
        got = d.by_name(d.run(s, day, results))
    assert got["ranges.x"].outcome.details["failures"]["rows"] == 3
    assert got["ranges.x"].outcome.details["failures"]["capped"] is True
    kept = sorted(p.name for p in (tmp_path / "failures" / "m").iterdir())
    assert kept == ["cli_m_2024-03-02", "cli_m_2024-03-03"]


class Model(pa.DataFrameModel):
    """Allowed values and a regex on ``code``, ``x`` not nullable: built-ins compiled to
    predicates, so their failing rows are stored."""

    x: Series[float] = pa.Field(nullable=False)
    code: Series[str] = pa.Field(isin=["ok"], str_matches=r"o")


@pytest.mark.parametrize("where", ["sql", "files"])
def test_pandera_built_ins_store_their_failing_rows(where, tmp_path, results, sqlite_source):
    if where == "sql":
        source = SqlSource(table="m", url=sqlite_source)
    else:
        source = FileSource(d.write_parquet(tmp_path / "data"))
    s = d.suite(source, [], model=Model, store_failures=True)
    got = d.by_name(d.run(s, d.DAYS[0], results))
    expected = {"schema.code.isin": d.BAD_CODES, "schema.code.str_matches": d.BAD_CODES,
                "schema.x.not_nullable": d.NULLS}  # fmt: skip
    for name, n in expected.items():
        assert got[name].outcome.failing_rows == n
        assert got[name].outcome.details["failures"]["rows"] == n, name
    assert "failures" not in got["schema"].outcome.details  # the summary row stores nothing
    assert "failures" not in got["row_count"].outcome.details  # the default: row-level only
    if where == "sql":
        assert d.count(sqlite_source, TABLE, "WHERE dv_check = 'schema.code.isin'") == 15


def test_a_check_that_is_not_row_level_says_so(results, sqlite_source):
    s = d.suite(SqlSource(table="m", url=sqlite_source), [Unique(("code",), store_failures=True)])
    got = d.by_name(d.run(s, d.DAYS[0], results))["unique.code"]
    assert got.status is Status.FAIL
    assert "cannot store failing rows" in got.outcome.details["failures"]["error"]


def test_a_passing_check_creates_no_table_and_a_passing_rerun_deletes_its_rows(source_url, results):
    passing = d.suite(
        SqlSource(table="m", url=source_url), [Range("x", max=1000)], store_failures=True
    )
    got = d.by_name(d.run(passing, d.DAYS[0], results))["ranges.x"]
    assert got.status is Status.PASS and "failures" not in got.outcome.details
    engine = sa.create_engine(source_url)
    assert not sa.inspect(engine).has_table(TABLE)
    engine.dispose()
    failing = d.suite(passing.source, [Range("x", max=89)], store_failures=True)
    d.run(failing, d.DAYS[0], results)
    assert d.count(source_url, TABLE) == d.OUT_OF_RANGE
    d.run(passing, d.DAYS[0], results)  # the data was fixed: the run's rows go
    assert d.count(source_url, TABLE) == 0
