"""The run's profile (run_metrics) holds what the source computed, whatever the source's
number type: PostgreSQL numeric and DuckDB DECIMAL values arrive as Decimal and are kept as
numbers, not dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import FileSource, SqlSource, Suite
from datavigil.checks import NullRate, Range
from tests.engine.common import validate
from tests.helpers import query


def profile_of(tmp_path: Path, source: Any) -> dict[tuple[str, str | None], float | None]:
    checks = [Range("amount", min=0, max=100), NullRate("amount", max_fraction=0.5)]
    report = validate(Suite(name="s", source=source, checks=checks), tmp_path)
    assert report.exit_code == 0, [r.outcome for r in report.results]
    rows = query(
        f"sqlite:///{tmp_path / 'results.db'}",
        "SELECT metric, column_name, value FROM run_metrics WHERE run_id = :r",
        r=report.run.run_id,
    )
    return {(metric, col): value for metric, col, value in rows}


def test_postgres_numeric_min_max_are_kept(pg_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (amount numeric(10, 2))"))
        conn.execute(sa.text("INSERT INTO t VALUES (1.25), (NULL), (99.5)"))
    engine.dispose()
    got = profile_of(tmp_path, SqlSource(table="t", url=pg_url))
    assert got[("min", "amount")] == 1.25 and got[("max", "amount")] == 99.5
    assert got[("null_count", "amount")] == 1 and got[("row_count", None)] == 3


def test_parquet_decimal_min_max_are_kept(tmp_path: Path) -> None:
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    values = [Decimal("1.25"), None, Decimal("99.50")]
    pq.write_table(pa.table({"amount": pa.array(values, pa.decimal128(10, 2))}), tmp_path / "d.pq")
    got = profile_of(tmp_path, FileSource(path=str(tmp_path / "d.pq"), format="parquet"))
    assert got[("min", "amount")] == 1.25 and got[("max", "amount")] == 99.5
