"""NULL, NaN and infinities per backend: the same values through SQLite (no NaN: stored as
NULL), PostgreSQL (NaN and Infinity), DuckDB over an Arrow table and over Parquet (NaN). Every
metric agrees with numpy over the values the backend holds; NaN is never "outside" a range."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import FileSource, SqlSource, Suite
from datavigil.checks import NullRate, Range
from datavigil.engine import metrics as m
from datavigil.engine.sources import FrameSource
from tests.engine.common import compute, outcomes, validate

NAN, INF = math.nan, math.inf
VALUES: list[float | None] = [
    1.0, -2.5, NAN, INF, -INF, None, 7.0, NAN, 3.0, 1e10, 0.0, None, 12.0, -INF, 5.5,
]  # fmt: skip
IDS = list(range(1, len(VALUES) + 1))
# y: the same without infinities, so a Parquet column's statistics (min 0, max 1e10) leave NaN
# out of its range (DuckDB once answered `y = 'NaN'` as false from the statistics alone)
FINITE = [4.0 if x is not None and math.isinf(x) else x for x in VALUES]


def _sql_table(url: str) -> SqlSource:
    engine = sa.create_engine(url)
    table = sa.Table(
        "v",
        sa.MetaData(),
        sa.Column("id", sa.Integer),
        sa.Column("x", sa.Float(53)),
        sa.Column("y", sa.Float(53)),
    )
    with engine.begin() as conn:
        table.create(conn)
        rows = zip(IDS, VALUES, FINITE, strict=True)
        conn.execute(table.insert(), [{"id": i, "x": x, "y": y} for i, x, y in rows])
    engine.dispose()
    return SqlSource(table="v", url=url)


def _arrow() -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "id": pa.array(IDS, pa.int64()),
            "x": pa.array(VALUES, pa.float64(), from_pandas=False),
            "y": pa.array(FINITE, pa.float64(), from_pandas=False),
        }
    )


@pytest.fixture(params=["sqlite", "postgresql", "duckdb-arrow", "duckdb-parquet"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Any, bool]:
    """(source, holds_nan): SQLite stores NaN as NULL; the others keep it."""
    if request.param == "sqlite":
        return _sql_table(f"sqlite:///{tmp_path / 'v.db'}"), False
    if request.param == "postgresql":
        return _sql_table(request.getfixturevalue("pg_url")), True
    if request.param == "duckdb-arrow":
        return FrameSource(_arrow()), True
    import pyarrow.parquet as pq

    pq.write_table(_arrow(), tmp_path / "v.parquet")
    return FileSource(path=str(tmp_path / "v.parquet")), True


def reference(holds_nan: bool, values: list[float | None] = VALUES) -> Any:
    """The values as the backend holds them (numpy), NULL as a mask."""
    import numpy as np

    held = [None if (x is None or (not holds_nan and math.isnan(x))) else x for x in values]
    null = np.array([x is None for x in held])
    x = np.array([np.nan if v is None else v for v in held], dtype=np.float64)
    return x, null


def test_counts_min_max_and_predicates_agree_with_numpy(backend: tuple[Any, bool]) -> None:
    import numpy as np

    source, holds_nan = backend
    x, null = reference(holds_nan)
    nan = np.isnan(x) & ~null
    real = ~null & ~nan  # numbers, infinities included
    wanted = {
        m.NullCount("x"): int(null.sum()),
        m.NanCount("x"): int(nan.sum()),
        m.InfCount("x", 1): int((x == np.inf).sum()),
        m.InfCount("x", -1): int((x == -np.inf).sum()),
        m.Min("x"): float(x[real].min()),
        m.Max("x"): float(x[real].max()),
        m.CountWhere(m.Cmp("x", ">", 2.0)): int((x[real] > 2.0).sum()),
        m.CountWhere(m.Cmp("x", "<=", 0.0)): int((x[real] <= 0.0).sum()),
        m.CountWhere(m.Cmp("x", "!=", 1.0)): int((x[real] != 1.0).sum()),
        m.CountWhere(m.IsIn("x", (1.0, 7.0))): int(np.isin(x[real], [1.0, 7.0]).sum()),
        m.CountWhere(m.IsIn("x", (1.0, 7.0), negate=True)): int(
            (~np.isin(x[real], [1.0, 7.0])).sum()
        ),
        m.CountWhere(m.IsNan("x")): int(nan.sum()),
        m.CountWhere(m.IsNull("x")): int(null.sum()),
    }
    values = compute(source, None, list(wanted))
    got = {k: values.get(k) for k in wanted}
    assert got == wanted
    assert values.get(m.RowCount()) == len(VALUES)
    assert holds_nan == (got[m.NanCount("x")] > 0)


def test_moments_agree_with_numpy(backend: tuple[Any, bool]) -> None:
    import numpy as np

    source, holds_nan = backend
    x, null = reference(holds_nan)
    finite = x[np.isfinite(x)]
    values = compute(source, None, [m.Moments("x")])
    g = values.get(m.Moments("x"))[None]
    mo = g.moments
    assert mo.n == finite.size
    assert mo.mean == pytest.approx(finite.mean(), rel=1e-12)
    assert mo.m2 == pytest.approx(((finite - finite.mean()) ** 2).sum(), rel=1e-9)
    assert mo.m3 == pytest.approx(((finite - finite.mean()) ** 3).sum(), rel=1e-9)
    assert mo.m4 == pytest.approx(((finite - finite.mean()) ** 4).sum(), rel=1e-9)
    assert (mo.min, mo.max) == (finite.min(), finite.max())
    nan = int((np.isnan(x) & ~null).sum())
    assert g.left_out == {
        "null": int(null.sum()), "nan": nan,
        "pos_inf": int((x == np.inf).sum()), "neg_inf": int((x == -np.inf).sum()),
    }  # fmt: skip
    assert g.rows == len(VALUES)


def test_range_and_null_rate_over_nan_through_a_run(
    backend: tuple[Any, bool], tmp_path: Path
) -> None:
    """NaN is missing (NullRate), never outside a range; the infinities are outside it."""
    import numpy as np

    source, holds_nan = backend
    x, null = reference(holds_nan)
    checks = [Range("x", min=0, max=100), NullRate("x", max_fraction=1.0)]
    report = validate(Suite(name="s", source=source, checks=checks), tmp_path)
    got = outcomes(report)
    real = ~null & ~np.isnan(x)
    outside = int(((x[real] < 0) | (x[real] > 100)).sum())  # -2.5, 1e10, +inf, -inf x2
    assert got["ranges.x"].failing_rows == outside == 5
    assert got["ranges.x"].rows_checked == int(real.sum())
    nulls = got["nulls.x"]
    assert (nulls.details["null"], nulls.details["nan"]) == (
        int(null.sum()),
        int((np.isnan(x) & ~null).sum()),
    )
    assert nulls.failing_rows == 4  # 2 NULL + 2 NaN, wherever the NaN went
    sample = got["ranges.x"].failure_sample  # infinities as text (JSON), never a NaN
    assert sorted(map(str, sample)) == ["-2.5", "-inf", "-inf", "10000000000.0", "inf"]


def test_nan_in_a_column_without_infinities(backend: tuple[Any, bool]) -> None:
    import numpy as np

    source, holds_nan = backend
    y, null = reference(holds_nan, FINITE)
    real = ~np.isnan(y)
    wanted = [m.NanCount("y"), m.Max("y"), m.Min("y"), m.CountWhere(m.Cmp("y", ">", 5.0))]
    values = compute(source, None, [*wanted, m.Moments("y")])
    assert [values.get(k) for k in wanted] == [
        int((np.isnan(y) & ~null).sum()), y[real].max(), y[real].min(), int((y[real] > 5).sum()),
    ]  # fmt: skip
    assert values.get(m.Moments("y"))[None].moments.mean == pytest.approx(y[real].mean())


def test_a_metric_that_is_a_constant_on_its_own(backend: tuple[Any, bool]) -> None:
    """NaN/inf counts of an integer column (and NaN of any column on SQLite) are constants:
    alone in a query they still give one value, not one row per table row."""
    from datavigil.engine.backends import open_scan

    source, holds_nan = backend
    with open_scan("s", source, None, None) as scan:
        for metric in (m.NanCount("id"), m.InfCount("id", 1), m.NanCount("x")):
            values = scan.compute([metric])
            assert values.get(metric) == (2 if metric == m.NanCount("x") and holds_nan else 0)
