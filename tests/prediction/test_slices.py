"""The slices of LabelQuality, pure (issue 20 item 2, ADR 0132): the per-slice p-value agrees
with the whole's CI of the change, the rows are counted per slice, and the family-wise
false-alarm rate under the null stays near alpha (a small fixed-seed simulation; the grid is
benchmarks/slice_sim.py)."""

from __future__ import annotations

import itertools

import numpy as np

from datavigil.checks.prediction.quality import Counts
from datavigil.checks.prediction.slices import Slice, describe, judge_slices, slices_of
from datavigil.stats import classification as cl
from datavigil.stats.worsening import worse_p


def test_worse_p_is_below_alpha_exactly_when_the_ci_of_the_drop_is_above_zero() -> None:
    for alpha in (0.05, 0.01):
        for (k1, n1), (k2, n2) in itertools.product(
            [(0, 10), (7, 10), (70, 100), (95, 100), (600, 1000), (990, 1000)], repeat=2
        ):
            cur, ref = cl.wilson(k1, n1, 1 - alpha), cl.wilson(k2, n2, 1 - alpha)
            drop_low = -cl.agresti_caffo(cur, ref, 1 - 2 * alpha)[1]  # of the CI of ref - cur
            assert (worse_p(cur, ref, True, False) < alpha) == (drop_low > 0), (k1, n1, k2, n2)
    a, b = cl.Estimate(0.70, (0, 1), 200, se=0.02), cl.Estimate(0.75, (0, 1), 800, se=0.01)
    p = worse_p(a, b, False, False)
    hi = cl.normal_diff(a, b, 0.9)[1]
    assert (p < 0.05) == (-hi > 0) and abs(p - 0.012673659338734) < 1e-9  # 1 - Phi(0.05/0.02236)


def test_rows_are_counted_per_slice_with_null_as_its_own_slice() -> None:
    rows = [("AA", 1, 1), ("AA", 0, 1), ("AA", 0, 0), (None, 1, 0), ("DL", 1, 1)]
    got = slices_of(rows, 1, proportions=True, ranked=False)
    assert got["AA"].counts == Counts(tp=1, fp=1, tn=1, fn=0) and got["AA"].labelled == 3
    assert got["(NULL)"].counts == Counts(0, 0, 0, 1) and got["DL"].counts == Counts(1, 0, 0, 0)


def test_small_slices_are_named_as_skipped_and_not_in_the_family() -> None:
    big, small = Slice(Counts(60, 10, 20, 10), None, 100), Slice(Counts(5, 1, 2, 1), None, 9)
    fam = judge_slices("accuracy", {"AA": big, "XX": small}, {"AA": big, "XX": small}, 0.95,
                       0.05, min_slice=50)  # fmt: skip
    assert [s["slice"] for s in fam.judged] == ["AA"] and fam.small == ["XX"]
    assert "1 skipped, below min_slice 50 (XX)" in describe(fam, "carrier", 0.05, 50)


def test_the_family_wise_false_alarm_rate_under_the_null_is_near_alpha() -> None:
    rng = np.random.default_rng(2026)

    def side(n: int) -> dict[str, Slice]:
        out = {}
        for i in range(6):
            pos = rng.binomial(n, 0.3)
            tp, tn = rng.binomial(pos, 0.75), rng.binomial(n - pos, 0.75)
            out[f"s{i}"] = Slice(Counts(tp, n - pos - tn, tn, pos - tp), None, n)
        return out

    nights = 1000
    alarms = sum(
        bool(judge_slices("accuracy", side(300), side(1200), 0.95, 0.0, 1).failed)
        for _ in range(nights)
    )
    assert 0.03 <= alarms / nights <= 0.07, alarms  # alpha 0.05; SE of the rate about 0.007
