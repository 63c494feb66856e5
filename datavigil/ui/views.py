"""Page contexts: what each page shows, read from the store with a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa

from datavigil.ui import failures, plots, queries
from datavigil.ui.access import Forbidden, Readable, check, everyone
from datavigil.ui.queries import RunFilter

TREND_RUNS = 30
PHASE_ORDER = {"freshness": 0, "validate": 1, "distribution": 2}


class NotFound(LookupError):
    """A run, suite or snapshot that the store does not hold (404)."""


@dataclass(frozen=True, slots=True)
class Page:
    template: str
    context: dict[str, Any]


def index(conn: sa.Connection, f: RunFilter, readable: Readable = everyone) -> Page:
    """Every suite the user may read, and their runs: the others are left out."""
    every = queries.suites(conn)
    allowed = readable({s["suite"] for s in every})
    runs = queries.runs(conn, replace(f, allowed=frozenset(allowed)))
    suites = [s for s in every if s["suite"] in allowed]
    return Page("index.html", {"suites": suites, "runs": runs, "filter": f})


def suite_page(
    conn: sa.Connection, suite: str, f: RunFilter, readable: Readable = everyone, last: int = 60
) -> Page:
    check(readable, suite, f"the runs of the DAG of suite '{suite}'")
    latest = [s for s in queries.suites(conn) if s["suite"] == suite]
    if not latest:
        raise NotFound(f"no runs of suite '{suite}' in the results store")
    recent = queries.recent_runs(conn, suite, last)
    trend_plots = plots.trends(recent, queries.history(conn, [r["run_id"] for r in recent]))
    return Page(
        "suite.html",
        {
            "suite": latest[0],
            "runs": queries.runs(conn, f),
            "filter": f,
            "trends": trend_plots,
            "trend_runs": len(recent),
        },
    )


def run_page(conn: sa.Connection, run_id: str, readable: Readable = everyone) -> Page:
    run = queries.run(conn, run_id)
    if run is None:
        raise NotFound(f"no run '{run_id}' in the results store")
    check(readable, run["suite"], "the runs of this run's DAG")
    return Page("run.html", run_context(conn, run, readable=readable))


def run_context(
    conn: sa.Connection,
    run: dict[str, Any],
    last: int = TREND_RUNS,
    readable: Readable = everyone,
) -> dict[str, Any]:
    """What a run's page shows (every part of the run's own suite; the link to its reference
    snapshot only when the user may read the snapshot's suite)."""
    checks = queries.checks(conn, run["run_id"])
    failures.attach(checks, run)  # the first stored failing rows, read where they are
    snap_id = run.get("reference_snapshot_id") or _snapshot_of(checks)
    snapshot = queries.snapshot(conn, snap_id) if snap_id else None
    linked = snapshot is not None and snapshot["suite"] in readable([snapshot["suite"]])
    metric_rows = queries.metrics(conn, [run["run_id"]])
    own = {(m["metric"], m["column_name"]): m["value"] for m in metric_rows}
    recent = queries.recent_runs(conn, run["suite"], last, run["partition_date"])
    ids = [r["run_id"] for r in recent]
    if run["run_id"] not in ids:  # an older try of the same day: draw it too
        recent.append({k: run[k] for k in ("run_id", "partition_date", "status", "finished_at")})
        ids.append(run["run_id"])
    dist = [c for c in checks if str(c["check_type"]).startswith("distribution")]
    distribution_plots = [
        p for c in dist if (p := plots.distribution_plot(c, snapshot, own)) is not None
    ]
    return {
        "run": run,
        "phases": _by_phase(checks),
        "check_counts": _counts(checks),
        "snapshot": snapshot,
        "snapshot_linked": linked,
        "distribution_tests": dist,
        "shadow": [c for c in checks if c["check_type"] == "prediction.challenger"],
        "distribution_plots": distribution_plots,
        "frequency_plots": _frequency_plots(snapshot, conn, run["run_id"]),
        "trends": plots.trends(recent, queries.history(conn, ids), run["run_id"]),
        "metric_trends": plots.metric_trends(recent, queries.metrics(conn, ids)),
        "trend_runs": len(recent),
    }


def _snapshot_of(checks: list[dict[str, Any]]) -> int | None:
    for c in checks:
        ref = (c.get("details") or {}).get("reference_snapshot_id")
        if isinstance(ref, int):
            return ref
    return None


def _by_phase(checks: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in checks:
        groups[c["phase"]].append(c)
    rank = {"fail": 0, "error": 1, "inconclusive": 2, "skipped": 3, "pass": 4}
    for rows in groups.values():
        rows.sort(key=lambda c: (rank.get(c["status"], 5), c["check_name"]))
    return sorted(groups.items(), key=lambda kv: PHASE_ORDER.get(kv[0], 9))


def _counts(checks: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in checks:
        out[c["status"]] = out.get(c["status"], 0) + 1
    return out


def _frequency_plots(
    snapshot: dict[str, Any] | None, conn: sa.Connection, run_id: str
) -> list[plots.Plot]:
    """Side-by-side shares for the categorical columns whose current frequencies the run
    recorded (run_metrics metric 'frequency', group_key = the category)."""
    if not snapshot:
        return []
    current: dict[str, dict[str, float]] = defaultdict(dict)
    stmt = sa.select(queries.M.column_name, queries.M.group_key, queries.M.value).where(
        queries.M.run_id == run_id, queries.M.metric == "frequency"
    )
    for col, key, value in conn.execute(stmt):
        if col and key is not None and value is not None:
            current[col][key] = float(value)
    out = []
    for col, stats in sorted((snapshot.get("columns") or {}).items()):
        if stats.get("kind") == "categorical" and current.get(col):
            p = plots.frequency_plot(col, stats, current[col])
            if p is not None:
                out.append(p)
    return out


def snapshot_page(conn: sa.Connection, snapshot_id: int, readable: Readable = everyone) -> Page:
    snap = queries.snapshot(conn, snapshot_id)
    if snap is None:
        raise NotFound(f"no reference snapshot {snapshot_id} in the results store")
    check(readable, snap["suite"], "the runs of this snapshot's DAG")
    return Page("snapshot.html", snapshot_context(snap))


def snapshot_context(snap: dict[str, Any]) -> dict[str, Any]:
    numeric, categorical = [], []
    for col, stats in sorted((snap.get("columns") or {}).items()):
        if stats.get("kind") == "numeric":
            if (plot := plots.reference_plot(col, stats)) is not None:
                numeric.append(plot)
        elif stats.get("kind") == "categorical":
            p = plots.frequency_plot(col, stats, None)
            if p is not None:
                categorical.append(p)
    return {"snapshot": snap, "numeric_plots": numeric, "categorical_plots": categorical}


def dag_run_page(
    conn: sa.Connection, dag_id: str, dag_run_id: str, readable: Readable = everyone
) -> Page:
    """The tab on an Airflow DAG run / task instance: that run's report (a fleet DAG's run: the
    list of its suites' runs the user may read, each linked to its report); for a capture DAG,
    the suite's newest snapshot."""
    if dag_id.startswith("capture_reference_"):
        suite = dag_id.removeprefix("capture_reference_")
        check(readable, suite, f"the runs of the DAG of suite '{suite}'")
        snap = queries.latest_snapshot(conn, suite)
        if snap is None:
            raise NotFound(f"DAG {dag_id}: no reference snapshot captured yet")
        return Page("snapshot.html", snapshot_context(snap))
    runs = queries.runs_of_dag_run(conn, dag_id, dag_run_id)
    if not runs:
        raise NotFound(
            f"no data-quality results for DAG {dag_id} run {dag_run_id} "
            "(not a datavigil DAG, or its tasks have not saved results yet)"
        )
    if len(runs) == 1:  # a suite's own DAG: that run's report
        check(readable, runs[0]["suite"], "the runs of this run's DAG")
        return Page("run.html", run_context(conn, runs[0], readable=readable))
    allowed = readable({r["suite"] for r in runs})
    if not allowed:
        raise Forbidden("your Airflow role may not read the runs of this run's DAG")
    shown = [r for r in runs if r["suite"] in allowed]
    context = {"dag_id": dag_id, "dag_run_id": dag_run_id, "runs": shown}
    return Page("dag_run.html", context | {"counts": _statuses(shown)})


def _statuses(runs: list[dict[str, Any]]) -> dict[str, int]:
    """How many of the runs have each status (``pass``, ``warn``, ``fail``, ``error``)."""
    out: dict[str, int] = {}
    for r in runs:
        out[r["status"]] = out.get(r["status"], 0) + 1
    return out


def parse_day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}: '{text}' is not YYYY-MM-DD") from None
