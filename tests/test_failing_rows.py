"""Issue 19 item 3: failing rows kept in full where the data is (docs/adr/0135), on SQLite and
PostgreSQL (written by the source database: INSERT ... SELECT) and DuckDB over Parquet files
(written as Parquet beside the results store)."""

from __future__ import annotations

import duckdb
import pytest

from datavigil import FileSource, SqlSource
from datavigil.checks import NullRate, Range
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
