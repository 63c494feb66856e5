"""A small warehouse for the failing-rows tests: per day, 100 rows ``id`` 0..99 with ``x`` =
``id`` (NULL where ``id`` is a multiple of 10) and a timestamp ``ts`` in that UTC day. Range
max 89 fails on ids 91..99 (9 rows); NullRate fails on the 10 NULLs; ``code`` is "nope" on the
15 multiples of 7, else "ok"."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from datavigil import Partition, SqlSource, Suite
from datavigil.declare.window import Window
from datavigil.runner.run import RunKey, RunReport, run_suite
from datavigil.store import Store

DAYS = [date(2024, 3, d) for d in (1, 2, 3, 4)]
OUT_OF_RANGE, NULLS, BAD_CODES = 9, 10, 15


def frame(day: date) -> pd.DataFrame:
    start = datetime.combine(day, datetime.min.time())
    ids = list(range(100))
    return pd.DataFrame(
        {
            "ts": [start + timedelta(minutes=i) for i in ids],
            "id": ids,
            "x": [None if i % 10 == 0 else float(i) for i in ids],
            "code": ["nope" if i % 7 == 0 else "ok" for i in ids],
        }
    )


def write_sql(url: str) -> None:
    engine = sa.create_engine(url)
    pd.concat([frame(d) for d in DAYS], ignore_index=True).to_sql("m", engine, index=False)
    engine.dispose()


def write_parquet(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for d in DAYS:
        frame(d).to_parquet(folder / f"{d:%Y-%m-%d}.parquet", index=False)
    return str(folder / "{date:%Y-%m-%d}.parquet")


def suite(source: Any, checks: list[Any], **kw: Any) -> Suite:
    partition = Partition("ts") if isinstance(source, SqlSource) else None
    return Suite(name="m", source=source, partition=partition, checks=checks, **kw)


def run(s: Suite, day: date, results: str) -> RunReport:
    store = Store(results)
    store.upgrade()
    try:
        return run_suite(s, Window.for_day(day, s.timezone), RunKey(), store=store)
    finally:
        store.engine.dispose()


def by_name(report: RunReport) -> dict[str, Any]:
    return {r.check_name: r for r in report.results}


def count(url: str, table: str, where: str = "") -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT count(*) FROM {table} {where}")).scalar_one())
    finally:
        engine.dispose()
