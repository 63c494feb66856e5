"""Moments on Spark over several parallel tasks equal numpy's (docs/adr/0140, 0153).

The one pass shifts every value by the column's first value. As a ``LIMIT 1`` probe inside the
statement, Spark's parallel plan gave rows different "first" values, so the shifted sums did not
share one shift: over 4 files of 50,000 lognormal values the mean came out 12.607 instead of
12.801 (and the benchmark's Welch t 18.5 instead of 14.0), and Spark kept the two passes. Since
ADR 0153 the shift is read first, by a one-row statement of its own, and sent into the one pass
as a value (``Caps.shifts_first``): every task shifts by the same value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datavigil import SparkSource
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan


def test_moments_over_four_files_equal_numpy(spark_connect_url: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    parts = [rng.lognormal(i, 1.0, 50_000) for i in range(4)]  # one task a file, unlike means
    for i, x in enumerate(parts):
        pq.write_table(pa.table({"x": x}), tmp_path / f"part-{i}.parquet")
    every = np.concatenate(parts)
    with open_scan("s", SparkSource(path=str(tmp_path), url=spark_connect_url), None, None) as s:
        got = s.compute([m.Moments("x")]).get(m.Moments("x"))
    (stats,) = got.values() if isinstance(got, dict) else [got]
    centred = every - every.mean()
    assert stats.moments.n == every.size
    assert stats.moments.mean == pytest.approx(every.mean(), rel=1e-9)
    assert stats.moments.m2 == pytest.approx((centred**2).sum(), rel=1e-9)
    assert stats.moments.m3 == pytest.approx((centred**3).sum(), rel=1e-9)
