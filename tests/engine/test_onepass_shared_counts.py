"""DuckDB's one pass computes each count of a column once (docs/adr/0159): the moments' NULL,
NaN and infinity counts are written as NullRate's and Range's scalar metrics write them (and an
infinity is one parameter however many aggregates compare with it), so the statement holding
both has one aggregate per quantity, which DuckDB computes once. The values stay the same."""

from __future__ import annotations

import math
import re
from typing import Any

import pyarrow as pa

from datavigil.engine import metrics as m
from datavigil.engine.sources import FrameSource
from tests.engine.common import compute
from tests.helpers import statements_to

NAN, INF = math.nan, math.inf
X: list[float | None] = [1.0, NAN, None, 150.0, -1.0, INF, -INF, 50.0, NAN, 100.0, 0.0, None, INF]
WANTED: dict[Any, Any] = {
    m.NullCount("x"): 2,
    m.NanCount("x"): 2,
    m.InfCount("x", 1): 2,
    m.InfCount("x", -1): 1,
    m.Min("x"): -INF,
    m.Max("x"): INF,
    m.CountWhere(m.Or((m.Cmp("x", "<", 0), m.Cmp("x", ">", 100)))): 5,
}


def select_items(statement: str) -> list[str]:
    """The aggregates of the outer SELECT, one text each (their labels left out)."""
    head = statement.split("\nFROM")[0].removeprefix("SELECT ")
    return [re.sub(r" AS \w+$", "", s) for s in re.split(r" AS \w+, ", head)]


def test_null_nan_and_inf_counts_of_a_moments_column_are_one_aggregate_each() -> None:
    with statements_to(lambda conn: conn.dialect.name == "duckdb") as seen:
        values = compute(FrameSource(pa.table({"x": pa.array(X, from_pandas=False)})), None,
                         [*WANTED, m.Moments("x")])  # fmt: skip
    (stmt,) = [s for s in seen if "dv_b" in s]
    items = [s for s in select_items(stmt) if s.startswith("count")]
    nulls = {s for s in items if "IS NULL" in s or "count(*) - count(" in s}
    nans = {s for s in items if "isnan(" in s and "NOT isnan(" not in s}
    infs = {s for s in items if re.search(r"x = (\$\d+|CAST)", s)}
    # 3255a7c: 2, 2 and 4 (the moments' count(CASE WHEN x IS NULL ...), their own parameters)
    assert (len(nulls), len(nans), len(infs)) == (1, 1, 2), (nulls, nans, infs)
    assert {k: values.get(k) for k in WANTED} == WANTED
    stats = values.get(m.Moments("x"))[None]
    assert (stats.rows, stats.null, stats.nan, stats.pos_inf, stats.neg_inf) == (13, 2, 2, 2, 1)
    assert stats.moments.n == 6 and stats.moments.mean == 300.0 / 6
