"""The gated verdict and the run-wide adjustment: boundaries, family membership, the log table."""

from __future__ import annotations

import pytest

from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.stats.multitest import adjust_run, judge, table_lines


def outcome(p: float, g: float, n_a: int = 1000, n_b: int = 10_000, **extra) -> Outcome:
    details = {
        "test": "welch_t", "why": "default", "df": [900.0], "headline": "x: ...",
        "effect_name": "hedges_g", "effect_ci": [g - 0.1, g + 0.1], "alpha": 0.05,
        "min_effect": 0.2, "power_kind": "t", "n_a": n_a, "n_b": n_b, **extra,
    }  # fmt: skip
    return Outcome(Status.INCONCLUSIVE, "x", statistic=1.0, p_value=p, effect_size=g,
                   details=details)  # fmt: skip


def result(o: Outcome, name: str = "distribution.x") -> CheckResult:
    return CheckResult(name, "distribution.ttest", "x", Severity.ERROR, o, "distribution")


@pytest.mark.parametrize(
    ("p_adj", "g", "status", "verdict"),
    [
        (0.049, 0.2, Status.FAIL, "shift"),  # effect exactly min_effect: fails (>=)
        (0.049, -0.25, Status.FAIL, "shift"),  # a drop counts like a rise
        (0.05, 0.9, Status.PASS, "no shift"),  # p_adj exactly alpha: not significant (<)
        (0.049, 0.199, Status.PASS, "trivial shift"),
        (0.5, 0.0, Status.PASS, "no shift"),
    ],
    ids=["at_min_effect", "negative", "p_at_alpha", "below_min_effect", "clean"],
)
def test_verdict_boundaries(p_adj, g, status, verdict):
    judged = judge(outcome(p_adj, g), p_adj)
    assert (judged.status, judged.details["verdict"]) == (status, verdict)
    assert judged.p_adjusted == p_adj and judged.observed_value == g


def test_underpowered_is_inconclusive_unless_the_shift_is_caught_anyway():
    small = judge(outcome(0.3, 0.1, n_a=20, n_b=30), 0.3)
    assert small.status is Status.INCONCLUSIVE and small.details["powered"] is False
    caught = judge(outcome(1e-6, 1.5, n_a=20, n_b=30), 1e-6)
    assert caught.status is Status.FAIL


def test_infinities_turn_a_pass_into_inconclusive():
    judged = judge(outcome(0.5, 0.0, infinite=3), 0.5)
    assert judged.status is Status.INCONCLUSIVE and "3 inf" in judged.message


def test_adjust_run_touches_only_the_family():
    other = CheckResult("nulls.x", "nulls", "x", Severity.ERROR, Outcome(Status.PASS, "ok"))
    errored = result(Outcome(Status.ERROR, "broken", p_value=0.001), "distribution.z")
    family = [result(outcome(0.01, 0.5), "distribution.a"),
              result(outcome(0.04, 0.5), "distribution.b")]  # fmt: skip
    out = adjust_run([other, *family, errored], "holm")
    assert out[0] is other and out[3] is errored
    assert [r.outcome.p_adjusted for r in out[1:3]] == pytest.approx([0.02, 0.04])
    assert {r.outcome.details["family_size"] for r in out[1:3]} == {2}
    assert [r.status for r in out[1:3]] == [Status.FAIL, Status.FAIL]


def test_holm_can_turn_a_significant_test_into_a_pass():
    family = [result(outcome(0.03, 0.5), f"distribution.c{i}") for i in range(3)]
    out = adjust_run(family, "holm")
    assert all(r.status is Status.PASS and r.outcome.p_adjusted == pytest.approx(0.09)
               for r in out)  # fmt: skip


def test_table_lists_each_test_with_its_numbers():
    out = adjust_run([result(outcome(0.001, 0.6))], "bh")
    lines = table_lines(out)
    assert "bh-adjusted" in lines[0]
    assert lines[1].split() == ["column", "test", "statistic", "df", "p", "p_adjusted",
                                "effect", "[95%", "CI]", "verdict"]  # fmt: skip
    assert "welch_t" in lines[2] and "fail: shift" in lines[2] and "hedges_g 0.6" in lines[2]
    assert table_lines([]) == []


def test_table_lists_only_the_family_not_a_challenger_comparison():
    """The demo's shadow run printed its McNemar test in the distribution table as
    "effect 0.01041 [nan, nan]  pass: pass": a paired comparison outside the Holm family."""
    challenger = Outcome(Status.PASS, "x", statistic=26.6, p_value=2.7e-7, effect_size=0.0104,
                         details={"test": "McNemar", "verdict": "pass",
                                  "difference_ci": [0.007, 0.0137]})  # fmt: skip
    rows = [result(outcome(0.001, 0.6)),
            CheckResult("challenger.accuracy", "prediction.challenger", None, Severity.ERROR,
                        challenger, "prediction")]  # fmt: skip
    lines = table_lines(adjust_run(rows, "holm"))
    assert "distribution tests (1, holm-adjusted)" in lines[0]
    assert len(lines) == 3 and not any("nan" in line or "McNemar" in line for line in lines)


def test_bh_never_reports_p_adjusted_below_p_over_random_families():
    """Issue 9 item 6: m p / rank rounded one step below p in 2,347 of 20,000 families."""
    import random

    from datavigil.stats.multitest import adjust

    rng = random.Random(20260106)
    for _ in range(20_000):
        p = [rng.random() for _ in range(rng.randint(1, 30))]
        for method in ("bh", "holm"):
            assert all(q >= pi for pi, q in zip(p, adjust(p, method), strict=True))


def test_categorical_and_numeric_tests_share_one_family():
    from datavigil.stats import categorical, procedures
    from datavigil.stats.sufficient import Moments

    cat = categorical.homogeneity({"a": 650, "b": 350}, {"a": 5000, "b": 5000}, min_effect=0.1)
    num = procedures.two_sample(Moments.of([0.1 * i for i in range(100)]),
                                Moments.of([0.1 * i + 0.05 for i in range(100)]))  # fmt: skip
    family = [CheckResult("distribution.carrier", "distribution.categorical", "carrier",
                          Severity.ERROR, cat.outcome("carrier"), "distribution"),
              CheckResult("distribution.x", "distribution.ttest", "x", Severity.ERROR,
                          num.outcome("x"), "distribution")]  # fmt: skip
    out = adjust_run(family, "holm")
    assert {r.outcome.details["family_size"] for r in out} == {2}
    assert out[0].outcome.p_adjusted == pytest.approx(min(1.0, 2 * cat.p_value))
    assert out[0].status is Status.FAIL and out[0].outcome.details["effect_name"] == "cramers_v"
