"""The public Python API (datavigil.api, ADR 0121) on real SQLite data: the bad-input
catalogue's project (tests/badinput/harness.py: an orders warehouse with a clean day, a
violating day and an empty day, the orders suite, an embedded results store), in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import datavigil
from datavigil import api
from datavigil.cli.main import main
from datavigil.core.errors import (
    SettingError,
    SourceUnavailable,
    StoreUnavailable,
    SuiteError,
    UnknownSuiteError,
    UsageError,
    ValidationFailed,
)
from datavigil.store import Store
from tests.badinput.harness import CLEAN, CLEAN_ROWS, EMPTY, VIOLATING, Project
from tests.helpers import query

DOWN = "postgresql+psycopg://dv@127.0.0.1:1/results?connect_timeout=3"
NULLS = 'NullRate("amount", max_fraction=0.5)'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The harness's project with the orders suite, its settings in this process's
    environment; suite modules loaded by the test are forgotten afterwards."""
    p = Project(tmp_path)
    p.suite()
    for name, value in p.env.items():
        if name.startswith("DATAVIGIL_"):
            monkeypatch.setenv(name, value)
    yield p
    for name in [m for m in sys.modules if m.startswith("datavigil_suites.")]:
        del sys.modules[name]


def test_a_clean_day_passes_and_its_run_is_stored(project: Project) -> None:
    report = api.validate("orders", date=CLEAN)
    assert report.passed and report.exit_code == 0 and report.status == "pass"
    assert (report.suite, report.partition, report.rows_checked) == ("orders", date(2024, 5, 1), 5)
    assert report.run_id == "cli:orders:2024-05-01"  # the CLI's run id: a re-run replaces it
    assert report.failures == () and report.warnings == () and report.error is None
    assert {r.check_name for r in report.results} == {name for _, name, _ in CLEAN_ROWS}
    assert project.rows() == CLEAN_ROWS
    stored = query(project.results_url, "SELECT run_id, status FROM validation_runs")
    assert [tuple(r) for r in stored] == [(report.run_id, "pass")]
    assert report.raise_for_status() is report


def test_a_violation_fails_with_the_failing_checks_in_the_report(project: Project) -> None:
    report = api.validate("orders", date=VIOLATING)
    assert not report.passed and report.exit_code == 1 and report.status == "fail"
    (failed,) = report.failures
    assert failed.check_name == "nulls.amount" and failed.status.value == "fail"
    assert failed.outcome.observed_value == pytest.approx(2 / 3)
    assert report.run_id == "cli:orders:2024-05-02"
    assert "FAIL" in report.summary and "1 failed: nulls.amount" in report.summary
    assert str(report) == report.summary and "\n" not in report.summary
    assert report.summary.endswith(f"run_id {report.run_id}")
    stored = query(
        project.results_url,
        "SELECT r.status, c.status FROM validation_runs r JOIN check_results c USING (run_id) "
        "WHERE r.run_id = :r AND c.check_name = 'nulls.amount'",
        r=report.run_id,
    )
    assert [tuple(r) for r in stored] == [("fail", "fail")]
    with pytest.raises(ValidationFailed) as raised:
        report.raise_for_status()
    assert raised.value.exit_code == 1 and raised.value.report is report
    text = str(raised.value)
    assert text.startswith("suite 'orders': 1 error-severity check(s) did not pass on 2024-05-02")
    assert "nulls.amount [fail]" in text and "observed 0.666667 vs threshold" in text


def test_the_text_is_the_commands_summary(project: Project, capsys) -> None:
    report = api.validate("orders", date=VIOLATING)
    assert main(["-q", "validate", "orders", "--date", VIOLATING]) == report.exit_code == 1
    printed = capsys.readouterr().out
    assert printed == report.text() + "\n"
    assert "FAIL" in printed and "nulls.amount" in printed and "ok " not in printed
    assert "ok " in report.text(verbose=True)  # verbose lists the passing checks too


def test_a_suite_object_and_a_date_object_give_the_same_run(project: Project) -> None:
    first = api.validate("orders", date=VIOLATING)
    again = api.validate(api.load_suite("orders"), date(2024, 5, 2))
    assert again.run_id == first.run_id and again.status == first.status
    assert Store(project.results_url).counts() == (1, 4)  # replaced, not duplicated


def test_warnings_do_not_fail_the_run(project: Project) -> None:
    project.suite(**{NULLS: NULLS.replace(")", ', severity="warn")')})
    report = api.validate("orders", date=VIOLATING)
    assert report.passed and report.exit_code == 0 and report.status == "warn"
    assert [r.check_name for r in report.warnings] == ["nulls.amount"] and report.failures == ()
    assert "1 warnings: nulls.amount" in report.summary


def test_an_empty_partition_does_not_pass(project: Project) -> None:
    report = api.validate("orders", date=EMPTY)
    assert not report.passed and "row_count" in [r.check_name for r in report.failures]


def test_an_unknown_suite_is_one_line_and_exit_2(project: Project) -> None:
    with pytest.raises(UnknownSuiteError) as raised:
        api.load_suite("nope")
    assert str(raised.value) == "unknown suite 'nope' (suites: orders)"
    assert raised.value.exit_code == 2
    with pytest.raises(UnknownSuiteError, match="^unknown suite 'nope'"):
        api.validate("nope", date=CLEAN)
    assert not (project.root / "results.db").exists()


def test_a_broken_suite_is_one_line_and_nothing_is_written(project: Project) -> None:
    project.suite(**{"suite = Suite(": "raise KeyError('amount_usd')\nsuite = Suite("})
    with pytest.raises(SuiteError) as raised:
        api.validate("orders", date=CLEAN)
    assert raised.value.exit_code == 2 and "\n" not in str(raised.value)
    assert str(raised.value) == (
        "suite 'orders': module: orders.py failed to import: KeyError: 'amount_usd'"
    )
    assert not (project.root / "results.db").exists()


def test_load_suite_from_another_folder(project: Project, tmp_path_factory) -> None:
    other = tmp_path_factory.mktemp("elsewhere")
    (other / "mine.py").write_text(
        (project.schemas / "orders.py").read_text().replace('name="orders"', 'name="mine"')
    )
    assert api.load_suite("mine", schemas_dir=other).name == "mine"
    with pytest.raises(UnknownSuiteError):
        api.load_suite("mine")  # not in the configured folder


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"date": "20240501"}, "date: '20240501' is not YYYY-MM-DD"),
        ({"date": "2024-02-30"}, "is not a calendar day"),
        ({"date": datetime(2024, 5, 1, tzinfo=UTC)}, "not a datetime"),
        ({"date": CLEAN, "hour": 3}, "hour: suite 'orders' is not hourly"),
    ],
    ids=["not-iso", "not-a-day", "a-datetime", "hour-of-a-daily-suite"],
)
def test_bad_arguments_are_usage_errors(project: Project, kwargs, words: str) -> None:
    with pytest.raises(UsageError, match=words) as raised:
        api.validate("orders", **kwargs)
    assert raised.value.exit_code == 2
    assert not (project.root / "results.db").exists()


def test_an_unreachable_store_raises_and_writes_nothing(project: Project) -> None:
    before, rows = project.files(), project.warehouse_rows()
    with pytest.raises(StoreUnavailable) as raised:
        api.validate("orders", date=CLEAN, results_url=DOWN)
    assert raised.value.exit_code == 3 and raised.value.retryable
    assert str(raised.value).startswith("suite 'orders': results store")
    assert project.files() == before and project.warehouse_rows() == rows


def test_a_store_that_refuses_the_write_keeps_its_last_run_whole(project: Project) -> None:
    assert api.validate("orders", date=CLEAN).passed
    read_only = f"sqlite:///file:{project.root / 'results.db'}?mode=ro&uri=true"
    with pytest.raises(StoreUnavailable, match="readonly"):
        api.validate("orders", date=VIOLATING, results_url=read_only)
    assert project.rows() == CLEAN_ROWS  # no half of the violating day's run


def test_a_malformed_store_url_is_configuration(project: Project) -> None:
    with pytest.raises(SettingError, match="results_url is not a SQLAlchemy URL") as raised:
        api.validate("orders", date=CLEAN, results_url="not a url")
    assert raised.value.exit_code == 2
    with pytest.raises(SettingError):
        api.results(results_url="not a url")


def test_an_unreachable_source_is_recorded_then_raised(project: Project) -> None:
    down = "postgresql+psycopg://dv@127.0.0.1:1/shop?connect_timeout=3"
    project.suite(**{"{db}": down})
    with pytest.raises(SourceUnavailable) as raised:
        api.validate("orders", date=CLEAN)
    assert raised.value.exit_code == 3 and "suite 'orders'" in str(raised.value)
    assert project.rows() == {("error", "source.read", "error")}  # the attempt is on record
    report = api.validate("orders", date=CLEAN, raise_on_error=False)  # as the command does
    assert isinstance(report.error, SourceUnavailable) and report.exit_code == 3
    assert not report.passed and "error: suite 'orders'" in report.summary
    with pytest.raises(SourceUnavailable):
        report.raise_for_status()


@pytest.fixture
def two_days(project: Project) -> Project:
    assert api.validate("orders", date=CLEAN).exit_code == 0
    assert api.validate("orders", date=VIOLATING).exit_code == 1
    return project


def test_results_filters_by_suite_status_since_and_days(two_days: Project) -> None:
    rows = api.results()
    assert len(rows) == 8 and set(rows[0]) == set(api.query.RESULT_FIELDS)
    assert [r["partition_date"] for r in rows[:1]] == [date(2024, 5, 2)]  # newest day first
    assert api.results(suite="nope") == []
    failed = api.results(suite="orders", status="fail")
    assert [(r["check_name"], r["partition_date"]) for r in failed] == [
        ("nulls.amount", date(2024, 5, 2))
    ]
    assert api.results(status=["fail", "error"]) == failed == api.results(status="not-pass")
    assert len(api.results(since=timedelta(hours=1))) == 8
    assert api.results(since=datetime.now(UTC) + timedelta(hours=1)) == []
    assert len(api.results(first=date(2024, 5, 2))) == 4
    assert len(api.results(last=date(2024, 5, 1))) == 4
    assert [r["check_name"] for r in api.results(check="nulls.*")] == ["nulls.amount"] * 2
    assert len(api.results(limit=3)) == 3


def test_results_as_a_dataframe(two_days: Project) -> None:
    import pandas as pd

    frame = api.results(status="not-pass", as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(api.query.RESULT_FIELDS)
    assert frame[["check_name", "status"]].values.tolist() == [["nulls.amount", "fail"]]
    empty = api.results(suite="nope", as_frame=True)
    assert empty.empty and list(empty.columns) == list(frame.columns)


def test_the_commands_results_are_the_apis(two_days: Project, capsys) -> None:
    assert main(["results", "--status", "fail", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(api.results(status="fail"), default=str))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"status": "failed"}, "status: 'failed' is not one of pass, fail"),
        ({"limit": 0}, "limit: must be a positive integer"),
        ({"since": "7d"}, "since: expected a datetime, date or timedelta"),
    ],
    ids=["unknown-status", "limit-zero", "since-text"],
)
def test_bad_results_arguments_are_usage_errors(project: Project, kwargs, error: str) -> None:
    with pytest.raises(UsageError, match=error):
        api.results(**kwargs)


def test_the_api_names_are_on_the_package() -> None:
    assert datavigil.validate is api.validate and datavigil.results is api.results
    assert datavigil.load_suite is api.load_suite
    assert datavigil.ValidationReport is api.ValidationReport
    assert {"validate", "load_suite", "results", "ValidationReport"} <= set(datavigil.__all__)
    assert "validate" in dir(datavigil)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        datavigil.nope  # noqa: B018


def test_import_datavigil_stays_light() -> None:
    """``import datavigil`` (and touching the API's names) imports no pandas, pandera, scipy
    or SQLAlchemy: DAG files and suite modules import it at parse time."""
    probe = (
        "import json, sys\n"
        "import datavigil\n"
        "from datavigil import Suite, validate, results, load_suite, ValidationReport\n"
        "assert callable(datavigil.validate)\n"
        "heavy = ('pandas', 'pandera', 'scipy', 'sqlalchemy', 'numpy', 'pyarrow', 'duckdb',\n"
        "         'datavigil.runner.run', 'datavigil.store')\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
