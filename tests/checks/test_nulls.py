"""NullRate: NULL, NaN and +/-inf counted apart; the rate is judged against max_fraction."""

from __future__ import annotations

import pytest

from datavigil.checks.nulls import NullRate
from datavigil.core.outcome import Status
from tests.helpers import chunk, comparable, run_one, split

NAN, INF = float("nan"), float("inf")


def test_passes_when_no_values_are_missing() -> None:
    r = run_one(NullRate("x"), [chunk(x=[1.0, 2.0, 3.0])])
    assert r.status is Status.PASS
    assert r.outcome.observed_value == 0.0
    assert r.outcome.threshold == "<= 0.0"
    assert r.check_name == "nulls.x" and r.column_name == "x"


def test_fails_above_max_fraction_and_reports_observed_vs_threshold() -> None:
    r = run_one(NullRate("x", max_fraction=0.1), [chunk(x=[None, None, 1.0, 2.0])])
    assert r.status is Status.FAIL
    assert r.outcome.observed_value == pytest.approx(0.5)
    assert r.outcome.failing_rows == 2
    assert r.outcome.rows_checked == 4
    assert "0.5000 > 0.1" in r.outcome.message


@pytest.mark.parametrize(
    ("missing", "total", "max_fraction", "status"),
    [
        (1, 4, 0.25, Status.PASS),
        (1, 10, 0.1, Status.PASS),
        (2, 10, 0.1, Status.FAIL),
        (0, 5, 0.0, Status.PASS),
        (1, 5, 0.0, Status.FAIL),
        (5, 5, 1.0, Status.PASS),
    ],
    ids=["quarter==quarter", "tenth==tenth", "just-above", "zero-allowed-none", "zero-one", "all"],
)
def test_threshold_boundary_rate_equal_to_max_passes(
    missing: int, total: int, max_fraction: float, status: Status
) -> None:
    values = [None] * missing + [1.0] * (total - missing)
    r = run_one(NullRate("x", max_fraction=max_fraction), [chunk(x=values)])
    assert r.status is status


def test_null_nan_and_inf_are_counted_separately() -> None:
    values = [1.0, None, NAN, NAN, INF, -INF, -INF, 2.0]
    r = run_one(NullRate("x", max_fraction=1.0), [chunk(x=values)])
    d = r.outcome.details
    assert (d["null"], d["nan"], d["pos_inf"], d["neg_inf"]) == (1, 2, 1, 2)
    assert r.outcome.failing_rows == 3  # inf not counted unless count_inf
    assert r.outcome.observed_value == pytest.approx(3 / 8)


def test_count_inf_adds_infinities_to_the_rate() -> None:
    values = [1.0, None, NAN, INF, -INF, 2.0]
    r = run_one(NullRate("x", max_fraction=0.5, count_inf=True), [chunk(x=values)])
    assert r.outcome.failing_rows == 4
    assert r.status is Status.FAIL
    assert r.outcome.details["count_inf"] is True


@pytest.mark.parametrize(
    ("values", "null", "nan"),
    [
        (["a", None, "b", None], 2, 0),
        ([1, None, 3], 1, 0),
        ([True, None], 1, 0),
        ([None, None, None], 3, 0),
        ([NAN, NAN], 0, 2),
    ],
    ids=["string-nulls", "int-null-becomes-float", "bool", "all-null", "all-nan"],
)
def test_nulls_in_any_dtype_are_sql_nulls_not_nan(values: list, null: int, nan: int) -> None:
    r = run_one(NullRate("x", max_fraction=1.0), [chunk(x=values)])
    assert (r.outcome.details["null"], r.outcome.details["nan"]) == (null, nan)
    assert r.outcome.failing_rows == null + nan


def test_chunked_accumulation_equals_one_pass() -> None:
    data = {"x": [1.0, None, NAN, 4.0, INF, None, 7.0, -INF, NAN, None, 11.0]}
    check = NullRate("x", max_fraction=0.2)
    one = run_one(check, split(data, 100))
    for size in (1, 2, 3, 5):
        assert comparable(run_one(check, split(data, size))) == comparable(one)
    assert one.outcome.details["null"] == 3 and one.outcome.details["nan"] == 2


def test_empty_partition_is_skipped_never_pass() -> None:
    r = run_one(NullRate("x"), [chunk(x=[])])
    assert r.status is Status.SKIPPED
    assert "empty" in r.outcome.message


def test_missing_column_is_an_error() -> None:
    r = run_one(NullRate("x"), [chunk(y=[1.0])])
    assert r.status is Status.ERROR
    assert "'x'" in r.outcome.message


@pytest.mark.parametrize(
    "max_fraction", [1.5, -0.1, "0.1", None], ids=["above-1", "negative", "string", "none"]
)
def test_bad_max_fraction_is_a_config_problem(max_fraction: object) -> None:
    problems = NullRate("x", max_fraction=max_fraction).problems(None)  # type: ignore[arg-type]
    assert problems and "max_fraction" in problems[0]


def test_unknown_column_is_a_config_problem() -> None:
    problems = NullRate("nope").problems(frozenset({"a", "b"}))
    assert problems == ["unknown column 'nope' (model has: a, b)"]
    assert NullRate("a").problems(frozenset({"a"})) == []
