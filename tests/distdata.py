"""A small warehouse for the snapshot and distribution tests: one SQLite table ``m`` with a
timestamp column and numeric/categorical columns, one partition per UTC day, seeded."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from datavigil import Partition, SqlSource, Suite
from datavigil.declare.window import Window
from datavigil.runner.run import RunEnv, evaluate
from datavigil.store import Store

FIRST = date(2024, 1, 1)


def day_frame(
    day: date, n: int, rng: np.random.Generator, shift: float = 0.0, **overrides: Any
) -> pd.DataFrame:
    start = datetime.combine(day, datetime.min.time())
    frame = pd.DataFrame(
        {
            "ts": [start + timedelta(seconds=int(s)) for s in np.sort(rng.integers(0, 86_399, n))],
            "x": rng.normal(10 + shift, 2.0, n),
            "y": rng.normal(-5, 1.0, n),
            "grp": rng.choice(["a", "b", "c"], n),
            "const": np.full(n, 3.0),
        }
    )
    for name, values in overrides.items():
        frame[name] = values
    return frame


def write(url: str, frames: list[pd.DataFrame], replace: bool = True) -> None:
    engine = sa.create_engine(url)
    pd.concat(frames, ignore_index=True).to_sql(
        "m", engine, index=False, if_exists="replace" if replace else "append"
    )
    engine.dispose()


def warehouse(
    tmp: Path,
    days: int = 10,
    n: int = 400,
    seed: int = 1,
    shifted: dict[date, dict[str, Any]] | None = None,
) -> str:
    """``shifted``: day -> keyword arguments for day_frame (shift=, or column overrides)."""
    rng = np.random.default_rng(seed)
    url = f"sqlite:///{tmp / 'warehouse.db'}"
    frames = []
    for i in range(days):
        day = FIRST + timedelta(days=i)
        kwargs = (shifted or {}).get(day, {})
        frames.append(day_frame(day, kwargs.pop("n", n), rng, **kwargs))
    write(url, frames)
    return url


def suite(url: str, checks: list[Any] = (), **kw: Any) -> Suite:  # type: ignore[assignment]
    return Suite(
        name="m",
        source=SqlSource(table="m", url=url),
        partition=Partition("ts"),
        checks=checks,
        **kw,
    )


def store(url: str) -> Store:
    s = Store(url)
    s.upgrade()
    return s


def run(s: Suite, st: Store, day: date):
    window = Window.for_day(day, s.timezone)
    env = RunEnv(suite=s, window=window, store=st, run_id="test")
    results, _, error = evaluate(s, window, ("distribution",), env)
    assert error is None
    return {r.check_name: r for r in results}
