"""The compiled pandera rules agree with pandera itself: the same frames through pandera (lazy)
and through the engine give the same failing (column, check) pairs, the same failing-row counts
and the same failing values (each frame has at most 5 distinct failing values per check)."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pandas as pd
import pandera.errors as pe
import pandera.pandas as pa
import pyarrow as pa_arrow
import pytest

from datavigil.checks.schema import SchemaCheck
from tests.helpers import run_check

NAN = float("nan")


def schema_of(**columns: pa.Column) -> type:
    schema = pa.DataFrameSchema(columns)

    class Model:  # a stand-in with the one method SchemaCheck uses
        @staticmethod
        def to_schema() -> pa.DataFrameSchema:
            return schema

    return Model


CASES = {
    "bounds": (
        {"x": pa.Column(float, [pa.Check.ge(0), pa.Check.lt(10)], nullable=True),
         "n": pa.Column(int, [pa.Check.gt(1), pa.Check.le(3)])},
        {"x": [-1.0, 0.0, 10.0, NAN, 3.5, -2.0], "n": [1, 2, 3, 4, 5, 1]},
    ),
    "in_range_flags": (
        {"x": pa.Column(float, pa.Check.in_range(0, 1, include_min=False, include_max=True))},
        {"x": [0.0, 0.5, 1.0, 1.5, -0.1]},
    ),
    "sets": (
        {"s": pa.Column(str, pa.Check.isin(["a", "b"])),
         "t": pa.Column(str, pa.Check.notin(["bad"]), nullable=True)},
        {"s": ["a", "b", "c", "a", "zz"], "t": ["ok", "bad", None, "bad", "fine"]},
    ),
    "equality": (
        {"e": pa.Column(int, [pa.Check.eq(7)]), "f": pa.Column(float, pa.Check.ne(0.0))},
        {"e": [7, 7, 8, 6], "f": [0.0, 1.0, 0.0, 2.0]},
    ),
    "text": (
        {"s": pa.Column(str, [pa.Check.str_matches(r"[a-z]+\d"), pa.Check.str_contains("x"),
                              pa.Check.str_startswith("ab"), pa.Check.str_endswith("9"),
                              pa.Check.str_length(2, 4)])},
        {"s": ["abx9", "Abx9", "ab9", "zzzzzx9", "abx1", "abc"]},
    ),
    "nulls_and_unique": (
        {"k": pa.Column(int, unique=True), "v": pa.Column(float, nullable=False)},
        {"k": [1, 2, 2, 3, 3, 3], "v": [1.0, None, 2.0, NAN, 3.0, 4.0]},
    ),
}  # fmt: skip


def pandera_view(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> dict[tuple, tuple]:
    try:
        schema.validate(frame, lazy=True)
    except pe.SchemaErrors as err:
        cases = err.failure_cases
        out: dict[tuple, tuple] = {}
        groups: dict[tuple, list[Any]] = defaultdict(list)
        for _, row in cases.iterrows():
            check = str(row["check"]).split("(")[0]
            groups[(row["column"], check)].append(row["failure_case"])
        for key, values in groups.items():
            out[key] = (len(values), frozenset(_norm(v) for v in values))
        return out
    return {}


def _norm(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def engine_view(model: type, frame: pd.DataFrame) -> dict[tuple, tuple]:
    table = pa_arrow.Table.from_pandas(frame, preserve_index=False)
    results = run_check(SchemaCheck(model=model), [table])
    out = {}
    for r in results[1:]:
        check = r.outcome.details["pandera_check"]
        sample = frozenset(_norm(v) for v in r.outcome.failure_sample)
        out[(r.column_name, check)] = (r.outcome.failing_rows, sample)
    return out


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_engine_agrees_with_pandera(case: str) -> None:
    columns, data = CASES[case]
    model, frame = schema_of(**columns), pd.DataFrame(data)
    expected = pandera_view(model.to_schema(), frame)
    got = engine_view(model, frame)
    assert expected, "every case must make pandera fail"
    assert got == expected


def test_custom_checks_run_on_rows_and_say_so() -> None:
    model = schema_of(x=pa.Column(int, pa.Check(lambda s: s % 2 == 0, name="even")))
    frame = pd.DataFrame({"x": [2, 3, 4, 5, 7]})
    results = run_check(SchemaCheck(model=model), [pa_arrow.Table.from_pandas(frame)])
    row = {r.check_name: r for r in results}["schema.x.even"]
    assert row.outcome.failing_rows == 3
    assert set(row.outcome.failure_sample) == {3, 5, 7}
    assert row.outcome.details["scope"] == "all rows"
    assert results[0].outcome.details["scope"].startswith("compiled; custom checks")
