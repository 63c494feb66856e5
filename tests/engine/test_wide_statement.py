"""DuckDB's scalar statement of a wide suite (issue 21, docs/adr/0149): a float column's NaN is
made NULL once per row in a subquery, so the statement tests NaN twice per float column (the
value and its flag), however many checks compare the column; before, every comparison carried
its own ``NOT isnan()`` guard (two per range), and the guards cost more than half the scan of
500 checks (benchmarks/wide_bench.py). The values stay those of the guarded statement: NaN is
neither NULL nor inside nor outside a range, and a text predicate still reads ``nan``."""

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
X: list[float | None] = [1.0, NAN, None, 150.0, -1.0, INF, -INF, 50.0, NAN, 100.0, 0.0, None]
N: list[int | None] = [1, 2, None, 150, -1, 3, 4, 50, 5, 100, 0, 6]


def source() -> FrameSource:
    return FrameSource(
        pa.table({"x": pa.array(X, pa.float64(), from_pandas=False), "n": pa.array(N, pa.int64())})
    )


def duckdb_statements() -> Any:
    return statements_to(lambda conn: conn.dialect.name == "duckdb")


def ranges(column: str, bounds: int) -> dict[Any, int]:
    """``bounds`` range predicates over ``column`` -> the rows outside each (NULL, NaN never)."""
    values = X if column == "x" else N
    real = [v for v in values if v is not None and not math.isnan(v)]
    out = {}
    for k in range(bounds):
        lo, hi = -k, 100 + k
        pred = m.Or((m.Cmp(column, "<", lo), m.Cmp(column, ">", hi)))
        out[m.CountWhere(pred)] = sum(v < lo or v > hi for v in real)
    return out


def test_a_float_column_is_tested_for_nan_twice_however_many_checks_read_it() -> None:
    wanted = ranges("x", 40) | ranges("n", 5)
    with duckdb_statements() as seen:
        values = compute(source(), None, [*wanted, m.NullCount("x"), m.NanCount("x")])
    (scalar,) = [s for s in seen if "count(*)" in s.lower()]
    assert scalar.count("isnan(") == 2  # a86d4a7: 82 (two guards per range, NanCount's own)
    assert {k: values.get(k) for k in wanted} == wanted


def test_values_are_those_of_nan_guarded_comparisons() -> None:
    real = [v for v in X if v is not None and not math.isnan(v)]
    wanted = {
        m.NullCount("x"): 2,
        m.NanCount("x"): 2,
        m.InfCount("x", 1): 1,
        m.InfCount("x", -1): 1,
        m.Min("x"): -INF,
        m.Max("x"): INF,
        m.CountWhere(m.Cmp("x", "!=", 1.0)): len(real) - 1,
        m.CountWhere(m.Cmp("x", ">=", 100.0)): 3,
        m.CountWhere(m.IsIn("x", (1.0, 50.0), negate=True)): len(real) - 2,
        m.CountWhere(m.And((m.Cmp("x", ">", 0.0), m.Cmp("x", "<", 100.0)))): 2,
        m.CountWhere(m.Or((m.IsNull("x"), m.IsNan("x")))): 4,
        m.CountWhere(m.IsNan("n")): 0,
        m.NanCount("n"): 0,
        m.NullCount("n"): 1,
    }
    values = compute(source(), None, list(wanted))
    assert {k: values.get(k) for k in wanted} == wanted


def test_a_text_predicate_on_a_float_column_still_reads_nan_as_text() -> None:
    """Such a column is left out of the NaN-free subquery (its NaN's text is ``nan``), and its
    comparisons keep their guards."""
    nan_text = m.CountWhere(m.Regex("x", "^nan$"))
    above = m.CountWhere(m.Cmp("x", ">", 100.0))
    values = compute(source(), None, [nan_text, above, m.NanCount("x"), m.NullCount("x")])
    assert (values.get(nan_text), values.get(above)) == (2, 2)  # 150, inf; never NaN
    assert (values.get(m.NanCount("x")), values.get(m.NullCount("x"))) == (2, 2)


def test_a_negated_comparison_still_counts_nan() -> None:
    """``NOT (x > 0)``: the guarded comparison is false for a NaN, so its negation holds (and
    NULL for a NULL): the column keeps its NaN (a86d4a7's count, -1, -inf, 0 and the 2 NaNs)."""
    negated = m.CountWhere(m.Not(m.Cmp("x", ">", 0.0)))
    values = compute(source(), None, [negated, m.CountWhere(m.Cmp("x", ">", 100.0))])
    assert values.get(negated) == 5


def test_the_samples_of_many_checks_share_their_columns() -> None:
    """One UNION ALL reads the samples of every failing check (docs/adr/0140); its columns are
    shared by type, so 30 samples of 30 float columns and 30 of an int column take one column
    of each type (a86d4a7: one per sample, 60 columns in each of the 60 branches: quadratic)."""
    cols = {f"f{i}": pa.array([float(i + j) for j in range(5)]) for i in range(30)}
    wide = FrameSource(pa.table(cols | {"n": pa.array(range(5), pa.int64())}))
    wanted = [m.Sample((f"f{i}",), 2, where=m.Cmp(f"f{i}", ">", float(i) + 2)) for i in range(30)]
    wanted += [m.Sample(("n",), k + 1, where=m.Cmp("n", ">=", k % 5)) for k in range(30)]
    from datavigil.engine.backends import open_scan

    with duckdb_statements() as seen, open_scan("s", wide, None, None) as scan:
        got = scan.samples(wanted)
    (union,) = seen
    assert len(set(re.findall(r"\bdv_c\d+\b", union))) == 2
    assert got.queries == 1
    rows = [sorted(got.get(x)) for x in wanted]  # a LIMIT without ORDER BY: any matching rows
    assert rows[0] == [(3.0,), (4.0,)] and rows[29] == [(32.0,), (33.0,)]
    assert rows[34] == [(4,)] and rows[59] == [(4,)] and len(rows[30]) == 1
