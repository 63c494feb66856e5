"""CategoryShift on a column with more categories than ``top`` (issue 17 item 5): the tail is
pooled the same way on both sides, the snapshot keeps what the suite's checks need, and Cramér's
V lies inside its own interval."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datavigil.checks import CategoryShift
from datavigil.core.outcome import Status
from datavigil.runner import snapshot
from datavigil.stats import categorical
from tests import distdata
from tests.distdata import FIRST

CATS = [f"c{i:04d}" for i in range(2000)]
N = 16_000  # 8 values per category per day
REF_LAST = FIRST + timedelta(days=2)
DAY = FIRST + timedelta(days=4)


def _suite(tmp_path, check, shifted_p=None):
    rng = np.random.default_rng(17)
    days = {}
    for i in range(5):
        day = FIRST + timedelta(days=i)
        p = shifted_p if (shifted_p is not None and day == DAY) else None
        days[day] = {"n": N, "grp": rng.choice(CATS, N, p=p)}
    url = distdata.warehouse(tmp_path, days=5, shifted=days)
    suite = distdata.suite(url, [check])
    store = distdata.store(f"sqlite:///{tmp_path / 'results.db'}")
    return suite, store


def test_two_thousand_categories_on_unchanged_data_pass(tmp_path):
    suite, store = _suite(tmp_path, CategoryShift("grp"))
    snapshot.capture(suite, FIRST, REF_LAST, store)
    r = distdata.run(suite, store, DAY)["categories.grp"]
    o = r.outcome
    lo, hi = o.details["effect_ci"]
    assert r.status is Status.PASS, o.message
    assert lo <= o.effect_size <= hi and o.effect_size < 0.05


def test_a_real_shift_among_two_thousand_categories_still_fails(tmp_path):
    p = np.full(2000, 1.0)
    p[:200] = 3.0  # the first tenth of the categories three times as frequent
    suite, store = _suite(tmp_path, CategoryShift("grp"), shifted_p=p / p.sum())
    snapshot.capture(suite, FIRST, REF_LAST, store)
    r = distdata.run(suite, store, DAY)["categories.grp"]
    assert r.status is Status.FAIL, r.outcome.message
    lo, hi = r.outcome.details["effect_ci"]
    assert lo <= r.outcome.effect_size <= hi


def test_snapshot_keeps_as_many_categories_as_a_check_asks_for(tmp_path):
    suite, store = _suite(tmp_path, CategoryShift("grp", top=2000))
    ref = snapshot.capture(suite, FIRST, REF_LAST, store)
    col = ref.columns["grp"]
    assert len(col["frequencies"]) == 2000 and not col["other"]


@settings(max_examples=200, deadline=None)
@given(
    cur=st.lists(st.integers(0, 60), min_size=2, max_size=30),
    ref=st.lists(st.integers(0, 600), min_size=2, max_size=30),
)
def test_cramers_v_lies_inside_its_interval(cur, ref):
    a = {f"k{i}": v for i, v in enumerate(cur) if v}
    b = {f"k{i}": v for i, v in enumerate(ref) if v}
    c = categorical.homogeneity(a, b)
    if c.effect is None:
        return
    lo, hi = c.effect.ci
    assert lo <= c.effect.value <= hi, (c.effect, c.test)


def test_sparse_table_v_is_inside_its_interval():
    """Many cells, few values: X^2 near its df; V must not sit above an interval of [0, 0]."""
    rng = np.random.default_rng(3)
    a = dict(zip(CATS[:300], rng.multinomial(3000, [1 / 300] * 300).tolist(), strict=True))
    b = dict(zip(CATS[:300], rng.multinomial(30_000, [1 / 300] * 300).tolist(), strict=True))
    c = categorical.homogeneity(a, b)
    lo, hi = c.effect.ci
    assert lo <= c.effect.value <= hi and c.outcome("x").status is Status.PASS


@pytest.mark.parametrize("top", [5, 50], ids=["top5", "top50"])
def test_tail_is_the_same_set_on_both_sides(top):
    """Kept lists that differ (each side's own top): only categories counted on both sides are
    compared; everything else is one bucket, counted on both sides."""
    cur = {"a": 50, "b": 40, "x": 30}  # its top 3 of 200 values
    ref = {"a": 500, "b": 400, "y": 300}  # its top 3 of 2000 values
    c = categorical.homogeneity(cur, ref, rest=(80, 800), top=top)
    cells = c.extra["cells"]
    assert set(cells) == {"a", "b", categorical.OTHER}
    assert cells[categorical.OTHER] == [110, 1100] and c.test.statistic == pytest.approx(0)
    assert c.extra["tail"] == {"categories": 2, "current": 110, "reference": 1100}


def test_snapshot_keeps_the_largest_top_of_the_suite_and_at_least_ten_thousand(tmp_path):
    from datavigil.checks import MeanShift
    from datavigil.runner.snapshot import kept_categories

    url = f"sqlite:///{tmp_path / 'w.db'}"
    assert kept_categories(distdata.suite(url, [MeanShift("x")])) == 10_000
    checks = [CategoryShift("grp", top=20_000), CategoryShift("grp", top=5, name="g5")]
    assert kept_categories(distdata.suite(url, checks)) == 20_000
    assert CategoryShift("grp", top=20_000).metrics({})[0].top == 20_000
