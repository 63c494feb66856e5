"""The partition's row count against the suite's own history (docs/adr/0020), read from the
row counts earlier runs of the same source kept in run_metrics (docs/adr/0030, 0141: a run of
another source, by its fingerprint, is not this partition's history).

The band is median ± max(k · 1.4826 · MAD, tolerance · median) of the row counts of the last
``runs`` earlier partitions (the same weekday with ``by_weekday``) whose run had no other
error-severity data failure. The median and MAD ignore the odd outlier, so a holiday in the history
does not widen the band; a volume failure itself does not exclude a day, so a lasting change of
level becomes the new normal after about ``runs / 2`` partitions instead of failing forever.
Fewer than ``min_runs`` such partitions: ``skipped`` with the reason (warm-up), never pass.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from datavigil.checks.base import Check, CheckContext, Gathered, number_problem
from datavigil.checks.trusted import foreign_runs
from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.declare.window import zone

MAD_TO_SIGMA = 1.4826  # MAD of a normal sample times this estimates its standard deviation


class _Volume(Gathered):
    def __init__(self, check: Volume) -> None:
        self.check = check
        self.history: list[tuple[date | str, float]] = []  # (partition, rows), newest first

    def prepare(self, env: Any) -> None:
        """The row counts earlier runs kept (run_metrics), not the source."""
        from datavigil.store import history, metric_history

        c, w = self.check, env.window
        past = [
            (_name(d, start, w), run_id, value)
            for d, run_id, _, value, start in metric_history.earlier(
                env.store, env.suite.name, "row_count", None, w.start
            )
            if not c.by_weekday or _season(start, w) == _season(w.start, w)
        ]
        blocked = history.blocked_runs(env.store, [p[1] for p in past], c.check_name)
        blocked |= foreign_runs(env, [p[1] for p in past])  # another source's counts (ADR 0141)
        kept = [(d, value) for d, run_id, value in past if run_id not in blocked]
        self.history = kept[: c.runs]

    def finish(self, ctx: CheckContext) -> Outcome:
        return self.check.verdict(float(ctx.rows), self.history)


def _name(day: date, start: datetime, window: Any) -> date | str:
    """A partition of history as shown: its day, or for an hourly suite its local hour."""
    if window.unit != "hour":
        return day
    return start.astimezone(zone(window.timezone)).isoformat(timespec="minutes")


def _iso(partition: date | str) -> str:
    return partition if isinstance(partition, str) else partition.isoformat()


def _season(start: datetime, window: Any) -> tuple[int, ...]:
    """What ``by_weekday`` matches: the local weekday of a partition's start, and for an hourly
    suite its local hour too (the same hour of the same weekday)."""
    local = start.astimezone(zone(window.timezone))
    return (local.weekday(), local.hour) if window.unit == "hour" else (local.weekday(),)


@dataclass(frozen=True)
class Volume(Check):
    """``runs``: partitions of history (N). ``k``: half-width of the band in robust standard
    deviations. ``min_runs``: the warm-up (fewer: skipped). ``by_weekday``: compare with the
    same weekday only (weekly seasonality; an hourly suite: the same hour of the same weekday).
    ``tolerance``: smallest half-width as a fraction of the median, so a very regular history
    does not flag a few rows of change."""

    runs: int = 28
    k: float = 3.0
    min_runs: int = 7
    by_weekday: bool = False
    tolerance: float = 0.0
    severity: Severity | str = Severity.WARN

    check_type = "volume"
    needs_rows = False  # an empty partition is a volume anomaly too

    def default_name(self) -> str:
        return "volume.row_count"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        if isinstance(self.runs, bool) or not isinstance(self.runs, int) or self.runs < 3:
            return [f"runs must be an integer >= 3, got {self.runs!r}"]
        if not isinstance(self.min_runs, int) or not 3 <= self.min_runs <= self.runs:
            return [f"min_runs must be an integer in [3, runs], got {self.min_runs!r}"]
        bad = number_problem("k", self.k, 0) or (["k must be > 0"] if self.k == 0 else [])
        bad += number_problem("tolerance", self.tolerance, 0, 1)
        if not bad and self.tolerance == 1:
            bad.append("tolerance must be in [0, 1), got 1")
        return bad

    def gatherer(self) -> Gathered:
        return _Volume(self)

    def results(self, values: Any, ctx: CheckContext) -> list[CheckResult]:
        return [self.result(ctx.prepared.finish(ctx))]

    def band(self, counts: list[float]) -> tuple[float, float, float, float]:
        """(low, high, median, MAD) of a history."""
        median = statistics.median(counts)
        mad = statistics.median(abs(x - median) for x in counts)
        half = max(self.k * MAD_TO_SIGMA * mad, self.tolerance * median)
        return median - half, median + half, median, mad

    def verdict(self, rows: float, history: list[tuple[date | str, float]]) -> Outcome:
        scope = "same-weekday " if self.by_weekday else ""
        if len(history) < self.min_runs:
            return Outcome(
                Status.SKIPPED,
                f"warm-up: {len(history)} earlier {scope}partition(s) in the history, "
                f"{self.min_runs} needed ({rows:.0f} rows recorded)",
                observed_value=rows,
                threshold=f">= {self.min_runs} earlier runs",
                details={"history_runs": len(history)},
            )
        low, high, median, mad = self.band([v for _, v in history])
        inside = low <= rows <= high
        return Outcome(
            Status.PASS if inside else Status.FAIL,
            f"{rows:.0f} rows {'within' if inside else 'outside'} [{low:.0f}, {high:.0f}]: "
            f"median {median:.0f} ± {(high - low) / 2:.0f} (MAD {mad:.1f}) of {len(history)} "
            f"{scope}partitions {_iso(history[-1][0])} .. {_iso(history[0][0])}",
            observed_value=rows,
            threshold=f"[{low:.1f}, {high:.1f}]",
            statistic=(rows - median) / (MAD_TO_SIGMA * mad) if mad else None,
            details={
                "median": median,
                "mad": mad,
                "low": low,
                "high": high,
                "history_runs": len(history),
                "history_from": _iso(history[-1][0]),
                "history_to": _iso(history[0][0]),
                "by_weekday": self.by_weekday,
            },
        )
