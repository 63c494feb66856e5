"""MeanShift: passes, fails, the min_effect boundary, the test chosen, and every bad input of
issue 3 (missing/inactive reference, schema change, zero variance, all-NULL, one value, inf)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from datavigil.checks import MeanShift
from datavigil.core.outcome import Status
from datavigil.runner import snapshot
from tests import distdata
from tests.distdata import FIRST

REF_LAST = FIRST + timedelta(days=4)
DAY = FIRST + timedelta(days=7)


def setup(tmp_path, checks, shifted=None, capture=True, n=400, **kw):
    url = distdata.warehouse(tmp_path, n=n, shifted=shifted)
    suite = distdata.suite(url, checks, **kw)
    st = distdata.store(f"sqlite:///{tmp_path / 'results.db'}")
    if capture:
        snapshot.capture(suite, FIRST, REF_LAST, st)
    return suite, st


def test_same_distribution_passes(tmp_path):
    suite, st = setup(tmp_path, [MeanShift("x"), MeanShift("y")])
    res = distdata.run(suite, st, DAY)
    for r in res.values():
        assert r.status is Status.PASS, r.outcome.message
        d = r.outcome.details
        assert d["test"] == "welch_t" and d["reference_snapshot_id"] == 1
        assert d["correction"] == "holm" and d["family_size"] == 2
        assert r.outcome.p_adjusted >= r.outcome.p_value
        assert d["mde"] < 1.5 * 0.2


def test_half_sd_shift_fails_with_effect_and_ci(tmp_path):
    suite, st = setup(tmp_path, [MeanShift("x")], shifted={DAY: {"shift": 1.0}})
    r = distdata.run(suite, st, DAY)["distribution.x"]
    o = r.outcome
    assert r.status is Status.FAIL, o.message
    assert 0.35 < o.effect_size < 0.65 and o.details["effect_ci"][0] > 0.2
    assert o.p_adjusted < 1e-6 and "shift" in o.message and "hedges_g" in o.message


@pytest.mark.parametrize(
    ("margin", "status"),
    [(-0.01, Status.FAIL), (0.01, Status.PASS)],
    ids=["effect_just_above_min", "effect_just_below_min"],
)
def test_min_effect_boundary(tmp_path, margin, status):
    suite, st = setup(tmp_path, [MeanShift("x")], shifted={DAY: {"shift": 1.0}})
    g = distdata.run(suite, st, DAY)["distribution.x"].outcome.effect_size
    gated = distdata.suite(suite.source.url, [MeanShift("x", min_effect=g + margin)])
    r = distdata.run(gated, st, DAY)["distribution.x"]
    assert r.status is status, r.outcome.message


def test_large_sample_trivial_shift_passes_with_reason(tmp_path):
    shifted = {d: {"n": 20_000} for d in (FIRST + timedelta(days=i) for i in range(8))}
    shifted[DAY] = {"n": 20_000, "shift": 0.2}  # 0.1 sd: significant at this n, not large
    suite, st = setup(tmp_path, [MeanShift("x")], shifted=shifted)
    r = distdata.run(suite, st, DAY)["distribution.x"]
    assert r.outcome.p_adjusted < 0.05 and r.status is Status.PASS
    assert r.outcome.details["verdict"] == "trivial shift"


def test_small_partition_is_inconclusive_not_pass(tmp_path):
    suite, st = setup(tmp_path, [MeanShift("x")], shifted={DAY: {"n": 40}})
    r = distdata.run(suite, st, DAY)["distribution.x"]
    assert r.status is Status.INCONCLUSIVE, r.outcome.message
    assert "too little data" in r.outcome.message and r.outcome.details["mde"] > 0.3


def test_welch_runs_by_default_and_no_pretest_switches_the_test(tmp_path):
    """Issue 9 item 3: Welch's t is the default; unequal variances are recorded as information
    (diagnostics), they never choose the test."""
    wide = {DAY: {"x": np.random.default_rng(3).normal(10, 6.0, 400)}}
    suite, st = setup(tmp_path, [MeanShift("x")], shifted=wide)
    d = distdata.run(suite, st, DAY)["distribution.x"].outcome.details
    assert d["test"] == "welch_t" and "no pretest" in d["why"]
    assert "bartlett" in str(d["diagnostics"])


def test_student_runs_only_when_asked_and_then_as_asked(tmp_path):
    wide = {DAY: {"x": np.random.default_rng(3).normal(10, 6.0, 400)}}
    suite, st = setup(tmp_path, [MeanShift("x", test="student")], shifted=wide)
    d = distdata.run(suite, st, DAY)["distribution.x"].outcome.details
    assert d["test"] == "student_t" and "asked" in d["why"]


def test_a_rank_test_runs_when_asked_with_its_own_effect_size(tmp_path):
    skewed = np.r_[np.full(18, 10.0), [40.0, 80.0]] + np.arange(20) * 0.01
    suite, st = setup(
        tmp_path, [MeanShift("x", test="mann_whitney")], shifted={DAY: {"n": 20, "x": skewed}}
    )
    r = distdata.run(suite, st, DAY)["distribution.x"]
    d = r.outcome.details
    assert d["test"] == "mann_whitney_u", r.outcome.message
    assert d["effect_name"] != "hedges_g"  # the effect of the test that ran


def test_the_default_never_switches_to_a_rank_test(tmp_path):
    """A small skewed partition keeps Welch's statistic and Hedges' g; only its p-value comes
    from permutations (ADR 0125), never a rank test chosen from the data."""
    skewed = np.r_[np.full(18, 10.0), [40.0, 80.0]] + np.arange(20) * 0.01
    suite, st = setup(tmp_path, [MeanShift("x")], shifted={DAY: {"n": 20, "x": skewed}})
    d = distdata.run(suite, st, DAY)["distribution.x"].outcome.details
    assert d["test"] == "welch_t_permutation" and d["effect_name"] == "hedges_g"


def _all(value, n=400):
    return {DAY: {"x": [value] * n}}


@pytest.mark.parametrize(
    ("shifted", "status", "text"),
    [
        (_all(None), Status.INCONCLUSIVE, "all values are NULL/NaN/inf"),
        ({DAY: {"n": 3, "x": [1.0, None, None]}}, Status.INCONCLUSIVE, "only one finite value"),
        ({DAY: {"x": [10.0] * 399 + [float("inf")]}}, Status.INCONCLUSIVE, "inf value(s)"),
        ({DAY: {"x": ["a"] * 400}}, Status.ERROR, "reference differs|not numeric|schema"),
    ],
    ids=["all_null", "one_value", "infinity", "text_column"],
)
def test_bad_current_data_never_passes(tmp_path, shifted, status, text):
    suite, st = setup(tmp_path, [MeanShift("x", min_effect=5.0)], shifted=shifted)
    r = distdata.run(suite, st, DAY)["distribution.x"]
    assert r.status is status, r.outcome.message
    assert any(t in r.outcome.message for t in text.split("|")), r.outcome.message


def test_zero_variance_reference_is_an_error(tmp_path):
    suite, st = setup(tmp_path, [MeanShift("const")])
    r = distdata.run(suite, st, DAY)["distribution.const"]
    assert r.status is Status.ERROR and "zero variance" in r.outcome.message


def test_no_snapshot_yet_is_skipped_with_the_command_to_run(tmp_path):
    suite, st = setup(tmp_path, [MeanShift("x")], capture=False)
    r = distdata.run(suite, st, DAY)["distribution.x"]
    assert r.status is Status.SKIPPED and "snapshot capture m" in r.outcome.message


def test_inactive_or_missing_pinned_reference_is_an_error(tmp_path):
    suite, st = setup(tmp_path, [MeanShift("x"), MeanShift("y", reference=7)])
    with st.engine.begin() as conn:
        conn.execute(sa.text("UPDATE reference_snapshots SET active = false"))
    res = distdata.run(suite, st, DAY)
    assert res["distribution.x"].status is Status.ERROR
    assert "no active reference snapshot" in res["distribution.x"].outcome.message
    assert "no reference snapshot with id 7" in res["distribution.y"].outcome.message


def test_schema_change_since_the_snapshot_is_an_error(tmp_path):
    suite, st = setup(tmp_path, [MeanShift("x")])
    with sa.create_engine(suite.source.url).begin() as conn:
        conn.execute(sa.text("ALTER TABLE m ADD COLUMN extra FLOAT"))
    r = distdata.run(suite, st, DAY)["distribution.x"]
    assert r.status is Status.ERROR and "added: extra" in r.outcome.message


def test_bh_correction_is_recorded(tmp_path):
    suite, st = setup(tmp_path, [MeanShift("x"), MeanShift("y")], correction="bh")
    res = distdata.run(suite, st, DAY)
    assert {r.outcome.details["correction"] for r in res.values()} == {"bh"}


@pytest.mark.parametrize("bad", [{"test": "z"}, {"column": "nope"}], ids=["test", "column"])
def test_config_problems(bad):
    args = {"column": "x"} | bad
    problems = MeanShift(**args).problems(frozenset({"x"}))
    assert problems and all(isinstance(p, str) for p in problems)
