"""datavigil.stats: sufficient, effects and multitest: published reference values (R), scipy on
the raw data, and hypothesis properties (merging chunks = one pass, from statistics = from raw)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats as ss
from hypothesis import example, given, settings
from hypothesis import strategies as st

from datavigil.stats import effects, multitest
from datavigil.stats.significance import anova, anova_parts, bartlett, ttest, welch_anova
from datavigil.stats.sufficient import Moments, merge_all

# R: sleep (Cushny & Peebles), t.test(extra ~ group, data = sleep)
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
# R: PlantGrowth, aov / oneway.test / bartlett.test (weight ~ group)
CTRL = [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14]
TRT1 = [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69]
TRT2 = [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26]
PLANTS = [Moments.of(x) for x in (CTRL, TRT1, TRT2)]


def test_welch_t_matches_r_sleep():
    res = ttest(Moments.of(SLEEP_1), Moments.of(SLEEP_2))
    assert res.test == "welch_t"
    assert res.statistic == pytest.approx(-1.8608, abs=5e-5)
    assert res.df[0] == pytest.approx(17.776, abs=5e-4)
    assert res.p_value == pytest.approx(0.07939, abs=5e-6)


def test_student_t_matches_r_sleep_var_equal():
    res = ttest(Moments.of(SLEEP_1), Moments.of(SLEEP_2), equal_var=True)
    assert (res.test, res.df) == ("student_t", (18.0,))
    assert res.p_value == pytest.approx(0.07919, abs=5e-6)


@pytest.mark.parametrize(
    ("func", "stat", "df2", "p"),
    [
        (anova, 4.846, 27.0, 0.01591),  # summary(aov(weight ~ group, PlantGrowth))
        (welch_anova, 5.181, 17.128, 0.01739),  # oneway.test(weight ~ group, PlantGrowth)
    ],
    ids=["classic_f", "welch"],
)
def test_anova_matches_r_plantgrowth(func, stat, df2, p):
    res = func(PLANTS)
    assert res.statistic == pytest.approx(stat, abs=5e-4)
    assert res.df[0] == 2.0 and res.df[1] == pytest.approx(df2, abs=5e-4)
    assert res.p_value == pytest.approx(p, abs=5e-6)


def test_bartlett_matches_r_plantgrowth():
    res = bartlett(PLANTS)  # bartlett.test: K-squared = 2.8786, df = 2, p-value = 0.2371
    assert res.statistic == pytest.approx(2.8786, abs=5e-5)
    assert res.p_value == pytest.approx(0.2371, abs=5e-5)


def test_holm_and_bh_match_r_p_adjust():
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    assert multitest.holm(p) == pytest.approx([0.05, 0.08, 0.09, 0.09, 0.09])
    assert multitest.bh(p) == pytest.approx([0.05] * 5)
    assert multitest.holm([0.04, 0.001]) == pytest.approx([0.04, 0.002])


def test_unknown_correction_is_refused():
    with pytest.raises(ValueError, match="holm, bh"):
        multitest.adjust([0.1], "bonferroni")


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
samples = st.lists(finite, min_size=3, max_size=60)


def rel(a: float, b: float, scale: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * scale)


def exact_moments(values: list[float]) -> list[float]:
    """n * central moments 2..4 in exact rational arithmetic."""
    xs = [Fraction(v) for v in values]
    mean = sum(xs) / len(xs)
    return [float(sum((x - mean) ** k for x in xs)) for k in (2, 3, 4)]


@settings(max_examples=150, deadline=None)
@given(samples, st.lists(st.integers(1, 20), min_size=1, max_size=6))
def test_merged_chunks_equal_one_pass(values, cuts):
    x = np.array(values)
    bounds = np.cumsum(cuts)
    parts = [p for p in np.split(x, bounds[bounds < len(x)]) if len(p)]
    merged, whole = merge_all([Moments.of(p) for p in parts]), Moments.of(x)
    assert merged.n == whole.n and (merged.min, merged.max) == (whole.min, whole.max)
    scale = float(np.abs(x - x.mean()).max() or 1.0)
    assert rel(merged.mean, whole.mean, scale)
    # both agree with exact arithmetic to 1e-9, up to the rounding of x - mean itself (and
    # below 1e-300, where powers of tiny deviations are subnormal and carry no precision)
    rounding = 1e-15 * float(np.abs(x).max())
    exact = exact_moments(values)
    for k, want in zip((2, 3, 4), exact, strict=True):
        tol = 1e-9 * len(x) * scale**k + 10 * k * len(x) * scale ** (k - 1) * rounding + 1e-300
        for m in (merged, whole):
            got = (m.m2, m.m3, m.m4)[k - 2] * m.scale**k  # sums are in units of scale
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=tol), (k, got, want)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=40),
    st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=40),
)
def test_t_from_statistics_equals_scipy_on_raw(a, b):
    ma, mb = Moments.of(a), Moments.of(b)
    if ma.var < 1e-6 or mb.var < 1e-6:
        return
    for equal_var in (False, True):
        ours = ttest(ma, mb, equal_var=equal_var)
        ref = ss.ttest_ind(a, b, equal_var=equal_var)
        assert math.isclose(ours.statistic, ref.statistic, rel_tol=1e-9, abs_tol=1e-9)
        assert math.isclose(ours.p_value, ref.pvalue, rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(ours.df[0], ref.df, rel_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=30), min_size=2, max_size=5))
@example(
    groups=[
        [0.0, 0.0, 0.0, 0.0, 34.0, 61.0, 147.0, 592.0, 262.015625, 460.5],
        [0.0, 0.0, 0.0, 0.0, 34.0, 61.0, 147.0, 592.0, 262.015625, 460.5],
        [0.0, 0.0, 0.0, 0.0, 34.0, 61.0, 147.0, 592.0, 262.015625, 460.5],
    ],
)  # identical groups: Bartlett's statistic rounded to -5e-14
def test_anova_from_statistics_equals_scipy_on_raw(groups):
    moments = [Moments.of(g) for g in groups]
    if any(m.var < 1e-6 for m in moments):
        return
    for ours, ref in (
        (anova(moments), ss.f_oneway(*groups)),
        (welch_anova(moments), ss.f_oneway(*groups, equal_var=False)),
        (bartlett(moments), ss.bartlett(*groups)),
    ):
        assert math.isclose(ours.statistic, ref.statistic, rel_tol=1e-9, abs_tol=1e-9)
        if math.isnan(ref.pvalue):  # scipy: F = -6e-33 from rounding -> p NaN; ours: F = 0
            assert ours.statistic == pytest.approx(0.0, abs=1e-9) and ours.p_value > 0.99
            continue
        assert math.isclose(ours.p_value, ref.pvalue, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(finite, min_size=3, max_size=40))
def test_skew_and_kurtosis_equal_scipy(values):
    m = Moments.of(values)
    if m.var < 1e-3:
        return
    assert math.isclose(m.skew, ss.skew(values), rel_tol=1e-7, abs_tol=1e-7)
    assert math.isclose(m.kurtosis, ss.kurtosis(values), rel_tol=1e-7, abs_tol=1e-7)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.sampled_from(["holm", "bh"]))
def test_adjusted_p_values_are_monotone_and_never_below_raw(p, method):
    q = multitest.adjust(p, method)
    assert all(qi >= pi - 1e-15 and qi <= 1.0 for pi, qi in zip(p, q, strict=True))
    order = sorted(range(len(p)), key=lambda i: p[i])
    assert all(q[a] <= q[b] + 1e-15 for a, b in zip(order, order[1:], strict=False))
    if method == "bh":
        assert np.allclose(q, ss.false_discovery_control(p, method="bh"), atol=1e-12)


def test_hedges_g_against_hand_computation():
    a, b = Moments.of(SLEEP_2), Moments.of(SLEEP_1)
    sp = math.sqrt(((a.n - 1) * a.var + (b.n - 1) * b.var) / (a.n + b.n - 2))
    d = (a.mean - b.mean) / sp
    g = effects.hedges_g(a, b)
    assert g.value == pytest.approx(d * (1 - 3 / (4 * 20 - 9)))
    assert g.ci[0] < g.value < g.ci[1]


def test_eta_and_omega_squared_from_sums_of_squares():
    x = np.concatenate([CTRL, TRT1, TRT2])
    ss_total = float(((x - x.mean()) ** 2).sum())
    ss_within = sum(float(((np.array(g) - np.mean(g)) ** 2).sum()) for g in (CTRL, TRT1, TRT2))
    omega, eta2 = effects.anova_effect(anova_parts(PLANTS))
    assert eta2 == pytest.approx((ss_total - ss_within) / ss_total)
    ms_w = ss_within / 27
    assert omega.value == pytest.approx((ss_total - ss_within - 2 * ms_w) / (ss_total + ms_w))
    assert 0 <= omega.ci[0] < omega.value < omega.ci[1] < 1


def test_gated_power_is_half_at_min_effect_and_high_at_one_and_a_half():
    n_a, n_b, alpha, mine = 1000, 10_000, 0.01 / 50, 0.2
    assert effects.t_power(mine, n_a, n_b, alpha, mine) == pytest.approx(0.5, abs=0.01)
    assert effects.t_power(1.5 * mine, n_a, n_b, alpha, mine) > 0.99
    assert effects.t_power(0.0, n_a, n_b, alpha, mine) < 1e-6
    mde = effects.t_mde(n_a, n_b, alpha, mine)
    assert effects.t_power(mde, n_a, n_b, alpha, mine) == pytest.approx(0.8, abs=1e-3)


def test_small_samples_have_a_large_minimum_detectable_effect():
    assert effects.t_mde(20, 20, 0.05, 0.2) > 0.3  # -> inconclusive at min_effect 0.2
    assert effects.f_mde(8, 80, 0.05, 0.01) > 0.015
    assert effects.f_mde(8, 30_000, 0.05, 0.01) < 0.015
