"""Range: min/max with inclusive flags, failing count and a bounded sample; NULLs are not range
failures, and a column with nothing to check is an error, never a pass."""

from __future__ import annotations

import pytest

from datavigil.checks.ranges import Range
from datavigil.core.outcome import SAMPLE_LIMIT, Status
from tests.helpers import chunk, comparable, run_one, split


def test_passes_inside_the_interval() -> None:
    r = run_one(Range("x", min=0, max=10), [chunk(x=[0, 3, 10])])
    assert r.status is Status.PASS
    assert r.outcome.failing_rows == 0
    assert r.outcome.threshold == "[0, 10]"
    assert r.outcome.details == {"observed_min": 0, "observed_max": 10}


def test_fails_with_count_and_sample_of_failing_values() -> None:
    r = run_one(Range("x", min=0, max=10), [chunk(x=[-5, 3, 11, 12, 4])])
    assert r.status is Status.FAIL
    assert r.outcome.failing_rows == 3
    assert r.outcome.observed_value == 3.0
    assert r.outcome.failure_sample == (-5, 11, 12)
    assert "3 of 5 values outside [0, 10]" in r.outcome.message


@pytest.mark.parametrize(
    ("value", "kwargs", "status"),
    [
        (10, {"max": 10}, Status.PASS),
        (10, {"max": 10, "max_inclusive": False}, Status.FAIL),
        (0, {"min": 0}, Status.PASS),
        (0, {"min": 0, "min_inclusive": False}, Status.FAIL),
        (0.0001, {"min": 0, "min_inclusive": False}, Status.PASS),
        (9.9999, {"max": 10, "max_inclusive": False}, Status.PASS),
        (10.0001, {"max": 10}, Status.FAIL),
        (-0.0001, {"min": 0}, Status.FAIL),
    ],
    ids=[
        "max-inclusive-equal",
        "max-exclusive-equal",
        "min-inclusive-equal",
        "min-exclusive-equal",
        "min-exclusive-just-above",
        "max-exclusive-just-below",
        "max-just-above",
        "min-just-below",
    ],
)
def test_threshold_boundary(value: float, kwargs: dict, status: Status) -> None:
    r = run_one(Range("x", **kwargs), [chunk(x=[value])])
    assert r.status is status


@pytest.mark.parametrize(
    ("values", "failing", "checked"),
    [
        ([1.0, None, None, 2.0], 0, 2),
        ([1.0, float("nan"), 2.0], 0, 2),
        ([1.0, float("inf")], 1, 2),
        ([float("-inf"), 1.0], 1, 2),
        ([None, 100.0], 1, 1),
    ],
    ids=["nulls-ignored", "nan-ignored", "pos-inf-fails", "neg-inf-fails", "null-and-bad"],
)
def test_missing_values_are_not_range_failures(values: list, failing: int, checked: int) -> None:
    r = run_one(Range("x", min=0, max=10), [chunk(x=values)])
    assert (r.outcome.failing_rows, r.outcome.rows_checked) == (failing, checked)


def test_sample_is_bounded_but_count_is_exact() -> None:
    values = list(range(100, 130))
    r = run_one(Range("x", max=10), split({"x": values}, 4))
    assert r.outcome.failing_rows == 30
    assert len(r.outcome.failure_sample) == SAMPLE_LIMIT
    assert r.outcome.failure_sample == (100, 101, 102, 103, 104)


def test_chunked_accumulation_equals_one_pass() -> None:
    data = {"x": [5.0, -1.0, None, 7.5, 12.0, 3.0, None, 99.0, 0.0, 10.0, -3.0]}
    check = Range("x", min=0, max=10, max_inclusive=False)
    one = run_one(check, split(data, 100))
    assert one.outcome.failing_rows == 5
    for size in (1, 2, 3, 4):
        assert comparable(run_one(check, split(data, size))) == comparable(one)


def test_all_null_column_is_an_error_never_a_pass() -> None:
    r = run_one(Range("x", min=0), split({"x": [None, None, None]}, 2))
    assert r.status is Status.ERROR
    assert "no non-NULL values" in r.outcome.message


def test_all_null_in_one_chunk_still_counts_the_others() -> None:
    r = run_one(Range("x", max=1), [chunk(x=[None, None]), chunk(x=[5.0])])
    assert r.status is Status.FAIL and r.outcome.failing_rows == 1


def test_non_numeric_column_is_an_error() -> None:
    r = run_one(Range("x", min=0), [chunk(x=["a", "b"])])
    assert r.status is Status.ERROR
    assert "not numeric" in r.outcome.message


def test_missing_column_is_an_error() -> None:
    r = run_one(Range("x", min=0), [chunk(y=[1])])
    assert r.status is Status.ERROR
    assert "'x' is not in" in r.outcome.message


def test_empty_partition_is_skipped() -> None:
    assert run_one(Range("x", min=0), [chunk(x=[])]).status is Status.SKIPPED


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"min": 5, "max": 1}, "min 5 is greater than max 1"),
        ({}, "give min=, max= or both"),
        ({"column": "nope", "min": 0}, "unknown column 'nope'"),
    ],
    ids=["min-above-max", "no-bounds", "unknown-column"],
)
def test_config_problems(kwargs: dict, problem: str) -> None:
    kwargs = {"column": "x", **kwargs}
    problems = Range(**kwargs).problems(frozenset({"x"}))
    assert any(problem in p for p in problems), problems


def test_interval_label() -> None:
    assert Range("x", min=0, max=1.5, min_inclusive=False).interval == "(0, 1.5]"
    assert Range("x", max=3, max_inclusive=False).interval == "[-inf, 3)"
