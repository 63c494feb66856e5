"""A backfill reads its source in a bounded number of statements, however many days it covers
(issue 21 item 4, docs/adr/0146): every day's scalar metrics, duplicate keys and frequencies
grouped by day, every day's freshness probe in one statement, the catalogue read once; and what
it stores is what the nightly runs of those days store, row for row, on SQLite and PostgreSQL.
Statements are counted with SQLAlchemy's ``before_cursor_execute`` through the real command."""

from __future__ import annotations

import logging
import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil.cli.main import main
from tests.helpers import statements_to, write_events_table
from tests.test_backfill import tables

FIRST = date(2024, 3, 1)
SUITE = """
from datavigil import Partition, SqlSource, Suite
from datavigil.checks import (
    CategoryShift, Freshness, MeanShift, NullRate, Range, RowCount, SchemaChange, Unique, Volume,
)

suite = Suite(
    name="events",
    source=SqlSource(table="events", url="{url}"),
    partition=Partition("ts"),
    dependencies=[Freshness("events", timestamp="ts", warn_after="1d")],
    checks=[
        RowCount(min_rows=5),
        NullRate("x", max_fraction=0.5),
        Range("x", min=0, max=100),
        Unique("id"),
        Volume(runs=7, min_runs=3, tolerance=0.9),
        SchemaChange(),
        CategoryShift("cat", severity="warn"),{more}
    ],
)
"""


@pytest.fixture(autouse=True)
def fresh_suite_modules():
    yield
    for name in [m for m in sys.modules if m.startswith("datavigil_suites.")]:
        del sys.modules[name]


def write_events(url: str, days: int = 24) -> None:
    """``days`` clean days of 20..30 rows (fixed seed): nothing fails, so no run asks for a
    sample of failing rows."""
    rng = random.Random(11)
    rows = []
    for d in range(days):
        start = datetime.combine(FIRST + timedelta(days=d), datetime.min.time())
        for i in range(rng.randint(20, 30)):
            x = round(rng.uniform(0, 90), 3)
            ts = start + timedelta(minutes=45 * i + 1)
            rows.append({"id": d * 1000 + i, "x": x, "cat": "abc"[i % 3], "ts": ts})
    write_events_table(url, rows)


def project(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str, more: str = "") -> None:
    monkeypatch.setenv("DATAVIGIL_HOME", str(tmp))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp / "schemas"))
    (tmp / "schemas").mkdir()
    write_events(url)
    text = SUITE.format(url=url, more=more)
    (tmp / "schemas" / "events.py").write_text(text, encoding="utf-8")


def counted(database: str) -> Any:
    """Every statement sent to the source database (not the results store)."""
    return statements_to(lambda conn: database in str(conn.engine.url.database))


def backfill(tmp: Path, monkeypatch: pytest.MonkeyPatch, days: int, store: str) -> list[str]:
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{tmp / store}")
    last = (FIRST + timedelta(days=days - 1)).isoformat()
    with counted(DB[0]) as seen:
        code = main(["-q", "validate", "events", "--from", FIRST.isoformat(), "--to", last])
    assert code == 0
    return seen


DB: list[str] = []  # the source database's name (its file for SQLite)


def nightly(tmp: Path, monkeypatch: pytest.MonkeyPatch, days: int, store: str) -> None:
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{tmp / store}")
    for d in range(days):
        day = (FIRST + timedelta(days=d)).isoformat()
        assert main(["-q", "validate", "events", "--date", day]) == 0


def reads(seen: list[str]) -> list[str]:
    return [s for s in seen if "FROM events" in s and "pg_catalog" not in s]


def bounded(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str, database: str) -> None:
    from datavigil.runner import prefetch

    DB[:] = [database]
    project(tmp, monkeypatch, url)
    monkeypatch.setattr(prefetch, "HEAD", 10)  # both ranges: 10 days first, then the others
    few, many = (backfill(tmp, monkeypatch, n, f"b{n}.db") for n in (16, 24))
    assert len(many) == len(few), (len(few), len(many))  # before (a86d4a7): 4 per day more
    # the range's rows; scalars, keys and counts of the first 10 days, then of the others
    # (grouped while the first days run); the freshness probe
    assert len(reads(many)) == 8, reads(many)
    nightly(tmp, monkeypatch, 24, "nightly.db")
    want, got = tables(f"sqlite:///{tmp / 'nightly.db'}"), tables(f"sqlite:///{tmp / 'b24.db'}")
    assert len(got["validation_runs"]) == 24
    for name in want:
        assert got[name] == want[name], name


def test_sqlite_backfill_statements_do_not_grow_with_the_days(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    bounded(tmp_path, monkeypatch, url, "warehouse.db")


def test_postgresql_backfill_statements_do_not_grow_with_the_days(
    tmp_path, monkeypatch, capsys, pg_url
):
    bounded(tmp_path, monkeypatch, pg_url, str(sa.make_url(pg_url).database))


def test_moments_are_the_nightly_runs_to_the_last_bit(tmp_path, monkeypatch, capsys):
    """A suite with moments (MeanShift, no reference: an error row, its moments stored): each
    day's moments are its own statement, the nightly one (the next day's sent by a worker
    thread while a day is judged), so the stored values are equal."""
    moments_equal(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'warehouse.db'}")


def test_postgresql_moments_are_the_nightly_runs_to_the_last_bit(
    tmp_path, monkeypatch, capsys, pg_url
):
    moments_equal(tmp_path, monkeypatch, pg_url)


def moments_equal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    from datavigil.runner import prefetch

    project(tmp_path, monkeypatch, url, '\n        MeanShift("x"),')
    monkeypatch.setattr(prefetch, "HEAD", 8)  # 8 days grouped first, then 12 by the worker
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{tmp_path / 'b.db'}")
    last = (FIRST + timedelta(days=19)).isoformat()
    main(["-q", "validate", "events", "--from", FIRST.isoformat(), "--to", last])
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{tmp_path / 'n.db'}")
    for d in range(20):
        main(["-q", "validate", "events", "--date", (FIRST + timedelta(days=d)).isoformat()])
    want, got = tables(f"sqlite:///{tmp_path / 'n.db'}"), tables(f"sqlite:///{tmp_path / 'b.db'}")
    moments = [r for r in got["run_metrics"] if str(r[2]).startswith("moments.")]
    assert len(moments) == 20 * 9  # n mean m2 m3 m4 min max rows scale, a day each
    for name in want:
        assert got[name] == want[name], name


def test_parquet_with_a_partition_column_equals_the_nightly_runs(
    tmp_path, monkeypatch, capsys, caplog
):
    """Files read by DuckDB: the days told apart by DuckDB's own partition filter."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sqlite = tmp_path / "rows.db"
    write_events(f"sqlite:///{sqlite}", days=10)
    engine = sa.create_engine(f"sqlite:///{sqlite}")
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM events"))]
    engine.dispose()
    for r in rows:
        r["ts"] = datetime.fromisoformat(str(r["ts"]))
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "events.parquet")
    text = SUITE.format(url="", more="").replace(
        'SqlSource(table="events", url="")', f'FileSource(path="{tmp_path / "events.parquet"}")'
    )
    text = text.replace("from datavigil import", "from datavigil import FileSource,")
    text = text.replace('dependencies=[Freshness("events", timestamp="ts", warn_after="1d")],', "")
    monkeypatch.setenv("DATAVIGIL_HOME", str(tmp_path))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path / "schemas"))
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "events.py").write_text(text, encoding="utf-8")
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{tmp_path / 'b.db'}")
    last = (FIRST + timedelta(days=9)).isoformat()
    caplog.set_level(logging.INFO, logger="datavigil")
    assert main(["validate", "events", "--from", FIRST.isoformat(), "--to", last, "-v"]) == 0
    assert "metrics of 10 days grouped in 3 statements" in caplog.text
    nightly(tmp_path, monkeypatch, 10, "n.db")
    want, got = tables(f"sqlite:///{tmp_path / 'n.db'}"), tables(f"sqlite:///{tmp_path / 'b.db'}")
    assert len(got["validation_runs"]) == 10
    for name in want:
        assert got[name] == want[name], name
