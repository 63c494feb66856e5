"""RowCount: a minimum (>= 1) and an optional maximum; an empty partition fails, never passes."""

from __future__ import annotations

import pytest

from datavigil.checks.row_count import RowCount
from datavigil.core.outcome import Status
from tests.helpers import DAY, chunk, comparable, run_one, split


def test_passes_at_or_above_the_minimum() -> None:
    r = run_one(RowCount(min_rows=3), [chunk(x=[1, 2, 3, 4])])
    assert r.status is Status.PASS
    assert r.outcome.observed_value == 4.0
    assert r.outcome.threshold == ">= 3"
    assert r.check_name == "row_count"


def test_fails_below_the_minimum() -> None:
    r = run_one(RowCount(min_rows=10), [chunk(x=[1, 2])])
    assert r.status is Status.FAIL
    assert r.outcome.message == "2 rows, expected >= 10"


def test_empty_partition_fails_and_says_so() -> None:
    r = run_one(RowCount(), [chunk(x=[])])
    assert r.status is Status.FAIL
    assert r.outcome.observed_value == 0.0
    assert f"partition {DAY} is empty" in r.outcome.message


def test_no_chunks_at_all_fails() -> None:
    assert run_one(RowCount(), []).status is Status.FAIL


@pytest.mark.parametrize(
    ("rows", "min_rows", "max_rows", "status"),
    [
        (5, 5, None, Status.PASS),
        (4, 5, None, Status.FAIL),
        (10, 5, 10, Status.PASS),
        (11, 5, 10, Status.FAIL),
        (1, 1, 1, Status.PASS),
        (0, 1, 1, Status.FAIL),
    ],
    ids=["min-equal", "min-minus-one", "max-equal", "max-plus-one", "exactly-one", "zero"],
)
def test_threshold_boundary(rows: int, min_rows: int, max_rows: int | None, status: Status) -> None:
    r = run_one(RowCount(min_rows=min_rows, max_rows=max_rows), [chunk(x=list(range(rows)))])
    assert r.status is status


def test_max_rows_threshold_label() -> None:
    r = run_one(RowCount(min_rows=1, max_rows=2), [chunk(x=[1, 2, 3])])
    assert r.outcome.threshold == "[1, 2]"
    assert r.outcome.message == "3 rows, expected [1, 2]"


def test_chunked_accumulation_equals_one_pass() -> None:
    data = {"x": list(range(23))}
    one = run_one(RowCount(min_rows=20), split(data, 100))
    for size in (1, 5, 7):
        assert comparable(run_one(RowCount(min_rows=20), split(data, size))) == comparable(one)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"min_rows": 0}, "min_rows"),
        ({"min_rows": -3}, "min_rows"),
        ({"min_rows": 2.5}, "min_rows"),
        ({"min_rows": 5, "max_rows": 4}, "max_rows"),
    ],
    ids=["zero", "negative", "float", "max-below-min"],
)
def test_config_problems(kwargs: dict, word: str) -> None:
    problems = RowCount(**kwargs).problems(None)
    assert problems and word in problems[0]
