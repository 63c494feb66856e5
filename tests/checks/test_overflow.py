"""Issue 9 item 1: values so large that the variance overflows never make a distribution test
pass; the moments themselves are computed without overflow where double precision allows."""

from __future__ import annotations

import numpy as np
import pytest

from datavigil.checks import MeanShift
from datavigil.core.outcome import Status
from datavigil.runner import snapshot
from tests import distdata
from tests.checks.test_distribution import DAY, FIRST, REF_LAST


@pytest.mark.parametrize(
    "values",
    [
        np.r_[np.random.default_rng(1).normal(3.0, 1.0, 399), 1e200],
        np.r_[np.random.default_rng(2).normal(3.0, 1.0, 399), np.finfo(np.float64).max],
        np.random.default_rng(3).normal(1e160, 1e159, 400),
    ],
    ids=["one-1e200", "one-DBL_MAX", "all-near-1e160"],
)
def test_overflowing_current_values_are_an_error_never_a_pass(tmp_path, values) -> None:
    url = distdata.warehouse(tmp_path, n=400, shifted={DAY: {"x": values}})
    suite = distdata.suite(url, [MeanShift("x")])
    st = distdata.store(f"sqlite:///{tmp_path / 'results.db'}")
    snapshot.capture(suite, FIRST, REF_LAST, st)
    r = distdata.run(suite, st, DAY)["distribution.x"]
    assert r.status in (Status.FAIL, Status.ERROR), r.outcome.message
    assert r.status is not Status.PASS


@pytest.mark.parametrize(
    ("values", "named"),
    [
        (np.r_[np.random.default_rng(1).normal(3.0, 1.0, 398), 1e200, -1e200], "1e+200"),
        (np.r_[np.random.default_rng(1).normal(3.0, 1.0, 300), np.full(100, 1e200)], "1e+200"),
        (np.random.default_rng(3).normal(0.0, 1e300, 400), "e+30"),
    ],
    ids=["two-1e200", "a-quarter-1e200", "spread-1e300"],
)
def test_values_beyond_the_reference_by_300_orders_are_a_named_error(tmp_path, values, named):
    """Issue 17 item 12: the variances of the partition and of the reference cannot be put in
    one unit (the reference's underflows to 0): an error naming the column and the values, never
    an internal "math domain error"."""
    url = distdata.warehouse(tmp_path, n=400, shifted={DAY: {"x": values}})
    suite = distdata.suite(url, [MeanShift("x")])
    st = distdata.store(f"sqlite:///{tmp_path / 'results.db'}")
    snapshot.capture(suite, FIRST, REF_LAST, st)
    r = distdata.run(suite, st, DAY)["distribution.x"]
    message = r.outcome.message
    assert r.status is Status.ERROR and message.startswith("x: "), message
    assert named in message and "raised" not in message and "double precision" in message
