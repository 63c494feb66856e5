"""Coverage (datavigil/checks/coverage.py): source columns no schema field or check covers,
reported once per run as an informational row."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandera.pandas as pa
import pytest
import sqlalchemy as sa
from pandera.typing import Series

from datavigil.checks.coverage import Coverage, covered_by
from datavigil.checks.freshness import Freshness
from datavigil.checks.nulls import NullRate
from datavigil.checks.uniqueness import Unique
from datavigil.core.outcome import Severity, Status
from datavigil.declare.suite import Partition, Suite
from datavigil.declare.window import Window
from datavigil.engine.sources import SqlSource
from datavigil.runner.run import run_suite
from datavigil.store import Store


class Model(pa.DataFrameModel):
    a: Series[int]
    b: Series[int]


@pytest.fixture
def src(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'src.db'}"
    engine = sa.create_engine(url)
    cols = [sa.Column("ts", sa.DateTime)] + [sa.Column(c, sa.Integer) for c in "abcde"]
    table = sa.Table("events", sa.MetaData(), *cols)
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), [{"ts": datetime(2024, 1, 1, 1), **dict.fromkeys("abcde", 1)}])
    engine.dispose()
    return url


def coverage_row(suite: Suite, tmp_path: Path):
    report = run_suite(
        suite, Window.for_day(date(2024, 1, 1), "UTC"), store=Store(f"sqlite:///{tmp_path}/r.db")
    )
    (row,) = [r for r in report.results if r.check_type == "coverage"]
    return report, row


def make(src: str, *checks, model=Model, deps=()) -> Suite:
    return Suite(
        name="c",
        source=SqlSource(table="events", url=src),
        partition=Partition("ts"),
        model=model,
        checks=list(checks),
        dependencies=list(deps),
    )


def test_uncovered_columns_are_reported_once_as_information(src, tmp_path):
    report, row = coverage_row(make(src, NullRate("b", max_fraction=0.1), Coverage()), tmp_path)
    assert (row.check_name, row.status, row.severity) == ("coverage", Status.PASS, Severity.WARN)
    assert row.outcome.observed_value == 3.0
    assert row.outcome.threshold == "informational"
    assert row.outcome.message.endswith("covered by no schema field or check: c, d, e")
    assert report.run.status == "pass"  # information does not turn the run into a warning


def test_everything_covered(src, tmp_path):
    checks = (Unique(("a", "b", "c")), NullRate("d", max_fraction=0.1), Coverage())
    deps = [Freshness("self", timestamp="e", error_after="1d")]
    _, row = coverage_row(make(src, *checks, model=None, deps=deps), tmp_path)
    assert row.outcome.observed_value == 0.0 and row.outcome.details["uncovered"] == "none"


@pytest.mark.parametrize(
    ("limit", "status"), [(5, Status.PASS), (4, Status.FAIL)], ids=["at-limit", "over-limit"]
)
def test_max_uncovered_boundary(src, tmp_path, limit, status):
    # no model and no column check: only ts (the partition) is covered, a..e are not
    _, row = coverage_row(make(src, Coverage(max_uncovered=limit), model=None), tmp_path)
    assert (row.outcome.observed_value, row.status) == (5.0, status)
    assert row.outcome.threshold == f"<= {limit} uncovered"


def test_covered_by_collects_model_partition_checks_and_own_dependencies(src):
    suite = make(src, NullRate("b", max_fraction=0.1), Unique(("c", "d")), model=None)
    assert covered_by(suite) == {"b", "c", "d", "ts"}
    assert covered_by(make(src, NullRate("b", max_fraction=0.1))) == {"a", "b", "ts"}


def test_bad_limit_is_a_suite_problem():
    assert Coverage(max_uncovered=-1).problems(None)
