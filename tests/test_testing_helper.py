"""datavigil.testing in a pipeline's own tests: ``assert_suite_passes`` fails a test with the
failing checks (name, observed value vs threshold, message), passes when the suite passes and
lets warnings through; the ``datavigil_results_url`` fixture (``pytest_plugins``) gives a
throwaway store. The user's test session runs in a subprocess (pytester), as a user's would."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from datavigil.api import ValidationReport
from datavigil.testing import assert_suite_passes
from tests.badinput.harness import CLEAN, VIOLATING, Project

pytest_plugins = ["pytester"]

USER_TESTS = f"""
import os

from datavigil.testing import assert_suite_passes


def test_clean_day(datavigil_results_url, tmp_path):
    assert os.environ["DATAVIGIL_RESULTS_URL"] == datavigil_results_url
    report = assert_suite_passes("orders", date="{CLEAN}", results_url=datavigil_results_url)
    assert report.passed and report.run_id == "cli:orders:{CLEAN}"
    assert (tmp_path / "datavigil-results.db").exists()


def test_violating_day(datavigil_results_url):
    assert_suite_passes("orders", "{VIOLATING}", results_url=datavigil_results_url)


def test_warn_suite_on_violating_day(datavigil_results_url):
    report = assert_suite_passes("orders_warn", "{VIOLATING}")  # the fixture's store, by env
    assert [r.check_name for r in report.warnings] == ["nulls.amount"]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    p = Project(root)
    p.suite()
    nulls = 'NullRate("amount", max_fraction=0.5)'
    p.suite(
        name="orders_warn",
        **{'name="orders"': 'name="orders_warn"', nulls: nulls[:-1] + ', severity="warn")'},
    )
    for name, value in p.env.items():
        if name.startswith("DATAVIGIL_"):
            monkeypatch.setenv(name, value)
    yield p
    for name in [m for m in sys.modules if m.startswith("datavigil_suites.")]:
        del sys.modules[name]


def test_a_users_session_fails_on_the_violation_and_passes_the_rest(
    project: Project, pytester: pytest.Pytester
) -> None:
    pytester.makeconftest('pytest_plugins = ["datavigil.testing"]\n')
    pytester.makepyfile(test_pipeline=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*suite orders failed on 2024-05-02: 1 error-severity check(s) did not pass "
            "(run_id cli:orders:2024-05-02)",
            "*nulls.amount ?fail?: amount: missing rate 0.6667 > 0.5 *; observed 0.666667 vs "
            "threshold <= 0.5; 2 failing rows",
            "FAILED test_pipeline.py::test_violating_day*",
        ]
    )
    assert "Traceback" not in result.stdout.str()  # the verdict, not datavigil's internals
    assert not (project.root / "results.db").exists()  # every run went to the throwaway stores


def test_assert_suite_passes_in_process(project: Project) -> None:
    report = assert_suite_passes("orders", CLEAN)
    assert isinstance(report, ValidationReport) and report.passed
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_suite_passes("orders", VIOLATING)
    message = str(failed.value)
    assert message.splitlines()[0].startswith("suite orders failed on 2024-05-02")
    assert "nulls.amount [fail]" in message and "row_count" not in message
