"""SchemaCheck: the pandera model compiled into metrics; every failing (column, check) is one
result row named schema.<column>.<check> with its failing count and a bounded sample, plus a
`schema` summary row; counts and samples agree with pandera's own on the same frames."""

from __future__ import annotations

import pandera.pandas as pa
import pytest
from pandera.typing import Series

from datavigil.checks.schema import SchemaCheck
from datavigil.core.outcome import SAMPLE_LIMIT, CheckResult, Status
from tests.helpers import chunk, run_check, split


class Model(pa.DataFrameModel):
    a: Series[int] = pa.Field(ge=0)
    b: Series[str] = pa.Field(isin=["x", "y"])
    c: Series[float] = pa.Field(nullable=True)


class Coercing(Model):
    class Config:
        coerce = True


GOOD = {"a": [0, 1, 2], "b": ["x", "y", "x"], "c": [1.0, None, 2.0]}


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.check_name: r for r in results}


def test_valid_partition_passes_with_one_summary_row() -> None:
    results = run_check(SchemaCheck(model=Model), [chunk(**GOOD)])
    assert [r.check_name for r in results] == ["schema"]
    assert results[0].status is Status.PASS
    assert results[0].outcome.rows_checked == 3
    assert results[0].outcome.details["scope"] == "compiled"


def test_each_failing_column_check_group_is_one_row() -> None:
    data = {"a": [-1, 5, -2, -3], "b": ["x", "q", "y", "z"], "c": [1.0, 2.0, 3.0, 4.0]}
    rows = by_name(run_check(SchemaCheck(model=Model), [chunk(**data)]))
    assert set(rows) == {
        "schema",
        "schema.a.greater_than_or_equal_to",
        "schema.b.isin",
    }
    ge = rows["schema.a.greater_than_or_equal_to"]
    assert (ge.status, ge.column_name, ge.outcome.failing_rows) == (Status.FAIL, "a", 3)
    assert ge.outcome.failure_sample == (-3, -2, -1)  # the smallest distinct failing values
    assert ge.outcome.details["min_value"] == 0  # parameters in details, not in the name
    isin = rows["schema.b.isin"]
    assert isin.outcome.failing_rows == 2 and isin.outcome.failure_sample == ("q", "z")
    assert isin.outcome.details["allowed_values"] == ["x", "y"]
    summary = rows["schema"]
    assert summary.status is Status.FAIL
    assert summary.outcome.observed_value == 2.0  # failing groups
    assert summary.outcome.failing_rows == 4  # distinct failing rows


def test_sample_is_bounded_and_count_exact_across_chunks() -> None:
    data = {"a": [-i for i in range(1, 31)], "b": ["x"] * 30, "c": [0.0] * 30}
    rows = by_name(run_check(SchemaCheck(model=Model), split(data, 7)))
    ge = rows["schema.a.greater_than_or_equal_to"]
    assert ge.outcome.failing_rows == 30
    assert len(ge.outcome.failure_sample) == SAMPLE_LIMIT
    assert rows["schema"].outcome.failing_rows == 30
    assert rows["schema"].outcome.rows_checked == 30


def test_chunked_accumulation_equals_one_pass() -> None:
    data = {
        "a": [1, -1, 2, -2, 3, -3, 4, -4],
        "b": ["x", "q", "y", "x", "r", "x", "y", "s"],
        "c": [None, 1.0, 2.0, None, 3.0, 4.0, 5.0, 6.0],
    }

    def summarise(results: list[CheckResult]) -> dict:
        return {
            r.check_name: (r.status, r.outcome.failing_rows, r.outcome.failure_sample)
            for r in results
        }

    one = summarise(run_check(SchemaCheck(model=Model), split(data, 100)))
    for size in (1, 3, 5):
        assert summarise(run_check(SchemaCheck(model=Model), split(data, size))) == one


@pytest.mark.parametrize("model", [Model, Coercing], ids=["strict-dtype", "coerce"])
def test_wrong_dtype_column_fails(model: type[pa.DataFrameModel]) -> None:
    data = {"a": ["one", "two", "3"], "b": ["x", "y", "x"], "c": [1.0, 2.0, 3.0]}
    rows = by_name(run_check(SchemaCheck(model=model), [chunk(**data)]))
    assert rows["schema"].status is Status.FAIL
    dtype_rows = [r for name, r in rows.items() if name == "schema.a.dtype"]
    assert dtype_rows, list(rows)
    assert dtype_rows[0].outcome.details["expected"] == "int64"
    assert dtype_rows[0].status is Status.FAIL and dtype_rows[0].column_name == "a"
    assert 0 < len(dtype_rows[0].outcome.failure_sample) <= SAMPLE_LIMIT


def test_missing_columns_fail_and_are_named() -> None:
    rows = by_name(run_check(SchemaCheck(model=Model), [chunk(a=[1, 2])]))
    assert rows["schema"].status is Status.FAIL
    for column in ("b", "c"):
        row = rows[f"schema.{column}.column_in_dataframe"]
        assert row.status is Status.FAIL and row.column_name == column
        assert row.outcome.failure_sample == (column,)


def test_null_in_non_nullable_column_fails() -> None:
    data = {"a": [1, None, 2], "b": ["x", "y", None], "c": [None, None, None]}
    rows = by_name(run_check(SchemaCheck(model=Model), [chunk(**data)]))
    assert rows["schema.b.not_nullable"].outcome.failing_rows == 1
    assert any(name.startswith("schema.a.") for name in rows)  # NULL in an int column
    assert not any(name.startswith("schema.c.") for name in rows)  # c is nullable


@pytest.mark.parametrize("severity", ["error", "warn"], ids=["error", "warn"])
def test_group_rows_carry_the_check_severity(severity: str) -> None:
    data = {"a": [-1], "b": ["x"], "c": [1.0]}
    results = run_check(SchemaCheck(model=Model, severity=severity), [chunk(**data)])
    assert {r.severity.value for r in results} == {severity}
    assert {r.check_type for r in results} == {"schema"}


def test_empty_partition_is_skipped_without_group_rows() -> None:
    results = run_check(SchemaCheck(model=Model), [chunk(**{k: [] for k in GOOD})])
    assert [(r.check_name, r.status) for r in results] == [("schema", Status.SKIPPED)]


def test_the_model_is_compiled_once_per_source_columns(monkeypatch) -> None:
    """A run compiled the model twice (its metrics, then its results), a backfill twice a day:
    now once per model and source columns, the results unchanged (docs/adr/0154)."""
    from datavigil.checks import schema

    calls: list[object] = []
    real = schema.compile_model

    def counting(model: object, columns: dict) -> schema.Compiled:
        calls.append(model)
        return real(model, columns)

    monkeypatch.setattr(schema, "_COMPILED", {}, raising=False)
    monkeypatch.setattr(schema, "compile_model", counting)
    data = {"a": [0, -1, 2], "b": ["x", "z", "x"], "c": [1.0, None, 2.0]}
    runs = [by_name(run_check(SchemaCheck(model=Model), [chunk(**data)])) for _ in range(3)]
    assert len(calls) == 1
    assert runs[0] == runs[1] == runs[2] and runs[0]["schema.a.greater_than_or_equal_to"]
