"""The period LabelQuality judges (issue 20 item 2, ADR 0132): the run's window shifted back by
the log's ``label_delay``, as many days as ``window`` asks (a daily suite: 1 day by default; a
weekly suite: its 7 days). Derived from the run's window, never the clock: a backfill of a run
months later judges the same days with the labels that had arrived by the end of its window.
Also the load-time problems of ``window``, ``by`` and ``min_slice``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from datavigil.core.durations import MAX_WINDOW, parse_days


def label_problems(check: Any) -> list[str]:
    """One line per bad ``window``, ``by`` or ``min_slice`` of a LabelQuality."""
    out = []
    if check.window is not None:
        try:
            parse_days(check.window, "window", MAX_WINDOW)
        except ValueError as exc:
            out.append(str(exc))
    if check.by is not None and (not isinstance(check.by, str) or not check.by.strip()):
        out.append(f"by must be a column name, got {check.by!r}")
    cap = check.min_slice
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
        out.append(f"min_slice must be an integer >= 1 (labelled rows per slice), got {cap!r}")
    return out


def judged_span(check: Any, window: Any) -> tuple[date, date]:
    """(first, last) local day judged by the run of ``window``: its last day minus the label
    delay, and the ``window`` days ending there (default: the run's own days)."""
    days = window.days
    last = days[-1] - timedelta(days=check.log.delay_days)
    n = len(days) if check.window is None else parse_days(check.window, "window", MAX_WINDOW)
    return last - timedelta(days=n - 1), last
