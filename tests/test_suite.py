"""A malformed suite is rejected when it is constructed, with a SuiteError naming the suite and
the field; a well-formed one keeps its declaration intact."""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa
import pytest
from pandera.typing import Series

from datavigil import FileSource, Partition, SqlSource, Suite
from datavigil.checks import (
    DayAnova,
    GroupAnova,
    MeanShift,
    NullRate,
    Range,
    RowCount,
    Unique,
    Volume,
)
from datavigil.core.errors import SuiteError
from datavigil.core.outcome import Severity

SOURCE = SqlSource(table="t", url="sqlite://")


class Model(pa.DataFrameModel):
    x: Series[float] = pa.Field(nullable=True)
    k: Series[int]


def make(**overrides: Any) -> Suite:
    fields: dict[str, Any] = {"name": "orders", "source": SOURCE, "model": Model}
    fields.update(overrides)
    return Suite(**fields)


def test_a_well_formed_suite_loads_with_defaults() -> None:
    suite = make(checks=[NullRate("x", max_fraction=0.5), Unique("k", severity="warn")])
    assert suite.dataset == "orders"
    assert suite.schedule == "0 0 * * *" and suite.timezone == "UTC"
    assert suite.checks[1].severity is Severity.WARN  # normalised from the string
    assert suite.schema_severity is Severity.ERROR
    assert suite.model_columns() == frozenset({"x", "k"})


BAD = [
    ({"checks": [NullRate("nope")]}, "checks[0] (nulls.nope)", "unknown column 'nope'"),
    ({"checks": [NullRate("x", max_fraction=1.5)]}, "checks[0] (nulls.x)", "max_fraction"),
    ({"checks": [Range("x", min=5, max=1)]}, "checks[0] (ranges.x)", "greater than max"),
    ({"checks": [Range("x")]}, "checks[0] (ranges.x)", "give min="),
    (
        {"checks": [Range("x", min=float("nan"), max=float("nan"))]},
        "checks[0] (ranges.x)",
        "finite",
    ),
    ({"checks": [Range("x", min="0")]}, "checks[0] (ranges.x)", "finite number"),
    ({"checks": [Range("x", max=float("inf"))]}, "checks[0] (ranges.x)", "finite"),
    ({"checks": [NullRate("x", max_fraction=True)]}, "checks[0] (nulls.x)", "finite number"),
    ({"checks": [NullRate("x", max_fraction=float("nan"))]}, "checks[0] (nulls.x)", "finite"),
    ({"min_effect": float("inf")}, "min_effect", "finite"),
    ({"alpha": True}, "alpha", "(0, 1)"),
    ({"checks": [RowCount(min_rows=0)]}, "checks[0] (row_count)", "min_rows"),
    ({"checks": [Unique(("k", "zz"))]}, "checks[0] (unique.k+zz)", "unknown column 'zz'"),
    ({"checks": [NullRate("x"), NullRate("x")]}, "checks[1] (nulls.x)", "duplicate check"),
    ({"checks": [NullRate("x", severity="fatal")]}, "checks[0] (nulls.x)", "'fatal'"),
    ({"checks": ["x is not null"]}, "checks[0]", "not a datavigil check"),
    ({"schema_severity": "critical"}, "schema_severity", "'critical'"),
    ({"source": None}, "source", "missing"),
    ({"source": "sqlite:///x.db"}, "source", "not a datavigil source"),
    ({"source": SqlSource(url="sqlite://")}, "source", "exactly one of table= or query="),
    ({"source": SqlSource(table="t")}, "source", "exactly one of url= or conn_id="),
    ({"source": SqlSource(query="DROP TABLE t", url="sqlite://")}, "source", "SELECT"),
    ({"source": FileSource(path="d/", partitioning="hive")}, "source", "needs partition="),
    ({"source": FileSource(path="d/", partitioning="range")}, "source", "partitioning"),
    ({"source": FileSource(path="d/{ds}.json", format="json")}, "source", "format"),
    (
        {"source": FileSource(path="d/{ds}.csv"), "partition": Partition("ts")},
        "source",
        "drop partition=",
    ),
    ({"partition": Partition("ts", column_timezone="Mars/Base")}, "partition.column_timezone", ""),
    ({"schedule": "every day"}, "schedule", "not a cron expression"),
    ({"schedule": "0 0 * *"}, "schedule", "not a cron expression"),
    ({"schedule": "61 25 * * *"}, "schedule", "not a cron expression"),
    ({"timezone": "Europe/Atlantis"}, "timezone", "unknown time zone"),
    ({"start_date": "2024-13-01"}, "start_date", "YYYY-MM-DD"),
    ({"name": "Bad-Name"}, "name", "must match"),
]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    BAD,
    ids=[
        "unknown-column",
        "max-fraction-1.5",
        "min-above-max",
        "range-no-bounds",
        "range-nan-bounds",
        "range-string-bound",
        "range-inf-bound",
        "nullrate-bool",
        "nullrate-nan",
        "min-effect-inf",
        "alpha-bool",
        "min-rows-0",
        "unique-unknown-column",
        "duplicate-name",
        "bad-severity",
        "not-a-check",
        "bad-schema-severity",
        "missing-source",
        "source-not-a-source",
        "sql-no-table-or-query",
        "sql-no-url-or-conn",
        "sql-not-select",
        "file-hive-without-partition",
        "file-bad-partitioning",
        "file-bad-format",
        "file-with-partition",
        "partition-bad-timezone",
        "cron-words",
        "cron-four-fields",
        "cron-out-of-range",
        "bad-timezone",
        "bad-start-date",
        "bad-name",
    ],
)
def test_malformed_suite_names_suite_and_field(overrides: dict, field: str, words: str) -> None:
    with pytest.raises(SuiteError) as info:
        make(**overrides)
    err = info.value
    expected_suite = "Bad-Name" if overrides.get("name") else "orders"
    assert (err.suite, err.field) == (expected_suite, field)
    message = str(err)
    assert message.startswith(f"suite '{expected_suite}': {field}: ")
    assert words in message
    assert "\n" not in message
    assert err.exit_code == 2


def test_unknown_columns_are_not_checked_without_a_model() -> None:
    suite = make(model=None, checks=[NullRate("anything")])
    assert suite.model_columns() is None


def test_broken_model_is_a_config_error() -> None:
    class Broken:
        @staticmethod
        def to_schema() -> None:
            raise RuntimeError("boom")

    with pytest.raises(SuiteError, match=r"suite 'orders': model: .*boom"):
        make(model=Broken)


@pytest.mark.parametrize(
    "schedule",
    ["@daily", "0 3 * * *", "30 4 * * 1-5", "*/15 * * * *"],
    ids=["preset", "nightly", "weekdays", "step"],
)
def test_good_schedules_load(schedule: str) -> None:
    assert make(schedule=schedule).schedule == schedule


@pytest.mark.parametrize(
    "check",
    [
        Volume(k=float("nan")),
        Volume(tolerance=True),
        MeanShift("x", alpha=float("nan")),
        MeanShift("x", min_effect=0),
        GroupAnova("x", by="k", min_effect=float("inf")),
        DayAnova("x", alpha=1),
    ],
    ids=[
        "volume-k-nan",
        "volume-tolerance-bool",
        "alpha-nan",
        "min-effect-0",
        "min-effect-inf",
        "alpha-1",
    ],
)
def test_thresholds_that_are_not_finite_numbers_are_rejected_at_load(check) -> None:
    """Issue 8 item 7: a NaN, inf, bool or string threshold would make a check pass anything."""
    assert check.problems(None)
    with pytest.raises(SuiteError):
        make(checks=[check])
