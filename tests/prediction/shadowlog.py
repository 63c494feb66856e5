"""A shadow release's prediction log: every input scored by the champion and the challenger
(one row each, the same ``request_id`` and label), written to SQLite or Parquet."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from datavigil import FileSource, PredictionLog, SqlSource

LOG = PredictionLog(
    predicted_at="predicted_at", score="score", predicted="predicted", version="model_version",
    label="label", label_at="label_at",
)  # fmt: skip
COLUMNS = ("predicted_at", "request_id", "model_version", "score", "predicted", "label",
           "label_at")  # fmt: skip


def day_rows(day: date, n: int, seed: int, worse: float = 0.0) -> list[dict[str, Any]]:
    """``n`` inputs of ``day``, each scored by v1 and v2; ``worse``: the challenger's share of
    inputs whose score is replaced by noise."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    common = rng.normal(size=n)
    out = []
    for version, spoil in (("v1", 0.0), ("v2", worse)):
        latent = 1.6 * (2 * y - 1) + common + 0.7 * rng.normal(size=n)
        latent = np.where(rng.random(n) < spoil, 2 * rng.normal(size=n), latent)
        score = np.round(1 / (1 + np.exp(-latent)), 3)
        for i in range(n):
            at = datetime.combine(day, time(0)) + timedelta(seconds=int(86_000 * i / n))
            out.append({
                "predicted_at": at, "request_id": f"{day}-{i:05d}", "model_version": version,
                "score": float(score[i]), "predicted": int(score[i] >= 0.5),
                "label": int(y[i]), "label_at": at + timedelta(days=1),
            })  # fmt: skip
    return out


def log_rows(first: date, last: date, n: int, worse: float = 0.0) -> list[dict[str, Any]]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [r for i, d in enumerate(days) for r in day_rows(d, n, 500 + i, worse)]


def write_sql(url: str, rows: list[dict[str, Any]]) -> SqlSource:
    engine = sa.create_engine(url)
    t = sa.Table(
        "shadow", sa.MetaData(), sa.Column("predicted_at", sa.DateTime),
        sa.Column("request_id", sa.Text), sa.Column("model_version", sa.Text),
        sa.Column("score", sa.Float), sa.Column("predicted", sa.Integer),
        sa.Column("label", sa.Integer), sa.Column("label_at", sa.DateTime),
    )  # fmt: skip
    with engine.begin() as conn:
        t.create(conn)
        if rows:
            conn.execute(t.insert(), rows)
    engine.dispose()
    return SqlSource(table="shadow", url=url)


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> FileSource:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ts = pa.timestamp("us")
    i, text = pa.int64(), pa.string()
    types = {"predicted_at": ts, "label_at": ts, "score": pa.float64(), "predicted": i,
             "label": i, "request_id": text, "model_version": text}  # fmt: skip
    table = pa.table({c: pa.array([r[c] for r in rows], type=types[c]) for c in COLUMNS})
    pq.write_table(table, path)
    return FileSource(path=str(path))
