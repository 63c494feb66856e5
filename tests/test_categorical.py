"""Categorical drift (issue 9 item 7): chi-square homogeneity, pooling of rare categories,
Cramér's V with a CI and a min-effect gate, new and vanished categories named."""

from __future__ import annotations

import json

import numpy as np
import pytest

from datavigil.core.outcome import Status
from datavigil.stats import categorical


def test_a_carrier_that_cancelled_most_flights_fails_and_is_named():
    ref = {"UA": 58_665, "B6": 54_635, "EV": 54_173, "DL": 48_110, "AA": 32_729, "MQ": 26_397}
    day = {"UA": 160, "B6": 150, "EV": 20, "DL": 130, "AA": 90, "MQ": 72}  # EV cancelled most
    c = categorical.homogeneity(day, ref, min_effect=0.1)
    o = c.outcome("carrier")
    assert o.status is Status.FAIL and c.effect.name == "cramers_v"
    assert c.effect.ci[0] < c.effect.value < c.effect.ci[1] and c.effect.value >= 0.1
    assert o.details["cells"]["EV"] == [20, 54_173] and json.loads(json.dumps(o.details))


def test_the_same_frequencies_pass():
    ref = {"a": 5000, "b": 3000, "c": 2000}
    c = categorical.homogeneity({"a": 500, "b": 300, "c": 200}, ref)
    assert c.outcome("x").status is Status.PASS and c.test.statistic == pytest.approx(0, abs=1e-9)


def test_a_significant_but_small_shift_passes_the_gate():
    ref = {"a": 500_000, "b": 500_000}
    c = categorical.homogeneity({"a": 52_000, "b": 48_000}, ref, min_effect=0.1)
    o = c.outcome("x")
    assert c.p_value < 1e-9 and c.effect.value < 0.1
    assert o.status is Status.PASS and o.details["verdict"] == "trivial shift"


def test_rare_categories_are_pooled_and_new_and_vanished_ones_named():
    ref = {"a": 4000, "b": 3000, "c": 2990, "d": 2000, "old": 8, "tiny": 2}
    cur = {"a": 400, "b": 300, "c": 290, "d": 200, "new": 3, "tiny": 1}
    c = categorical.homogeneity(cur, ref)
    assert c.extra["new_categories"] == ["new"] and c.extra["vanished_categories"] == ["old"]
    assert set(c.extra["pooled"]) == {"new", "old", "tiny"}
    assert c.extra["cells"][categorical.OTHER] == [4, 10] and c.test.df == (4.0,)


def test_pooling_follows_cochran_when_the_pooled_cell_is_still_small():
    cells, pooled = categorical.pool({"a": 50, "b": 50, "r": 1}, {"a": 500, "b": 500, "r": 2})
    assert pooled == ["r", "a"] and set(cells) == {"b", categorical.OTHER}


@pytest.mark.parametrize(
    ("cur", "ref", "words"),
    [({}, {"a": 5}, "current has no counts"), ({"a": 9}, {"a": 90}, "fewer than 2 categories")],
    ids=["empty", "one_category"],
)
def test_nothing_to_compare_is_inconclusive(cur, ref, words):
    c = categorical.homogeneity(cur, ref)
    assert c.problem.status is Status.INCONCLUSIVE and words in c.problem.reason
    assert c.outcome("x").status is Status.INCONCLUSIVE


def test_nulls_are_stated_as_left_out():
    c = categorical.homogeneity({"a": 5, "b": 5}, {"a": 50, "b": 50}, left_out={"null": 7})
    assert c.details()["left_out"]["current"]["null"] == 7


def test_v_equals_the_usual_cramers_v_when_both_samples_have_the_same_size():
    """The raw V is the usual one; the effect counts only X^2 beyond its df (ADR 0124)."""
    rng = np.random.default_rng(4)
    a = dict(zip("wxyz", rng.multinomial(2000, [0.4, 0.3, 0.2, 0.1]).tolist(), strict=True))
    b = dict(zip("wxyz", rng.multinomial(2000, [0.3, 0.3, 0.3, 0.1]).tolist(), strict=True))
    c = categorical.homogeneity(a, b)
    x2 = c.test.statistic
    assert c.extra["cramers_v_raw"] == pytest.approx((x2 / 4000) ** 0.5, rel=1e-12)
    assert c.effect.value == pytest.approx(((x2 - 3) / 4000) ** 0.5, rel=1e-12)


def test_power_of_the_gate_is_in_v_units():
    assert categorical.v_mde(5, 100, 10_000, 0.05, 0.1) > 0.15  # one small day: inconclusive
    assert categorical.v_mde(5, 20_000, 200_000, 0.05, 0.1) < 0.15
