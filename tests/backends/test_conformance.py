"""One backend-conformance suite, generated from the table of cases (tests/backends/cases.py):
every metric on SQLite, PostgreSQL, DuckDB over a file, DuckDB over the local S3 server, Spark
through its Thrift server and Spark Connect (a SparkSource over the Parquet file) gives the
reference's value (DuckDB over a Parquet frame of the same rows; for SQLite, which cannot hold
NaN, of the rows with NaN read as NULL). Counts, extremes, frequencies and samples are
identical; moments agree to the backend's stated tolerance. Each backend's values are computed
once (two scans: the whole table, and one day's partition)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil.declare.suite import Partition
from datavigil.declare.window import Window
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan
from datavigil.engine.sources import FrameSource
from tests.backends import cases, data
from tests.backends.cases import CASES, TOLERANCE, Case

BACKENDS = list(TOLERANCE)
DAY = Window.for_day(date(2013, 3, 10), "America/New_York")
PARTITION = Partition("ts", column_timezone="UTC")


def compute_all(source: Any, tmp: Path) -> dict[str, Any]:
    """Every case's value (or its MetricError) on ``source``: two scans; and every built-in
    check's outcome, from one run of a suite (a private results store)."""
    out: dict[str, Any] = {"checks": _checks(source, tmp)}
    for day in (False, True):
        cases = [x for x in CASES if x.day == day]
        window, part = (DAY, PARTITION) if day else (None, None)
        metrics = [x.metric for x in cases]
        metrics += [_everything(x.metric) for x in cases if x.compare == "subset"]
        with open_scan("conformance", source, window, part) as scan:
            values = scan.compute(metrics)
        for x in cases:
            out[x.id] = values.data.get(x.metric)
            if x.compare == "subset":
                out[x.id + "/all"] = values.data.get(_everything(x.metric))
    return out


def _checks(source: Any, tmp: Path) -> dict[str, Any]:
    from datavigil import Suite
    from datavigil.runner.run import run_suite
    from datavigil.store import Store

    suite = Suite(name="conformance", source=source, checks=cases.checks())
    store = Store(f"sqlite:///{tmp / 'results.db'}")
    report = run_suite(suite, DAY, store=store)
    return {
        r.check_name: (r.status.value, r.outcome.observed_value, r.outcome.failing_rows)
        for r in report.results
    }


def _everything(sample: m.Sample) -> m.Sample:
    return m.Sample(sample.columns, 1000, where=sample.where)


def _source(backend: str, tmp: Path, request: pytest.FixtureRequest) -> Any:
    if backend == "sqlite":
        return data.sql_table(f"sqlite:///{tmp / 'conf.db'}")
    if backend == "postgresql":
        return data.sql_table(request.getfixturevalue("pg_url"))
    if backend == "duckdb-files":
        return data.parquet_source(tmp / "files")
    if backend == "duckdb-s3":
        return data.s3_source(request.getfixturevalue("s3"))
    if backend == "spark-connect":
        return data.spark_connect_source(request.getfixturevalue("spark_connect_url"), tmp)
    return data.spark_table(request.getfixturevalue("spark_url"), tmp / "spark")


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    return {}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, results: dict, tmp_path_factory: Any) -> str:
    name = request.param
    if name not in results:
        tmp = tmp_path_factory.mktemp(name)
        source = _source(name, tmp, request)
        try:
            results[name] = compute_all(source, tmp)
        finally:
            if name == "spark-thrift":
                data.drop_spark_table(source.url, source.table)
    return name


@pytest.fixture(scope="module")
def reference(tmp_path_factory: Any) -> dict[str, dict[str, Any]]:
    import pyarrow.compute as pc

    table = data.arrow()
    x = table.column("x")
    without_nan = table.set_column(1, "x", pc.if_else(pc.is_nan(x), None, x))
    return {
        "nan": compute_all(FrameSource(table), tmp_path_factory.mktemp("ref")),
        "no-nan": compute_all(FrameSource(without_nan), tmp_path_factory.mktemp("ref-sqlite")),
    }


@pytest.mark.parametrize("case", CASES, ids=[x.id for x in CASES])
def test_backend_agrees(backend: str, case: Case, results: dict, reference: dict) -> None:
    ref = reference["no-nan" if backend == "sqlite" else "nan"]
    got, want = results[backend][case.id], ref[case.id]
    assert not isinstance(want, m.MetricError), want
    assert not isinstance(got, m.MetricError), f"{backend}: {got}"
    if case.compare == "moments":
        _same_moments(got, want, TOLERANCE[backend])
    elif case.compare == "set":
        assert sorted(map(_norm, got), key=repr) == sorted(map(_norm, want), key=repr)
    elif case.compare == "subset":
        universe = [_norm(r) for r in ref[case.id + "/all"]]
        assert len(got) == min(case.metric.n, len(universe))
        assert all(_norm(r) in universe for r in got), (got, universe)
    else:
        assert _norm(got) == _norm(want)


def _norm(value: Any) -> Any:
    """Values as compared: an instant in UTC (SQLite keeps UTC text), NaN equal to NaN."""
    if isinstance(value, tuple | list):
        return tuple(_norm(v) for v in value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def _same_moments(got: dict, want: dict, rel: float) -> None:
    assert set(got) == set(want)
    for key, w in want.items():
        g = got[key]
        assert (g.rows, g.null, g.nan, g.pos_inf, g.neg_inf) == (
            w.rows, w.null, w.nan, w.pos_inf, w.neg_inf
        )  # fmt: skip
        a, b = g.moments, w.moments
        assert (a.n, a.min, a.max) == (b.n, b.min, b.max)
        for field in ("mean", "m2", "m3", "m4"):
            assert getattr(a, field) == pytest.approx(getattr(b, field), rel=rel, abs=1e-300)


CHECK_NAMES = ["row_count", "nulls.x", "nulls.x.inf", "nulls.s", "ranges.x", "ranges.k",
               "range.x.positive", "unique.k", "unique.pair", "schema"]  # fmt: skip


@pytest.mark.parametrize("check", CHECK_NAMES)
def test_builtin_check_agrees(backend: str, check: str, results: dict, reference: dict) -> None:
    """Status, observed value and failing rows of every built-in check (and of every pandera
    built-in check of the model: ``schema.*``) equal the reference's."""
    ref = reference["no-nan" if backend == "sqlite" else "nan"]["checks"]
    got = results[backend]["checks"]
    names = sorted(n for n in ref if n == check or n.startswith(check + "."))
    assert names and sorted(n for n in got if n in names or n.startswith(check + ".")) == names
    for name in names:
        assert got[name] == ref[name], name
