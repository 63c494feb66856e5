"""The run summary shown by the CLI and in the Airflow task log (the same text in both)."""

from __future__ import annotations

import json
from typing import Any

from datavigil.checks.drift_all import untested_lines
from datavigil.core.outcome import CheckResult, Status
from datavigil.runner.run import RunReport
from datavigil.stats import inconclusive
from datavigil.stats.multitest import table_lines

MARK = {
    Status.PASS: "ok",
    Status.FAIL: "FAIL",
    Status.ERROR: "ERROR",
    Status.SKIPPED: "skip",
    Status.INCONCLUSIVE: "??",
}


def _line(r: CheckResult) -> str:
    o = r.outcome
    mark = (
        MARK[r.status]
        if r.severity.value == "error" or r.status is Status.PASS
        else f"{MARK[r.status]}(warn)"
    )
    text = f"  {mark:<10} {r.check_name:<40} {o.message}"
    if r.status in (Status.FAIL, Status.ERROR) and o.threshold is not None:
        text += (
            f"\n  {'':<10} {'':<40} observed {_num(o.observed_value)} vs threshold {o.threshold}"
        )
    if o.failure_sample and r.status is Status.FAIL:
        text += f"\n  {'':<10} {'':<40} sample: {json.dumps(list(o.failure_sample), default=str)}"
    return text


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def summary(report: RunReport, verbose: bool = False) -> str:
    run = report.run
    counts: dict[str, int] = {}
    for r in report.results:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    tally = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no checks"
    rows = "partition not read" if run.rows_checked is None else f"{run.rows_checked} rows"
    whole = set(report.phases) >= {"freshness", "validate", "distribution"}
    verdict = (
        f"{run.status.upper()} ({tally})"
        if whole
        else (f"{'/'.join(report.phases)} checks: {tally} · run so far: {run.status.upper()}")
    )
    head = (
        f"suite {run.suite} · partition {run.partition_date} "
        f"[{run.data_interval_start:%Y-%m-%d %H:%M} .. {run.data_interval_end:%Y-%m-%d %H:%M} UTC]"
        f" · {rows} · {verdict}"
    )
    shown = (
        report.results if verbose else [r for r in report.results if r.status is not Status.PASS]
    )
    lines = [head] + [_line(r) for r in shown]
    if not verbose and counts.get("pass"):
        lines.append(f"  ({counts['pass']} checks passed; --verbose lists them)")
    note = inconclusive.summary_line(report.results)  # always, whatever on_inconclusive says
    lines += [f"  {note}"] if note else []
    lines += [] if verbose else untested_lines(report.results)  # drift="all" (ADR 0136)
    lines += table_lines(report.results)  # distribution tests (docs/explanation/statistics.md)
    lines += _shadow_lines(report.results)  # Challenger's comparisons (ADR 0134)
    lines.append(f"run_id {run.run_id}")
    return "\n".join(lines)


def _shadow_lines(results: list[CheckResult]) -> list[str]:
    """Challenger's section; the prediction checks are imported only when a run has one."""
    if not any(r.check_type == "prediction.challenger" for r in results):
        return []
    from datavigil.checks.prediction.shadow import summary_lines

    return summary_lines(results)


def table(rows: list[dict[str, Any]], columns: list[str], width: int = 60) -> str:
    if not rows:
        return "(no results)"
    cells = [[_cell(row.get(c), width) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    out = [
        "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(out)


def _cell(value: Any, width: int) -> str:
    if value is None:
        return ""
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
