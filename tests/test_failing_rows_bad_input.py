"""Issue 19 item 3, bad input: a failures table the role may not create (PostgreSQL) and a
folder that cannot be written while writing Parquet are each a one-line message in the check's
result; the verdict is unchanged (storing failures never changes pass/fail)."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from datavigil import FileSource, SqlSource
from datavigil.checks import NullRate, Range
from datavigil.core.errors import SettingError, SuiteError
from datavigil.core.outcome import Status
from tests import failing_rows_data as d


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAVIGIL_FAILURES_DIR", str(tmp_path / "failures"))
    return f"sqlite:///{tmp_path / 'results.db'}"


@pytest.fixture
def reader_url(pg_url):
    """The warehouse's database as a role that may read ``m`` but not create a table."""
    d.write_sql(pg_url)
    role = f"dv_reader_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(sa.text(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role}"))
        conn.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        conn.execute(sa.text(f"GRANT SELECT ON m TO {role}"))
    yield sa.make_url(pg_url).set(username=role).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP OWNED BY {role}"))
        conn.execute(sa.text(f"DROP ROLE {role}"))
    admin.dispose()


def _verdicts(report):
    return [(r.check_name, r.status) for r in report.results], report.exit_code, report.run.status


def test_a_role_that_may_not_create_the_table_is_one_line_and_the_verdict_stays(
    reader_url, results
):
    checks = [Range("x", max=89), NullRate("x", max_fraction=0.0)]
    plain = d.run(d.suite(SqlSource(table="m", url=reader_url), checks), d.DAYS[0], results)
    s = d.suite(SqlSource(table="m", url=reader_url), checks, store_failures=True)
    report = d.run(s, d.DAYS[0], results)
    assert _verdicts(report) == _verdicts(plain)
    assert report.exit_code == 1 and report.run.status == "fail"
    error = d.by_name(report)["ranges.x"].outcome.details["failures"]["error"]
    assert error.startswith(
        "failing rows of check 'ranges.x' not stored (table datavigil_failures_m): "
    )
    assert "permission denied for schema public" in error and "\n" not in error


def test_a_folder_that_cannot_be_written_is_one_line_and_nothing_half_written(tmp_path, results):
    s = d.suite(FileSource(d.write_parquet(tmp_path / "data")), [Range("x", max=89)])
    blocked = d.suite(s.source, s.checks, store_failures=True)
    (tmp_path / "failures").write_text("a file where the folder should be")
    report = d.run(blocked, d.DAYS[0], results)
    assert _verdicts(report) == _verdicts(d.run(s, d.DAYS[0], results))
    error = d.by_name(report)["ranges.x"].outcome.details["failures"]["error"]
    assert error.startswith("failing rows of check 'ranges.x' not stored (") and "\n" not in error


def test_a_write_that_fails_midway_leaves_no_file(tmp_path, results):
    s = d.suite(
        FileSource(d.write_parquet(tmp_path / "data")), [Range("x", max=89)], store_failures=True
    )
    run_dir = tmp_path / "failures" / "m" / "cli_m_2024-03-01"
    (run_dir / f".ranges.x.parquet.{os.getpid()}.tmp").mkdir(parents=True)  # COPY cannot write
    got = d.by_name(d.run(s, d.DAYS[0], results))["ranges.x"]
    assert got.status is Status.FAIL
    error = got.outcome.details["failures"]["error"]
    assert "not stored (Parquet): " in error and "\n" not in error, error
    assert not (run_dir / "ranges.x.parquet").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATAVIGIL_FAILURES_CAP", "0"), ("DATAVIGIL_FAILURES_KEEP_RUNS", "ten"),
     ("DATAVIGIL_FAILURES_TABLE", "bad name;")],
)  # fmt: skip
def test_a_bad_setting_names_the_variable(tmp_path, results, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    s = d.suite(
        FileSource(d.write_parquet(tmp_path / "data")), [Range("x", max=89)], store_failures=True
    )
    with pytest.raises(SettingError, match=variable):
        d.run(s, d.DAYS[0], results)


@pytest.mark.parametrize("where", ["suite", "check"])
def test_a_flag_that_is_not_a_boolean_names_the_suite_and_field(tmp_path, results, where):
    source = FileSource(d.write_parquet(tmp_path / "data"))
    if where == "suite":
        s, field = d.suite(source, [Range("x", max=89)], store_failures="yes"), "store_failures"
    else:
        s, field = (
            d.suite(source, [Range("x", max=89, store_failures=1)]),
            "ranges.x: store_failures",
        )
    with pytest.raises(SuiteError, match=f"suite 'm': {field}: must be True or False, got"):
        d.run(s, d.DAYS[0], results)
