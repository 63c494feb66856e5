"""CategoryShift (issue 9 item 7): the partition's category frequencies against the reference
snapshot's, end to end on a SQLite table; in the run's multiplicity family with MeanShift."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from datavigil.checks import CategoryShift, MeanShift
from datavigil.core.outcome import Status
from datavigil.runner import snapshot
from tests import distdata
from tests.distdata import FIRST

REF_LAST = FIRST + timedelta(days=4)
DAY = FIRST + timedelta(days=7)
N = 400


def setup(tmp_path, checks, shifted=None, capture=True, **kw):
    url = distdata.warehouse(tmp_path, n=N, shifted=shifted)
    suite = distdata.suite(url, checks, **kw)
    st = distdata.store(f"sqlite:///{tmp_path / 'results.db'}")
    if capture:
        snapshot.capture(suite, FIRST, REF_LAST, st)
    return suite, st


def _grp(mostly: list[str], p: list[float], seed: int = 5) -> dict:
    return {DAY: {"grp": np.random.default_rng(seed).choice(mostly, N, p=p)}}


def test_same_distribution_passes(tmp_path):
    suite, st = setup(tmp_path, [CategoryShift("grp")])
    r = distdata.run(suite, st, DAY)["categories.grp"]
    d = r.outcome.details
    assert r.status is Status.PASS, r.outcome.message
    assert r.check_type == "distribution.chi2" and d["test"] == "chi_square"
    assert d["df"] == [2.0] and d["effect_name"] == "cramers_v" and d["min_effect"] == 0.1
    assert d["new_categories"] == [] and d["vanished_categories"] == []
    assert d["reference_snapshot_id"] == 1 and r.outcome.rows_checked == N


def test_one_category_collapsing_fails_with_cramers_v(tmp_path):
    suite, st = setup(
        tmp_path, [CategoryShift("grp")], shifted=_grp(["a", "b", "c"], [0.48, 0.48, 0.04])
    )
    r = distdata.run(suite, st, DAY)["categories.grp"]
    o = r.outcome
    assert r.status is Status.FAIL, o.message
    assert o.p_adjusted < 1e-6 and o.effect_size > 0.2 and o.details["effect_ci"][0] > 0.1
    assert "cramers_v" in o.message and "shift" in o.message


def test_check_min_effect_overrides_the_default_gate(tmp_path):
    shifted = _grp(["a", "b", "c"], [0.48, 0.48, 0.04])
    suite, st = setup(tmp_path, [CategoryShift("grp", min_effect=0.9)], shifted=shifted)
    r = distdata.run(suite, st, DAY)["categories.grp"]
    assert r.status is Status.PASS and r.outcome.details["verdict"] == "trivial shift"


def test_suite_category_min_effect_is_the_default(tmp_path):
    shifted = _grp(["a", "b", "c"], [0.48, 0.48, 0.04])
    suite, st = setup(tmp_path, [CategoryShift("grp")], shifted=shifted, category_min_effect=0.9)
    r = distdata.run(suite, st, DAY)["categories.grp"]
    assert r.outcome.details["min_effect"] == 0.9 and r.status is Status.PASS


def test_new_and_vanished_categories_are_named(tmp_path):
    suite, st = setup(
        tmp_path, [CategoryShift("grp")], shifted=_grp(["a", "b", "z"], [0.4, 0.4, 0.2])
    )
    r = distdata.run(suite, st, DAY)["categories.grp"]
    d = r.outcome.details
    assert d["new_categories"] == ["z"] and d["vanished_categories"] == ["c"]
    assert "new: z" in r.outcome.message and "vanished: c" in r.outcome.message
    assert r.status is Status.FAIL


def test_nulls_are_left_out_and_counted(tmp_path):
    values = np.random.default_rng(3).choice(["a", "b", "c", None], N, p=[0.3, 0.3, 0.3, 0.1])
    suite, st = setup(tmp_path, [CategoryShift("grp")], shifted={DAY: {"grp": values}})
    r = distdata.run(suite, st, DAY)["categories.grp"]
    nulls = int(sum(v is None for v in values))
    assert nulls > 0 and r.outcome.details["left_out_total"]["null"] == nulls
    assert r.outcome.details["groups"]["current"]["n"] == N - nulls


def test_top_categories_and_the_rest_bucket(tmp_path):
    suite, st = setup(tmp_path, [CategoryShift("grp", top=1)])
    r = distdata.run(suite, st, DAY)["categories.grp"]
    d = r.outcome.details
    # both sides count every value; the one category compared, the other two one bucket
    assert len(d["cells"]) == 2 and "(other)" in d["cells"] and d["new_categories"] == []
    assert d["tail"]["categories"] == 2 and d["not_in_current_top"] == []


@pytest.mark.parametrize(
    ("column", "text"),
    [("x", "is numeric, not categorical"), ("nope", "column 'nope' is not in the partition")],
    ids=["numeric_reference", "missing_column"],
)
def test_unusable_reference_column_is_an_error(tmp_path, column, text):
    suite, st = setup(tmp_path, [CategoryShift(column)])
    r = distdata.run(suite, st, DAY)[f"categories.{column}"]
    assert r.status is Status.ERROR and text in r.outcome.message


def test_no_snapshot_yet_is_skipped(tmp_path):
    suite, st = setup(tmp_path, [CategoryShift("grp")], capture=False)
    r = distdata.run(suite, st, DAY)["categories.grp"]
    assert r.status is Status.SKIPPED and "snapshot capture m" in r.outcome.message


def test_joins_the_family_with_the_numeric_tests(tmp_path):
    suite, st = setup(tmp_path, [MeanShift("x"), MeanShift("y"), CategoryShift("grp")])
    res = distdata.run(suite, st, DAY)
    chi = res["categories.grp"].outcome
    assert {r.outcome.details["family_size"] for r in res.values()} == {3}
    assert chi.p_adjusted >= min(1.0, chi.p_value) and chi.p_adjusted > chi.p_value


@pytest.mark.parametrize("bad", [{"top": 0}, {"min_effect": 0}, {"column": "nope"}])
def test_config_problems(bad):
    args = {"column": "grp"} | bad
    assert CategoryShift(**args).problems(frozenset({"grp"}))


def test_reference_without_the_column_or_its_frequencies_is_named():
    from types import SimpleNamespace

    from datavigil.checks.categorical_shift import reference_counts

    ref = SimpleNamespace(label="snapshot 3", columns={"g": {"kind": "categorical"}})
    assert reference_counts(ref, "h") == (None, "snapshot 3 has no column 'h'")
    assert "no stored frequencies" in reference_counts(ref, "g")[1]
