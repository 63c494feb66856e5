"""The statements a Spark source is sent for its scalar metrics and moments (issue 21 item 1,
docs/adr/0153): the shifts first, a one-row ``LIMIT 1`` statement, then the scalars and the
moments in one data scan (before: 3 scans, the scalars and the moments' two passes). A column
whose centred sums the shifted sums give badly (a symmetric one: its third moment 0) still takes
the corrected second pass (ADR 0140), and its moments are numpy's. Through the Thrift server and
through Spark Connect, counted with SQLAlchemy's ``before_cursor_execute``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from datavigil import SparkSource, SqlSource
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan
from tests.backends import data
from tests.engine.test_scan_counts import counted

SHIFT_PROBE = re.compile(r"LIMIT \S+\s*\) AS `?k\d+")  # the shifts' one-row statement
SKEWED = [float(k * k) for k in range(40)]  # third moment far from 0: the one pass suffices
SYMMETRIC = [float(k) for k in range(1, 42)]  # third moment exactly 0: the second pass


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table({"x": SKEWED + [None], "y": SYMMETRIC})
    pq.write_table(table, folder / "part-0.parquet")
    return folder


@pytest.fixture(params=["thrift", "connect"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """(dialect name, source) over the same Parquet file."""
    folder = write(tmp_path / "t")
    if request.param == "connect":
        yield (
            "spark",
            SparkSource(path=str(folder), url=request.getfixturevalue("spark_connect_url")),
        )
        return
    url, name = request.getfixturevalue("spark_url"), f"dv_scans_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {name} USING parquet LOCATION '{folder}'")
    engine.dispose()
    try:
        yield "hive", SqlSource(table=name, url=url)
    finally:
        data.drop_spark_table(url, name)


def reads(statements: list[str]) -> list[str]:
    """The statements that read the rows: not DESCRIBE, SET or the session's `SELECT 1`."""
    return [s for s in statements if re.search(r"\bFROM\b", s) and not s.startswith("DESCRIBE")]


def moments(values: Any, column: str) -> Any:
    got = values.get(m.Moments(column))
    (stats,) = got.values() if isinstance(got, dict) else [got]
    return stats.moments


def compute(source: Any, dialect: str, metrics: list[Any]) -> tuple[Any, list[str]]:
    with counted(dialect) as seen, open_scan("s", source, None, None) as scan:
        values = scan.compute(metrics)
    return values, reads(seen)


def test_scalars_and_moments_are_one_scan(source: tuple[str, Any]) -> None:
    dialect, src = source
    metrics = [m.NullCount("x"), m.RowCount(), m.Max("x"), m.Moments("x")]
    values, seen = compute(src, dialect, metrics)
    probes = [s for s in seen if SHIFT_PROBE.search(s)]
    scans = [s for s in seen if not SHIFT_PROBE.search(s)]
    assert len(scans) == 1, seen  # before (ef99c87): 3, the scalars and two moments passes
    assert len(probes) == 1, seen  # the shift: one row, read first
    assert "LIMIT" not in scans[0], scans  # the shift a value, no probe inside the statement
    assert values.get(m.NullCount("x")) == 1 and values.get(m.RowCount()) == 41
    stats, x = moments(values, "x"), np.array(SKEWED)
    assert stats.n == x.size
    assert stats.mean == pytest.approx(x.mean(), rel=1e-12)
    assert stats.m2 == pytest.approx(((x - x.mean()) ** 2).sum(), rel=1e-12)


def test_an_ill_conditioned_column_takes_the_second_pass(source: tuple[str, Any]) -> None:
    dialect, src = source
    values, seen = compute(src, dialect, [m.Moments("x"), m.Moments("y")])
    scans = [s for s in seen if not SHIFT_PROBE.search(s)]
    assert len(scans) == 2, seen  # the one pass, then y's corrected second pass (ADR 0140)
    y = np.array(SYMMETRIC)
    stats = moments(values, "y")
    assert stats.mean == pytest.approx(y.mean(), rel=1e-12)
    assert stats.m2 == pytest.approx(((y - y.mean()) ** 2).sum(), rel=1e-12)
    assert stats.m3 == pytest.approx(0.0, abs=1e-9)
    assert stats.m4 == pytest.approx(((y - y.mean()) ** 4).sum(), rel=1e-12)
