"""`datavigil report`: one run's report as a self-contained HTML file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from datavigil.cli.main import main
from datavigil.store import Store
from tests.ui import builders as b

RUN = "cli:flights:2013-02-08"


@pytest.fixture
def store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", store_url)
    store = Store(store_url)
    store.upgrade()
    b.blizzard(store)
    return store


def self_contained(html: str) -> None:
    assert "<script" not in html and "<link" not in html and "src=" not in html
    urls = set(re.findall(r"https?://[^\"' <]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    assert 'href="/' not in html  # no links to pages of a server


def test_report_by_run_id_to_a_file(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["report", RUN, "--out", str(out)]) == 0
    html = out.read_text()
    assert "nulls.dep_time" in html and "0.5075" in html and "&lt;= 0.1" in html
    assert "dep_delay: reference vs current (cumulative)" in html
    self_contained(html)


def test_report_by_suite_and_date_to_stdout(store: Store, capsys: pytest.CaptureFixture) -> None:
    assert main(["report", "--suite", "flights", "--date", "2013-02-08"]) == 0
    html = capsys.readouterr().out
    assert html.startswith("<!doctype html>") and RUN in html
    self_contained(html)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "cli:flights:1999-01-01"], "no run 'cli:flights:1999-01-01'"),
        (["report", "--suite", "flights", "--date", "1999-01-01"], "has no run for partition"),
        (["report", "--suite", "flights", "--date", "08/02/2013"], "is not YYYY-MM-DD"),
        (["report"], "give RUN_ID, or --suite S and --date D"),
        (["report", RUN, "--suite", "flights"], "not both"),
        (["report", RUN, "--out", "/nonexistent/dir/r.html"], "cannot write"),
    ],
    ids=["unknown-run", "no-run-that-day", "bad-date", "nothing", "both", "unwritable"],
)
def test_bad_usage_exits_2_with_one_line(
    store: Store, capsys: pytest.CaptureFixture, argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_unreachable_store_exits_3_without_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", "postgresql+psycopg://dq:pw12345@127.0.0.1:1/x")
    assert main(["report", RUN]) == 3
    err = capsys.readouterr().err
    assert "dq:***@127.0.0.1:1/x" in err and "pw12345" not in err
