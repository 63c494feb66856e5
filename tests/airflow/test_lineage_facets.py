"""The OpenLineage facets of a validation task, piece by piece (datavigil/airflow/lineage.py):
the dataset a suite's source is named as, the metrics read from the run's run_metrics rows, one
assertion per check result, and a package that works without the ``openlineage`` extra."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from datetime import date
from types import SimpleNamespace

import pytest

from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from tests.conftest import ROOT


def suite_of(source, dataset: str = "shop.orders") -> SimpleNamespace:
    return SimpleNamespace(name="orders", dataset=dataset, source=source)


@pytest.mark.parametrize(
    ("url", "schema", "expected"),
    [
        (
            "postgresql+psycopg://alice:s3cret@db.example/shop",
            None,
            ("postgres://db.example:5432", "shop.public.orders"),
        ),
        (
            "postgresql+psycopg://alice:s3cret@db.example:6543/shop",
            "sales",
            ("postgres://db.example:6543", "shop.sales.orders"),
        ),
        (
            "mysql://bob:pw@mysql.example:3307/shop",
            None,
            ("mysql://mysql.example:3307", "shop.orders"),
        ),
    ],
)
def test_a_table_is_named_by_its_database_and_never_by_its_credentials(url, schema, expected):
    from datavigil.airflow.lineage import dataset_of
    from datavigil.engine.sources.sql import SqlSource

    named = dataset_of(suite_of(SqlSource(table="orders", url=url, db_schema=schema)))
    assert named == expected
    assert not any(secret in part for part in named for secret in ("alice", "bob", "s3cret", "pw@"))


def test_an_embedded_database_is_named_by_its_file(tmp_path, monkeypatch):
    from datavigil.airflow.lineage import dataset_of
    from datavigil.engine.sources.sql import SqlSource

    monkeypatch.chdir(tmp_path)
    named = dataset_of(suite_of(SqlSource(table="orders", url="sqlite:///warehouse.db")))
    assert named == (f"sqlite://{tmp_path / 'warehouse.db'}", "orders")


def test_files_are_named_by_their_path_and_a_query_by_the_suites_dataset(tmp_path):
    from datavigil.airflow.lineage import dataset_of
    from datavigil.engine.sources.files import FileSource
    from datavigil.engine.sources.sql import SqlSource

    lake = FileSource(path="s3://lake/orders/*.parquet")
    assert dataset_of(suite_of(lake)) == ("s3://lake", "orders/*.parquet")
    local = FileSource(path=str(tmp_path / "orders.csv"))
    assert dataset_of(suite_of(local)) == ("file", str(tmp_path / "orders.csv"))
    query = SqlSource(query="SELECT * FROM orders", url="sqlite:///w.db")
    assert dataset_of(suite_of(query)) == ("datavigil", "shop.orders")


def test_column_metrics_are_the_measured_ungrouped_numbers():
    from datavigil.airflow.lineage import column_metrics

    rows = [
        ("row_count", None, None, 10.0),
        ("null_count", "amount", None, 5.0),
        ("moments.min", "amount", None, 5.0),
        ("moments.max", "amount", None, 7.5),
        ("moments.n", "amount", None, 5.0),
        ("moments.mean", "amount", None, 6.0),  # no ColumnMetrics field
        ("moments.min", "amount", "carrier=UA", 1.0),  # a group's: not the column's
        ("min", "ts", None, None),  # a date's minimum is not a number
        ("distinct_keys", "id", None, 10.0),
        ("distinct_keys", "id,day", None, 10.0),  # a composite key: no column's count
    ]
    assert column_metrics(rows) == {
        "amount": {"nullCount": 5, "min": 5.0, "max": 7.5, "count": 5.0},
        "id": {"distinctCount": 10},
    }


def result(name: str, status: Status, severity: Severity = Severity.ERROR) -> CheckResult:
    outcome = Outcome(status, "m", observed_value=0.5, threshold="<= 0.2", rows_checked=10)
    return CheckResult(name, "nulls", "amount", severity, outcome)


def test_one_assertion_per_result_success_unless_it_failed_or_errored():
    from datavigil.airflow.lineage import assertions_facet

    results = [
        result("a", Status.PASS),
        result("b", Status.FAIL),
        result("c", Status.FAIL, Severity.WARN),
        result("d", Status.ERROR),
        result("e", Status.SKIPPED),
        result("f", Status.INCONCLUSIVE),
    ]
    facet = assertions_facet(results)
    got = [(a.name, a.success, a.severity, a.params["status"]) for a in facet.assertions]
    assert got == [
        ("a", True, "error", "pass"),
        ("b", False, "error", "fail"),
        ("c", False, "warn", "fail"),
        ("d", False, "error", "error"),
        ("e", True, "error", "skipped"),
        ("f", True, "error", "inconclusive"),
    ]
    first = facet.assertions[0]
    assert (first.assertion, first.column, first.expected, first.actual) == (
        "nulls",
        "amount",
        "<= 0.2",
        "0.5",
    )


class Lines(logging.Handler):
    """The datavigil logger's records, whatever logging Airflow configured in this session."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_store_that_cannot_be_read_leaves_the_metrics_out_in_one_line(results_url, monkeypatch):
    """The results store has no tables: the assertions and the row count still go out."""
    from datavigil.airflow.lineage import LineageMixin

    report = SimpleNamespace(
        run_id="r1", phases=("validate",), rows_checked=10, partition=date(2024, 5, 1),
        results=(result("a", Status.PASS),),
    )  # fmt: skip
    task = LineageMixin()
    task.keep_for_lineage(suite_of(None), report)
    logger, lines = logging.getLogger("datavigil"), Lines()
    monkeypatch.setattr(logger, "level", logging.WARNING)
    logger.addHandler(lines)
    try:
        lineage = task.get_openlineage_facets_on_complete(None)
    finally:
        logger.removeHandler(lines)
    (dataset,) = lineage.inputs
    facets = dataset.inputFacets
    assert [a.name for a in facets["dataQualityAssertions"].assertions] == ["a"]
    assert facets["dataQualityMetrics"].rowCount == 10
    assert facets["dataQualityMetrics"].columnMetrics == {}
    (line,) = lines.lines
    assert line.startswith("datavigil: OpenLineage metrics of run r1 left out: ")
    assert "no such table: run_metrics" in line and "\n" not in line


def test_a_task_that_ran_nothing_reports_no_dataset():
    from datavigil.airflow.lineage import LineageMixin

    lineage = LineageMixin().get_openlineage_facets_on_complete(None)
    assert (lineage.inputs, lineage.outputs) == ([], [])


WITHOUT = """
import sys

KEPT = ("airflow.providers.openlineage", "airflow.providers.openlineage.get_provider_info")

class Blocked:  # as if neither openlineage-python nor the provider (but its registration) were here
    def find_spec(self, name, path=None, target=None):
        ours = name.split(".")[0] == "openlineage" or name.startswith("airflow.providers.openl")
        if ours and name not in KEPT:
            raise ModuleNotFoundError(f"No module named {name!r}")

sys.meta_path.insert(0, Blocked())
from types import SimpleNamespace
from pathlib import Path
from datavigil.airflow.dags import build_dag
from datavigil.airflow.operator import DatavigilOperator
from datavigil.runner.registry import SuiteInfo

info = SuiteInfo(name="x", path=Path("x.py"), dataset="x", schedule="0 3 * * *",
                 timezone="UTC", start_date="2024-01-01", catchup=False, tags=(), description="")
task = build_dag(info).get_task("validate")
task.keep_for_lineage(SimpleNamespace(name="x", dataset="x", source=None), SimpleNamespace())
print("FACETS", task.get_openlineage_facets_on_complete(None))
print("OPENLINEAGE", [m for m in sys.modules if "openlineage" in m and m not in KEPT])
"""


def test_the_package_works_without_the_openlineage_extra():
    """Without openlineage-python and the provider: the DAGs build, and a task asked for its
    facets answers None with one warning line instead of raising."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(WITHOUT)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "FACETS None" in proc.stdout
    assert "OPENLINEAGE []" in proc.stdout
    log = (proc.stdout + proc.stderr).splitlines()
    warned = [line for line in log if "no OpenLineage facets for suite x" in line]
    assert len(warned) == 1 and "No module named" in warned[0], proc.stdout + proc.stderr
