"""Issue 9, item 1: overflow must never hide a shift. Extreme values give `fail` or `error`
(with the reason), never `pass`; data that is merely large is tested as if it were small."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from datavigil.core.outcome import Status
from datavigil.stats import procedures
from datavigil.stats.sufficient import Moments, merge_all

DBL_MAX = sys.float_info.max


def shifted(seed: int = 9, n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(3.0, 1.0, n), rng.normal(0.0, 1.0, n)  # a true 3-SD shift


def verdict(cur: np.ndarray, ref: np.ndarray) -> Status:
    return procedures.two_sample(Moments.of(cur), Moments.of(ref)).outcome("x").status


def test_the_shift_alone_fails():
    assert verdict(*shifted()) is Status.FAIL


@pytest.mark.parametrize(
    "extreme", [1e200, DBL_MAX, -DBL_MAX, 1e160, 1e150], ids=["1e200", "dbl_max", "-dbl_max",
                                                              "1e160", "1e150"]
)  # fmt: skip
def test_one_extreme_value_never_passes(extreme):
    cur, ref = shifted()
    cur[0] = extreme
    o = procedures.two_sample(Moments.of(cur), Moments.of(ref)).outcome("x")
    assert o.status in (Status.FAIL, Status.ERROR)
    if o.status is Status.ERROR:
        assert "carries all of the variance" in o.message and f"{extreme:.6g}" in o.message


def test_an_extreme_value_in_the_reference_is_an_error_too():
    cur, ref = shifted()
    ref[5] = DBL_MAX
    o = procedures.two_sample(Moments.of(cur), Moments.of(ref)).outcome("x")
    assert o.status is Status.ERROR and o.message.startswith("x; reference:")


def test_overflowed_moments_from_a_backend_are_an_error_not_a_pass():
    cur = Moments(n=2000, mean=1e197, m2=math.inf, m3=math.nan, m4=math.inf, min=0, max=1e200)
    ref = Moments.of(shifted()[1])
    c = procedures.two_sample(cur, ref)
    assert c.problem is not None and c.problem.status is Status.ERROR
    assert "not finite" in c.problem.reason and c.test is None
    o = c.outcome("x")
    assert o.status is Status.ERROR and "power_kind" not in o.details  # never in the family


@pytest.mark.parametrize("scale", [1e160, 1e150, 1e-160, 1e300], ids=str)
def test_large_or_tiny_data_gives_the_same_test_as_unit_data(scale):
    cur, ref = shifted()
    cur, ref = cur * 1e-3 + 1, ref * 1e-3 + 1  # all values near 1: near `scale` after scaling
    base = procedures.two_sample(Moments.of(cur), Moments.of(ref))
    big = procedures.two_sample(Moments.of(cur * scale), Moments.of(ref * scale))
    assert big.problem is None
    assert big.test.statistic == pytest.approx(base.test.statistic, rel=1e-9)
    assert big.test.df[0] == pytest.approx(base.test.df[0], rel=1e-9)
    assert big.effect.value == pytest.approx(base.effect.value, rel=1e-9)
    assert big.outcome("x").status is base.outcome("x").status is Status.FAIL


def test_values_near_1e150_do_not_raise_when_merged():
    rng = np.random.default_rng(1)
    parts = [Moments.of(1e150 * (1 + rng.normal(0, 0.1, 100))) for _ in range(5)]
    whole = merge_all(parts)
    assert whole.n == 500 and math.isfinite(whole.m4) and whole.sd == pytest.approx(1e149, rel=0.2)


def test_left_out_values_are_counted_by_kind():
    m = Moments.of([1.0, None, float("nan"), math.inf, -math.inf, -math.inf, 2.0, 3.0])
    assert m.n == 3 and m.left_out == {"null": 1, "nan": 1, "posinf": 1, "neginf": 2}
    merged = m.merge(Moments.of([None, 4.0]))
    assert merged.n == 4 and merged.null == 2 and merged.neginf == 2


def test_moments_round_trip_through_a_dict_with_old_snapshots_readable():
    m = Moments.of(np.array([1e200, 2e200, 3e200]))
    assert Moments.from_dict(m.to_dict()) == m
    old = {"n": 3, "mean": 2.0, "m2": 2.0, "m3": 0.0, "m4": 2.0, "min": 1.0, "max": 3.0}
    assert Moments.from_dict(old).scale == 1.0 and Moments.from_dict(old).null == 0


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=30),
    st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=30),
    st.integers(-900, 900),
)
@example([0.0, 0.0, 0.0], [0.0, 1.0, 2.0], -101)  # an all-zero group beside a tiny-scaled one
def test_statistics_do_not_depend_on_the_unit(a, b, exponent):
    """Multiplying both samples by a power of two leaves every statistic unchanged."""
    s = 2.0**exponent
    one = procedures.two_sample(Moments.of(a), Moments.of(b))
    two = procedures.two_sample(Moments.of(np.array(a) * s), Moments.of(np.array(b) * s))
    if one.problem or two.problem:
        assert (one.problem is None) == (two.problem is None) or exponent < -800
        return
    assert two.test.statistic == pytest.approx(one.test.statistic, rel=1e-9, abs=1e-12)
    assert two.test.p_value == pytest.approx(one.test.p_value, rel=1e-9, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(-1e300, 1e300).filter(lambda v: v == 0 or abs(v) > 1e-300),
             min_size=3, max_size=40),
    st.lists(st.integers(1, 10), min_size=1, max_size=5),
)  # fmt: skip
def test_merged_chunks_of_any_magnitude_equal_one_pass(values, cuts):
    x = np.array(values)
    bounds = np.cumsum(cuts)
    parts = [p for p in np.split(x, bounds[bounds < len(x)]) if len(p)]
    merged, whole = merge_all([Moments.of(p) for p in parts]), Moments.of(x)
    top = float(np.abs(x).max())
    assert merged.n == whole.n and math.isfinite(merged.m4) and math.isfinite(whole.m4)
    assert merged.mean == pytest.approx(whole.mean, rel=1e-9, abs=1e-12 * top)
    if whole.sd > 1e-6 * top:  # spread well above the rounding of the values themselves
        assert merged.sd == pytest.approx(whole.sd, rel=1e-7)
        assert merged.skew == pytest.approx(whole.skew, rel=1e-6, abs=1e-6)
