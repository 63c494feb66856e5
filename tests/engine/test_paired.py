"""The paired metrics (issue 20 item 4, ADR 0134) give the same counts on SQLite, PostgreSQL
and DuckDB: keys grouped by version with their flags, NULL keys left out, duplicates capped at
2, and the bounded paired sample in key order with only the keys that have one row of each."""

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

# key, version, score, predicted
ROWS = [
    (1, "a", 0.9, 1), (1, "b", 0.8, 1),  # both positive
    (2, "a", 0.2, 0), (2, "b", 0.7, 1),  # disagree
    (3, "a", 0.6, 1),  # champion only
    (4, "b", 0.1, 0),  # challenger only
    (5, "a", 0.3, 0), (5, "a", 0.4, 0), (5, "a", 0.5, 1), (5, "b", 0.3, 0),  # key repeated
    (None, "a", 0.5, 1), (None, "b", 0.5, 1),  # NULL key: left out
    (6, "c", 0.5, 1),  # another version: left out
    (7, "a", 0.35, 0), (7, "b", None, 0),  # NULL challenger score
]  # fmt: skip
COLS = ("k", "v", "s", "p")


def _sql(url: str) -> SqlSource:
    engine = sa.create_engine(url)
    table = sa.Table(
        "t", sa.MetaData(), sa.Column("k", sa.Integer), sa.Column("v", sa.String),
        sa.Column("s", sa.Float(53)), sa.Column("p", sa.Integer),
    )  # fmt: skip
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), [dict(zip(COLS, r, strict=True)) for r in ROWS])
    engine.dispose()
    return SqlSource(table="t", url=url)


@pytest.fixture(params=["sqlite", "postgresql", "duckdb"])
def src(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    import pyarrow as pa

    if request.param == "sqlite":
        return _sql(f"sqlite:///{tmp_path / 't.db'}")
    if request.param == "postgresql":
        return _sql(request.getfixturevalue("pg_url"))
    columns = list(zip(*ROWS, strict=True))
    return FrameSource(pa.table({c: pa.array(v) for c, v in zip(COLS, columns, strict=True)}))


def test_paired_keys_counts_each_combination(src: Any) -> None:
    pos = m.Cmp("p", "==", 1)
    keys = m.PairedKeys("k", "v", "a", "b", (pos,))
    got = compute(src, None, [keys]).get(keys)
    assert got == {
        (1, 1, 1, 1): 1,  # key 1
        (1, 1, 0, 1): 1,  # key 2
        (1, 0, 1, 0): 1,  # key 3
        (0, 1, 0, 0): 1,  # key 4
        (2, 1, 1, 0): 1,  # key 5: three champion rows, capped at 2; one of them positive
        (1, 1, 0, 0): 1,  # key 7
    }


def test_paired_sample_keeps_keys_with_one_row_of_each(src: Any) -> None:
    pos = m.Cmp("p", "==", 1)
    full = m.PairedSample("k", "v", "a", "b", "s", 10, (pos,), where=m.Not(m.IsNull("s")))
    capped = m.PairedSample("k", "v", "a", "b", "s", 1, (pos,), where=m.Not(m.IsNull("s")))
    values = compute(src, None, [full, capped])
    # key 7's challenger row has no score: the where leaves key 7 with no challenger row
    assert values.get(full) == [(0.9, 0.8, 1, 1), (0.2, 0.7, 0, 1)]
    assert values.get(capped) == [(0.9, 0.8, 1, 1)]
