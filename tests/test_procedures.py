"""datavigil.stats.procedures: the test that runs, why, its own effect, what was left out or
dropped, and problems that never pass (issue 9, items 2-4 and 6)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from datavigil.core.outcome import Status
from datavigil.stats import procedures
from datavigil.stats.sufficient import Moments

SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def groups_of(rng, sizes, sds, means=None) -> dict[str, Moments]:
    means = means or [0.0] * len(sizes)
    return {
        f"g{i}": Moments.of(rng.normal(m, s, n))
        for i, (n, s, m) in enumerate(zip(sizes, sds, means, strict=True))
    }


def test_hedges_g_has_the_exact_noncentral_t_interval_sleep():
    """Issue 9 item 6: sleep, exact interval [-0.091, 1.665] (normal approximation gave
    [-0.114, 1.708]). scipy.stats.nct (Boost) agrees with scipy.special (cdflib) to 1e-9."""
    from scipy import optimize, stats

    c = procedures.two_sample(Moments.of(SLEEP_2), Moments.of(SLEEP_1))
    lo, hi = c.effect.ci
    assert (round(lo, 3), round(hi, 3)) == (-0.091, 1.665)
    assert c.effect.name == "hedges_g" and c.effect.value == pytest.approx(0.7970185, abs=1e-7)
    t = c.effect.value / (1 - 3 / 71) / math.sqrt(0.2)
    for prob, ours in ((0.975, lo), (0.025, hi)):
        nc = optimize.brentq(lambda x, p=prob: stats.nct.cdf(t, 18, x) - p, -20, 20, xtol=1e-13)
        assert ours == pytest.approx(nc * math.sqrt(0.2) * (1 - 3 / 71), abs=1e-9)


@pytest.mark.parametrize(
    ("test", "name", "effect"),
    [
        ("welch", "welch_t_permutation", "hedges_g"),  # groups of 15 (ADR 0125)
        ("student", "student_t", "hedges_g"),
        ("mann_whitney", "mann_whitney_u", "rank_biserial"),
    ],
    ids=["welch", "student", "mann_whitney"],
)
def test_two_sample_runs_the_asked_test_with_its_own_effect(test, name, effect):
    rng = np.random.default_rng(8)  # more than 10 values a group (ADR 0144)
    a, b = rng.normal(0.5, 2, 15), rng.normal(0, 1, 15)
    c = procedures.two_sample(Moments.of(a), Moments.of(b), test=test, raw=(a, b))
    assert (c.test.test, c.effect.name) == (name, effect)
    assert c.why and c.problem is None and c.effect.ci[0] < c.effect.value < c.effect.ci[1]


@pytest.mark.parametrize(
    ("test", "name", "effect"),
    [
        ("welch", "welch_anova_permutation", "omega_sq_welch"),  # groups of 30 (ADR 0125)
        ("classic", "anova_f", "omega_sq"),
        ("kruskal", "kruskal_wallis", "epsilon_sq"),
    ],
    ids=["welch", "classic", "kruskal"],
)
def test_k_sample_runs_the_asked_test_with_its_own_effect(test, name, effect):
    rng = np.random.default_rng(3)
    raw = {f"g{i}": rng.normal(i * 0.5, 1 + i, 30) for i in range(3)}
    c = procedures.k_sample({k: Moments.of(v) for k, v in raw.items()}, test=test, raw=raw)
    assert (c.test.test, c.effect.name) == (name, effect)
    assert 0 <= c.effect.ci[0] <= c.effect.value <= c.effect.ci[1] <= 1


def test_unknown_test_is_refused():
    with pytest.raises(ValueError, match="welch, student, mann_whitney"):
        procedures.two_sample(Moments.of(SLEEP_1), Moments.of(SLEEP_2), test="auto")
    with pytest.raises(ValueError, match="welch, classic, kruskal"):
        procedures.k_sample({"a": Moments.of(SLEEP_1)}, test="student")


def test_rank_tests_without_raw_values_are_an_error():
    c = procedures.two_sample(Moments.of(SLEEP_1), Moments.of(SLEEP_2), test="mann_whitney")
    assert c.problem.status is Status.ERROR and "raw values" in c.problem.reason


def test_default_is_welch_whatever_the_diagnostics_say():
    """Item 3: the diagnostics are information; they never choose the test."""
    rng = np.random.default_rng(5)
    skewed = {f"g{i}": rng.lognormal(0, 1.5, 10) for i in range(3)}  # clearly non-normal
    unequal = groups_of(rng, [40, 40, 10], [1, 1, 8])
    for groups, raw in ((skewed, skewed), (unequal, None)):
        c = procedures.k_sample({k: Moments.of(v) if raw else v for k, v in groups.items()},
                                raw=raw)  # fmt: skip
        # the same statistic whatever the diagnostics; only small groups with raw values take
        # its permutation p-value (by their size, ADR 0125), unless a group of at most 10 or
        # strongly skewed groups withhold the verdict (inconclusive, never another test: ADR
        # 0133, 0144)
        withheld = c.problem is not None and c.problem.status is Status.INCONCLUSIVE
        name = "welch_anova_permutation" if raw and not withheld else "welch_anova"
        assert c.test.test == name and c.why.startswith("Welch's ANOVA") and "no pretest" in c.why
        assert "bartlett" in c.diagnostics and set(c.diagnostics["shape"]) == set(groups)
    assert (
        "brown_forsythe"
        in procedures.k_sample(
            {k: Moments.of(v) for k, v in skewed.items()}, raw=skewed
        ).diagnostics
    )


def test_always_welch_keeps_its_level_where_pretesting_did_not():
    """Item 3: n = (40, 40, 10), sd = (1, 1, 3), equal means: the pretest-then-choose rule
    rejected 7.3% at nominal 5%; always-Welch stays near 5%."""
    rng = np.random.default_rng(20260103)
    nights = 800
    rejections = sum(
        procedures.k_sample(groups_of(rng, [40, 40, 10], [1, 1, 3])).test.p_value < 0.05
        for _ in range(nights)
    )
    assert 0.03 <= rejections / nights <= 0.07


def test_a_zero_variance_group_is_dropped_and_named_not_a_switch_to_classic_f():
    """Item 2: constant (n=100), N(0, 0.1) (n=100), N(0, 3) (n=8), equal means: the old rule ran
    classic F and failed on 61.4% of null nights. The third group has 12 values here: a group of
    at most 10 makes the test inconclusive (ADR 0144)."""
    rng = np.random.default_rng(20260102)
    fails = 0
    for _ in range(400):
        g = {"const": Moments.of(np.zeros(100)), **groups_of(rng, [100, 12], [0.1, 3])}
        c = procedures.k_sample(g, alpha=0.05, min_effect=0.01)
        assert c.test.test == "welch_anova" and set(c.groups) == {"const", "g0", "g1"}
        assert c.dropped == (procedures.Dropped("const", "zero variance: all 100 values equal 0"),)
        o = c.outcome("x")
        assert "[dropped const (zero variance: all 100 values equal 0)]" in o.message
        fails += o.status is Status.FAIL
    assert fails / 400 <= 0.08


def test_dropped_groups_are_named_with_the_reason_and_too_few_is_inconclusive():
    rng = np.random.default_rng(1)
    g = {"a": Moments.of(rng.normal(0, 1, 50)), "b": Moments.of([1.0]), "c": Moments.of([None])}
    c = procedures.k_sample(g)
    assert c.problem.status is Status.INCONCLUSIVE and "fewer than 2 groups" in c.problem.reason
    assert [d.group for d in c.dropped] == ["b", "c"]
    assert c.left_out["c"]["null"] == 1 and "n=0" in c.dropped[1].reason
    o = c.outcome("x")
    assert o.status is Status.INCONCLUSIVE and "b (fewer than 2 finite values (n=1))" in o.message


def test_classic_f_keeps_a_zero_variance_group():
    g = {"a": Moments.of([1.0, 1.0, 1.0]), "b": Moments.of([1.0, 2.0, 3.0])}
    c = procedures.k_sample(g, test="classic")
    assert c.dropped == () and c.test.test == "anova_f"


@pytest.mark.parametrize(
    ("cur", "ref", "status", "words"),
    [
        ([1.0], SLEEP_1, Status.INCONCLUSIVE, "current has 1 finite value"),
        ([2.0, 2.0, 2.0], [2.0, 2.0], Status.INCONCLUSIVE, "no variance on either side"),
    ],
    ids=["one_value", "both_constant"],
)
def test_two_sample_problems(cur, ref, status, words):
    c = procedures.two_sample(Moments.of(cur), Moments.of(ref))
    assert c.problem.status is status and words in c.problem.reason and c.test is None


def test_a_constant_current_is_tested_against_the_reference_mean():
    c = procedures.two_sample(Moments.of([5.0] * 50), Moments.of(np.linspace(-1, 1, 100)))
    assert c.problem is None and "zero variance" in c.why
    assert c.test.df[0] == pytest.approx(99.0) and c.outcome("x").status is Status.FAIL


def test_details_state_left_out_values_and_are_json_all_the_way_down():
    cur = Moments.of([1.0, 2.0, None, float("nan"), math.inf, 3.0, 4.0, *range(5, 12)])
    c = procedures.two_sample(cur, Moments.of([*SLEEP_1, *SLEEP_2]))
    o = c.outcome("x")
    d = o.details
    assert o.message.startswith("x [left out 1 NULL, 1 NaN, 1 +inf]; welch_t:")
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert d["left_out"]["current"] == {"null": 1, "nan": 1, "posinf": 1, "neginf": 0}
    assert d["left_out_total"]["null"] == 1 and d["infinite"] == 1
    assert d["groups"]["current"]["n"] == 11 and d["test"] == "welch_t"
    assert isinstance(d["df"], list) and d["power_kind"] == "t"


def test_an_infinite_value_turns_a_pass_into_inconclusive():
    rng = np.random.default_rng(2)
    ref = rng.normal(0, 1, 5000)
    c = procedures.two_sample(Moments.of([*rng.normal(0, 1, 5000), math.inf]), Moments.of(ref))
    o = c.outcome("x")
    assert o.status is Status.INCONCLUSIVE and "inf value" in o.message
