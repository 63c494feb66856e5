"""Unique: duplicates of a (composite) key across the whole partition, across chunk boundaries."""

from __future__ import annotations

import pytest

from datavigil.checks.uniqueness import Unique
from datavigil.core.outcome import SAMPLE_LIMIT, Status
from tests.helpers import chunk, comparable, run_one, split


def test_passes_when_keys_are_distinct() -> None:
    r = run_one(Unique("id"), [chunk(id=[1, 2, 3])])
    assert r.status is Status.PASS
    assert r.outcome.details["distinct_keys"] == 3
    assert r.check_name == "unique.id" and r.column_name == "id"


def test_fails_with_count_and_sample_of_repeated_keys() -> None:
    r = run_one(Unique("id"), [chunk(id=[1, 2, 1, 3, 2, 1])])
    assert r.status is Status.FAIL
    assert r.outcome.observed_value == 3  # rows repeating an earlier key
    assert r.outcome.failing_rows == 5  # every row that carries a repeated key
    assert r.outcome.failure_sample == ((1,), (2,))  # the keys that repeat, each once
    d = r.outcome.details
    assert (d["repeated_keys"], d["rows_with_repeated_key"], d["distinct_keys"]) == (2, 5, 3)


def test_duplicates_across_chunk_boundaries_are_found() -> None:
    r = run_one(Unique("id"), [chunk(id=[1, 2]), chunk(id=[3, 4]), chunk(id=[4, 1])])
    assert r.status is Status.FAIL
    assert r.outcome.failing_rows == 4 and r.outcome.observed_value == 2
    assert r.outcome.failure_sample == ((1,), (4,))


def test_duplicate_across_chunks_when_one_chunk_has_a_null_key() -> None:
    # a NULL turns an Arrow int64 column into float64 in pandas for that chunk only
    r = run_one(Unique("id"), [chunk(id=[1, 2, 3]), chunk(id=[3, None])])
    assert r.status is Status.FAIL
    assert r.outcome.failing_rows == 2 and r.outcome.observed_value == 1


def test_composite_key() -> None:
    data = {"a": [1, 1, 2, 2, 1], "b": ["x", "y", "x", "x", "x"]}
    r = run_one(Unique(("a", "b"), name="unique.ab"), split(data, 2))
    assert r.outcome.failing_rows == 4 and r.outcome.observed_value == 2
    assert r.outcome.failure_sample == ((1, "x"), (2, "x"))
    assert r.check_name == "unique.ab" and r.column_name == "a,b"


@pytest.mark.parametrize(
    ("ids", "max_duplicates", "status"),
    [
        ([1, 1, 2], 1, Status.PASS),
        ([1, 1, 1], 1, Status.FAIL),
        ([1, 2, 3], 0, Status.PASS),
        ([1, 1], 0, Status.FAIL),
        (["a", "A"], 0, Status.PASS),
        ([1.0, 1.0], 0, Status.FAIL),
    ],
    ids=["one-allowed-one", "one-allowed-two", "none", "one", "case-sensitive", "float"],
)
def test_threshold_boundary(ids: list, max_duplicates: int, status: Status) -> None:
    r = run_one(Unique("id", max_duplicates=max_duplicates), [chunk(id=ids)])
    assert r.status is status


def test_sample_is_bounded() -> None:
    r = run_one(Unique("id"), split({"id": [7] * 40 + list(range(20)) * 2}, 3))
    assert r.outcome.observed_value == 80 - 20  # rows beyond the first of each of 20 keys
    assert r.outcome.failing_rows == 80
    assert len(r.outcome.failure_sample) == SAMPLE_LIMIT


def test_chunked_accumulation_equals_one_pass() -> None:
    data = {"k": [5, 3, 5, 9, 1, 3, 3, 8, 9, 2, 5, 7], "s": list("abababababab")}
    check = Unique(("k", "s"))
    one = run_one(check, split(data, 100))
    assert one.status is Status.FAIL
    for size in (1, 2, 5):
        assert comparable(run_one(check, split(data, size))) == comparable(one)


def test_empty_partition_is_skipped() -> None:
    assert run_one(Unique("id"), [chunk(id=[])]).status is Status.SKIPPED


def test_missing_key_column_is_an_error() -> None:
    r = run_one(Unique(("id", "other")), [chunk(id=[1])])
    assert r.status is Status.ERROR
    assert "other" in r.outcome.message


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"columns": ()}, "at least one column"),
        ({"columns": "id", "max_duplicates": -1}, "max_duplicates"),
        ({"columns": ("id", "nope")}, "unknown column 'nope'"),
    ],
    ids=["no-columns", "negative-allowance", "unknown-column"],
)
def test_config_problems(kwargs: dict, word: str) -> None:
    problems = Unique(**kwargs).problems(frozenset({"id"}))
    assert any(word in p for p in problems), problems
