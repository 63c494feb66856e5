"""DayAnova (reference + last K days) and GroupAnova (groups within the partition): pass, fail,
the homogeneity fallback to Welch's ANOVA, and degenerate groups."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import scipy.stats as ss

from datavigil.checks import DayAnova, GroupAnova
from datavigil.core.outcome import Status
from tests import distdata
from tests.checks.test_distribution import DAY, setup
from tests.distdata import FIRST


def test_days_without_a_shift_pass(tmp_path):
    suite, st = setup(tmp_path, [DayAnova("x", days=4)], n=4000)
    r = distdata.run(suite, st, DAY)["anova_days.x"]
    assert r.status is Status.PASS, r.outcome.message
    d = r.outcome.details
    assert d["k"] == 5 and d["test"] == "welch_anova"
    assert list(d["groups"]) == ["reference"] + [
        (DAY - timedelta(days=i)).isoformat() for i in (3, 2, 1, 0)
    ]


def test_a_shifted_day_among_the_last_k_fails(tmp_path):
    suite, st = setup(tmp_path, [DayAnova("x", days=4)], shifted={DAY: {"shift": 2.0}})
    r = distdata.run(suite, st, DAY)["anova_days.x"]
    assert r.status is Status.FAIL, r.outcome.message
    lo, hi = r.outcome.details["effect_ci"]
    assert lo < r.outcome.effect_size < hi and r.outcome.effect_size > 0.05


def test_groups_statistic_equals_scipy_on_the_partition(tmp_path):
    suite, st = setup(tmp_path, [GroupAnova("x", by="grp")])
    r = distdata.run(suite, st, DAY)["anova_groups.x.grp"]
    frame = distdata.pd.read_sql(
        "SELECT * FROM m", distdata.sa.create_engine(suite.source.url), parse_dates=["ts"]
    )
    day = frame[frame.ts.dt.date == DAY]
    groups = [g.x.to_numpy() for _, g in day.groupby("grp")]
    d = r.outcome.details
    ref = ss.f_oneway(*groups, equal_var=d["test"] == "anova_f")
    assert r.outcome.statistic == pytest.approx(ref.statistic, rel=1e-9)
    # groups of about 133 values: a permutation p-value (ADR 0125); scipy's F approximation is
    # the one details keep beside it
    assert d["test"] == "welch_anova_permutation"
    assert d["permutation"]["approximate_p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    # 400 rows in 3 groups cannot catch omega^2 = 1.5 x 0.0099 with 95% power
    assert r.status is Status.INCONCLUSIVE and "too little data" in r.outcome.message


def test_unequal_group_variances_are_information_welch_runs_anyway(tmp_path):
    rng = np.random.default_rng(5)
    x = np.r_[rng.normal(10, 1, 200), rng.normal(10, 6, 200)]
    grp = ["a"] * 200 + ["b"] * 200
    suite, st = setup(tmp_path, [GroupAnova("x", by="grp")], shifted={DAY: {"x": x, "grp": grp}})
    d = distdata.run(suite, st, DAY)["anova_groups.x.grp"].outcome.details
    assert d["test"] == "welch_anova_permutation" and "no pretest" in d["why"]
    assert "bartlett" in str(d["diagnostics"])


def test_group_with_one_row_is_left_out_and_named(tmp_path):
    grp = ["a"] * 200 + ["b"] * 199 + ["lonely"]
    suite, st = setup(tmp_path, [GroupAnova("x", by="grp")], shifted={DAY: {"grp": grp}})
    r = distdata.run(suite, st, DAY)["anova_groups.x.grp"]
    dropped = r.outcome.details["dropped"]
    assert [x["group"] for x in dropped] == ["lonely"] and "lonely" in r.outcome.message
    assert "fewer than 2" in dropped[0]["reason"] and r.outcome.details["k"] == 2


@pytest.mark.parametrize(
    ("override", "text"),
    [
        ({"grp": [f"g{i}" for i in range(400)]}, "fewer than 2 groups to compare"),
        ({"x": [1.0] * 400}, "zero variance"),
        ({"x": [None] * 400}, "fewer than 2 groups to compare"),
    ],
    ids=["all_singletons", "zero_variance", "all_null"],
)
def test_degenerate_groups_are_inconclusive(tmp_path, override, text):
    suite, st = setup(tmp_path, [GroupAnova("x", by="grp")], shifted={DAY: override})
    r = distdata.run(suite, st, DAY)["anova_groups.x.grp"]
    assert r.status is Status.INCONCLUSIVE and text in r.outcome.message, r.outcome.message


def test_day_anova_without_reference_is_skipped(tmp_path):
    suite, st = setup(tmp_path, [DayAnova("x")], capture=False)
    assert distdata.run(suite, st, DAY)["anova_days.x"].status is Status.SKIPPED


def test_kruskal_wallis_runs_when_asked(tmp_path):
    rng = np.random.default_rng(2)
    x = np.r_[rng.exponential(1, 10) ** 3, rng.exponential(1, 10) ** 3]
    suite, st = setup(
        tmp_path,
        [GroupAnova("x", by="grp", test="kruskal")],
        shifted={DAY: {"n": 20, "x": x, "grp": ["a"] * 10 + ["b"] * 10}},
    )
    d = distdata.run(suite, st, DAY)["anova_groups.x.grp"].outcome.details
    assert d["test"] == "kruskal_wallis" and d["effect_name"] == "epsilon_sq"


def test_null_group_keys_are_a_group_and_counted(tmp_path):
    """Issue 9 item 4: rows with a NULL group key are their own group, never silently lost."""
    grp = ["a"] * 150 + ["b"] * 150 + [None] * 100
    suite, st = setup(tmp_path, [GroupAnova("x", by="grp")], shifted={DAY: {"grp": grp}})
    d = distdata.run(suite, st, DAY)["anova_groups.x.grp"].outcome.details
    assert "(NULL)" in d["groups"] and d["groups"]["(NULL)"]["n"] == 100


def test_days_config_is_checked():
    assert DayAnova("x", days=0).problems(None)
    assert not DayAnova("x", days=7).problems(frozenset({"x"}))
    assert FIRST < DAY
