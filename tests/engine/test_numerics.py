"""Moments are numerically stable on every backend: values near 1e200, a large offset with a
small spread, N(0,1) mixed in. Mean and M2 agree with an exact (rational) reference to 1e-9
relative where they are finite; what overflows is reported non-finite, never a crash and never
a pass. PostgreSQL raises on float overflow ("value out of range"): the metric's error, the
check's `error`, not an unreachable source."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import SqlSource, Suite
from datavigil.checks import Range
from datavigil.checks.anova import GroupAnova
from datavigil.engine import metrics as m
from datavigil.engine.sources import FrameSource
from datavigil.engine.stored_metrics import profile
from tests.engine.common import compute, outcomes, validate

N = 2000


def normal(seed: int) -> list[float]:
    import numpy as np

    return [float(v) for v in np.random.default_rng(seed).standard_normal(N)]


CASES = {
    "offset-1e8": [1e8 + z for z in normal(1)],  # naive sum of squares loses every digit
    "near-1e150": [1e150 + 1e147 * z for z in normal(2)],  # M2 finite, M3/M4 overflow
    "near-1e200": [1e200 * (1 + 1e-3 * z) for z in normal(3)],  # mean finite, M2 overflows
    "1e200-plus-N01": [1e200 + z for z in normal(4)],  # N(0,1) is below 1e200's last bit
    "1e200-and-N01": [1e200 * (1 + 1e-3 * z) for z in normal(5)[: N // 2]] + normal(6)[N // 2 :],
    "N01": normal(7),
}


def exact(values: list[float]) -> tuple[Fraction, Fraction]:
    """Mean and M2 computed in rational arithmetic (no rounding at all)."""
    xs = [Fraction(v) for v in values]
    mean = sum(xs) / len(xs)
    return mean, sum((x - mean) ** 2 for x in xs)


def _sql_source(url: str, values: list[float]) -> SqlSource:
    engine = sa.create_engine(url)
    table = sa.Table("t", sa.MetaData(), sa.Column("g", sa.Integer), sa.Column("x", sa.Float(53)))
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), [{"g": i % 2, "x": v} for i, v in enumerate(values)])
    engine.dispose()
    return SqlSource(table="t", url=url)


def source(kind: str, values: list[float], request: pytest.FixtureRequest, path: Path) -> Any:
    if kind == "duckdb":
        import pyarrow as pa

        g = [i % 2 for i in range(len(values))]
        return FrameSource(pa.table({"g": pa.array(g), "x": pa.array(values, pa.float64())}))
    if kind == "sqlite":
        return _sql_source(f"sqlite:///{path / 'n.db'}", values)
    return _sql_source(request.getfixturevalue("pg_url"), values)


def close(got: float, want: Fraction) -> bool:
    if want == 0:
        return got == 0 or abs(got) < 1e-300
    return abs(Fraction(got) - want) <= abs(want) * Fraction(1, 10**9)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("kind", ["duckdb", "sqlite", "postgresql"])
def test_moments_stable_or_reported_non_finite(
    kind: str, case: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    values = CASES[case]
    values_ = compute(source(kind, values, request, tmp_path), None, [m.Moments("x")])
    mo = values_.get(m.Moments("x"))[None].moments  # never raises: no crash
    want_mean, want_m2 = exact(values)
    assert mo.n == N and (mo.min, mo.max) == (min(values), max(values))
    assert close(mo.mean, want_mean), (mo.mean, float(want_mean))
    # M2 is kept in units of mo.scale (a power of two): finite even where the true M2 is not
    assert math.isfinite(mo.m2) and mo.m2 >= 0
    if want_m2 < Fraction(1e300):
        assert close(mo.m2 * mo.scale * mo.scale, want_m2), (mo.m2, mo.scale, float(want_m2))
    else:  # beyond float in the data's units: the unit says so, the scaled sum is exact
        assert mo.scale > 1 and close(Fraction(mo.m2) * Fraction(mo.scale) ** 2, want_m2)
    for name, value in (("m3", mo.m3), ("m4", mo.m4)):  # finite or not, but a float
        assert isinstance(value, float), (name, value)
    rows = {(r[0], r[2]): r[3] for r in profile(values_)}
    assert rows[("moments.n", None)] == N
    assert rows[("moments.scale", None)] == mo.scale  # the profile keeps the unit with M2


def _overflowing(url: str) -> SqlSource:
    """Values whose sum exceeds the largest float (1.8e308)."""
    return _sql_source(url, [1.5e308, 1.7e308, 1.6e308, -1.0, 2.0, 3.0])


def test_postgres_float_overflow_is_the_metrics_error(pg_url: str) -> None:
    values = compute(_overflowing(pg_url), None, [m.Moments("x"), m.Max("x"), m.NullCount("x")])
    with pytest.raises(m.MetricError, match="value out of range"):
        values.get(m.Moments("x"))
    assert values.get(m.Max("x")) == 1.7e308 and values.get(m.NullCount("x")) == 0
    assert values.get(m.RowCount()) == 6


def test_postgres_float_overflow_is_the_checks_error_not_the_sources(
    pg_url: str, tmp_path: Path
) -> None:
    checks = [GroupAnova("x", by="g"), Range("x", min=-10, max=1.7e308)]
    report = validate(Suite(name="s", source=_overflowing(pg_url), checks=checks), tmp_path)
    got = outcomes(report)
    assert report.error is None and report.exit_code != 3, got
    anova = got["anova_groups.x.g"]
    assert anova.status.value == "error" and "value out of range" in anova.message, anova
    assert "\n" not in anova.message
    assert got["ranges.x"].status.value == "pass" and got["ranges.x"].rows_checked == 6


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_overflow_elsewhere_is_non_finite_never_a_crash(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    values = [1.5e308, 1.7e308, 1.6e308, -1.0, 2.0, 3.0]
    src = source(kind, values, request, tmp_path)
    got = compute(src, None, [m.Moments("x")])
    try:
        mo = got.get(m.Moments("x"))[None].moments
    except m.MetricError as exc:  # a backend may refuse, as PostgreSQL does: an error is fine
        assert "\n" not in str(exc)
        return
    assert not (math.isfinite(mo.mean) and math.isfinite(mo.m2)), mo
