"""A small prediction log written to a real database (SQLite, PostgreSQL) or a Parquet file, and
a runner that validates one day through datavigil.runner.run_suite with a real Store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from datavigil import FileSource, Partition, PredictionLog, SqlSource, Suite
from datavigil.declare.window import Window
from datavigil.runner.run import run_suite
from datavigil.store import Store
from tests.helpers import query

COLUMNS = ("predicted_at", "score", "predicted", "model_version", "threshold", "latency_ms",
           "label", "label_at")  # fmt: skip
LOG = PredictionLog(
    predicted_at="predicted_at", score="score", predicted="predicted", version="model_version",
    threshold="threshold", latency="latency_ms", label="label", label_at="label_at",
)  # fmt: skip
D0 = date(2013, 3, 1)


@dataclass
class Day:
    """How one day's predictions are drawn: ``n`` rows, scores Beta(a, b), labels drawn from
    the score (``noise``: share of labels drawn at random instead), labels arriving
    ``arrive`` after the prediction (None: never)."""

    n: int = 200
    a: float = 2.0
    b: float = 2.0
    noise: float = 0.0
    arrive: timedelta | None = timedelta(days=1)
    version: str = "v1"
    threshold: float = 0.5
    latency: float = 40.0
    overrides: dict[str, Any] = field(default_factory=dict)  # column -> a value for every row


def day_rows(day: date, spec: Day, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    score = np.round(rng.beta(spec.a, spec.b, spec.n), 3)  # rounded: ties, as real scores have
    truth = rng.random(spec.n) < score
    noisy = rng.random(spec.n) < spec.noise
    truth = np.where(noisy, rng.random(spec.n) < 0.5, truth)
    out = []
    for i in range(spec.n):
        at = datetime.combine(day, time(0)) + timedelta(seconds=int(86_399 * i / spec.n))
        row = {
            "predicted_at": at, "score": float(score[i]),
            "predicted": int(score[i] >= spec.threshold), "model_version": spec.version,
            "threshold": spec.threshold, "latency_ms": float(rng.exponential(spec.latency)),
            "label": int(truth[i]) if spec.arrive is not None else None,
            "label_at": at + spec.arrive if spec.arrive is not None else None,
        }  # fmt: skip
        row.update(spec.overrides)
        out.append(row)
    return out


def build(days: dict[date, Day]) -> list[dict[str, Any]]:
    return [r for i, (d, s) in enumerate(sorted(days.items())) for r in day_rows(d, s, 100 + i)]


def history(first: date, last: date, spec: Day | None = None, **special: Day) -> dict[date, Day]:
    """Every day first..last drawn like ``spec``; ``special``: "YYYY_MM_DD" -> another Day."""
    days = {first + timedelta(days=i): spec or Day() for i in range((last - first).days + 1)}
    for key, s in special.items():
        days[date.fromisoformat(key.replace("_", "-"))] = s
    return days


def table(meta: sa.MetaData) -> sa.Table:
    return sa.Table(
        "predictions", meta,
        sa.Column("predicted_at", sa.DateTime), sa.Column("score", sa.Float),
        sa.Column("predicted", sa.Integer), sa.Column("model_version", sa.Text),
        sa.Column("threshold", sa.Float), sa.Column("latency_ms", sa.Float),
        sa.Column("label", sa.Integer), sa.Column("label_at", sa.DateTime),
    )  # fmt: skip


def write_sql(url: str, rows: list[dict[str, Any]]) -> SqlSource:
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    t = table(meta)
    meta.create_all(engine)
    with engine.begin() as conn:
        if rows:
            conn.execute(t.insert(), rows)
    engine.dispose()
    return SqlSource(table="predictions", url=url)


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> FileSource:
    import pyarrow as pa
    import pyarrow.parquet as pq

    f, i, ts = pa.float64(), pa.int64(), pa.timestamp("us")
    types = {"predicted_at": ts, "label_at": ts, "score": f, "threshold": f, "latency_ms": f,
             "predicted": i, "label": i, "model_version": pa.string()}  # fmt: skip
    arrays = {c: pa.array([r[c] for r in rows], type=types[c]) for c in COLUMNS}
    pq.write_table(pa.table(arrays), path)
    return FileSource(path=str(path))


def suite(source: Any, checks: list[Any], log: PredictionLog = LOG, **kw: Any) -> Suite:
    return Suite(
        name="model_log", source=source, checks=checks, partition=Partition("predicted_at"),
        prediction_log=log, **kw,
    )  # fmt: skip


@dataclass
class Run:
    report: Any
    results: dict[str, dict[str, Any]]
    metrics: list[tuple[Any, ...]]

    def status(self, name: str) -> str:
        return self.results[name]["status"]

    def details(self, name: str) -> dict[str, Any]:
        return self.results[name]["details"]


def validate(s: Suite, day: date, store_url: str, window: Window | None = None) -> Run:
    """run_suite for ``day`` (or ``window``), and what the store holds for that run."""
    store = Store(store_url)
    try:
        report = run_suite(s, window or Window.for_day(day, s.timezone), store=store)
    finally:
        store.engine.dispose()
    rid = report.run.run_id
    got = query(
        store_url,
        "SELECT check_name, status, observed_value, message, details, "
        "effect_size, p_value, rows_checked FROM check_results WHERE run_id = :r",
        r=rid,
    )
    results = {
        r[0]: {"status": r[1], "observed": r[2], "message": r[3],
               "details": json.loads(r[4]) if isinstance(r[4], str) else r[4],
               "effect": r[5], "p": r[6], "rows": r[7]}
        for r in got
    }  # fmt: skip
    metrics = [
        tuple(r)
        for r in query(store_url, "SELECT metric, column_name, group_key, value FROM run_metrics "
                       "WHERE run_id = :r ORDER BY 1, 2, 3", r=rid)
    ]  # fmt: skip
    return Run(report, results, metrics)
