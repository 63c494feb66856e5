"""The history reads answered from a backfill's memory (``datavigil.store.recall``), each with
the semantics of the statement it stands for: the same filters, the same order, the same limit.
The callers (``metric_history``, ``history``, ``schema_accepts``, ``checks.days``,
``checks.trusted``) use these only while a memory is active and holds the runs asked about.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from datavigil.store.recall import Recall


def metric_earlier(
    mem: Recall, metric: str, column: str | None, before: datetime, scan: int
) -> list[tuple[date, str, str, Any, datetime]]:
    """metric_history.earlier's rows: (day, run_id, status, value, start) of ``metric`` (no
    group) of the runs starting before ``before``, newest start first, then newest finish."""
    rows = []
    for run_id, run in mem.runs.items():
        if run.start >= before:
            continue
        for col, group, value in mem.metrics.get(run_id, {}).get(metric, ()):
            if col == column and group is None:
                row = (run.day, run_id, run.status, value, run.start)
                rows.append((run.start, run.finished, row))
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [r[2] for r in rows[:scan]]


def kept_rows(
    mem: Recall, column: str | None, metrics: list[str], days: list[date]
) -> list[tuple[date, str, str, str, Any, Any]]:
    """checks.days' rows: (day, run_id, status, metric, group, value) of ``metrics`` of ``column``
    on the runs of the days min(days)..max(days), by day, newest finish first, then run id."""
    if column is None:  # column_name = NULL matches nothing
        return []
    lo, hi = min(days), max(days)
    runs = sorted((rid for rid, run in mem.runs.items() if lo <= run.day <= hi))
    runs.sort(key=lambda rid: mem.runs[rid].finished, reverse=True)
    runs.sort(key=lambda rid: mem.runs[rid].day)
    out = []
    for rid in runs:
        run, kept = mem.runs[rid], mem.metrics.get(rid, {})
        for name in metrics:
            for col, group, value in kept.get(name, ()):
                if col == column:
                    out.append((run.day, rid, run.status, name, group, value))
    return out


def blocked(mem: Recall, run_ids: list[str], except_check: str) -> set[str]:
    """history.blocked_runs: the runs with another error-severity check that failed."""
    out = set()
    for rid in run_ids:
        for name, (severity, status, _) in mem.results.get(rid, {}).items():
            if name != except_check and severity == "error" and status == "fail":
                out.add(rid)
    return out


def keys_of(mem: Recall, run_ids: list[str], metric: str) -> dict[str, Any]:
    """run_id -> the group key of its ``metric`` row (checks.trusted's fingerprints)."""
    out = {}
    for rid in run_ids:
        for _, group, _ in mem.metrics.get(rid, {}).get(metric, ()):
            out[rid] = group
    return out


def first_details(mem: Recall, check_name: str, limit: int = 50) -> list[tuple[date, Any]]:
    """schema_accepts.first_recorded's rows: (day, details) of ``check_name`` on the suite's
    runs, earliest finish first, then day."""
    hits = [(run.finished, run.day, rid) for rid, run in mem.runs.items()]
    hits = [h for h in hits if check_name in mem.results.get(h[2], {})]
    hits.sort(key=lambda h: (h[0], h[1]))
    return [(day, mem.results[rid][check_name][2]) for _, day, rid in hits[:limit]]
