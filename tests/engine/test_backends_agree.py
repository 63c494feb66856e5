"""The metrics that are not scalar aggregates (duplicates, repeated keys, frequencies, grouped
moments, samples) give the same numbers on SQLite, PostgreSQL and DuckDB, NULL keys included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import SqlSource
from datavigil.engine import metrics as m
from datavigil.engine.sources import FrameSource
from tests.engine.common import compute

K = [1, 1, 2, 3, 3, 3, None, None, 4, 5]
G = ["a", "a", "b", "b", None, "c", "c", None, "a", "b"]
X = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]


def _sql(url: str) -> SqlSource:
    engine = sa.create_engine(url)
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("k", sa.Integer),
        sa.Column("g", sa.String),
        sa.Column("x", sa.Float(53)),
    )
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(
            table.insert(), [{"k": k, "g": g, "x": x} for k, g, x in zip(K, G, X, strict=True)]
        )
    engine.dispose()
    return SqlSource(table="t", url=url)


@pytest.fixture(params=["sqlite", "postgresql", "duckdb"])
def src(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    import pyarrow as pa

    if request.param == "sqlite":
        return _sql(f"sqlite:///{tmp_path / 't.db'}")
    if request.param == "postgresql":
        return _sql(request.getfixturevalue("pg_url"))
    return FrameSource(pa.table({"k": pa.array(K), "g": pa.array(G), "x": pa.array(X)}))


def test_duplicates_and_repeated_keys(src: Any) -> None:
    dup, rep = m.DuplicateKeys(("k",)), m.RepeatedKeys(("k",), 10)
    pair = m.DuplicateKeys(("k", "g"))
    values = compute(src, None, [dup, rep, pair])
    d = values.get(dup)
    # keys 1, 2, 3, NULL, 4, 5: 6 distinct; 1, 3 and NULL repeat, on 2 + 3 + 2 rows
    assert (d.distinct_keys, d.repeated_keys, d.rows_repeated) == (6, 3, 7)
    assert sorted(values.get(rep), key=str) == sorted([(1,), (3,), (None,)], key=str)
    p = values.get(pair)
    assert (p.distinct_keys, p.repeated_keys, p.rows_repeated) == (9, 1, 2)  # (1, a) twice


def test_frequencies(src: Any) -> None:
    freq = m.Frequencies("g", top=2)
    f = compute(src, None, [freq]).get(freq)
    assert f.counts == {"a": 3, "b": 3} and f.total == 8 and f.other == 2


def test_moments_by_group_with_a_null_group(src: Any) -> None:
    import numpy as np

    mo = m.Moments("x", by="g")
    groups = compute(src, None, [mo]).get(mo)
    assert set(groups) == {"a", "b", "c", None}
    for key in groups:
        xs = np.array([x for x, g in zip(X, G, strict=True) if g == key])
        got = groups[key].moments
        assert got.n == xs.size and got.mean == pytest.approx(xs.mean())
        assert got.m2 == pytest.approx(((xs - xs.mean()) ** 2).sum())
        assert groups[key].rows == xs.size


def test_samples_are_bounded_filtered_and_distinct(src: Any) -> None:
    some = m.Sample(("x",), 3, where=m.Cmp("x", ">", 4.0))
    keys = m.Sample(("k",), 100, where=m.Not(m.IsNull("k")), distinct=True)
    shuffled = m.Sample(("x",), 4, random=True)
    values = compute(src, None, [some, keys, shuffled])
    rows = values.get(some)
    assert len(rows) == 3 and all(r[0] > 4.0 for r in rows)
    assert sorted(values.get(keys)) == [(1,), (2,), (3,), (4,), (5,)]
    assert len(values.get(shuffled)) == 4 and {r[0] for r in values.get(shuffled)} <= set(X)
