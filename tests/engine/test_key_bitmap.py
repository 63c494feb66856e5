"""Duplicate keys of one integer column on DuckDB counted by a bitmap of the key's range, not a
GROUP BY of every key (docs/adr/0157): the same Duplicates as the GROUP BY, whatever the keys
(NULLs, a repeat inside the range, more keys than the range holds, a range too wide, a type a
BIGINT does not hold), and no GROUP BY in a passing run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datavigil import FileSource, Suite
from datavigil.checks import NullRate, Range, Unique
from datavigil.engine import key_bitmap
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan
from datavigil.engine.values import Duplicates
from tests.engine.common import outcomes, validate
from tests.helpers import statements_to

KEYS = {
    "distinct": ([5, 1, 9, 3], pa.int64()),
    "nulls": ([5, None, 9, None, 3], pa.int64()),
    "one null": ([5, None, 9, 3], pa.int32()),
    "repeat inside the range": ([1, 9, 5, 5], pa.int64()),
    "more keys than the range": ([1, 2, 2, 3], pa.int16()),
    "range too wide": ([0, 1 << 40, 7], pa.int64()),
    "unsigned": ([3, 2, 1], pa.uint32()),
    "no present key": ([None, None], pa.int64()),
    "huge unsigned": ([1, 1 << 63], pa.uint64()),
}


def write(tmp_path: Path, keys: list[Any], kind: Any) -> str:
    path = tmp_path / "t.parquet"
    table = pa.table({"id": pa.array(keys, kind), "x": pa.array([1.5] * len(keys))})
    pq.write_table(table, path)
    return str(path)


def by_group(keys: list[Any]) -> Duplicates:
    """What the GROUP BY of the keys counts (NULL a key of its own)."""
    counts: dict[Any, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    repeated = [n for n in counts.values() if n > 1]
    return Duplicates(len(counts), len(repeated), sum(repeated))


@pytest.mark.parametrize("case", sorted(KEYS))
def test_duplicates_as_the_group_by_counts_them(tmp_path: Path, case: str) -> None:
    keys, kind = KEYS[case]
    key = m.DuplicateKeys(("id",))
    with open_scan("s", FileSource(path=write(tmp_path, keys, kind)), None, None) as scan:
        got = scan.compute([m.RowCount(), m.NullCount("x"), key])
    assert got.data[key] == by_group(keys), case
    assert m.Min("id") not in got.data and m.Max("id") not in got.data  # not asked for


def test_a_passing_integer_key_without_group_by(tmp_path: Path) -> None:
    """The run's statements: the scalars (the key's min and max in them), the bitmap; no
    GROUP BY (before: the GROUP BY of every id, the costliest statement at 5M rows)."""
    path = write(tmp_path, list(range(1000, 1040)), pa.int64())
    checks = [NullRate("x"), Range("x", min=0), Unique("id")]
    suite = Suite(name="s", source=FileSource(path=path), checks=checks)
    with statements_to(lambda conn: conn.dialect.name == "duckdb") as seen:
        report = validate(suite, tmp_path)
    assert outcomes(report)["unique.id"].status.value == "pass", outcomes(report)
    assert not [s for s in seen if "GROUP BY" in s], seen
    assert len([s for s in seen if "FROM src" in s]) == 2, seen  # as many as with the GROUP BY
    assert [s for s in seen if "bitstring_agg" in s], seen


def test_only_integer_keys_of_one_column_on_duckdb() -> None:
    assert key_bitmap.MAX_RANGE == 1 << 27
    assert "BIGINT" in key_bitmap.INTEGERS and "UBIGINT" not in key_bitmap.INTEGERS
