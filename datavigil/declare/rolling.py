"""Declaring current windows and rolling references for distribution checks (issue 9 item 8, ADR
0110). Reading the days they cover: ``datavigil.checks.days``.

A check with ``window="28d"`` compares the partition day and the 27 days before it, merged, instead
of the day alone: a dataset with one row a day can be tested. A ``Rolling`` reference is the
``days`` days before the current window, optionally only the same weekday(s) or month(s), instead
of a fixed snapshot.

Where the numbers come from: each earlier day's metrics as kept by its latest run (run_metrics);
a day no run kept is computed from the source, one aggregate query per contiguous span of such
days (no rows leave the source). Days whose latest run failed are left out of a rolling reference
(a bad day must not become the norm) unless ``include_failed=True``; they are named in the row,
and older good days stand in for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from datavigil.core.durations import MAX_WINDOW, parse_days
from datavigil.declare.window import Window

__all__ = ["MAX_WINDOW", "Rolling", "current_days", "parse_days"]

MAX_REFERENCE = 1_100  # three years of days
SEASONALITY = (None, "weekday", "month")


@dataclass(frozen=True)
class Rolling:
    """A reference made of the ``days`` days before the current window. ``seasonality``:
    "weekday" keeps only the days whose weekday is in the window (a one-day window: the same
    weekday), "month" only those whose calendar month is. ``include_failed``: keep the days
    whose latest run failed (default: left out, named, and stood in for by older good days of
    the ``days`` days before)."""

    days: int | str = 28
    seasonality: str | None = None
    include_failed: bool = False

    def problems(self) -> list[str]:
        out = []
        try:
            parse_days(self.days, "Rolling.days", MAX_REFERENCE)
        except ValueError as exc:
            out.append(str(exc))
        if self.seasonality not in SEASONALITY:
            out.append(
                f"Rolling.seasonality must be None, 'weekday' or 'month', got {self.seasonality!r}"
            )
        if not isinstance(self.include_failed, bool):
            out.append(f"Rolling.include_failed must be True or False, got {self.include_failed!r}")
        return out

    @property
    def n_days(self) -> int:
        return parse_days(self.days, "Rolling.days", MAX_REFERENCE)

    def keeps(self, day: date, current: list[date]) -> bool:
        """Whether ``day`` belongs to the reference of the window ``current`` (seasonality)."""
        if self.seasonality == "weekday":
            return day.weekday() in {d.weekday() for d in current}
        if self.seasonality == "month":
            return day.month in {d.month for d in current}
        return True

    def span(self, current: list[date]) -> list[date]:
        """The reference's days for a current window ``current`` (oldest first)."""
        first = min(current)
        days = [first - timedelta(days=i) for i in range(self.n_days, 0, -1)]
        return [d for d in days if self.keeps(d, current)]

    def older(self, current: list[date], count: int) -> list[date]:
        """Up to ``count`` days to stand in for failed ones: the most recent kept days of the
        ``days`` days before the span (oldest first)."""
        start = min(current) - timedelta(days=self.n_days)
        days = [start - timedelta(days=i) for i in range(1, self.n_days + 1)]
        return sorted([d for d in days if self.keeps(d, current)][:count])

    @property
    def label(self) -> str:
        season = f", same {self.seasonality}" if self.seasonality else ""
        return f"rolling {self.n_days}d{season}"


def current_days(window: Window, days: int) -> list[date]:
    """The partition day and the ``days - 1`` days before it, oldest first."""
    return [window.day - timedelta(days=i) for i in range(days - 1, -1, -1)]
