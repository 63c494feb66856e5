"""`datavigil results` filters on SQLite and PostgreSQL: several statuses and `not-pass` (a
`fail` filter used to drop `error` rows), partition days (--date, --from, --to), check names
(exact or with *), formats kept; and `datavigil --help` states every exit code in full."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from datavigil.cli.main import main
from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.store import RunRecord, Store

DAYS = {
    date(2024, 5, 1): {"nulls.a": "pass", "ranges.a": "pass", "row_count": "pass"},
    date(2024, 5, 2): {
        "nulls.a": "fail",
        "ranges.a": "error",
        "row_count": "pass",
        "volume.row_count": "skipped",
    },
    date(2024, 5, 3): {"nulls.a": "inconclusive", "rowXcount": "fail", "row_count": "pass"},
}


def save_day(store: Store, day: date, checks: dict[str, str]) -> None:
    at = datetime(2024, 6, 1, tzinfo=UTC) + timedelta(days=day.day)
    run = RunRecord(
        run_id=f"cli:s:{day}",
        suite="s",
        dataset="s",
        partition_date=day,
        data_interval_start=datetime.combine(day, datetime.min.time(), UTC),
        data_interval_end=datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=1),
        started_at=at,
        finished_at=at,
        status="pass",
        rows_checked=10,
        origin="cli",
        datavigil_version="test",
    )
    results = [
        CheckResult(name, "t", None, Severity.ERROR, Outcome(Status(st), f"{name} {st}"))
        for name, st in checks.items()
    ]
    store.save(run, results)


@pytest.fixture
def results(store_url, monkeypatch):
    store = Store(store_url)
    store.upgrade()
    for day, checks in DAYS.items():
        save_day(store, day, checks)
    store.engine.dispose()
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", store_url)
    return store_url


@pytest.fixture
def cli(results, capsys):
    def rows(*argv: str) -> set[tuple[str, str, str]]:
        assert main(["-q", "results", "--format", "json", *argv]) == 0
        found = json.loads(capsys.readouterr().out)
        return {(r["partition_date"][:10], r["check_name"], r["status"]) for r in found}

    return rows


def expected(keep) -> set[tuple[str, str, str]]:
    return {
        (day.isoformat(), name, st)
        for day, checks in DAYS.items()
        for name, st in checks.items()
        if keep(day, name, st)
    }


@pytest.mark.parametrize(
    "argv, statuses",
    [
        (["--status", "fail"], {"fail"}),
        (["--status", "fail", "--status", "error"], {"fail", "error"}),
        (["--status", "fail,error"], {"fail", "error"}),
        (["--status", "not-pass"], {"fail", "error", "skipped", "inconclusive"}),
        (["--status", "skipped", "--status", "inconclusive"], {"skipped", "inconclusive"}),
    ],
    ids=["one", "repeated", "comma", "not-pass", "not-evaluated"],
)
def test_status_filters(cli, argv, statuses):
    assert cli(*argv) == expected(lambda d, n, st: st in statuses)


def test_day_filters(cli):
    second, third = date(2024, 5, 2), date(2024, 5, 3)
    assert cli("--date", "2024-05-02") == expected(lambda d, n, st: d == second)
    assert cli("--from", "2024-05-02") == expected(lambda d, n, st: d >= second)
    assert cli("--to", "2024-05-02") == expected(lambda d, n, st: d <= second)
    both = cli("--from", "2024-05-03", "--to", "2024-05-03", "--status", "not-pass")
    assert both == expected(lambda d, n, st: d == third and st != "pass")


def test_check_filters_exact_and_wildcard(cli):
    assert cli("--check", "nulls.a") == expected(lambda d, n, st: n == "nulls.a")
    # '_' is literal, not SQL's one-character wildcard: rowXcount does not match row_c*
    assert cli("--check", "row_c*") == expected(lambda d, n, st: n == "row_count")
    assert cli("--check", "*row_count") == expected(lambda d, n, st: n.endswith("row_count"))
    assert cli("--check", "nulls") == set()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--status", "failed"], "--status: 'failed' is not one of pass, fail"),
        (["--from", "May 2"], "--from: 'May 2' is not YYYY-MM-DD"),
        (["--date", "2024-05-02", "--to", "2024-05-03"], "--date: give either --date or"),
        (["--from", "2024-05-03", "--to", "2024-05-02"], "--to: 2024-05-02 is before --from"),
    ],
    ids=["status", "date", "date-and-range", "reversed"],
)
def test_bad_filters_exit_2_with_one_line(results, capsys, argv, message):
    assert main(["results", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"datavigil: {message}") and "\n" not in err


def test_formats_keep_working_with_filters(results, capsys):
    assert main(["-q", "results", "--status", "not-pass", "--date", "2024-05-02"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:6] == [
        "suite",
        "partition_date",
        "origin",
        "check_name",
        "severity",
        "status",
    ]
    assert len(lines) == 2 + 3  # header, rule, three rows
    assert main(["-q", "results", "--status", "fail,error", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert sorted((r["check_name"], r["status"]) for r in rows) == [
        ("nulls.a", "fail"),
        ("ranges.a", "error"),
        ("rowXcount", "fail"),
    ]


def test_help_states_every_exit_code_in_full(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for line in (
        "0  no error-severity failure (warnings allowed)",
        "1  an error-severity check failed or could not be evaluated (a data violation)",
        "2  bad usage, or a bad suite or setting",
        "3  a source or the results store could not be reached or read (retryable)",
    ):
        assert line in out
    assert "error-severity data\n" not in out  # the old help stopped there
